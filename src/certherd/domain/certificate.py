"""Certificates as the certificate manager keeps them (ACM semantics).

A certificate has an ARN that never changes and one or more versions: issuance or import
makes the first, each renewal or re-import adds one. What a caller sees (status, renewal
eligibility, days to expiry) is decided here from the stored facts and ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from certherd.domain.tags import Tag
from certherd.pki.keys import KeyAlgorithm

#: ACM's default validity for private certificates: 13 months.
DEFAULT_PRIVATE_VALIDITY_DAYS = 395
MAX_DOMAIN_NAMES = 100
REQUESTABLE_KEY_ALGORITHMS = frozenset(
    {KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_prime256v1, KeyAlgorithm.EC_secp384r1}
)


class CertificateStatus(StrEnum):
    PENDING_VALIDATION = "PENDING_VALIDATION"
    ISSUED = "ISSUED"
    INACTIVE = "INACTIVE"
    EXPIRED = "EXPIRED"
    VALIDATION_TIMED_OUT = "VALIDATION_TIMED_OUT"
    REVOKED = "REVOKED"
    FAILED = "FAILED"


class CertificateType(StrEnum):
    IMPORTED = "IMPORTED"
    AMAZON_ISSUED = "AMAZON_ISSUED"
    PRIVATE = "PRIVATE"


class RenewalEligibility(StrEnum):
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"


class RenewalStatus(StrEnum):
    PENDING_AUTO_RENEWAL = "PENDING_AUTO_RENEWAL"
    PENDING_VALIDATION = "PENDING_VALIDATION"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class FailureReason(StrEnum):
    NO_AVAILABLE_CONTACTS = "NO_AVAILABLE_CONTACTS"
    ADDITIONAL_VERIFICATION_REQUIRED = "ADDITIONAL_VERIFICATION_REQUIRED"
    DOMAIN_NOT_ALLOWED = "DOMAIN_NOT_ALLOWED"
    INVALID_PUBLIC_DOMAIN = "INVALID_PUBLIC_DOMAIN"
    DOMAIN_VALIDATION_DENIED = "DOMAIN_VALIDATION_DENIED"
    CAA_ERROR = "CAA_ERROR"
    PCA_LIMIT_EXCEEDED = "PCA_LIMIT_EXCEEDED"
    PCA_INVALID_ARN = "PCA_INVALID_ARN"
    PCA_INVALID_STATE = "PCA_INVALID_STATE"
    PCA_REQUEST_FAILED = "PCA_REQUEST_FAILED"
    PCA_NAME_CONSTRAINTS_VALIDATION = "PCA_NAME_CONSTRAINTS_VALIDATION"
    PCA_RESOURCE_NOT_FOUND = "PCA_RESOURCE_NOT_FOUND"
    PCA_INVALID_ARGS = "PCA_INVALID_ARGS"
    PCA_INVALID_DURATION = "PCA_INVALID_DURATION"
    PCA_ACCESS_DENIED = "PCA_ACCESS_DENIED"
    SLR_NOT_FOUND = "SLR_NOT_FOUND"
    OTHER = "OTHER"


class VersionAction(StrEnum):
    """Why a version exists; the ``Action`` of ACM's "Certificate Available" event."""

    ISSUANCE = "ISSUANCE"
    RENEWAL = "RENEWAL"
    IMPORT = "IMPORT"
    REIMPORT = "REIMPORT"


class RevocationReason(StrEnum):
    """ACM's revocation reasons (spelling variants included, as ACM accepts both)."""

    UNSPECIFIED = "UNSPECIFIED"
    KEY_COMPROMISE = "KEY_COMPROMISE"
    CA_COMPROMISE = "CA_COMPROMISE"
    AFFILIATION_CHANGED = "AFFILIATION_CHANGED"
    SUPERCEDED = "SUPERCEDED"
    SUPERSEDED = "SUPERSEDED"
    CESSATION_OF_OPERATION = "CESSATION_OF_OPERATION"
    CERTIFICATE_HOLD = "CERTIFICATE_HOLD"
    REMOVE_FROM_CRL = "REMOVE_FROM_CRL"
    PRIVILEGE_WITHDRAWN = "PRIVILEGE_WITHDRAWN"
    A_A_COMPROMISE = "A_A_COMPROMISE"


@dataclass(frozen=True)
class RenewalSummary:
    status: RenewalStatus
    updated_at: datetime
    reason: FailureReason | None = None


@dataclass(frozen=True)
class CertificateVersion:
    """One certificate under an ARN: the first issuance or import, or a later renewal."""

    number: int
    action: VersionAction
    serial: str
    certificate_pem: str
    chain_pem: str | None
    key_secret_id: str
    not_before: datetime
    not_after: datetime
    created_at: datetime
    exported_at: datetime | None = None


@dataclass(frozen=True)
class Certificate:
    """The stored facts of one certificate ARN, with its current version's details."""

    id: str
    arn: str
    account: str
    type: CertificateType
    status: CertificateStatus
    domain_name: str
    subject_alternative_names: tuple[str, ...]
    key_algorithm: KeyAlgorithm
    signature_algorithm: str
    serial: str
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    created_at: datetime
    version: int
    key_secret_id: str
    issued_at: datetime | None = None
    imported_at: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: RevocationReason | None = None
    authority_arn: str | None = None
    exported_at: datetime | None = None
    in_use_by: tuple[str, ...] = ()
    renewal: RenewalSummary | None = None
    key_usages: tuple[str, ...] = ()
    extended_key_usages: tuple[tuple[str, str], ...] = ()
    validity_days: int = DEFAULT_PRIVATE_VALIDITY_DAYS
    idempotency_token: str | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def exported(self) -> bool:
        """Whether the current version was exported (since issuance or the last renewal)."""
        return self.exported_at is not None

    @property
    def in_use(self) -> bool:
        return bool(self.in_use_by)


def effective_status(cert: Certificate, now: datetime) -> CertificateStatus:
    """What a caller sees at ``now``: an ISSUED certificate past NotAfter is EXPIRED."""
    if cert.status is CertificateStatus.ISSUED and cert.not_after <= now:
        return CertificateStatus.EXPIRED
    return cert.status


def days_to_expiry(not_after: datetime, now: datetime) -> int:
    """Whole days left until ``not_after`` (negative once it has passed)."""
    return (not_after - now).days


def renewal_eligibility(cert: Certificate, now: datetime) -> RenewalEligibility:
    """ACM's rule: a private certificate that is exported or in use, and not expired or revoked."""
    if (
        cert.type is CertificateType.PRIVATE
        and effective_status(cert, now) is CertificateStatus.ISSUED
        and (cert.exported or cert.in_use)
    ):
        return RenewalEligibility.ELIGIBLE
    return RenewalEligibility.INELIGIBLE
