"""Event buses and events (EventBridge semantics): CreateEventBus, DescribeEventBus,
ListEventBuses, DeleteEventBus, PutEvents, TestEventPattern, and the event history."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.bus_policy import PUT_EVENTS, bus_policy_allows
from certherd.domain.clock import Clock
from certherd.domain.events import (
    DEFAULT_BUS,
    EntryResult,
    Event,
    EventFilter,
    PutEventsEntry,
    StoredEvent,
    check_entry_count,
    event_from_entry,
)
from certherd.domain.invocations import Invocation
from certherd.domain.rules import (
    MAX_BUSES,
    EventBus,
    InvalidEventPatternError,
    check_bus_name,
    check_description,
    check_new_bus_name,
)
from certherd.errors import (
    ConflictError,
    LimitExceededError,
    NotFoundError,
    ResourceInUseError,
    ValidationError,
)
from certherd.patterns import InvalidEventError, PatternError, compile_pattern
from certherd.services.event_ports import OutboxRow
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["EventBusService", "EventPage", "bus_not_found"]

#: The action a bus policy must allow for another account to put events on the bus.
#: The fields TestEventPattern requires of its Event (spec 2.1).
TEST_EVENT_FIELDS: Final = ("id", "account", "source", "time", "region", "resources", "detail-type")
MAX_EVENTS_PAGE: Final = 100


@dataclass(frozen=True)
class EventPage:
    events: list[StoredEvent]
    next_token: str | None


def bus_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Event bus {name} does not exist.", field="EventBusName")


def _encode_seq(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _decode_seq(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        kind, _, number = raw.partition(":")
        if kind == "seq" and number.isdigit():
            return int(number)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise ValidationError("is not a token returned by a previous list call", field="NextToken")


class EventBusService:
    """Buses of an account (the ``default`` bus always exists) and the events put on them."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        # Reads go through ``read_uow`` (on SQLite they never wait for the write lock).
        self._read_uow = read_uow or uow
        self._clock = clock
        self._arns = arns

    # -- buses ------------------------------------------------------------------------------

    def default_bus(self, account: str) -> EventBus:
        """The account's default bus as it is before anything was put on it."""
        return EventBus(
            account=account,
            name=DEFAULT_BUS,
            arn=self._arns.event_bus(account, DEFAULT_BUS),
            created_at=None,
            updated_at=None,
        )

    def bus_name(self, name_or_arn: str | None, *, field: str = "EventBusName") -> str:
        """The bus a request names (a name or a bus ARN; the default bus when omitted)."""
        if name_or_arn is None or name_or_arn == "":
            return DEFAULT_BUS
        return check_bus_name(self._arns.event_bus_name(name_or_arn, field=field), field=field)

    def create_bus(self, *, account: str, name: str, description: str | None = None) -> EventBus:
        """CreateEventBus. Raises ValidationError for a bad name (``default`` included),
        ConflictError when it exists and LimitExceededError past 100 buses."""
        validate_account_id(account)
        check_new_bus_name(name)
        check_description(description)
        now = self._clock.now()
        bus = EventBus(
            account=account,
            name=name,
            arn=self._arns.event_bus(account, name),
            created_at=now,
            updated_at=now,
            description=description,
        )
        with self._uow() as uow:
            if uow.rules.get_bus(account, name) is not None:
                raise ConflictError(f"Event bus {name} already exists.", field="Name")
            custom = uow.rules.count_buses(account) - (
                uow.rules.get_bus(account, DEFAULT_BUS) is not None
            )
            if custom + 1 >= MAX_BUSES:  # the default bus counts too
                raise LimitExceededError(
                    f"an account has at most {MAX_BUSES} event buses", field="Name"
                )
            uow.rules.add_bus(bus)
            uow.commit()
        return bus

    def describe_bus(self, *, account: str, name: str | None = None) -> EventBus:
        """DescribeEventBus (by name or ARN; the default bus when omitted)."""
        validate_account_id(account)
        bus_name = self.bus_name(name, field="Name")
        with self._read_uow() as uow:
            return self._load_bus(uow, account, bus_name)

    def list_buses(self, *, account: str, prefix: str | None = None) -> list[EventBus]:
        """ListEventBuses: the default bus first, then the others by name."""
        validate_account_id(account)
        with self._read_uow() as uow:
            stored = uow.rules.list_buses(account)
        default = next((b for b in stored if b.name == DEFAULT_BUS), self.default_bus(account))
        buses = [default, *(b for b in stored if b.name != DEFAULT_BUS)]
        return [b for b in buses if not prefix or b.name.startswith(prefix)]

    def delete_bus(self, *, account: str, name: str) -> None:
        """DeleteEventBus. The default bus cannot be deleted (ValidationError), nor a bus
        that still has rules (ResourceInUseError); NotFoundError when there is no such bus."""
        validate_account_id(account)
        bus_name = self.bus_name(name, field="Name")
        if bus_name == DEFAULT_BUS:
            raise ValidationError("Cannot delete event bus default.", field="Name")
        with self._uow() as uow:
            self._load_bus(uow, account, bus_name)
            if uow.rules.count_rules(account, bus_name):
                raise ResourceInUseError(
                    f"Event bus {bus_name} has rules; delete them first.", field="Name"
                )
            uow.rules.delete_bus(account, bus_name)
            uow.commit()

    def _load_bus(self, uow: UnitOfWork, account: str, name: str) -> EventBus:
        bus = uow.rules.get_bus(account, name)
        if bus is not None:
            return bus
        if name == DEFAULT_BUS:
            return self.default_bus(account)
        raise bus_not_found(name)

    # -- events -----------------------------------------------------------------------------

    def put_events(self, *, account: str, entries: Sequence[PutEventsEntry]) -> list[EntryResult]:
        """PutEvents: one result per entry, in order (``EventId`` or the entry's error).

        The events of the entries that pass are appended to the outbox in one transaction.
        An entry whose EventBusName is another account's bus ARN is accepted only when
        that bus's policy allows this account ``events:PutEvents`` (else the entry fails
        ``AccessDeniedException``); its event goes to that bus, its ``account`` still
        this account's, as in AWS. Raises ValidationError for no entries or more than 10,
        or when every entry lacks Source, DetailType or Detail, and LimitExceededError
        when they add up to 1 MB.
        """
        validate_account_id(account)
        check_entry_count(entries)
        now = self._clock.now()
        results: list[EntryResult] = []
        accepted: list[Event] = []
        foreign: list[OutboxRow] = []
        with self._uow() as uow:
            known: dict[str, bool] = {DEFAULT_BUS: True}
            for entry in entries:
                outcome = self._entry(uow, account, entry, now, known)
                if isinstance(outcome, Event):
                    accepted.append(outcome)
                    results.append(EntryResult(event_id=outcome.id))
                elif isinstance(outcome, OutboxRow):
                    foreign.append(outcome)
                    results.append(EntryResult(event_id=outcome.id))
                else:
                    results.append(outcome)
            if not accepted and not foreign and all(_lacks_required(r) for r in results):
                raise ValidationError(
                    "every entry needs Source, DetailType and Detail", field="Entries"
                )
            uow.events.append_many(accepted)
            uow.events.append_rows(foreign)
            uow.commit()
        return results

    def _entry(
        self,
        uow: UnitOfWork,
        account: str,
        entry: PutEventsEntry,
        now: datetime,
        known: dict[str, bool],
    ) -> Event | OutboxRow | EntryResult:
        try:
            owner, bus = self._arns.event_bus_ref(entry.event_bus_name or DEFAULT_BUS)
            check_bus_name(bus, field="EventBusName")
        except ValidationError as exc:
            return EntryResult(error_code="InvalidArgument", error_message=str(exc))
        if owner is not None and owner != account:
            return self._foreign_entry(uow, account, owner, bus, entry, now)
        if bus not in known:
            known[bus] = uow.rules.get_bus(account, bus) is not None
        if not known[bus]:
            return EntryResult(
                error_code="ResourceNotFoundException",
                error_message=f"Event bus {bus} does not exist.",
            )
        return event_from_entry(entry, account=account, region=self._arns.region, bus=bus, now=now)

    def _foreign_entry(
        self,
        uow: UnitOfWork,
        account: str,
        owner: str,
        bus: str,
        entry: PutEventsEntry,
        now: datetime,
    ) -> OutboxRow | EntryResult:
        """An entry for another account's bus: its event, on the row of the bus's owner."""
        outcome = event_from_entry(
            entry, account=account, region=self._arns.region, bus=bus, now=now
        )
        if isinstance(outcome, EntryResult):
            return outcome
        arn = self._arns.event_bus(owner, bus)
        if not self.allows_put(uow, arn, account):
            return EntryResult(
                error_code="AccessDeniedException",
                error_message=f"User: arn:{self._arns.partition}:iam::{account}:root is not "
                f"authorized to perform: {PUT_EVENTS} on resource: {arn} because no "
                "resource-based policy allows the events:PutEvents action",
            )
        return OutboxRow(id=outcome.id, account=owner, event=outcome, envelope=outcome.to_json())

    def allows_put(self, uow: UnitOfWork | None, bus_arn: str, principal_account: str) -> bool:
        """Whether ``principal_account`` may put events on the bus ``bus_arn`` (a bus ARN of
        this deployment): always for the bus's own account; for another, when the bus
        exists and its policy allows ``events:PutEvents`` (:func:`bus_policy_allows`).
        Reads through ``uow`` when given (inside the caller's transaction), else through a
        read-only unit of work of its own. Never raises for a bad ARN: it answers False."""
        try:
            owner, name = self._arns.event_bus_ref(bus_arn, field="Arn")
        except ValidationError:
            return False
        if owner is None:
            return False
        if owner == principal_account:
            return True
        if uow is not None:
            bus = uow.rules.get_bus(owner, name)
        else:
            with self._read_uow() as read:
                bus = read.rules.get_bus(owner, name)
        return bus is not None and bus_policy_allows(
            bus.policy,
            principal_account=principal_account,
            action=PUT_EVENTS,
            bus_arn=self._arns.event_bus(owner, name),
        )

    def test_event_pattern(self, *, event_pattern: str, event: str | Mapping[str, Any]) -> bool:
        """TestEventPattern: whether ``event`` matches ``event_pattern``.

        Raises InvalidEventPatternError (AWS's ``Event pattern is not valid. Reason: ...``)
        and InvalidEventError (``Parameter Event is not valid.``) when the event is not a
        JSON object with id, account, source, time, region, resources and detail-type.
        """
        try:
            compiled = compile_pattern(event_pattern)
        except PatternError as exc:
            raise InvalidEventPatternError(exc.aws_message, field="EventPattern") from None
        document: object = event
        if isinstance(event, str):
            try:
                document = json.loads(event)
            except ValueError:
                raise _invalid_event() from None
        if not isinstance(document, Mapping) or any(k not in document for k in TEST_EVENT_FIELDS):
            raise _invalid_event()
        return compiled.matches(document)

    def list_events(
        self,
        *,
        account: str,
        where: EventFilter | None = None,
        max_items: int = MAX_EVENTS_PAGE,
        next_token: str | None = None,
    ) -> EventPage:
        """The account's events, newest first, a page at a time."""
        validate_account_id(account)
        if not 1 <= max_items <= MAX_EVENTS_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_EVENTS_PAGE}", field="MaxItems")
        before = _decode_seq(next_token) if next_token else None
        where = where or EventFilter()
        if where.bus is not None:
            where = EventFilter(
                bus=self.bus_name(where.bus),
                source=where.source,
                detail_type=where.detail_type,
                resource=where.resource,
                since=where.since,
            )
        with self._read_uow() as uow:
            found = uow.events.page(account, where, limit=max_items + 1, before_seq=before)
        more = len(found) > max_items
        page = found[:max_items]
        return EventPage(page, _encode_seq(page[-1].seq) if more and page else None)

    def describe_event(
        self, *, account: str, event_id: str
    ) -> tuple[StoredEvent, list[Invocation]]:
        """One event with the invocations routing made of it; NotFoundError if unknown."""
        validate_account_id(account)
        with self._read_uow() as uow:
            stored = uow.events.get(account, event_id)
            if stored is None:
                raise NotFoundError(f"event {event_id} does not exist", field="EventId")
            return stored, uow.invocations.for_event(event_id)


def _invalid_event() -> InvalidEventError:
    error = InvalidEventError()
    error.field = "Event"
    return error


def _lacks_required(result: EntryResult) -> bool:
    return result.error_code == "InvalidArgument" and "is a required argument" in (
        result.error_message or ""
    )
