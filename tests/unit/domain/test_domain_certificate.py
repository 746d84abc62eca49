"""Pure decisions about certificates: status, eligibility, days to expiry (ACM, spec §1.3-1.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from certherd.domain import certificate as model
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    RenewalEligibility,
)
from certherd.pki.keys import KeyAlgorithm

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def cert(**changes: object) -> Certificate:
    base = Certificate(
        id="c",
        arn="arn:aws:acm:us-east-1:123456789012:certificate/c",
        account="123456789012",
        type=CertificateType.PRIVATE,
        status=CertificateStatus.ISSUED,
        domain_name="a.example",
        subject_alternative_names=("a.example",),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signature_algorithm="SHA256WITHECDSA",
        serial="01",
        subject="CN=a.example",
        issuer="CN=CA",
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=30, hours=12),
        created_at=NOW - timedelta(days=1),
        version=1,
        key_secret_id="s",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_effective_status_and_days_to_expiry() -> None:
    assert model.effective_status(cert(), NOW) is CertificateStatus.ISSUED
    assert model.effective_status(cert(not_after=NOW), NOW) is CertificateStatus.EXPIRED
    revoked = cert(status=CertificateStatus.REVOKED, not_after=NOW)
    assert model.effective_status(revoked, NOW) is CertificateStatus.REVOKED
    assert model.days_to_expiry(NOW + timedelta(days=30, hours=12), NOW) == 30
    assert model.days_to_expiry(NOW - timedelta(hours=1), NOW) == -1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, RenewalEligibility.INELIGIBLE),
        ({"exported_at": NOW}, RenewalEligibility.ELIGIBLE),
        ({"in_use_by": ("lb",)}, RenewalEligibility.ELIGIBLE),
        ({"exported_at": NOW, "type": CertificateType.IMPORTED}, RenewalEligibility.INELIGIBLE),
        ({"exported_at": NOW, "not_after": NOW}, RenewalEligibility.INELIGIBLE),
        ({"exported_at": NOW, "status": CertificateStatus.REVOKED}, RenewalEligibility.INELIGIBLE),
    ],
)
def test_renewal_eligibility(changes: dict[str, object], expected: RenewalEligibility) -> None:
    assert model.renewal_eligibility(cert(**changes), NOW) is expected
