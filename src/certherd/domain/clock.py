"""Where certherd reads the time from.

All code takes a :class:`Clock` as a collaborator instead of calling
``datetime.now()``, so that a month of certificate lifecycle can be simulated,
tested and forecast in seconds (``CERTHERD_NOW``, ``--now``, ``--until``). Every
instant handed out here is timezone-aware and in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from certherd.errors import ValidationError

__all__ = ["Clock", "FixedClock", "SystemClock", "parse_instant", "require_utc"]


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock of this machine."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told to move: simulated time.

    ``now()`` returns the same instant until :meth:`advance` or :meth:`set` changes it.
    Not thread-safe by design: one simulation drives it.
    """

    def __init__(self, at: datetime) -> None:
        """Start at ``at``, which must be timezone-aware (raises ``ValueError`` if naive)."""
        self._at = require_utc(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock by ``delta`` (which may be negative) and return the new instant."""
        self._at = self._at + delta
        return self._at

    def set(self, at: datetime) -> datetime:
        """Move the clock to ``at`` (timezone-aware) and return it in UTC."""
        self._at = require_utc(at)
        return self._at

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()!r})"


def require_utc(at: datetime) -> datetime:
    """Return ``at`` converted to UTC; raise ``ValueError`` when it is naive.

    A naive datetime in the core is a programming error (an instant without a zone is
    ambiguous), hence ``ValueError`` rather than a user-facing :class:`ValidationError`.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()!r}: instants must be timezone-aware")
    return at.astimezone(UTC)


def parse_instant(text: str, *, field: str | None = None) -> datetime:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime.

    Accepted: ``2026-01-31`` (midnight UTC), ``2026-01-31T12:00:00Z``,
    ``2026-01-31T14:00:00+02:00`` (converted to UTC), ``2026-01-31 12:00`` and other
    forms :meth:`datetime.fromisoformat` reads. A date-time without an offset is taken
    to be UTC.

    Raises:
        ValidationError: ``text`` is not such a date or date-time; ``field`` (when given)
            names the setting or parameter it came from.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_instant_rule(text), field=field)
    raw = text.strip()
    try:
        if len(raw) <= 10 and "T" not in raw.upper():
            # A bare date; fromisoformat would accept it as datetime too, but saying
            # so explicitly keeps "date means midnight UTC" independent of that.
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_instant_rule(raw), field=field) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _instant_rule(text: object) -> str:
    return (
        f"{text!r} is not an ISO 8601 date or date-time "
        "(for example 2026-01-31 or 2026-01-31T12:00:00Z)"
    )
