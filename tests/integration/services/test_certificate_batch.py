"""Batch requests (request_batch) on a real database: all or nothing, per-entry ACM rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certherd.adapters.db.tables import certificate_tags, certificates, issued_certificates, secrets
from certherd.bootstrap import Container, build
from certherd.config import Settings
from certherd.domain.authority import AuthorityStatus, CertificateAuthority
from certherd.domain.clock import FixedClock
from certherd.domain.tags import Tag
from certherd.errors import (
    InvalidStateError,
    LimitExceededError,
    NotFoundError,
    ValidationError,
)
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.parse import describe_certificate, load_certificate
from certherd.services.certificate_requests import MAX_BATCH_ENTRIES, RequestEntry


def entry(ca: CertificateAuthority, name: str, **kw: object) -> RequestEntry:
    kw.setdefault("key_algorithm", KeyAlgorithm.EC_prime256v1)
    return RequestEntry(domain_name=name, authority_arn=ca.arn, **kw)  # type: ignore[arg-type]


def rows(container: Container) -> dict[str, int]:
    """How many rows each table a request writes to holds."""
    with container.engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (certificates, certificate_tags, issued_certificates, secrets)
        }


@pytest.fixture
def elsewhere(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    """A second certherd on the same database and key file (another process, say)."""
    other = build(settings, clock=clock)
    try:
        yield other
    finally:
        other.close()


def test_a_batch_issues_every_entry_as_request_would(
    container: Container,
    account: str,
    root_ca: CertificateAuthority,
    issuing_ca: CertificateAuthority,
) -> None:
    arns = container.certificates.request_batch(
        account=account,
        entries=[
            entry(issuing_ca, "a.example.internal", tags=[Tag("fleet", "a")]),
            entry(
                root_ca,
                "b.example.internal",
                subject_alternative_names=["c.example.internal", "b.example.internal"],
                key_algorithm=KeyAlgorithm.EC_secp384r1,
                validity_days=30,
            ),
            entry(issuing_ca, "d.example.internal", key_algorithm=KeyAlgorithm.RSA_2048),
        ],
    )
    assert len(set(arns)) == 3
    views = [container.certificates.describe(account=account, arn=arn) for arn in arns]
    first, second, third = (v.certificate for v in views)
    assert [c.arn for c in (first, second, third)] == arns
    assert (first.domain_name, first.tags, first.authority_arn) == (
        "a.example.internal",
        (Tag("fleet", "a"),),
        issuing_ca.arn,
    )
    assert second.subject_alternative_names == ("b.example.internal", "c.example.internal")
    assert second.key_algorithm is KeyAlgorithm.EC_secp384r1
    assert second.not_after - second.not_before == timedelta(days=30)
    assert second.authority_arn == root_ca.arn
    assert third.key_algorithm is KeyAlgorithm.RSA_2048
    for view in views:
        cert = view.certificate
        material = container.certificates.get(account=account, arn=cert.arn)
        parsed = describe_certificate(load_certificate(material.certificate_pem.encode()))
        assert (cert.serial, cert.subject, cert.issuer) == (
            parsed.serial,
            parsed.subject,
            parsed.issuer,
        )
        assert (cert.not_before, cert.not_after) == (parsed.not_before, parsed.not_after)
        assert cert.key_usages == parsed.key_usages
        assert cert.extended_key_usages == parsed.extended_key_usages
        assert cert.subject_alternative_names == parsed.sans
        assert cert.key_algorithm is parsed.key_algorithm
    assert rows(container)["certificates"] == 3


def test_an_invalid_entry_in_the_middle_writes_nothing(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    before = rows(container)
    entries = [entry(issuing_ca, f"host{i}.example.internal") for i in range(5)]
    entries[2] = entry(issuing_ca, "not a name")
    with pytest.raises(ValidationError) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field == "Entries[2].DomainName"
    assert str(caught.value).startswith("Entries[2].DomainName: ")
    entries[2] = entry(issuing_ca, "ok.example.internal", tags=[Tag("aws:x", "y")])
    with pytest.raises(ValidationError) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field is not None and caught.value.field.startswith("Entries[2].Tags")
    assert rows(container) == before


_MANY_NAMES = [f"n{i}.example" for i in range(100)]


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"subject_alternative_names": ["ok.example", "bad name"]}, "SubjectAlternativeNames[1]",
         ValidationError),
        ({"key_algorithm": KeyAlgorithm.RSA_4096}, "KeyAlgorithm", ValidationError),
        ({"idempotency_token": "no-dashes"}, "IdempotencyToken", ValidationError),
        ({"validity_days": 0}, "ValidityInDays", ValidationError),
        ({"authority_arn": None}, "CertificateAuthorityArn", ValidationError),
        ({"subject_alternative_names": _MANY_NAMES}, "SubjectAlternativeNames",
         LimitExceededError),
    ],
)  # fmt: skip
def test_each_rule_of_request_applies_to_each_entry(
    container: Container,
    account: str,
    issuing_ca: CertificateAuthority,
    change: dict[str, object],
    field: str,
    error: type[Exception],
) -> None:
    fields: dict[str, object] = {
        "domain_name": "x.example",
        "authority_arn": issuing_ca.arn,
        "key_algorithm": KeyAlgorithm.EC_prime256v1,
        **change,
    }
    bad = RequestEntry(**fields)  # type: ignore[arg-type]
    entries = [entry(issuing_ca, "first.example"), bad]
    with pytest.raises(error) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field == f"Entries[1].{field}"  # type: ignore[attr-defined]
    assert rows(container)["certificates"] == 0


def test_a_disabled_ca_in_the_middle_fails_the_whole_batch(
    container: Container,
    elsewhere: Container,
    account: str,
    root_ca: CertificateAuthority,
    issuing_ca: CertificateAuthority,
) -> None:
    container.certificates.request(  # the issuing CA's key is cached now
        account=account,
        domain_name="before.example",
        authority_arn=issuing_ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
    )
    before = rows(container)
    elsewhere.authorities.set_status(
        account=account, arn=root_ca.arn, status=AuthorityStatus.DISABLED
    )
    entries = [
        entry(issuing_ca, "one.example"),
        entry(issuing_ca, "two.example"),
        entry(root_ca, "three.example"),
        entry(issuing_ca, "four.example"),
    ]
    with pytest.raises(InvalidStateError) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field == "Entries[2].CertificateAuthorityArn"
    assert "DISABLED" in str(caught.value)
    assert rows(container) == before
    # Disabled elsewhere after its key was cached: the batch still sees it at once.
    elsewhere.authorities.set_status(
        account=account, arn=root_ca.arn, status=AuthorityStatus.ACTIVE
    )
    elsewhere.authorities.set_status(
        account=account, arn=issuing_ca.arn, status=AuthorityStatus.DISABLED
    )
    with pytest.raises(InvalidStateError) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field == "Entries[0].CertificateAuthorityArn"
    assert rows(container) == before


def test_an_entry_the_ca_cannot_sign_after_others_were_signed_writes_nothing(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    before = rows(container)
    entries = [entry(issuing_ca, f"host{i}.example") for i in range(4)]
    entries[3] = entry(issuing_ca, "too-long.example", validity_days=36500)  # past the CA's end
    with pytest.raises(ValidationError) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field == "Entries[3].Validity"
    assert rows(container) == before


def test_an_unknown_ca_names_its_entry(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    unknown = issuing_ca.arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    entries = [
        entry(issuing_ca, "one.example"),
        RequestEntry(domain_name="two.example", authority_arn=unknown),
    ]
    with pytest.raises(NotFoundError) as caught:
        container.certificates.request_batch(account=account, entries=entries)
    assert caught.value.field == "Entries[1].CertificateAuthorityArn"
    assert rows(container)["certificates"] == 0


def test_idempotency_tokens_inside_a_batch_and_across_requests(
    container: Container, account: str, issuing_ca: CertificateAuthority, clock: FixedClock
) -> None:
    earlier = container.certificates.request(
        account=account,
        domain_name="earlier.example",
        authority_arn=issuing_ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        idempotency_token="earlier",
    )
    arns = container.certificates.request_batch(
        account=account,
        entries=[
            entry(issuing_ca, "a.example", idempotency_token="fleet_a"),
            entry(issuing_ca, "again.example", idempotency_token="earlier"),
            entry(issuing_ca, "a-again.example", idempotency_token="fleet_a"),
            entry(issuing_ca, "b.example"),
        ],
    )
    assert arns[1] == earlier
    assert arns[2] == arns[0]
    assert len({arns[0], arns[3], earlier}) == 3
    assert rows(container)["certificates"] == 3
    described = container.certificates.describe(account=account, arn=arns[0]).certificate
    assert described.domain_name == "a.example"
    # The same batch again within the hour issues nothing new.
    again = container.certificates.request_batch(
        account=account, entries=[entry(issuing_ca, "a.example", idempotency_token="fleet_a")]
    )
    assert again == [arns[0]]
    # After the hour, the token is free again.
    clock.advance(timedelta(hours=1, seconds=1))
    later = container.certificates.request_batch(
        account=account, entries=[entry(issuing_ca, "a.example", idempotency_token="fleet_a")]
    )
    assert later != [arns[0]]
    assert rows(container)["certificates"] == 4


def test_batch_size_limits(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    with pytest.raises(ValidationError) as caught:
        container.certificates.request_batch(account=account, entries=[])
    assert caught.value.field == "Entries"
    too_many = [entry(issuing_ca, f"h{i}.example") for i in range(MAX_BATCH_ENTRIES + 1)]
    with pytest.raises(LimitExceededError) as limit:
        container.certificates.request_batch(account=account, entries=too_many)
    assert limit.value.field == "Entries"
    assert str(MAX_BATCH_ENTRIES) in str(limit.value)
    assert rows(container)["certificates"] == 0


def test_a_batch_of_one_and_a_bad_account(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    (arn,) = container.certificates.request_batch(
        account=account, entries=[entry(issuing_ca, "solo.example")]
    )
    assert container.certificates.describe(account=account, arn=arn).certificate.version == 1
    with pytest.raises(ValidationError):
        container.certificates.request_batch(
            account="12", entries=[entry(issuing_ca, "solo.example")]
        )
