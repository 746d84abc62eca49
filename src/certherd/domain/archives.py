"""EventBridge archives (spec 2.7): what a bus's events are copied into as they are routed.

An archive belongs to one bus of its account; its optional event pattern chooses which of
the bus's events it keeps (none: all of them). Replayed events (those carrying
``replay-name``) are never archived. ``RetentionDays`` 0 keeps events for ever; otherwise
the retention sweep removes events archived more than that many days ago.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from certherd.domain.rules import InvalidEventPatternError, check_description
from certherd.errors import ValidationError
from certherd.patterns import PatternError, compile_pattern

__all__ = [
    "MAX_ARCHIVE_PATTERN",
    "Archive",
    "ArchiveState",
    "ArchivedEvent",
    "check_archive_name",
    "check_archive_pattern",
    "check_retention_days",
    "retention_cutoff",
]

_ARCHIVE_NAME: Final = re.compile(r"[\.\-_A-Za-z0-9]{1,48}")
#: EventPattern's length limit in the current API model (spec 2.2).
MAX_ARCHIVE_PATTERN: Final = 4096
#: RetentionDays is a non-negative integer; an upper bound keeps dates computable.
MAX_RETENTION_DAYS: Final = 365_000


class ArchiveState(StrEnum):
    """AWS's ArchiveState; certherd's archives are ENABLED from creation to deletion."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    CREATE_FAILED = "CREATE_FAILED"
    UPDATE_FAILED = "UPDATE_FAILED"


@dataclass(frozen=True)
class Archive:
    """An archive of one bus; ``event_count`` and ``size_bytes`` as of when it was read."""

    id: str
    account: str
    name: str
    arn: str
    bus: str
    source_arn: str
    retention_days: int
    state: ArchiveState
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    event_pattern: str | None = None
    event_count: int = 0
    size_bytes: int = 0


@dataclass(frozen=True)
class ArchivedEvent:
    """One event as an archive keeps it: the exact envelope text targets received."""

    archive_id: str
    event_id: str
    event_time: datetime
    envelope: str
    size_bytes: int
    archived_at: datetime

    @classmethod
    def of(
        cls, archive_id: str, *, event_id: str, event_time: datetime, envelope: str, at: datetime
    ) -> ArchivedEvent:
        """The archived copy of an envelope, its size the UTF-8 bytes of the text."""
        size = len(envelope.encode("utf-8", "surrogatepass"))
        return cls(archive_id, event_id, event_time, envelope, size, at)


def check_archive_name(name: object, *, field: str = "ArchiveName") -> str:
    """An archive name: 1-48 of ``A-Za-z0-9._-``; ValidationError naming ``field``."""
    if not isinstance(name, str) or not _ARCHIVE_NAME.fullmatch(name):
        raise ValidationError(
            "must be 1 to 48 characters of letters, digits, '.', '-' and '_'", field=field
        )
    return name


def check_retention_days(days: object) -> int:
    """RetentionDays: a whole number >= 0 (0 keeps events for ever)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"must be a whole number from 0 (keep for ever) to {MAX_RETENTION_DAYS}",
            field="RetentionDays",
        )
    return days


def check_archive_pattern(pattern: str | None) -> str | None:
    """An archive's EventPattern: None (every event of the bus) or a valid pattern.

    Raises :class:`InvalidEventPatternError` with AWS's reason (field EventPattern), and
    ValidationError for an empty or over-long pattern.
    """
    if pattern is None:
        return None
    if pattern == "" or len(pattern) > MAX_ARCHIVE_PATTERN:
        raise ValidationError(
            f"must be a pattern of 1 to {MAX_ARCHIVE_PATTERN} characters (or left out)",
            field="EventPattern",
        )
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise InvalidEventPatternError(exc.aws_message, field="EventPattern") from None
    return pattern


def check_archive_description(text: str | None) -> str | None:
    """Description: at most 512 characters."""
    return check_description(text)


def retention_cutoff(retention_days: int, now: datetime) -> datetime | None:
    """Events archived before this instant are past retention (None: kept for ever)."""
    if retention_days <= 0:
        return None
    return now - timedelta(days=retention_days)
