"""Contract of AuthorityRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa
from dbtest_support import ACCOUNT, OTHER_ACCOUNT, T0

from certherd.adapters.db.unit_of_work import SqlUnitOfWork
from certherd.domain.authority import (
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
    IssuingAuthority,
    Permission,
)
from certherd.domain.records import Crl, IssuedCertificate
from certherd.domain.tags import Tag
from certherd.errors import ConflictError, NotFoundError
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject


def _store(unit: SqlUnitOfWork, ca: CertificateAuthority) -> None:
    unit.secrets.add(ca.key_secret_id, b"sealed key", created_at=T0)
    unit.authorities.add(ca)


def test_round_trip_of_every_field(uow: SqlUnitOfWork, build) -> None:
    ca = build.full_authority()
    _store(uow, ca)

    loaded = uow.authorities.get(ACCOUNT, ca.id)

    assert loaded == ca
    assert loaded is not None
    assert isinstance(loaded.subject, Subject)
    for value in (loaded.not_before, loaded.not_after, loaded.restorable_until):
        assert value is not None and value.tzinfo is UTC
    assert all(p.created_at.tzinfo is UTC for p in loaded.permissions)
    assert loaded.restorable_until == T0 + timedelta(days=30, microseconds=7)


def test_minimal_authority_round_trips(uow: SqlUnitOfWork, build) -> None:
    ca = build.authority(subject=Subject(common_name="Only CN"))
    _store(uow, ca)
    assert uow.authorities.get(ACCOUNT, ca.id) == ca


def test_get_is_scoped_to_the_account(uow: SqlUnitOfWork, build) -> None:
    ca = build.authority()
    _store(uow, ca)
    assert uow.authorities.get(OTHER_ACCOUNT, ca.id) is None
    assert uow.authorities.get(ACCOUNT, "no-such-ca") is None


def test_update_stores_every_field_tags_and_permissions(uow: SqlUnitOfWork, build) -> None:
    ca = build.full_authority()
    _store(uow, ca)
    uow.secrets.add("secret-new", b"other key", created_at=T0)
    changed = replace(
        ca,
        type=AuthorityType.SUBORDINATE,
        status=AuthorityStatus.ACTIVE,
        subject=Subject(common_name="Renamed", organizational_unit="Ops", locality="Berlin"),
        key_algorithm=KeyAlgorithm.RSA_4096,
        signing_algorithm=SigningAlgorithm.SHA512WITHRSA,
        key_secret_id="secret-new",
        csr_pem="CSR2",
        last_state_change_at=T0 + timedelta(days=5),
        crl_enabled=True,
        crl_expiration_days=7,
        certificate_pem=None,
        chain_pem=None,
        serial=None,
        not_before=None,
        not_after=None,
        restorable_until=None,
        status_before_deletion=None,
        path_length=None,
        tags=(Tag("env", "staging"),),
        permissions=(
            Permission("acm.amazonaws.com", ("IssueCertificate",), ACCOUNT, T0 + timedelta(3)),
        ),
    )
    uow.authorities.update(changed)
    assert uow.authorities.get(ACCOUNT, ca.id) == changed

    bare = replace(changed, tags=(), permissions=())
    uow.authorities.update(bare)
    assert uow.authorities.get(ACCOUNT, ca.id) == bare


def test_update_of_a_missing_authority_raises(uow: SqlUnitOfWork, build) -> None:
    with pytest.raises(NotFoundError):
        uow.authorities.update(build.authority())


def test_list_is_oldest_first_within_the_account(uow: SqlUnitOfWork, build) -> None:
    newest = build.authority(created_at=T0 + timedelta(days=2))
    oldest = build.full_authority(created_at=T0)
    middle = build.authority(created_at=T0 + timedelta(days=1), tags=(Tag("k", "v"),))
    elsewhere = build.authority(account=OTHER_ACCOUNT)
    for ca in (newest, oldest, middle, elsewhere):
        _store(uow, ca)

    assert uow.authorities.list(ACCOUNT) == [oldest, middle, newest]
    assert uow.authorities.list(OTHER_ACCOUNT) == [elsewhere]
    assert uow.authorities.list("000000000000") == []


def test_duplicate_arn_or_missing_key_secret_is_a_conflict(engine: sa.Engine, build) -> None:
    ca = build.authority()
    with SqlUnitOfWork(engine) as unit:
        _store(unit, ca)
        unit.commit()
    with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
        unit.authorities.add(build.authority(arn=ca.arn, key_secret_id=ca.key_secret_id))
    with SqlUnitOfWork(engine) as unit, pytest.raises(ConflictError):
        unit.authorities.add(build.authority(key_secret_id="no-such-secret"))


def test_duplicate_permission_is_a_conflict(uow: SqlUnitOfWork, build) -> None:
    grant = Permission("acm.amazonaws.com", ("IssueCertificate",), ACCOUNT, T0)
    with pytest.raises(ConflictError):
        _store(uow, build.authority(permissions=(grant, replace(grant, actions=()))))


def test_delete_removes_the_authority_and_what_hangs_off_it(uow: SqlUnitOfWork, build) -> None:
    ca = build.full_authority()
    keep = build.authority()
    _store(uow, ca)
    _store(uow, keep)
    uow.issued.add(IssuedCertificate(ca.id, "01", 1, "PEM", T0 + timedelta(days=1), issued_at=T0))
    uow.crls.save(Crl(ca.id, 1, b"der", T0, T0 + timedelta(days=7)))

    uow.authorities.delete(ca.id)
    uow.authorities.delete(ca.id)  # a second time is harmless

    assert uow.authorities.get(ACCOUNT, ca.id) is None
    assert uow.issued.get(ca.id, "01") is None
    assert uow.crls.latest(ca.id) is None
    assert uow.authorities.list(ACCOUNT) == [keep]
    for table in ("authority_tags", "authority_permissions"):
        count = uow.connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        assert count == 0, table
    assert uow.secrets.get(ca.key_secret_id) is not None  # the service deletes the key


def test_get_issuing_reads_what_issuing_needs_as_stored_now(uow: SqlUnitOfWork, build) -> None:
    ca = build.full_authority()
    _store(uow, ca)

    issuing = uow.authorities.get_issuing(ACCOUNT, ca.id)

    assert issuing == IssuingAuthority(
        id=ca.id,
        arn=ca.arn,
        account=ca.account,
        status=ca.status,
        signing_algorithm=ca.signing_algorithm,
        key_secret_id=ca.key_secret_id,
        crl_enabled=ca.crl_enabled,
        certificate_pem=ca.certificate_pem,
        chain_pem=ca.chain_pem,
        serial=ca.serial,
        not_after=ca.not_after,
        restorable_until=ca.restorable_until,
    )
    assert issuing is not None and issuing.not_after is not None
    assert issuing.not_after.tzinfo is UTC
    assert uow.authorities.get_issuing(OTHER_ACCOUNT, ca.id) is None
    assert uow.authorities.get_issuing(ACCOUNT, "no-such-ca") is None

    uow.authorities.update(replace(ca, status=AuthorityStatus.DISABLED, crl_enabled=True))
    changed = uow.authorities.get_issuing(ACCOUNT, ca.id)
    assert changed is not None
    assert (changed.status, changed.crl_enabled) == (AuthorityStatus.DISABLED, True)


def test_get_issuing_of_a_ca_without_certificate(uow: SqlUnitOfWork, build) -> None:
    ca = build.authority()
    _store(uow, ca)
    issuing = uow.authorities.get_issuing(ACCOUNT, ca.id)
    assert issuing is not None
    assert issuing.status is AuthorityStatus.PENDING_CERTIFICATE
    assert (issuing.certificate_pem, issuing.serial, issuing.not_after) == (None, None, None)
