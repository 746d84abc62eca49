"""Private certificate authorities: model, statuses and the decisions about them.

Follows AWS Private CA: a CA is ROOT or SUBORDINATE, starts PENDING_CERTIFICATE until its
own certificate is installed, is ACTIVE while it may issue, can be DISABLED and enabled
again, becomes EXPIRED when its certificate runs out, and is DELETED with a restore period.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from certherd.domain.tags import Tag
from certherd.errors import InvalidStateError, ValidationError
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

#: The service principal that stands for the certificate manager in CA permissions.
CERTIFICATE_MANAGER_PRINCIPAL = "acm.amazonaws.com"
PERMISSION_ACTIONS = ("IssueCertificate", "GetCertificate", "ListPermissions")
CA_KEY_ALGORITHMS = frozenset(
    {
        KeyAlgorithm.RSA_2048,
        KeyAlgorithm.RSA_3072,
        KeyAlgorithm.RSA_4096,
        KeyAlgorithm.EC_prime256v1,
        KeyAlgorithm.EC_secp384r1,
    }
)
MIN_RESTORE_DAYS, MAX_RESTORE_DAYS = 7, 30


class AuthorityType(StrEnum):
    ROOT = "ROOT"
    SUBORDINATE = "SUBORDINATE"


class AuthorityStatus(StrEnum):
    CREATING = "CREATING"
    PENDING_CERTIFICATE = "PENDING_CERTIFICATE"
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"
    DISABLED = "DISABLED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Permission:
    """A grant by which a CA lets a service principal act through it."""

    principal: str
    actions: tuple[str, ...]
    source_account: str
    created_at: datetime


@dataclass(frozen=True)
class CertificateAuthority:
    """A private CA as stored; ``status`` is the stored status (see :func:`effective_status`)."""

    id: str
    arn: str
    account: str
    type: AuthorityType
    status: AuthorityStatus
    subject: Subject
    key_algorithm: KeyAlgorithm
    signing_algorithm: SigningAlgorithm
    key_secret_id: str
    csr_pem: str
    created_at: datetime
    last_state_change_at: datetime
    crl_enabled: bool = True
    crl_expiration_days: int = 7
    certificate_pem: str | None = None
    chain_pem: str | None = None
    serial: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    restorable_until: datetime | None = None
    status_before_deletion: AuthorityStatus | None = None
    path_length: int | None = None
    tags: tuple[Tag, ...] = ()
    permissions: tuple[Permission, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class IssuingAuthority:
    """What issuing a certificate needs to know about a CA: its state, read afresh for every
    certificate, and the certificate it signs with (no subject, CSR, tags or permissions)."""

    id: str
    arn: str
    account: str
    status: AuthorityStatus
    signing_algorithm: SigningAlgorithm
    key_secret_id: str
    crl_enabled: bool
    certificate_pem: str | None
    chain_pem: str | None
    serial: str | None
    not_after: datetime | None
    restorable_until: datetime | None


#: A CA as far as checking its state and signing with it go.
AnyAuthority = CertificateAuthority | IssuingAuthority


def effective_status(ca: AnyAuthority, now: datetime) -> AuthorityStatus:
    """The status a caller sees at ``now``: an ACTIVE or DISABLED CA past its end is EXPIRED."""
    if (
        ca.status in (AuthorityStatus.ACTIVE, AuthorityStatus.DISABLED)
        and ca.not_after is not None
        and ca.not_after <= now
    ):
        return AuthorityStatus.EXPIRED
    return ca.status


def check_can_issue(ca: AnyAuthority, now: datetime) -> None:
    """Raise InvalidStateError unless the CA may sign certificates at ``now``."""
    status = effective_status(ca, now)
    if status is not AuthorityStatus.ACTIVE:
        raise InvalidStateError(
            f"certificate authority {ca.arn} is {status.value}; it must be ACTIVE to issue",
            field="CertificateAuthorityArn",
        )


def allows_certificate_manager(ca: CertificateAuthority, account: str) -> bool:
    """Whether the CA grants the certificate manager of ``account`` the right to issue."""
    return any(
        p.principal == CERTIFICATE_MANAGER_PRINCIPAL
        and "IssueCertificate" in p.actions
        and p.source_account == account
        for p in ca.permissions
    )


def disable(ca: CertificateAuthority, now: datetime) -> CertificateAuthority:
    """ACTIVE -> DISABLED."""
    if effective_status(ca, now) is not AuthorityStatus.ACTIVE:
        raise InvalidStateError(
            f"only an ACTIVE certificate authority can be disabled; this one is "
            f"{effective_status(ca, now).value}",
            field="Status",
        )
    return replace(ca, status=AuthorityStatus.DISABLED, last_state_change_at=now)


def enable(ca: CertificateAuthority, now: datetime) -> CertificateAuthority:
    """DISABLED -> ACTIVE."""
    if effective_status(ca, now) is not AuthorityStatus.DISABLED:
        raise InvalidStateError(
            f"only a DISABLED certificate authority can be enabled; this one is "
            f"{effective_status(ca, now).value}",
            field="Status",
        )
    return replace(ca, status=AuthorityStatus.ACTIVE, last_state_change_at=now)


def delete(ca: CertificateAuthority, now: datetime, restore_days: int) -> CertificateAuthority:
    """Mark the CA DELETED, restorable for ``restore_days`` (7-30) days.

    An ACTIVE CA must be disabled first, as AWS Private CA requires.
    """
    if not MIN_RESTORE_DAYS <= restore_days <= MAX_RESTORE_DAYS:
        raise ValidationError(
            f"must be between {MIN_RESTORE_DAYS} and {MAX_RESTORE_DAYS} days",
            field="PermanentDeletionTimeInDays",
        )
    status = effective_status(ca, now)
    if status is AuthorityStatus.ACTIVE:
        raise InvalidStateError(
            "an ACTIVE certificate authority must be disabled before it can be deleted",
            field="CertificateAuthorityArn",
        )
    if status is AuthorityStatus.DELETED:
        raise InvalidStateError(
            "the certificate authority is already deleted", field="CertificateAuthorityArn"
        )
    return replace(
        ca,
        status=AuthorityStatus.DELETED,
        status_before_deletion=ca.status,
        restorable_until=now + timedelta(days=restore_days),
        last_state_change_at=now,
    )


def restore(ca: CertificateAuthority, now: datetime) -> CertificateAuthority:
    """Bring a DELETED CA back to its status before deletion, within the restore period."""
    if ca.status is not AuthorityStatus.DELETED:
        raise InvalidStateError(
            "only a DELETED certificate authority can be restored", field="CertificateAuthorityArn"
        )
    if ca.restorable_until is None or ca.restorable_until <= now:
        raise InvalidStateError(
            "the restore period of this certificate authority has ended",
            field="CertificateAuthorityArn",
        )
    return replace(
        ca,
        status=ca.status_before_deletion or AuthorityStatus.DISABLED,
        status_before_deletion=None,
        restorable_until=None,
        last_state_change_at=now,
    )


def is_purged(ca: AnyAuthority, now: datetime) -> bool:
    """A DELETED CA whose restore period is over is gone for good."""
    return (
        ca.status is AuthorityStatus.DELETED
        and ca.restorable_until is not None
        and ca.restorable_until <= now
    )
