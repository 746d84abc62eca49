"""Records kept beside the main aggregates: what a CA issued, its CRLs, accounts, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from certherd.pki.crl import RevocationReason as CrlReason

DEFAULT_DAYS_BEFORE_EXPIRY = 45


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate a CA signed (for the certificate manager or directly from a CSR)."""

    authority_id: str
    serial: str  # ACM style: lowercase hex bytes separated by colons
    serial_int: int
    certificate_pem: str
    not_after: datetime
    issued_at: datetime
    certificate_id: str | None = None  # the certificate manager's certificate, if any
    revoked_at: datetime | None = None
    revocation_reason: CrlReason | None = None


@dataclass(frozen=True)
class Crl:
    authority_id: str
    number: int
    der: bytes
    this_update: datetime
    next_update: datetime


@dataclass(frozen=True)
class AccountConfig:
    account: str
    days_before_expiry: int = DEFAULT_DAYS_BEFORE_EXPIRY


@dataclass(frozen=True)
class ApiToken:
    """A bearer token's stored form: only its SHA-256 digest is kept."""

    id: str
    name: str
    account: str
    digest: str
    created_at: datetime
    is_admin: bool = False


@dataclass(frozen=True)
class LedgerEntry:
    """One lifecycle occurrence that must happen once: a key in the lifecycle ledger.

    ``subject_id`` is the certificate's (or CA's) id, ``kind`` what happened
    (``approaching-expiration``, ``renewal-attempt``, ``expired``, ...) and ``occasion``
    which one of its kind (a day, or an attempt of one version). The ledger refuses a
    second entry with the same three, which is what makes each event happen once.
    """

    subject_id: str
    kind: str
    occasion: str
    account: str
    created_at: datetime
    event_id: str | None = None
