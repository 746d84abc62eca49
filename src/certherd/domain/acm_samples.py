"""Sample events of each ACM detail type, exactly in the shape ACM sends (spec 1.1).

For people writing patterns and targets: ``certherd events sample`` prints them, and a
pattern that matches a sample matches the real event. The values are static and
realistic; the real events are built from certificates by :mod:`certherd.domain.acm_events`.
"""

from __future__ import annotations

import copy
from typing import Any, Final

__all__ = ["SAMPLE_DETAIL_TYPES", "sample_event", "sample_events"]

_ACCOUNT: Final = "123456789012"
_REGION: Final = "us-east-1"
_CERTIFICATE: Final = (
    f"arn:aws:acm:{_REGION}:{_ACCOUNT}:certificate/61f50cd4-45b9-4259-b049-d0a53682fa4b"
)


def _envelope(event_id: str, detail_type: str, time: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.acm",
        "account": _ACCOUNT,
        "time": time,
        "region": _REGION,
        "resources": [_CERTIFICATE],
        "detail": detail,
    }


_SAMPLES: Final[dict[str, dict[str, Any]]] = {
    "ACM Certificate Approaching Expiration": _envelope(
        "9c95e8e4-96a4-ef3f-b739-b6aa5b193afb",
        "ACM Certificate Approaching Expiration",
        "2026-03-02T06:51:08Z",
        {
            "DaysToExpiry": 31,
            "CommonName": "example.com",
            "FirstSubjectAlternativeName": "example.com",
            "ValidityInDays": 395,
            "CertificateKeyPairOrigin": "AWS_MANAGED",
        },
    ),
    "ACM Certificate Expired": _envelope(
        "3f8a1c2e-7b4d-4e59-9a61-0c2d5e8f1b37",
        "ACM Certificate Expired",
        "2026-04-02T00:00:00Z",
        {
            "CertificateType": "PRIVATE",
            "CommonName": "example.com",
            "FirstSubjectAlternativeName": "example.com",
            "ValidityInDays": 395,
            "CertificateKeyPairOrigin": "AWS_MANAGED",
            "CertificateCreatedDate": "2025-03-03T00:00:00Z",
            "CertificateExpirationDate": "2026-04-02T00:00:00Z",
            "InUse": True,
            "Exported": False,
        },
    ),
    "ACM Certificate Available": _envelope(
        "b1e0d9f4-2c3a-4d8e-8f71-5a6b7c8d9e0f",
        "ACM Certificate Available",
        "2026-02-01T10:15:00Z",
        {
            "Action": "RENEWAL",
            "CertificateType": "PRIVATE",
            "CommonName": "example.com",
            "FirstSubjectAlternativeName": "example.com",
            "ValidityInDays": 395,
            "CertificateKeyPairOrigin": "AWS_MANAGED",
            "CertificateCreatedDate": "2025-01-01T10:15:00Z",
            "CertificateExpirationDate": "2027-03-03T10:15:00Z",
            "DaysToExpiry": 395,
            "InUse": False,
            "Exported": True,
        },
    ),
    "ACM Certificate Renewal Action Required": _envelope(
        "5d2c7e1a-9f3b-4a6c-b8d0-1e2f3a4b5c6d",
        "ACM Certificate Renewal Action Required",
        "2026-02-14T00:00:00Z",
        {
            "CertificateType": "PRIVATE",
            "CommonName": "example.com",
            "FirstSubjectAlternativeName": "example.com",
            "ValidityInDays": 395,
            "CertificateKeyPairOrigin": "AWS_MANAGED",
            "RenewalStatusReason": "PCA_INVALID_STATE",
            "DaysToExpiry": 45,
            "CertificateCreatedDate": "2025-03-01T00:00:00Z",
            "CertificateExpirationDate": "2026-03-31T00:00:00Z",
            "InUse": True,
            "Exported": False,
        },
    ),
    "ACM Certificate Revoked": _envelope(
        "e7f8a9b0-c1d2-4e3f-a4b5-c6d7e8f9a0b1",
        "ACM Certificate Revoked",
        "2026-01-20T08:30:00Z",
        {
            "CertificateType": "PRIVATE",
            "CommonName": "example.com",
            "FirstSubjectAlternativeName": "example.com",
            "ValidityInDays": 395,
            "CertificateKeyPairOrigin": "AWS_MANAGED",
            "CertificateExpirationDate": "2027-01-01T00:00:00Z",
            "Exportable": True,
        },
    ),
}

#: The detail types there are samples of, in the order ACM's documentation lists them.
SAMPLE_DETAIL_TYPES: Final = tuple(_SAMPLES)


def sample_event(detail_type: str) -> dict[str, Any]:
    """A sample event of ``detail_type`` (a fresh copy); KeyError for an unknown one."""
    return copy.deepcopy(_SAMPLES[detail_type])


def sample_events() -> list[dict[str, Any]]:
    """One sample event of each detail type."""
    return [sample_event(name) for name in SAMPLE_DETAIL_TYPES]
