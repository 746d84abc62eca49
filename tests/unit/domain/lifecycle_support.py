"""Builders shared by the lifecycle tests (imported by name: the domain tests' conftest
puts this folder on sys.path)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from certherd.domain.authority import (
    CERTIFICATE_MANAGER_PRINCIPAL,
    PERMISSION_ACTIONS,
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
    Permission,
)
from certherd.domain.certificate import Certificate, CertificateStatus, CertificateType
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

ACCOUNT = "123456789012"
REGION = "eu-west-1"
CA_ARN = f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/ca-1"
GRANT = Permission(
    CERTIFICATE_MANAGER_PRINCIPAL,
    PERMISSION_ACTIONS,
    ACCOUNT,
    datetime(2020, 1, 1, tzinfo=UTC),
)


def certificate(now: datetime, **changes: object) -> Certificate:
    """A private certificate issued for 395 days, exported, ending in 30.5 days."""
    base = Certificate(
        id="cert-1",
        arn=f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/cert-1",
        account=ACCOUNT,
        type=CertificateType.PRIVATE,
        status=CertificateStatus.ISSUED,
        domain_name="app.example.com",
        subject_alternative_names=("app.example.com",),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signature_algorithm="SHA256WITHECDSA",
        serial="01",
        subject="CN=app.example.com",
        issuer="CN=Root",
        not_before=now - timedelta(days=365),
        not_after=now + timedelta(days=30, hours=12),
        created_at=now - timedelta(days=365),
        version=1,
        key_secret_id="s",
        authority_arn=CA_ARN,
        exported_at=now - timedelta(days=364),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def authority(now: datetime, **changes: object) -> CertificateAuthority:
    """An ACTIVE root CA valid for ten more years that lets the certificate manager issue."""
    base = CertificateAuthority(
        id="ca-1",
        arn=CA_ARN,
        account=ACCOUNT,
        type=AuthorityType.ROOT,
        status=AuthorityStatus.ACTIVE,
        subject=Subject(common_name="Root"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        key_secret_id="s",
        csr_pem="",
        created_at=now - timedelta(days=100),
        last_state_change_at=now - timedelta(days=100),
        not_before=now - timedelta(days=100),
        not_after=now + timedelta(days=3650),
        permissions=(GRANT,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]
