"""Domain objects as the JSON the API answers with (shapes of docs/api.md).

Times are ISO 8601 in UTC with a ``Z`` (``2026-01-31T12:00:00Z``); absent values are
``null`` so every documented member is always present.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from certherd.domain import authority as authority_rules
from certherd.domain.authority import CertificateAuthority, Permission
from certherd.domain.certificate import CertificateType, CertificateVersion
from certherd.domain.tags import Tag
from certherd.services.certificate_reads import CertificateView

__all__ = [
    "SUMMARY_NAME_LIMIT",
    "authority",
    "certificate_detail",
    "certificate_summary",
    "crl_url",
    "instant",
    "permission",
    "tags",
    "version",
]

#: ACM lists at most this many names in a summary and flags the rest.
SUMMARY_NAME_LIMIT = 100

JSON = dict[str, Any]


def instant(moment: datetime | None) -> str | None:
    """``2026-01-31T12:00:00Z`` (whole seconds, UTC), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def precise_instant(moment: datetime | None) -> str | None:
    """``2026-01-31T12:00:00.250Z`` (milliseconds, UTC), or None: for times whose
    differences matter below a second (delivery attempts)."""
    if moment is None:
        return None
    at = moment.astimezone(UTC)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"


def tags(items: Iterable[Tag]) -> list[JSON]:
    return [{"Key": t.key, "Value": t.value} for t in items]


def crl_url(public_url: str, account: str, authority_id: str) -> str:
    """Where a CA's CRL is served (the URL in its certificates' CRL distribution point)."""
    return f"{public_url.rstrip('/')}/crl/{account}/{authority_id}.crl"


def authority(ca: CertificateAuthority, *, now: datetime, public_url: str) -> JSON:
    """AWS Private CA's CertificateAuthority (the members certherd has)."""
    return {
        "Arn": ca.arn,
        "Id": ca.id,
        "OwnerAccount": ca.account,
        "Type": ca.type.value,
        "Status": authority_rules.effective_status(ca, now).value,
        "CreatedAt": instant(ca.created_at),
        "LastStateChangeAt": instant(ca.last_state_change_at),
        "NotBefore": instant(ca.not_before),
        "NotAfter": instant(ca.not_after),
        "Serial": ca.serial,
        "RestorableUntil": instant(ca.restorable_until),
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": ca.key_algorithm.value,
            "SigningAlgorithm": ca.signing_algorithm.value,
            "Subject": ca.subject.to_dict(),
        },
        "RevocationConfiguration": {
            "CrlConfiguration": {
                "Enabled": ca.crl_enabled,
                "ExpirationInDays": ca.crl_expiration_days,
                "CrlUrl": crl_url(public_url, ca.account, ca.id) if ca.crl_enabled else None,
            }
        },
        "PathLength": ca.path_length,
        "Tags": tags(ca.tags),
    }


def permission(item: Permission, *, authority_arn: str) -> JSON:
    return {
        "Principal": item.principal,
        "Actions": list(item.actions),
        "SourceAccount": item.source_account,
        "CreatedAt": instant(item.created_at),
        "CertificateAuthorityArn": authority_arn,
    }


def certificate_detail(view: CertificateView) -> JSON:
    """ACM's CertificateDetail (the members that apply) and certherd's own additions."""
    cert = view.certificate
    private = cert.type is CertificateType.PRIVATE
    renewal = cert.renewal
    return {
        "CertificateArn": cert.arn,
        "DomainName": cert.domain_name,
        "SubjectAlternativeNames": list(cert.subject_alternative_names),
        "Serial": cert.serial,
        "Subject": cert.subject,
        "Issuer": cert.issuer,
        "CreatedAt": instant(cert.created_at),
        "IssuedAt": instant(cert.issued_at),
        "ImportedAt": instant(cert.imported_at),
        "Status": view.status.value,
        "RevokedAt": instant(cert.revoked_at),
        "RevocationReason": cert.revocation_reason.value if cert.revocation_reason else None,
        "NotBefore": instant(cert.not_before),
        "NotAfter": instant(cert.not_after),
        "KeyAlgorithm": cert.key_algorithm.value,
        "SignatureAlgorithm": cert.signature_algorithm,
        "InUseBy": list(cert.in_use_by),
        "Type": cert.type.value,
        "RenewalSummary": None
        if renewal is None
        else {
            "RenewalStatus": renewal.status.value,
            "RenewalStatusReason": renewal.reason.value if renewal.reason else None,
            "UpdatedAt": instant(renewal.updated_at),
        },
        "KeyUsages": [{"Name": name} for name in cert.key_usages],
        "ExtendedKeyUsages": [{"Name": name, "OID": oid} for name, oid in cert.extended_key_usages],
        "CertificateAuthorityArn": cert.authority_arn,
        "RenewalEligibility": view.renewal_eligibility.value,
        "Options": {
            "CertificateTransparencyLoggingPreference": "DISABLED",
            "Export": "ENABLED" if private else "DISABLED",
        },
        "CertificateKeyPairOrigin": "AWS_MANAGED" if private else "CUSTOMER_PROVIDED",
        "DaysToExpiry": view.days_to_expiry,
        "Exported": cert.exported,
        "Version": cert.version,
        "Tags": tags(cert.tags),
    }


def certificate_summary(view: CertificateView) -> JSON:
    """ACM's CertificateSummary, with certherd's DaysToExpiry."""
    cert = view.certificate
    names = cert.subject_alternative_names
    return {
        "CertificateArn": cert.arn,
        "DomainName": cert.domain_name,
        "SubjectAlternativeNameSummaries": list(names[:SUMMARY_NAME_LIMIT]),
        "HasAdditionalSubjectAlternativeNames": len(names) > SUMMARY_NAME_LIMIT,
        "Status": view.status.value,
        "Type": cert.type.value,
        "KeyAlgorithm": cert.key_algorithm.value,
        "InUse": cert.in_use,
        "Exported": cert.exported,
        "RenewalEligibility": view.renewal_eligibility.value,
        "NotBefore": instant(cert.not_before),
        "NotAfter": instant(cert.not_after),
        "CreatedAt": instant(cert.created_at),
        "IssuedAt": instant(cert.issued_at),
        "ImportedAt": instant(cert.imported_at),
        "RevokedAt": instant(cert.revoked_at),
        "DaysToExpiry": view.days_to_expiry,
    }


def version(item: CertificateVersion) -> JSON:
    return {
        "Version": item.number,
        "Action": item.action.value,
        "Serial": item.serial,
        "NotBefore": instant(item.not_before),
        "NotAfter": instant(item.not_after),
        "CreatedAt": instant(item.created_at),
        "Exported": item.exported_at is not None,
    }
