"""Contract of CertificateRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from dbtest_support import ACCOUNT, OTHER_ACCOUNT, PLUS_TWO, T0

from certherd.adapters.db import certificates_repo
from certherd.adapters.db.unit_of_work import SqlUnitOfWork
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    FailureReason,
    RenewalStatus,
    RenewalSummary,
    RevocationReason,
    VersionAction,
    effective_status,
)
from certherd.domain.inventory import (
    CertificateFilter,
    Cursor,
    PageRequest,
    SortBy,
    SortOrder,
)
from certherd.domain.records import IssuedCertificate
from certherd.domain.tags import Tag
from certherd.errors import ConflictError, NotFoundError, ValidationError
from certherd.pki.keys import KeyAlgorithm
from certherd.services.ports import IssuedRows

NOW = T0 + timedelta(days=100)
CA_ARN = f"arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/ca-one"


def _full(build, **overrides) -> Certificate:
    """A certificate with every optional field set, datetimes given in +02:00."""
    cert = build.certificate(**overrides)
    return replace(
        cert,
        type=CertificateType.PRIVATE,
        status=CertificateStatus.REVOKED,
        subject_alternative_names=(cert.domain_name, "*.example.org", "xn--bcher-kva.example"),
        key_algorithm=KeyAlgorithm.EC_secp384r1,
        signature_algorithm="SHA384WITHECDSA",
        serial="7f:00:ff:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11",
        not_before=datetime(2026, 1, 1, 2, 0, 0, 1, tzinfo=PLUS_TWO),
        not_after=datetime(2027, 2, 1, 1, 59, 59, 999999, tzinfo=PLUS_TWO),
        created_at=datetime(2026, 1, 1, 2, 0, 0, 500000, tzinfo=PLUS_TWO),
        version=1,
        issued_at=T0 + timedelta(seconds=1),
        imported_at=T0 + timedelta(seconds=2),
        revoked_at=T0 + timedelta(days=3, microseconds=3),
        revocation_reason=RevocationReason.KEY_COMPROMISE,
        authority_arn=CA_ARN,
        exported_at=T0 + timedelta(days=1),
        in_use_by=("arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/x",),
        renewal=RenewalSummary(
            status=RenewalStatus.FAILED,
            updated_at=T0 + timedelta(days=2),
            reason=FailureReason.PCA_INVALID_STATE,
        ),
        key_usages=("DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT"),
        extended_key_usages=(("TLS_WEB_SERVER_AUTHENTICATION", "1.3.6.1.5.5.7.3.1"),),
        validity_days=30,
        idempotency_token="tok-1",
        tags=(Tag("env", "prod"), Tag("owner", ""), Tag("z", "ünïcode välue")),
    )


def _assert_utc(cert: Certificate) -> None:
    for name in (
        "not_before",
        "not_after",
        "created_at",
        "issued_at",
        "imported_at",
        "revoked_at",
        "exported_at",
    ):
        value = getattr(cert, name)
        if value is not None:
            assert value.tzinfo is UTC, name


# -- single certificates -----------------------------------------------------------------


def test_round_trip_of_every_field(uow: SqlUnitOfWork, build) -> None:
    cert = _full(build)
    version = build.version(cert, chain_pem="CHAIN", exported_at=T0 + timedelta(days=1))
    uow.certificates.add(cert, version)

    loaded = uow.certificates.get(ACCOUNT, cert.id)

    assert loaded == cert
    assert loaded is not None
    _assert_utc(loaded)
    assert loaded.renewal is not None and loaded.renewal.updated_at.tzinfo is UTC
    assert loaded.created_at.microsecond == 500000
    assert uow.certificates.versions(cert.id) == [version]


def test_minimal_certificate_round_trips_with_defaults(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate(subject_alternative_names=())
    uow.certificates.add(cert, build.version(cert))
    assert uow.certificates.get(ACCOUNT, cert.id) == cert


def test_get_is_scoped_to_the_account(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate()
    uow.certificates.add(cert, build.version(cert))
    assert uow.certificates.get(OTHER_ACCOUNT, cert.id) is None
    assert uow.certificates.get(ACCOUNT, "no-such-id") is None


def test_committed_certificate_is_seen_by_the_next_unit_of_work(engine: sa.Engine, build) -> None:
    cert = _full(build)
    with SqlUnitOfWork(engine) as unit:
        unit.certificates.add(cert, build.version(cert))
        unit.commit()
    with SqlUnitOfWork(engine) as unit:
        assert unit.certificates.get(ACCOUNT, cert.id) == cert


def test_update_stores_every_field_and_replaces_tags(uow: SqlUnitOfWork, build) -> None:
    cert = _full(build)
    uow.certificates.add(cert, build.version(cert))
    changed = replace(
        cert,
        status=CertificateStatus.ISSUED,
        domain_name="other.example.com",
        revoked_at=None,
        revocation_reason=None,
        exported_at=None,
        in_use_by=(),
        renewal=RenewalSummary(status=RenewalStatus.SUCCESS, updated_at=T0),
        key_usages=(),
        extended_key_usages=(),
        idempotency_token=None,
        validity_days=395,
        tags=(Tag("env", "dev"), Tag("new", "1")),
    )
    uow.certificates.update(changed)
    assert uow.certificates.get(ACCOUNT, cert.id) == changed

    untagged = replace(changed, tags=(), renewal=None)
    uow.certificates.update(untagged)
    assert uow.certificates.get(ACCOUNT, cert.id) == untagged


def test_update_of_a_missing_certificate_raises(uow: SqlUnitOfWork, build) -> None:
    with pytest.raises(NotFoundError):
        uow.certificates.update(build.certificate())


def test_adding_a_duplicate_raises_conflict(engine: sa.Engine, build) -> None:
    cert = build.certificate()
    with SqlUnitOfWork(engine) as unit:
        unit.certificates.add(cert, build.version(cert))
        unit.commit()
    with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
        unit.certificates.add(replace(cert, arn=cert.arn + "x"), build.version(cert))
    with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
        other = build.certificate(arn=cert.arn)
        unit.certificates.add(other, build.version(other))


def test_versions_come_oldest_first_and_add_version_updates(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate()
    first = build.version(cert)
    uow.certificates.add(cert, first)
    renewed = replace(
        cert,
        version=2,
        serial="02",
        key_secret_id="secret-renewed",
        not_after=cert.not_after + timedelta(days=395),
        exported_at=None,
    )
    second = build.version(renewed, action=VersionAction.RENEWAL, created_at=T0 + timedelta(1))
    uow.certificates.add_version(renewed, second)

    assert uow.certificates.versions(cert.id) == [first, second]
    assert uow.certificates.get(ACCOUNT, cert.id) == renewed
    assert uow.certificates.versions("no-such-id") == []


def test_add_version_with_a_taken_number_raises_conflict(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate()
    uow.certificates.add(cert, build.version(cert))
    with pytest.raises(ConflictError):
        uow.certificates.add_version(cert, build.version(cert))


def test_mark_version_exported(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate()
    version = build.version(cert)
    uow.certificates.add(cert, version)
    at = datetime(2026, 2, 1, 12, 0, 0, 42, tzinfo=PLUS_TWO)

    uow.certificates.mark_version_exported(cert.id, 1, at)

    (stored,) = uow.certificates.versions(cert.id)
    assert stored == replace(version, exported_at=at)
    assert stored.exported_at is not None and stored.exported_at.tzinfo is UTC
    with pytest.raises(NotFoundError):
        uow.certificates.mark_version_exported(cert.id, 2, at)


def test_delete_removes_versions_and_tags_and_returns_secret_ids(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate(tags=(Tag("a", "b"),), key_secret_id="s-1")
    uow.certificates.add(cert, build.version(cert))
    renewed = replace(cert, version=2, key_secret_id="s-2")
    uow.certificates.add_version(renewed, build.version(renewed))
    keep = build.certificate(tags=(Tag("a", "b"),))
    uow.certificates.add(keep, build.version(keep))

    assert uow.certificates.delete(cert.id) == ["s-2", "s-1"]
    assert uow.certificates.get(ACCOUNT, cert.id) is None
    assert uow.certificates.versions(cert.id) == []
    assert uow.certificates.delete(cert.id) == []
    assert uow.certificates.get(ACCOUNT, keep.id) == keep
    tag_rows = uow.connection.execute(sa.text("SELECT certificate_id FROM certificate_tags"))
    assert [row[0] for row in tag_rows] == [keep.id]


def test_find_by_token(uow: SqlUnitOfWork, build) -> None:
    old = build.certificate(idempotency_token="tok", created_at=T0)
    new = build.certificate(idempotency_token="tok", created_at=T0 + timedelta(minutes=30))
    other_account = build.certificate(
        account=OTHER_ACCOUNT, idempotency_token="tok", created_at=T0 + timedelta(hours=2)
    )
    for cert in (old, new, other_account):
        uow.certificates.add(cert, build.version(cert))

    assert uow.certificates.find_by_token(ACCOUNT, "tok", T0) == new.id
    assert uow.certificates.find_by_token(ACCOUNT, "tok", T0 + timedelta(minutes=30)) == new.id
    assert uow.certificates.find_by_token(ACCOUNT, "tok", T0 + timedelta(hours=1)) is None
    assert uow.certificates.find_by_token(ACCOUNT, "other", T0) is None
    assert uow.certificates.find_by_token(OTHER_ACCOUNT, "tok", T0) == other_account.id


def test_naive_datetimes_are_refused(uow: SqlUnitOfWork, build) -> None:
    cert = build.certificate(created_at=datetime(2026, 1, 1))
    with pytest.raises(sa.exc.StatementError) as raised:
        uow.certificates.add(cert, build.version(cert))
    assert isinstance(raised.value.orig, ValueError)


# -- the inventory -------------------------------------------------------------------------

_STATUS_CYCLE = (
    CertificateStatus.ISSUED,
    CertificateStatus.ISSUED,
    CertificateStatus.ISSUED,
    CertificateStatus.ISSUED,
    CertificateStatus.EXPIRED,
    CertificateStatus.REVOKED,
    CertificateStatus.PENDING_VALIDATION,
)
_KEYS = (KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_prime256v1, KeyAlgorithm.EC_secp384r1)
_TYPES = (CertificateType.PRIVATE, CertificateType.IMPORTED, CertificateType.AMAZON_ISSUED)
_DOMAINS = ("a.example.com", "b.example.com", "a-b.example.com", "ab.example.com", "a.b.com")


def _inventory(build) -> list[Certificate]:
    """60 certificates with ties in every sort key and NotAfter on both sides of NOW."""
    certs = []
    for i in range(60):
        tags: list[Tag] = []
        if i % 2 == 0:
            tags.append(Tag("env", "prod" if i % 4 == 0 else "dev"))
        if i % 3 == 0:
            tags.append(Tag("team", "x"))
        cert_type = _TYPES[i % 4 % 3]
        certs.append(
            build.certificate(
                account=OTHER_ACCOUNT if i % 10 == 9 else ACCOUNT,
                status=_STATUS_CYCLE[i % 7],
                type=cert_type,
                key_algorithm=_KEYS[i % 3],
                domain_name=_DOMAINS[i % 5],
                created_at=T0 + timedelta(hours=i // 3, microseconds=i % 2),
                # -30 .. +80 days around NOW; i % 12 == 3 ends exactly at NOW (expired),
                # i % 12 == 6 exactly 30 days after NOW (still "within 30 days").
                not_after=NOW + timedelta(days=(i % 12) * 10 - 30),
                authority_arn=CA_ARN if cert_type is CertificateType.PRIVATE and i % 2 else None,
                tags=tuple(tags),
            )
        )
    return certs


def _matches(cert: Certificate, where: CertificateFilter, now: datetime) -> bool:
    if cert.account != ACCOUNT:
        return False
    if where.statuses and effective_status(cert, now) not in where.statuses:
        return False
    if where.key_algorithms and cert.key_algorithm not in where.key_algorithms:
        return False
    if where.types and cert.type not in where.types:
        return False
    bounds = where.expiry_bounds(now)
    if bounds is not None and not (
        cert.status is CertificateStatus.ISSUED and bounds[0] < cert.not_after <= bounds[1]
    ):
        return False
    if where.authority_arn is not None and cert.authority_arn != where.authority_arn:
        return False
    return all(
        any(t.key == key and (value is None or t.value == value) for t in cert.tags)
        for key, value in where.tags
    )


_SORT_KEYS = {
    SortBy.CREATED_AT: lambda c: (c.created_at, c.id),
    SortBy.NOT_AFTER: lambda c: (c.not_after, c.id),
    SortBy.DOMAIN_NAME: lambda c: (c.domain_name, c.id),
}

_FILTERS = {
    "all": CertificateFilter(),
    "issued": CertificateFilter(statuses=(CertificateStatus.ISSUED,)),
    "expired": CertificateFilter(statuses=(CertificateStatus.EXPIRED,)),
    "issued-or-revoked": CertificateFilter(
        statuses=(CertificateStatus.ISSUED, CertificateStatus.REVOKED)
    ),
    "pending": CertificateFilter(statuses=(CertificateStatus.PENDING_VALIDATION,)),
    "ec": CertificateFilter(key_algorithms=(KeyAlgorithm.EC_prime256v1, KeyAlgorithm.EC_secp384r1)),
    "imported": CertificateFilter(types=(CertificateType.IMPORTED,)),
    "expiring-30": CertificateFilter(expiring_within_days=30),
    "expiring-0": CertificateFilter(expiring_within_days=0),
    "tag-key": CertificateFilter(tags=(("team", None),)),
    "tag-value": CertificateFilter(tags=(("env", "prod"),)),
    "two-tags": CertificateFilter(tags=(("env", "dev"), ("team", None))),
    "tag-absent": CertificateFilter(tags=(("env", "nope"),)),
    "authority": CertificateFilter(authority_arn=CA_ARN),
    "combined": CertificateFilter(
        statuses=(CertificateStatus.ISSUED, CertificateStatus.EXPIRED),
        types=(CertificateType.PRIVATE,),
        tags=(("env", None),),
    ),
}


@pytest.fixture
def inventory(engine: sa.Engine, build) -> list[Certificate]:
    certs = _inventory(build)
    with SqlUnitOfWork(engine) as unit:
        for cert in certs:
            unit.certificates.add(cert, build.version(cert))
        unit.commit()
    return certs


def _walk(
    unit: SqlUnitOfWork, where: CertificateFilter, size: int, sort_by: SortBy, order: SortOrder
) -> Iterator[list[Certificate]]:
    token = None
    while True:
        page = PageRequest(max_items=size, next_token=token, sort_by=sort_by, sort_order=order)
        items, token = unit.certificates.page(ACCOUNT, where, page, NOW)
        yield items
        if token is None:
            return


def test_every_filter_sort_and_order_walks_all_pages_exactly_once(
    engine: sa.Engine, inventory: list[Certificate]
) -> None:
    assert any(_matches(c, CertificateFilter(expiring_within_days=30), NOW) for c in inventory)
    with SqlUnitOfWork(engine, read_only=True) as unit:
        for name, where in _FILTERS.items():
            wanted = [c for c in inventory if _matches(c, where, NOW)]
            assert unit.certificates.count(ACCOUNT, where, NOW) == len(wanted), name
            for sort_by, key in _SORT_KEYS.items():
                for order in SortOrder:
                    expected = sorted(wanted, key=key, reverse=order is SortOrder.DESCENDING)
                    for size in (1, 7, 1000) if name == "all" else (7, 1000):
                        pages = list(_walk(unit, where, size, sort_by, order))
                        context = f"{name} {sort_by} {order} {size}"
                        assert all(len(p) == size for p in pages[:-1]), context
                        assert pages[-1] or not expected, context
                        walked = [c for p in pages for c in p]
                        assert [c.id for c in walked] == [c.id for c in expected], context
                        assert walked == expected, context


def test_filters_select_what_the_domain_decides(inventory: list[Certificate]) -> None:
    """The reference filter itself sees each case the inventory was built to contain."""
    for name, where in _FILTERS.items():
        hits = [c for c in inventory if _matches(c, where, NOW)]
        assert hits or name in {"tag-absent", "expiring-0"}, name
    expired = [c for c in inventory if _matches(c, _FILTERS["expired"], NOW)]
    assert any(c.status is CertificateStatus.ISSUED and c.not_after == NOW for c in expired)
    assert any(c.status is CertificateStatus.EXPIRED for c in expired)
    expiring = [c for c in inventory if _matches(c, _FILTERS["expiring-30"], NOW)]
    assert any(c.not_after == NOW + timedelta(days=30) for c in expiring)


def test_effective_status_depends_on_now(engine: sa.Engine, inventory: list[Certificate]) -> None:
    issued = CertificateFilter(statuses=(CertificateStatus.ISSUED,))
    expired = CertificateFilter(statuses=(CertificateStatus.EXPIRED,))
    stored_issued = [
        c for c in inventory if c.account == ACCOUNT and c.status is CertificateStatus.ISSUED
    ]
    stored_expired = [
        c for c in inventory if c.account == ACCOUNT and c.status is CertificateStatus.EXPIRED
    ]
    with SqlUnitOfWork(engine, read_only=True) as unit:
        early = T0  # before every NotAfter
        assert unit.certificates.count(ACCOUNT, issued, early) == len(stored_issued)
        assert unit.certificates.count(ACCOUNT, expired, early) == len(stored_expired)
        late = NOW + timedelta(days=1000)  # after every NotAfter
        assert unit.certificates.count(ACCOUNT, issued, late) == 0
        assert unit.certificates.count(ACCOUNT, expired, late) == len(stored_issued) + len(
            stored_expired
        )


def test_count_by_status_counts_effective_statuses(
    engine: sa.Engine, inventory: list[Certificate]
) -> None:
    with SqlUnitOfWork(engine, read_only=True) as unit:
        for account in (ACCOUNT, OTHER_ACCOUNT, None):
            expected = dict.fromkeys((s.value for s in CertificateStatus), 0)
            for c in inventory:
                if account is None or c.account == account:
                    expected[effective_status(c, NOW).value] += 1
            assert unit.certificates.count_by_status(account, NOW) == expected


def test_a_page_is_two_queries(engine: sa.Engine, inventory: list[Certificate]) -> None:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with SqlUnitOfWork(engine, read_only=True) as unit:
        unit.certificates.count(ACCOUNT, CertificateFilter(), NOW)  # begin the transaction
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            items, _ = unit.certificates.page(
                ACCOUNT, CertificateFilter(), PageRequest(max_items=1000), NOW
            )
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
    assert len(items) == sum(c.account == ACCOUNT for c in inventory)
    assert any(c.tags for c in items)
    assert len(statements) == 2, statements


def test_a_token_of_another_sort_or_not_ours_is_refused(
    engine: sa.Engine, inventory: list[Certificate]
) -> None:
    with SqlUnitOfWork(engine, read_only=True) as unit:
        _, token = unit.certificates.page(
            ACCOUNT,
            CertificateFilter(),
            PageRequest(max_items=2, sort_by=SortBy.DOMAIN_NAME),
            NOW,
        )
        assert token is not None
        for bad in (token, "not-a-token", Cursor("2026-01-01T00:00:00", "x").encode()):
            with pytest.raises(ValidationError) as raised:
                unit.certificates.page(
                    ACCOUNT, CertificateFilter(), PageRequest(next_token=bad), NOW
                )
            assert raised.value.field == "NextToken"


def test_cursor_sort_values_round_trip_microseconds(
    engine: sa.Engine, inventory: list[Certificate]
) -> None:
    with SqlUnitOfWork(engine, read_only=True) as unit:
        _, token = unit.certificates.page(
            ACCOUNT, CertificateFilter(), PageRequest(max_items=2, sort_by=SortBy.CREATED_AT), NOW
        )
    assert token is not None
    cursor = Cursor.decode(token)
    assert datetime.fromisoformat(cursor.sort_value).tzinfo is not None
    assert "." in cursor.sort_value  # microseconds always written


def test_iter_all_streams_every_certificate_in_batches(
    engine: sa.Engine, inventory: list[Certificate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(certificates_repo, "ITER_BATCH_SIZE", 7)
    with SqlUnitOfWork(engine, read_only=True) as unit:
        everything = list(unit.certificates.iter_all())
        mine = list(unit.certificates.iter_all(ACCOUNT))
        assert list(unit.certificates.iter_all("000000000000")) == []
    assert everything == sorted(inventory, key=lambda c: c.id)
    assert mine == sorted((c for c in inventory if c.account == ACCOUNT), key=lambda c: c.id)


def test_empty_inventory(uow: SqlUnitOfWork) -> None:
    items, token = uow.certificates.page(ACCOUNT, CertificateFilter(), PageRequest(), NOW)
    assert (items, token) == ([], None)
    assert uow.certificates.count(ACCOUNT, CertificateFilter(), NOW) == 0
    assert set(uow.certificates.count_by_status(None, NOW).values()) == {0}
    assert list(uow.certificates.iter_all()) == []


# -- a certificate just issued by one of our CAs --------------------------------------------


def _issued_by_our_ca(unit: SqlUnitOfWork, build, **overrides) -> tuple:
    ca = build.authority()
    unit.secrets.add(ca.key_secret_id, b"ca key", created_at=T0)
    unit.authorities.add(ca)
    cert = _full(build, authority_arn=ca.arn, **overrides)
    version = build.version(cert, chain_pem="CHAIN", exported_at=T0 + timedelta(days=1))
    record = IssuedCertificate(
        authority_id=ca.id,
        serial=cert.serial,
        serial_int=int(cert.serial.replace(":", ""), 16),
        certificate_pem=version.certificate_pem,
        not_after=cert.not_after,
        issued_at=cert.created_at,
        certificate_id=cert.id,
    )
    return ca, cert, version, record


def test_add_issued_stores_key_register_entry_certificate_and_version(
    engine: sa.Engine, build
) -> None:
    with SqlUnitOfWork(engine) as unit:
        ca, cert, version, record = _issued_by_our_ca(unit, build)
        unit.certificates.add_issued(cert, version, issued=record, key_blob=b"\x01sealed")
        unit.commit()
    with SqlUnitOfWork(engine, read_only=True) as unit:
        assert unit.certificates.get(ACCOUNT, cert.id) == cert
        assert unit.certificates.versions(cert.id) == [version]
        assert unit.issued.get(ca.id, cert.serial) == record
        assert unit.secrets.get(version.key_secret_id) == b"\x01sealed"
        created = unit.connection.execute(
            sa.text("SELECT created_at FROM secrets WHERE id = :id"),
            {"id": version.key_secret_id},
        ).scalar_one()
        assert created is not None


@pytest.mark.parametrize("taken", ["certificate", "serial", "secret"])
def test_add_issued_of_something_taken_is_a_conflict_and_adds_nothing(
    engine: sa.Engine, build, taken: str
) -> None:
    with SqlUnitOfWork(engine) as unit:
        ca, cert, version, record = _issued_by_our_ca(unit, build)
        unit.certificates.add_issued(cert, version, issued=record, key_blob=b"k")
        unit.commit()
    other = build.certificate(authority_arn=ca.arn, serial="0c:0d")
    other_version = build.version(other)
    other_record = replace(record, serial=other.serial, serial_int=0x0C0D, certificate_id=other.id)
    if taken == "certificate":
        other = replace(other, id=cert.id, arn=cert.arn)
        other_record = replace(other_record, certificate_id=cert.id)
    elif taken == "serial":
        other = replace(other, serial=cert.serial)
        other_version = replace(other_version, serial=cert.serial)
        other_record = replace(other_record, serial=cert.serial)
    else:
        other = replace(other, key_secret_id=cert.key_secret_id)
        other_version = replace(other_version, key_secret_id=cert.key_secret_id)
    with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
        unit.certificates.add_issued(other, other_version, issued=other_record, key_blob=b"k")
    with SqlUnitOfWork(engine, read_only=True) as unit:
        assert unit.certificates.count(ACCOUNT, CertificateFilter(), NOW) == 1
        assert [s for s in unit.secrets.ids() if s != ca.key_secret_id] == [cert.key_secret_id]


def test_add_issued_under_an_unknown_ca_is_a_conflict(uow: SqlUnitOfWork, build) -> None:
    _, cert, version, record = _issued_by_our_ca(uow, build)
    with pytest.raises(ConflictError):
        uow.certificates.add_issued(
            cert, version, issued=replace(record, authority_id="no-such-ca"), key_blob=b"k"
        )


def test_add_issued_keeps_the_tags(uow: SqlUnitOfWork, build) -> None:
    _, cert, version, record = _issued_by_our_ca(uow, build)
    uow.certificates.add_issued(cert, version, issued=record, key_blob=b"k")
    assert cert.tags
    loaded = uow.certificates.get(ACCOUNT, cert.id)
    assert loaded is not None and loaded.tags == cert.tags


def test_add_issued_refuses_rows_that_do_not_belong_together(uow: SqlUnitOfWork, build) -> None:
    _, cert, version, record = _issued_by_our_ca(uow, build)
    for wrong in (
        {"record": replace(record, certificate_id="another")},
        {"record": replace(record, serial="99")},
        {"version": replace(version, serial="99")},
        {"version": replace(version, key_secret_id="another")},
        {"version": replace(version, number=2)},
    ):
        with pytest.raises(ValueError):
            uow.certificates.add_issued(
                cert,
                wrong.get("version", version),
                issued=wrong.get("record", record),
                key_blob=b"k",
            )


def _many_issued_by_one_ca(unit: SqlUnitOfWork, build, count: int) -> list[IssuedRows]:
    ca, cert, version, record = _issued_by_our_ca(unit, build)
    rows = [IssuedRows(cert, version, record, b"\x01sealed-0")]
    for n in range(1, count):
        serial = f"0c:{n:02x}"
        other = build.certificate(authority_arn=ca.arn, serial=serial, tags=(Tag("n", str(n)),))
        rows.append(
            IssuedRows(
                other,
                build.version(other),
                replace(record, serial=serial, serial_int=0x0C00 + n, certificate_id=other.id),
                f"\x01sealed-{n}".encode(),
            )
        )
    return rows


def test_add_issued_many_stores_what_add_issued_stores_for_each(engine: sa.Engine, build) -> None:
    with SqlUnitOfWork(engine) as unit:
        rows = _many_issued_by_one_ca(unit, build, 5)
        unit.certificates.add_issued_many(rows)
        unit.commit()
    with SqlUnitOfWork(engine, read_only=True) as unit:
        for row in rows:
            cert = row.certificate
            assert unit.certificates.get(ACCOUNT, cert.id) == cert
            assert unit.certificates.versions(cert.id) == [row.version]
            assert unit.issued.get(row.issued.authority_id, cert.serial) == row.issued
            assert unit.secrets.get(row.version.key_secret_id) == row.key_blob
        assert unit.certificates.count(ACCOUNT, CertificateFilter(), NOW) == 5


def test_add_issued_many_with_one_taken_is_a_conflict_and_adds_nothing(
    engine: sa.Engine, build
) -> None:
    with SqlUnitOfWork(engine) as unit:
        rows = _many_issued_by_one_ca(unit, build, 4)
        unit.certificates.add_issued_many(rows[:1])
        unit.commit()
    with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
        unit.certificates.add_issued_many(rows[1:] + rows[:1])
    with SqlUnitOfWork(engine, read_only=True) as unit:
        assert unit.certificates.count(ACCOUNT, CertificateFilter(), NOW) == 1


def test_add_issued_many_refuses_rows_that_do_not_belong_together(
    uow: SqlUnitOfWork, build
) -> None:
    rows = _many_issued_by_one_ca(uow, build, 3)
    wrong = rows[2]._replace(issued=replace(rows[2].issued, serial="99"))
    with pytest.raises(ValueError):
        uow.certificates.add_issued_many([rows[0], rows[1], wrong])
    assert uow.certificates.count(ACCOUNT, CertificateFilter(), NOW) == 0


def test_an_arn_that_does_not_name_the_id_is_refused(engine: sa.Engine, build) -> None:
    """The ARN is unique through the id (no index of its own): it must end in the id."""
    cert = build.certificate()
    base = cert.arn.rsplit("/", 1)[0]
    for bad in (
        replace(cert, arn=cert.arn + "x"),
        replace(cert, arn=cert.arn.replace("certificate/", "certificate/x")),
        replace(cert, arn="arn:x"),
        replace(cert, id="a:b", arn=base + "/a:b"),  # an id with ":" could end another ARN
    ):
        # (PostgreSQL ends a transaction at its first error: one unit of work each)
        with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
            unit.certificates.add(bad, build.version(bad))
