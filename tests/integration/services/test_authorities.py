"""Private CA use cases on a real database (AWS Private CA semantics, spec §1.7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509

from certherd.bootstrap import Container
from certherd.domain.authority import (
    CERTIFICATE_MANAGER_PRINCIPAL,
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
)
from certherd.domain.clock import FixedClock
from certherd.domain.tags import Tag
from certherd.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from certherd.pki.crl import RevocationReason
from certherd.pki.csr import build_csr
from certherd.pki.keys import KeyAlgorithm, generate_private_key
from certherd.pki.parse import check_chain, load_certificate, load_chain
from certherd.pki.subject import Subject

SUB_TEMPLATE = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"


def test_root_ca_is_active_self_signed_and_publishes_a_crl(
    container: Container, account: str, root_ca: CertificateAuthority
) -> None:
    assert root_ca.status is AuthorityStatus.ACTIVE
    assert root_ca.arn.startswith(f"arn:aws:acm-pca:us-east-1:{account}:certificate-authority/")
    cert = load_certificate(root_ca.certificate_pem.encode())  # type: ignore[union-attr]
    assert cert.issuer == cert.subject
    crl = x509.load_der_x509_crl(container.issuing.crl(account=account, authority_id=root_ca.id))
    assert crl.issuer == cert.subject
    assert len(list(crl)) == 0
    assert container.authorities.list(account=account) == [root_ca]


def test_subordinate_signed_by_parent_chains_to_root(
    container: Container, account: str, root_ca: CertificateAuthority
) -> None:
    sub = container.authorities.create(
        account=account,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="Sub"),
        key_algorithm=KeyAlgorithm.EC_secp384r1,
        parent_arn=root_ca.arn,
    )
    assert sub.status is AuthorityStatus.ACTIVE
    assert sub.path_length == 0
    cert = load_certificate(sub.certificate_pem.encode())  # type: ignore[union-attr]
    check_chain(cert, load_chain(sub.chain_pem.encode()))  # type: ignore[union-attr]
    # path length 0: it cannot sign a further CA
    with pytest.raises(ValidationError) as info:
        container.authorities.create(
            account=account,
            type=AuthorityType.SUBORDINATE,
            subject=Subject(common_name="Sub-sub"),
            key_algorithm=KeyAlgorithm.EC_prime256v1,
            parent_arn=sub.arn,
        )
    assert info.value.field == "ParentArn"


def test_pending_subordinate_takes_a_certificate_signed_from_its_csr(
    container: Container, account: str, root_ca: CertificateAuthority
) -> None:
    pending = container.authorities.create(
        account=account,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="Signed elsewhere"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
    )
    assert pending.status is AuthorityStatus.PENDING_CERTIFICATE
    with pytest.raises(InvalidStateError):
        container.authorities.certificate(account=account, arn=pending.arn)
    csr = container.authorities.csr(account=account, arn=pending.arn).encode()
    issued_arn = container.issuing.issue(
        account=account,
        authority_arn=root_ca.arn,
        csr=csr,
        validity_days=365,
        template_arn=SUB_TEMPLATE,
    )
    issued = container.issuing.get(
        account=account, authority_arn=root_ca.arn, certificate_arn=issued_arn
    )
    # a chain is required for a subordinate
    with pytest.raises(ValidationError) as info:
        container.authorities.import_certificate(
            account=account,
            arn=pending.arn,
            certificate=issued.certificate_pem.encode(),
            chain=None,
        )
    assert info.value.field == "CertificateChain"
    active = container.authorities.import_certificate(
        account=account,
        arn=pending.arn,
        certificate=issued.certificate_pem.encode(),
        chain=root_ca.certificate_pem.encode(),  # type: ignore[union-attr]
    )
    assert active.status is AuthorityStatus.ACTIVE
    assert active.not_after is not None


def test_importing_a_certificate_for_another_key_is_refused(
    container: Container, account: str, root_ca: CertificateAuthority
) -> None:
    pending = container.authorities.create(
        account=account,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="Pending"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
    )
    other = build_csr(generate_private_key(KeyAlgorithm.EC_prime256v1), Subject(common_name="x"))
    from cryptography.hazmat.primitives.serialization import Encoding

    arn = container.issuing.issue(
        account=account,
        authority_arn=root_ca.arn,
        csr=other.public_bytes(Encoding.PEM),
        validity_days=30,
        template_arn=SUB_TEMPLATE,
    )
    wrong = container.issuing.get(account=account, authority_arn=root_ca.arn, certificate_arn=arn)
    with pytest.raises(ValidationError) as info:
        container.authorities.import_certificate(
            account=account,
            arn=pending.arn,
            certificate=wrong.certificate_pem.encode(),
            chain=root_ca.certificate_pem.encode(),  # type: ignore[union-attr]
        )
    assert info.value.field == "Certificate"
    assert (
        container.authorities.get(account=account, arn=pending.arn).status
        is AuthorityStatus.PENDING_CERTIFICATE
    )


def test_disable_enable_delete_restore(
    container: Container, account: str, root_ca: CertificateAuthority, clock: FixedClock
) -> None:
    with pytest.raises(InvalidStateError):
        container.authorities.delete(account=account, arn=root_ca.arn)
    disabled = container.authorities.set_status(
        account=account, arn=root_ca.arn, status=AuthorityStatus.DISABLED
    )
    assert disabled.status is AuthorityStatus.DISABLED
    with pytest.raises(InvalidStateError):
        container.authorities.set_status(
            account=account, arn=root_ca.arn, status=AuthorityStatus.DISABLED
        )
    deleted = container.authorities.delete(account=account, arn=root_ca.arn, restore_days=7)
    assert deleted.status is AuthorityStatus.DELETED
    assert deleted.restorable_until == clock.now() + timedelta(days=7)
    restored = container.authorities.restore(account=account, arn=root_ca.arn)
    assert restored.status is AuthorityStatus.DISABLED
    enabled = container.authorities.set_status(
        account=account, arn=root_ca.arn, status=AuthorityStatus.ACTIVE
    )
    assert enabled.status is AuthorityStatus.ACTIVE
    container.authorities.set_status(
        account=account, arn=root_ca.arn, status=AuthorityStatus.DISABLED
    )
    container.authorities.delete(account=account, arn=root_ca.arn, restore_days=7)
    with pytest.raises(ValidationError):
        container.authorities.delete(account=account, arn=root_ca.arn, restore_days=3)
    clock.advance(timedelta(days=8))
    with pytest.raises(NotFoundError):
        container.authorities.restore(account=account, arn=root_ca.arn)
    assert container.authorities.list(account=account) == []


def test_ca_expires_by_itself(container: Container, account: str, clock: FixedClock) -> None:
    ca = container.authorities.create(
        account=account,
        type=AuthorityType.ROOT,
        subject=Subject(common_name="Short"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        validity_days=10,
    )
    clock.advance(timedelta(days=11))
    from certherd.domain.authority import effective_status

    assert effective_status(
        container.authorities.get(account=account, arn=ca.arn), clock.now()
    ) is (AuthorityStatus.EXPIRED)


def test_permissions(container: Container, account: str, root_ca: CertificateAuthority) -> None:
    (granted,) = container.authorities.list_permissions(account=account, arn=root_ca.arn)
    assert granted.principal == CERTIFICATE_MANAGER_PRINCIPAL
    assert granted.source_account == account
    with pytest.raises(ConflictError):
        container.authorities.create_permission(account=account, arn=root_ca.arn)
    container.authorities.delete_permission(account=account, arn=root_ca.arn)
    assert container.authorities.list_permissions(account=account, arn=root_ca.arn) == ()
    with pytest.raises(NotFoundError):
        container.authorities.delete_permission(account=account, arn=root_ca.arn)
    with pytest.raises(ValidationError) as info:
        container.authorities.create_permission(
            account=account, arn=root_ca.arn, actions=("Everything",)
        )
    assert info.value.field == "Actions"
    container.authorities.create_permission(account=account, arn=root_ca.arn)
    assert len(container.authorities.list_permissions(account=account, arn=root_ca.arn)) == 1


def test_tags_and_unknown_arns(
    container: Container, account: str, root_ca: CertificateAuthority
) -> None:
    tags = container.authorities.tag(
        account=account, arn=root_ca.arn, tags=(Tag("team", "pki"), Tag("env", "prod"))
    )
    assert {t.key for t in tags} == {"team", "env"}
    tags = container.authorities.untag(account=account, arn=root_ca.arn, tags=(Tag("env"),))
    assert tags == (Tag("team", "pki"),)
    unknown = root_ca.arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    with pytest.raises(NotFoundError):
        container.authorities.get(account=account, arn=unknown)
    with pytest.raises(ValidationError):
        container.authorities.get(account=account, arn="not-an-arn")
    with pytest.raises(NotFoundError):
        container.authorities.get(account="111111111111", arn=root_ca.arn)


def test_direct_issue_and_revoke_by_serial(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    key = generate_private_key(KeyAlgorithm.EC_prime256v1)
    from cryptography.hazmat.primitives.serialization import Encoding

    csr = build_csr(key, Subject(common_name="direct.example"), ["direct.example"])
    arn = container.issuing.issue(
        account=account,
        authority_arn=issuing_ca.arn,
        csr=csr.public_bytes(Encoding.PEM),
        validity_days=30,
    )
    assert arn.startswith(issuing_ca.arn + "/certificate/")
    issued = load_certificate(
        container.issuing.get(
            account=account, authority_arn=issuing_ca.arn, certificate_arn=arn
        ).certificate_pem.encode()
    )
    serial = format(issued.serial_number, "x")
    container.issuing.revoke(
        account=account,
        authority_arn=issuing_ca.arn,
        serial=serial,
        reason=RevocationReason.KEY_COMPROMISE,
    )
    with pytest.raises(ConflictError):
        container.issuing.revoke(
            account=account,
            authority_arn=issuing_ca.arn,
            serial=serial,
            reason=RevocationReason.KEY_COMPROMISE,
        )
    crl = x509.load_der_x509_crl(container.issuing.crl(account=account, authority_id=issuing_ca.id))
    entry = crl.get_revoked_certificate_by_serial_number(issued.serial_number)
    assert entry is not None
    with pytest.raises(NotFoundError):
        container.issuing.revoke(
            account=account,
            authority_arn=issuing_ca.arn,
            serial="0abc",
            reason=RevocationReason.UNSPECIFIED,
        )
