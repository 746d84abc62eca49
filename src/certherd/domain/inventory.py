"""How the certificate inventory is filtered, sorted and paged."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from certherd.domain.certificate import CertificateStatus, CertificateType
from certherd.errors import ValidationError
from certherd.pki.keys import KeyAlgorithm

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


class SortBy(StrEnum):
    """ACM sorts by CREATED_AT; certherd adds the orders an inventory needs."""

    CREATED_AT = "CREATED_AT"
    NOT_AFTER = "NOT_AFTER"
    DOMAIN_NAME = "DOMAIN_NAME"


class SortOrder(StrEnum):
    ASCENDING = "ASCENDING"
    DESCENDING = "DESCENDING"


@dataclass(frozen=True)
class CertificateFilter:
    """Which certificates to list. Empty tuples mean "any"."""

    statuses: tuple[CertificateStatus, ...] = ()
    key_algorithms: tuple[KeyAlgorithm, ...] = ()
    types: tuple[CertificateType, ...] = ()
    expiring_within_days: int | None = None
    tags: tuple[tuple[str, str | None], ...] = ()
    authority_arn: str | None = None

    def expiry_bounds(self, now: datetime) -> tuple[datetime, datetime] | None:
        """``(now, now + N days)`` when filtering by expiry; certificates already expired
        are not "expiring"."""
        if self.expiring_within_days is None:
            return None
        return now, now + timedelta(days=self.expiring_within_days)


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the sort key and id of its last item."""

    sort_value: str
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.sort_value, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a NextToken; raise ValidationError naming NextToken if it is not ours."""
        try:
            padded = token + "=" * (-len(token) % 4)
            value = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if (
                isinstance(value, list)
                and len(value) == 2
                # isprintable: no NUL or unpaired surrogate, which no database column holds
                and all(isinstance(v, str) and v.isprintable() for v in value)
            ):
                return cls(value[0], value[1])
        except (binascii.Error, ValueError, UnicodeDecodeError):
            pass
        raise ValidationError("is not a token returned by a previous list call", field="NextToken")


@dataclass(frozen=True)
class PageRequest:
    max_items: int = DEFAULT_PAGE_SIZE
    next_token: str | None = None
    sort_by: SortBy = SortBy.CREATED_AT
    sort_order: SortOrder = SortOrder.DESCENDING

    def __post_init__(self) -> None:
        if not 1 <= self.max_items <= MAX_PAGE_SIZE:
            raise ValidationError(f"must be between 1 and {MAX_PAGE_SIZE}", field="MaxItems")
        if self.next_token is not None and not 1 <= len(self.next_token) <= 10000:
            raise ValidationError("must be 1 to 10000 characters", field="NextToken")

    @property
    def cursor(self) -> Cursor | None:
        return Cursor.decode(self.next_token) if self.next_token else None
