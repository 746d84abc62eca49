"""Certificate manager use cases on a real database (ACM semantics, spec §1.3-1.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certherd.bootstrap import Container
from certherd.domain.authority import AuthorityStatus, CertificateAuthority
from certherd.domain.certificate import (
    CertificateStatus,
    CertificateType,
    FailureReason,
    RenewalEligibility,
    RenewalStatus,
    RevocationReason,
    VersionAction,
)
from certherd.domain.clock import FixedClock
from certherd.domain.inventory import CertificateFilter, PageRequest, SortBy, SortOrder
from certherd.domain.tags import Tag
from certherd.errors import (
    InvalidStateError,
    LimitExceededError,
    NotFoundError,
    ResourceInUseError,
    ValidationError,
)
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.parse import load_certificate

PASSPHRASE = b"correct horse battery"


def request(
    container: Container, account: str, ca: CertificateAuthority, name: str, **kw: object
) -> str:
    return container.certificates.request(
        account=account,
        domain_name=name,
        authority_arn=ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        **kw,  # type: ignore[arg-type]
    )


def test_request_and_describe(
    container: Container, account: str, issuing_ca: CertificateAuthority, clock: FixedClock
) -> None:
    arn = request(
        container,
        account,
        issuing_ca,
        "www.example.internal",
        subject_alternative_names=["api.example.internal", "www.example.internal"],
        tags=[Tag("team", "web")],
    )
    view = container.certificates.describe(account=account, arn=arn)
    cert = view.certificate
    assert arn.startswith(f"arn:aws:acm:us-east-1:{account}:certificate/")
    assert view.status is CertificateStatus.ISSUED
    assert cert.type is CertificateType.PRIVATE
    assert cert.domain_name == "www.example.internal"
    assert cert.subject_alternative_names == ("www.example.internal", "api.example.internal")
    assert cert.key_algorithm is KeyAlgorithm.EC_prime256v1
    assert cert.signature_algorithm == "SHA256WITHECDSA"
    assert cert.not_after - cert.not_before == timedelta(days=395)
    assert cert.subject == "CN=www.example.internal"
    assert "Test Issuing CA" in cert.issuer
    assert cert.authority_arn == issuing_ca.arn
    assert view.renewal_eligibility is RenewalEligibility.INELIGIBLE
    assert view.days_to_expiry == 395
    assert cert.tags == (Tag("team", "web"),)
    material = container.certificates.get(account=account, arn=arn)
    leaf = load_certificate(material.certificate_pem.encode())
    assert format(leaf.serial_number, "x").zfill(
        len(cert.serial.replace(":", ""))
    ) == cert.serial.replace(":", "")
    assert material.chain_pem is not None and material.chain_pem.count("BEGIN CERTIFICATE") == 2


def test_idempotency_token_within_an_hour(
    container: Container, account: str, issuing_ca: CertificateAuthority, clock: FixedClock
) -> None:
    first = request(container, account, issuing_ca, "a.example", idempotency_token="tok_1")
    assert request(container, account, issuing_ca, "a.example", idempotency_token="tok_1") == first
    clock.advance(timedelta(hours=1, seconds=1))
    assert request(container, account, issuing_ca, "a.example", idempotency_token="tok_1") != first
    with pytest.raises(ValidationError) as info:
        request(container, account, issuing_ca, "a.example", idempotency_token="not valid!")
    assert info.value.field == "IdempotencyToken"


@pytest.mark.parametrize(
    ("name", "sans", "field", "error"),
    [
        ("ab--c.example", [], "DomainName", ValidationError),
        ("bad_label.example", [], "DomainName", ValidationError),
        ("ok.example", ["-bad.example"], "SubjectAlternativeNames[0]", ValidationError),
        (
            "ok.example",
            [f"h{i}.example" for i in range(100)],
            "SubjectAlternativeNames",
            LimitExceededError,
        ),
    ],
)
def test_bad_requests_write_nothing(
    container: Container,
    account: str,
    issuing_ca: CertificateAuthority,
    name: str,
    sans: list[str],
    field: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error) as info:
        request(container, account, issuing_ca, name, subject_alternative_names=sans)
    assert getattr(info.value, "field", None) == field
    assert container.certificates.count(account=account) == 0


def test_request_needs_an_active_ca(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    container.authorities.set_status(
        account=account, arn=issuing_ca.arn, status=AuthorityStatus.DISABLED
    )
    with pytest.raises(InvalidStateError):
        request(container, account, issuing_ca, "x.example")
    with pytest.raises(ValidationError) as info:
        container.certificates.request(account=account, domain_name="x.example", authority_arn=None)
    assert info.value.field == "CertificateAuthorityArn"
    with pytest.raises(ValidationError) as info:
        container.certificates.request(
            account=account,
            domain_name="x.example",
            authority_arn=issuing_ca.arn,
            key_algorithm=KeyAlgorithm.RSA_4096,
        )
    assert info.value.field == "KeyAlgorithm"
    assert container.certificates.count(account=account) == 0


def test_export_makes_it_eligible_and_renewal_keeps_the_arn(
    container: Container, account: str, issuing_ca: CertificateAuthority, clock: FixedClock
) -> None:
    arn = request(container, account, issuing_ca, "svc.example")
    with pytest.raises(ValidationError):
        container.certificates.renew(account=account, arn=arn)
    for bad in (b"abc", b"pass#word", b"x" * 129, b"caf\xc3\xa9 latte"):
        with pytest.raises(ValidationError) as info:
            container.certificates.export(account=account, arn=arn, passphrase=bad)
        assert info.value.field == "Passphrase"
        assert bad.decode(errors="replace") not in str(info.value)
    exported = container.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)
    assert "ENCRYPTED PRIVATE KEY" in exported.private_key_pem
    key = serialization.load_pem_private_key(exported.private_key_pem.encode(), PASSPHRASE)
    first = load_certificate(exported.certificate_pem.encode())
    assert key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == first.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    view = container.certificates.describe(account=account, arn=arn)
    assert view.certificate.exported and view.renewal_eligibility is RenewalEligibility.ELIGIBLE
    clock.advance(timedelta(days=300))
    renewed = container.certificates.renew(account=account, arn=arn)
    assert renewed.certificate.arn == arn
    assert renewed.certificate.version == 2
    assert renewed.certificate.renewal is not None
    assert renewed.certificate.renewal.status is RenewalStatus.SUCCESS
    assert renewed.certificate.not_after == clock.now() + timedelta(days=395)
    assert not renewed.certificate.exported
    versions = container.certificates.versions(account=account, arn=arn)
    assert [(v.number, v.action) for v in versions] == [
        (1, VersionAction.ISSUANCE),
        (2, VersionAction.RENEWAL),
    ]
    assert versions[0].exported_at is not None and versions[1].exported_at is None
    old = container.certificates.get(account=account, arn=arn, version=1)
    assert load_certificate(old.certificate_pem.encode()).serial_number == first.serial_number


@pytest.mark.parametrize(
    "cause",
    ["disabled", "no-permission", "ca-too-short", "ca-deleted"],
)
def test_renewal_failures_name_their_cause(
    container: Container,
    account: str,
    root_ca: CertificateAuthority,
    clock: FixedClock,
    cause: str,
) -> None:
    from certherd.domain.authority import AuthorityType
    from certherd.pki.subject import Subject

    ca = container.authorities.create(
        account=account,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="Renewing CA"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        parent_arn=root_ca.arn,
        validity_days=1000,
    )
    arn = request(container, account, ca, "renew.example", validity_days=300)
    container.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)
    expected = {
        "disabled": FailureReason.PCA_INVALID_STATE,
        "no-permission": FailureReason.PCA_ACCESS_DENIED,
        "ca-too-short": FailureReason.PCA_INVALID_DURATION,
        "ca-deleted": FailureReason.PCA_RESOURCE_NOT_FOUND,
    }[cause]
    if cause in ("disabled", "ca-deleted"):
        container.authorities.set_status(
            account=account, arn=ca.arn, status=AuthorityStatus.DISABLED
        )
    if cause == "ca-deleted":
        container.authorities.delete(account=account, arn=ca.arn, restore_days=7)
    if cause == "no-permission":
        container.authorities.delete_permission(account=account, arn=ca.arn)
    if cause == "ca-too-short":
        clock.advance(timedelta(days=800))  # CA ends in 200 days, the renewal would need 300
        arn = arn  # the certificate itself expired; renew a fresh one instead
        arn = request(container, account, ca, "renew2.example", validity_days=100)
        container.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)
        container.certificates.describe(account=account, arn=arn)
        from dataclasses import replace

        # lengthen the requested validity so the renewal outlives the CA
        with container.uow() as uow:
            stored = uow.certificates.get(account, arn.rsplit("/", 1)[1])
            assert stored is not None
            uow.certificates.update(replace(stored, validity_days=300))
            uow.commit()
    with pytest.raises(InvalidStateError) as info:
        container.certificates.renew(account=account, arn=arn)
    assert expected.value in str(info.value)
    view = container.certificates.describe(account=account, arn=arn)
    assert view.certificate.renewal is not None
    assert view.certificate.renewal.status is RenewalStatus.FAILED
    assert view.certificate.renewal.reason is expected
    assert view.certificate.version == 1
    # fixing the cause lets the next attempt renew
    if cause == "disabled":
        container.authorities.set_status(account=account, arn=ca.arn, status=AuthorityStatus.ACTIVE)
    elif cause == "no-permission":
        container.authorities.create_permission(account=account, arn=ca.arn)
    elif cause == "ca-deleted":
        container.authorities.restore(account=account, arn=ca.arn)
        container.authorities.set_status(account=account, arn=ca.arn, status=AuthorityStatus.ACTIVE)
    else:
        return
    renewed = container.certificates.renew(account=account, arn=arn)
    assert renewed.certificate.version == 2
    assert renewed.certificate.renewal is not None
    assert renewed.certificate.renewal.status is RenewalStatus.SUCCESS


def test_revoke_needs_export_and_lands_in_the_crl(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    arn = request(container, account, issuing_ca, "revoke.example")
    with pytest.raises(InvalidStateError):
        container.certificates.revoke(
            account=account, arn=arn, reason=RevocationReason.KEY_COMPROMISE
        )
    container.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)
    container.certificates.revoke(account=account, arn=arn, reason=RevocationReason.KEY_COMPROMISE)
    view = container.certificates.describe(account=account, arn=arn)
    assert view.status is CertificateStatus.REVOKED
    assert view.certificate.revocation_reason is RevocationReason.KEY_COMPROMISE
    with pytest.raises(ValidationError):
        container.certificates.revoke(
            account=account, arn=arn, reason=RevocationReason.CERTIFICATE_HOLD
        )
    leaf = load_certificate(
        container.certificates.get(account=account, arn=arn).certificate_pem.encode()
    )
    crl = x509.load_der_x509_crl(container.issuing.crl(account=account, authority_id=issuing_ca.id))
    entry = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    with pytest.raises(InvalidStateError):
        container.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)


def test_delete_is_refused_while_in_use(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    arn = request(container, account, issuing_ca, "used.example")
    user = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/1"
    view = container.certificates.associate(account=account, arn=arn, user=user)
    assert view.certificate.in_use_by == (user,)
    assert view.renewal_eligibility is RenewalEligibility.ELIGIBLE
    with pytest.raises(ResourceInUseError):
        container.certificates.delete(account=account, arn=arn)
    container.certificates.disassociate(account=account, arn=arn, user=user)
    secrets_before = len(_secret_ids(container))
    container.certificates.delete(account=account, arn=arn)
    with pytest.raises(NotFoundError):
        container.certificates.describe(account=account, arn=arn)
    assert len(_secret_ids(container)) == secrets_before - 1


def _secret_ids(container: Container) -> list[str]:
    with container.uow() as uow:
        return uow.secrets.ids()


def test_listing_filters_sorting_and_expiry(
    container: Container, account: str, issuing_ca: CertificateAuthority, clock: FixedClock
) -> None:
    arns = [
        request(container, account, issuing_ca, f"h{days}.example", validity_days=days)
        for days in (10, 40, 100, 200)
    ]
    container.certificates.tag(account=account, arn=arns[1], tags=[Tag("env", "prod")])
    expiring = container.certificates.list(
        account=account,
        where=CertificateFilter(expiring_within_days=45),
        page=PageRequest(sort_by=SortBy.NOT_AFTER, sort_order=SortOrder.ASCENDING),
    )
    assert [v.certificate.arn for v in expiring.items] == arns[:2]
    assert (
        container.certificates.count(
            account=account, where=CertificateFilter(expiring_within_days=45)
        )
        == 2
    )
    tagged = container.certificates.list(
        account=account, where=CertificateFilter(tags=(("env", "prod"),))
    )
    assert [v.certificate.arn for v in tagged.items] == [arns[1]]
    # pagination walks everything once
    seen: list[str] = []
    token = None
    while True:
        page = container.certificates.list(
            account=account,
            page=PageRequest(max_items=3, next_token=token, sort_by=SortBy.DOMAIN_NAME),
        )
        seen += [v.certificate.arn for v in page.items]
        token = page.next_token
        if token is None:
            break
    assert sorted(seen) == sorted(arns) and len(seen) == 4
    clock.advance(timedelta(days=11))
    expired = container.certificates.list(
        account=account, where=CertificateFilter(statuses=(CertificateStatus.EXPIRED,))
    )
    assert [v.certificate.arn for v in expired.items] == [arns[0]]
    assert expired.items[0].status is CertificateStatus.EXPIRED
    with pytest.raises(ValidationError) as info:
        container.certificates.list(account=account, page=PageRequest(next_token="garbage!"))
    assert info.value.field == "NextToken"
