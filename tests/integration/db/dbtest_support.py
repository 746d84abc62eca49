"""Constants and builders shared by the database adapter's tests (imported by name:
pytest puts this folder on sys.path)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from certherd.domain.authority import (
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
    Permission,
)
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    CertificateVersion,
    VersionAction,
)
from certherd.domain.tags import Tag
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
#: A zone east of UTC: values given in it must come back as the same instant, in UTC.
PLUS_TWO = timezone(timedelta(hours=2))


class Builders:
    """Makes valid domain objects with unique ids; keyword arguments override fields."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):05d}"

    def certificate(self, **overrides: Any) -> Certificate:
        cid = overrides.pop("id", None) or self.next_id("cert")
        account = overrides.get("account", ACCOUNT)
        fields: dict[str, Any] = {
            "id": cid,
            "arn": f"arn:aws:acm:us-east-1:{account}:certificate/{cid}",
            "account": account,
            "type": CertificateType.PRIVATE,
            "status": CertificateStatus.ISSUED,
            "domain_name": f"{cid}.example.com",
            "subject_alternative_names": (f"{cid}.example.com",),
            "key_algorithm": KeyAlgorithm.RSA_2048,
            "signature_algorithm": "SHA256WITHRSA",
            "serial": "0a:1b:2c",
            "subject": f"CN={cid}.example.com",
            "issuer": "CN=Example Root",
            "not_before": T0,
            "not_after": T0 + timedelta(days=395),
            "created_at": T0,
            "version": 1,
            "key_secret_id": f"secret-{cid}",
        }
        fields.update(overrides)
        return Certificate(**fields)

    def version(self, certificate: Certificate, **overrides: Any) -> CertificateVersion:
        fields: dict[str, Any] = {
            "number": certificate.version,
            "action": VersionAction.ISSUANCE,
            "serial": certificate.serial,
            "certificate_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "chain_pem": None,
            "key_secret_id": certificate.key_secret_id,
            "not_before": certificate.not_before,
            "not_after": certificate.not_after,
            "created_at": certificate.created_at,
        }
        fields.update(overrides)
        return CertificateVersion(**fields)

    def authority(self, **overrides: Any) -> CertificateAuthority:
        aid = overrides.pop("id", None) or self.next_id("ca")
        account = overrides.get("account", ACCOUNT)
        fields: dict[str, Any] = {
            "id": aid,
            "arn": f"arn:aws:acm-pca:us-east-1:{account}:certificate-authority/{aid}",
            "account": account,
            "type": AuthorityType.ROOT,
            "status": AuthorityStatus.PENDING_CERTIFICATE,
            "subject": Subject(common_name="Example Root", organization="Example", country="DE"),
            "key_algorithm": KeyAlgorithm.EC_prime256v1,
            "signing_algorithm": SigningAlgorithm.SHA256WITHECDSA,
            "key_secret_id": f"secret-{aid}",
            "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END ...-----",
            "created_at": T0,
            "last_state_change_at": T0,
        }
        fields.update(overrides)
        return CertificateAuthority(**fields)

    def full_authority(self, **overrides: Any) -> CertificateAuthority:
        """An authority with every optional field set (tz-aware datetimes in +02:00)."""
        base = self.authority(**overrides)
        return replace(
            base,
            status=AuthorityStatus.DELETED,
            crl_enabled=False,
            crl_expiration_days=30,
            certificate_pem="-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
            chain_pem="-----BEGIN CERTIFICATE-----\nCHAIN\n-----END CERTIFICATE-----\n",
            serial="01:02:03",
            not_before=datetime(2026, 1, 1, 2, 0, 0, 123456, tzinfo=PLUS_TWO),
            not_after=datetime(2036, 1, 1, 2, 0, 0, 654321, tzinfo=PLUS_TWO),
            restorable_until=T0 + timedelta(days=30, microseconds=7),
            status_before_deletion=AuthorityStatus.DISABLED,
            path_length=2,
            tags=(Tag("env", "prod"), Tag("team", "")),
            permissions=(
                Permission(
                    principal="acm.amazonaws.com",
                    actions=("IssueCertificate", "GetCertificate", "ListPermissions"),
                    source_account=base.account,
                    created_at=T0 + timedelta(seconds=1),
                ),
                Permission(
                    principal="acm.amazonaws.com",
                    actions=("GetCertificate",),
                    source_account="999999999999",
                    created_at=T0 + timedelta(seconds=2),
                ),
            ),
        )
