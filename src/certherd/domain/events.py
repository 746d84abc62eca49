"""EventBridge events: the envelope targets receive, and PutEvents' per-entry checks.

An :class:`Event` is one event as it sits in the outbox: the AWS envelope (spec 2.1)
plus the bus it was put on and when it was ingested. :func:`new_event` builds one from
facts known to be valid (the certificate manager's own events); :func:`event_from_entry`
builds one from a caller's ``PutEvents`` entry, or answers the entry's error the way
EventBridge does (``{ErrorCode, ErrorMessage}``) without raising.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from certherd.domain.clock import require_utc
from certherd.errors import LimitExceededError, ValidationError

#: One encoder for every envelope (json.dumps with options builds a new one per call).
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

__all__ = [
    "DEFAULT_BUS",
    "EVENT_VERSION",
    "MAX_ENTRIES",
    "MAX_REQUEST_BYTES",
    "EntryResult",
    "Event",
    "PutEventsEntry",
    "check_entry_count",
    "entry_size",
    "event_from_entry",
    "format_time",
    "new_event",
]

EVENT_VERSION: Final = "0"
DEFAULT_BUS: Final = "default"
#: PutEvents takes 1 to 10 entries (spec 2.1).
MAX_ENTRIES: Final = 10
#: The entries of one PutEvents request must add up to less than 1 MB (spec 2.1).
MAX_REQUEST_BYTES: Final = 1024 * 1024
#: What an entry's Time adds to its size (spec 2.1, eb-putevent-size).
TIME_BYTES: Final = 14
_INT64: Final = 2**63
_MAX_DEPTH: Final = 1000
_ARN_SHAPE: Final = re.compile(r"^arn:[\w+=/,.@-]+:[\w-]+:[\w+=/,.@-]*:[0-9]*:.+$")
#: Sources only AWS services (here: certherd itself) may use.
RESERVED_SOURCE_PREFIX: Final = "aws."


def format_time(instant: datetime) -> str:
    """An envelope ``time``: RFC 3339 in UTC to the second (``2026-01-01T00:00:00Z``)."""
    return require_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Event:
    """One event: the envelope fields, the bus it is on, and when it was ingested."""

    id: str
    account: str
    region: str
    source: str
    detail_type: str
    time: datetime
    resources: tuple[str, ...]
    detail: Mapping[str, Any]
    ingested_at: datetime
    bus: str = DEFAULT_BUS
    replay_name: str | None = None

    def envelope(self) -> dict[str, Any]:
        """The event as targets receive it, fields in AWS's order."""
        document: dict[str, Any] = {
            "version": EVENT_VERSION,
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.account,
            "time": format_time(self.time),
            "region": self.region,
            "resources": list(self.resources),
            "detail": self.detail,
        }
        if self.replay_name is not None:
            document["replay-name"] = self.replay_name
        return document

    def to_json(self) -> str:
        """The envelope as compact JSON text (what the outbox stores)."""
        return _COMPACT.encode(self.envelope())

    @classmethod
    def from_envelope(
        cls, envelope: Mapping[str, Any], *, now: datetime, bus: str = DEFAULT_BUS
    ) -> Event:
        """The event of an AWS envelope (a dict built by ``acm_events``, say), ingested
        ``now`` on ``bus``. Raises ValueError when a field is missing or of the wrong type
        (such an envelope is a programming error, not bad input)."""
        try:
            time = datetime.fromisoformat(str(envelope["time"]).replace("Z", "+00:00"))
            resources = tuple(str(r) for r in envelope.get("resources") or ())
            detail = envelope["detail"]
            if not isinstance(detail, Mapping):
                raise TypeError("detail must be an object")
            return cls(
                id=str(envelope["id"]),
                account=str(envelope["account"]),
                region=str(envelope["region"]),
                source=str(envelope["source"]),
                detail_type=str(envelope["detail-type"]),
                time=require_utc(time),
                resources=resources,
                detail=dict(detail),
                ingested_at=require_utc(now),
                bus=bus,
                replay_name=envelope.get("replay-name"),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an event envelope: {exc}") from None

    @property
    def resource(self) -> str | None:
        """The first resource ARN (what a certificate's event history is looked up by)."""
        return self.resources[0] if self.resources else None


@dataclass(frozen=True)
class StoredEvent:
    """An event as the outbox holds it: its routing position and whether it was routed."""

    seq: int
    event: Event
    envelope: str  # the exact JSON text targets receive
    routed_at: datetime | None = None
    #: ``envelope`` decoded, when whoever read the row decoded it already (read-only).
    document: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def decoded(self) -> Mapping[str, Any]:
        """``envelope`` as a JSON object (decoded once by the repository, when it could)."""
        if self.document is not None:
            return self.document
        decoded: Mapping[str, Any] = json.loads(self.envelope)
        return decoded


@dataclass(frozen=True)
class EventFilter:
    """Which events of an account to list; None means "any"."""

    bus: str | None = None
    source: str | None = None
    detail_type: str | None = None
    resource: str | None = None
    since: datetime | None = None  # ingested at or after


def new_event(
    *,
    account: str,
    region: str,
    source: str,
    detail_type: str,
    detail: Mapping[str, Any],
    now: datetime,
    resources: Sequence[str] = (),
    time: datetime | None = None,
    bus: str = DEFAULT_BUS,
    event_id: str | None = None,
) -> Event:
    """An event of certherd's own (no entry checks): ``time`` defaults to ``now``, which is
    also its ingestion time, and ``event_id`` to a new v4 UUID."""
    return Event(
        id=event_id or str(uuid.uuid4()),
        account=account,
        region=region,
        source=source,
        detail_type=detail_type,
        time=require_utc(time or now),
        resources=tuple(resources),
        detail=dict(detail),
        ingested_at=require_utc(now),
        bus=bus,
    )


@dataclass(frozen=True)
class PutEventsEntry:
    """One ``PutEventsRequestEntry`` as the caller sent it (nothing checked yet)."""

    source: str | None = None
    detail_type: str | None = None
    detail: str | None = None
    resources: tuple[str, ...] = ()
    time: str | datetime | None = None
    event_bus_name: str | None = None
    trace_header: str | None = None


@dataclass(frozen=True)
class EntryResult:
    """A ``PutEventsResultEntry``: ``event_id``, or ``error_code`` and ``error_message``."""

    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_code is not None

    def to_json(self) -> dict[str, str]:
        if self.event_id is not None:
            return {"EventId": self.event_id}
        return {"ErrorCode": self.error_code or "", "ErrorMessage": self.error_message or ""}


def _utf8(text: str | None) -> int:
    return len(text.encode("utf-8", "surrogatepass")) if text else 0


def entry_size(entry: PutEventsEntry) -> int:
    """An entry's size as EventBridge counts it: 14 bytes for a Time, plus the UTF-8 bytes
    of Source, DetailType, Detail and each resource (spec 2.1)."""
    size = TIME_BYTES if entry.time is not None else 0
    size += _utf8(entry.source) + _utf8(entry.detail_type) + _utf8(entry.detail)
    return size + sum(_utf8(resource) for resource in entry.resources)


def check_entry_count(entries: Sequence[PutEventsEntry]) -> None:
    """Refuse a request of no entries or more than 10 (ValidationError naming Entries), or
    whose entries add up to 1 MB or more (LimitExceededError)."""
    if not 1 <= len(entries) <= MAX_ENTRIES:
        raise ValidationError(f"must hold 1 to {MAX_ENTRIES} entries", field="Entries")
    if sum(entry_size(entry) for entry in entries) >= MAX_REQUEST_BYTES:
        raise LimitExceededError(
            "Total size of the entries in the request is over the limit.", field="Entries"
        )


def _required(name: str) -> EntryResult:
    return EntryResult(
        error_code="InvalidArgument",
        error_message=f"Parameter {name} is not valid. Reason: {name} is a required argument.",
    )


def _invalid(name: str, reason: str) -> EntryResult:
    return EntryResult(
        error_code="InvalidArgument",
        error_message=f"Parameter {name} is not valid. Reason: {reason}",
    )


_MALFORMED = EntryResult(error_code="MalformedDetail", error_message="Detail is malformed.")


def _no_float_constant(constant: str) -> Any:
    raise ValueError(constant)


def _within_limits(value: Any, depth: int = 0) -> bool:
    """JSON integers fit in 64 bits and nesting stays within 1000 levels (spec 2.1)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_within_limits(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_within_limits(v, depth + 1) for v in value)
    return True


def _parse_detail(text: str) -> dict[str, Any] | None:
    try:
        detail = json.loads(text, parse_constant=_no_float_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(detail, dict) or not _within_limits(detail):
        return None
    return detail


def _parse_time(value: str | datetime) -> datetime | None:
    if isinstance(value, datetime):
        return require_utc(value) if value.tzinfo is not None else None
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def event_from_entry(
    entry: PutEventsEntry,
    *,
    account: str,
    region: str,
    bus: str,
    now: datetime,
    event_id: str | None = None,
) -> Event | EntryResult:
    """The event ``entry`` asks for on ``bus``, or the entry's failure as PutEvents reports it.

    Source, DetailType and Detail are required (``InvalidArgument``); Detail must be a JSON
    object with 64-bit integers and at most 1000 levels (``MalformedDetail``); sources
    starting ``aws.`` are refused (``NotAuthorizedForSourceException``); Time must be
    RFC 3339 with a zone (default ``now``); Resources must be ARNs. Never raises.
    """
    if not entry.source:
        return _required("Source")
    if not entry.detail_type:
        return _required("DetailType")
    if not entry.detail:
        return _required("Detail")
    if entry.source.startswith(RESERVED_SOURCE_PREFIX):
        return EntryResult(
            error_code="NotAuthorizedForSourceException",
            error_message="Not authorized for the source.",
        )
    detail = _parse_detail(entry.detail)
    if detail is None:
        return _MALFORMED
    when = now
    if entry.time is not None:
        parsed = _parse_time(entry.time)
        if parsed is None:
            return _invalid("Time", "Time must be an RFC 3339 timestamp with a time zone.")
        when = parsed
    for resource in entry.resources:
        if not isinstance(resource, str) or not _ARN_SHAPE.match(resource):
            return _invalid("Resources", f"{resource!r} is not an ARN.")
    return Event(
        id=event_id or str(uuid.uuid4()),
        account=account,
        region=region,
        source=entry.source,
        detail_type=entry.detail_type,
        time=when,
        resources=tuple(entry.resources),
        detail=detail,
        ingested_at=require_utc(now),
        bus=bus,
    )
