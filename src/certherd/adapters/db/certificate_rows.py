"""Mapping certificates and their versions between rows and the domain's dataclasses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.tables import certificates
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    CertificateVersion,
    FailureReason,
    RenewalStatus,
    RenewalSummary,
    RevocationReason,
    VersionAction,
)
from certherd.domain.tags import Tag
from certherd.pki.keys import KeyAlgorithm

__all__ = [
    "CERTIFICATE_COLUMNS",
    "certificate_from_row",
    "certificate_values",
    "version_from_row",
    "version_values",
]


def certificate_values(cert: Certificate) -> dict[str, Any]:
    """The column values of ``cert`` (its id and tags excluded)."""
    renewal = cert.renewal
    return {
        "arn": cert.arn,
        "account": cert.account,
        "type": cert.type.value,
        "status": cert.status.value,
        "domain_name": cert.domain_name,
        "sans": list(cert.subject_alternative_names),
        "key_algorithm": cert.key_algorithm.value,
        "signature_algorithm": cert.signature_algorithm,
        "serial": cert.serial,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "not_before": cert.not_before,
        "not_after": cert.not_after,
        "created_at": cert.created_at,
        "issued_at": cert.issued_at,
        "imported_at": cert.imported_at,
        "revoked_at": cert.revoked_at,
        "revocation_reason": (
            None if cert.revocation_reason is None else cert.revocation_reason.value
        ),
        "authority_arn": cert.authority_arn,
        "exported_at": cert.exported_at,
        "in_use_by": list(cert.in_use_by),
        "renewal_status": None if renewal is None else renewal.status.value,
        "renewal_reason": (
            None if renewal is None or renewal.reason is None else renewal.reason.value
        ),
        "renewal_updated_at": None if renewal is None else renewal.updated_at,
        "key_usages": list(cert.key_usages),
        "extended_key_usages": [list(pair) for pair in cert.extended_key_usages],
        "validity_days": cert.validity_days,
        "idempotency_token": cert.idempotency_token,
        "version": cert.version,
        "key_secret_id": cert.key_secret_id,
    }


#: The columns a certificate is read from, in the order certificate_from_row unpacks them.
CERTIFICATE_COLUMNS: tuple[sa.Column[Any], ...] = tuple(
    certificates.c[name]
    for name in (
        "id",
        "arn",
        "account",
        "type",
        "status",
        "domain_name",
        "sans",
        "key_algorithm",
        "signature_algorithm",
        "serial",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "created_at",
        "issued_at",
        "imported_at",
        "revoked_at",
        "revocation_reason",
        "authority_arn",
        "exported_at",
        "in_use_by",
        "renewal_status",
        "renewal_reason",
        "renewal_updated_at",
        "key_usages",
        "extended_key_usages",
        "validity_days",
        "idempotency_token",
        "version",
        "key_secret_id",
    )
)

# Enum members by value: a dict look-up is several times faster than calling the enum,
# which counts when a page of a thousand certificates is read.
_TYPES = {m.value: m for m in CertificateType}
_STATUSES = {m.value: m for m in CertificateStatus}
_KEY_ALGORITHMS = {m.value: m for m in KeyAlgorithm}
_REVOCATION_REASONS = {m.value: m for m in RevocationReason}
_RENEWAL_STATUSES = {m.value: m for m in RenewalStatus}
_FAILURE_REASONS = {m.value: m for m in FailureReason}


def certificate_from_row(row: Sequence[Any], tags: Iterable[Tag] = ()) -> Certificate:
    """The certificate of a row selected with :data:`CERTIFICATE_COLUMNS`."""
    # Unpacking the row positionally is much cheaper than 31 attribute look-ups.
    (
        id_,
        arn,
        account,
        type_,
        status,
        domain_name,
        sans,
        key_algorithm,
        signature_algorithm,
        serial,
        subject,
        issuer,
        not_before,
        not_after,
        created_at,
        issued_at,
        imported_at,
        revoked_at,
        revocation_reason,
        authority_arn,
        exported_at,
        in_use_by,
        renewal_status,
        renewal_reason,
        renewal_updated_at,
        key_usages,
        extended_key_usages,
        validity_days,
        idempotency_token,
        version,
        key_secret_id,
    ) = row
    renewal = None
    if renewal_status is not None:
        renewal = RenewalSummary(
            status=_RENEWAL_STATUSES[renewal_status],
            updated_at=renewal_updated_at,
            reason=None if renewal_reason is None else _FAILURE_REASONS[renewal_reason],
        )
    return Certificate(
        id=id_,
        arn=arn,
        account=account,
        type=_TYPES[type_],
        status=_STATUSES[status],
        domain_name=domain_name,
        subject_alternative_names=tuple(sans),
        key_algorithm=_KEY_ALGORITHMS[key_algorithm],
        signature_algorithm=signature_algorithm,
        serial=serial,
        subject=subject,
        issuer=issuer,
        not_before=not_before,
        not_after=not_after,
        created_at=created_at,
        version=version,
        key_secret_id=key_secret_id,
        issued_at=issued_at,
        imported_at=imported_at,
        revoked_at=revoked_at,
        revocation_reason=(
            None if revocation_reason is None else _REVOCATION_REASONS[revocation_reason]
        ),
        authority_arn=authority_arn,
        exported_at=exported_at,
        in_use_by=tuple(in_use_by),
        renewal=renewal,
        key_usages=tuple(key_usages),
        extended_key_usages=tuple((name, oid) for name, oid in extended_key_usages),
        validity_days=validity_days,
        idempotency_token=idempotency_token,
        tags=tuple(tags),
    )


def version_values(certificate_id: str, version: CertificateVersion) -> dict[str, Any]:
    return {
        "certificate_id": certificate_id,
        "number": version.number,
        "action": version.action.value,
        "serial": version.serial,
        "certificate_pem": version.certificate_pem,
        "chain_pem": version.chain_pem,
        "key_secret_id": version.key_secret_id,
        "not_before": version.not_before,
        "not_after": version.not_after,
        "created_at": version.created_at,
        "exported_at": version.exported_at,
    }


def version_from_row(row: sa.Row[Any]) -> CertificateVersion:
    return CertificateVersion(
        number=row.number,
        action=VersionAction(row.action),
        serial=row.serial,
        certificate_pem=row.certificate_pem,
        chain_pem=row.chain_pem,
        key_secret_id=row.key_secret_id,
        not_before=row.not_before,
        not_after=row.not_after,
        created_at=row.created_at,
        exported_at=row.exported_at,
    )
