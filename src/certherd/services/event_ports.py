"""What the event side of the services needs from storage: the outbox, rules and
targets, invocations, the lifecycle ledger, queues, archives and bus policies.

:mod:`certherd.services.ports` gathers these with the certificate side's ports into the
unit of work.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from certherd.domain.archives import Archive, ArchivedEvent
from certherd.domain.certificate import Certificate
from certherd.domain.events import Event, EventFilter, StoredEvent
from certherd.domain.invocations import Invocation, InvocationState
from certherd.domain.queue_messages import QueueMessage
from certherd.domain.queues import Queue, QueueCounts
from certherd.domain.records import LedgerEntry
from certherd.domain.replays import Replay, ReplayState
from certherd.domain.rules import EventBus, Rule, Target

__all__ = [
    "ArchiveRepository",
    "BusPolicyRepository",
    "EventRepository",
    "InvocationRepository",
    "LedgerRepository",
    "LifecycleRepository",
    "OutboxRow",
    "QueueRepository",
    "RuleRepository",
]


class LedgerRepository(Protocol):
    """The lifecycle ledger: what has happened once and must not happen again."""

    def claim(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        """Record the entries not recorded yet and return those (the ones to act on)."""

    def of_subject(self, subject_id: str) -> list[LedgerEntry]: ...


class EventRepository(Protocol):
    """The event outbox. Whatever changes state and has an event to tell calls
    :meth:`append` in the same unit of work, so the event commits with the change."""

    def append(self, event: Event) -> None:
        """Add ``event`` to the outbox, unrouted (ConflictError when its id is taken)."""

    def append_many(self, events: Sequence[Event]) -> None:
        """:meth:`append` for many events, in order, with one statement."""

    def get(self, account: str, event_id: str) -> StoredEvent | None: ...

    def page(
        self, account: str, where: EventFilter, *, limit: int, before_seq: int | None = None
    ) -> list[StoredEvent]:
        """Up to ``limit`` matching events, newest (highest seq) first, below ``before_seq``."""

    def claim_unrouted(self, limit: int) -> list[StoredEvent]:
        """Up to ``limit`` unrouted events in seq order, locked for this transaction (on
        PostgreSQL rows another transaction holds are skipped, not waited for)."""

    def mark_routed(self, seqs: Sequence[int], at: datetime) -> None: ...

    def append_rows(self, rows: Sequence[OutboxRow]) -> None:
        """Add outbox rows whose account, id or envelope differ from what the event alone
        gives (events put on another account's bus, replayed copies), in order, unrouted
        (ConflictError when an id is taken)."""

    def rule_filters(self, seqs: Sequence[int]) -> dict[int, frozenset[str]]:
        """The rule filters (rule ARNs) of those of these outbox rows that have one."""


class OutboxRow(NamedTuple):
    """One outbox row spelt out: ``id`` and ``account`` (whose bus routes it) are the row's;
    ``envelope`` is the exact text targets receive (its ``id`` and ``account`` may be
    another's: a replayed copy keeps the original event's id, and an event put on another
    account's bus keeps its sender's account); ``rule_filter`` limits routing to those
    rule ARNs (a replay's FilterArns), None to none."""

    id: str
    account: str
    event: Event
    envelope: str
    rule_filter: tuple[str, ...] | None = None


class RuleRepository(Protocol):
    """Buses, rules and rule targets; every change to a bus's rules moves its version."""

    def add_bus(self, bus: EventBus) -> None:
        """Raises ConflictError when the account has a bus of that name."""

    def ensure_bus(self, bus: EventBus) -> None:
        """Add ``bus`` unless the account has a bus of that name (the default bus)."""

    def get_bus(self, account: str, name: str) -> EventBus | None: ...

    def list_buses(self, account: str) -> list[EventBus]:
        """The account's buses with a row, by name."""

    def count_buses(self, account: str) -> int: ...

    def delete_bus(self, account: str, name: str) -> None: ...

    def touch_bus(self, account: str, name: str, at: datetime) -> None:
        """Move the bus's rules version (after a change to its rules or targets); on
        PostgreSQL this also locks the bus row until the transaction ends, which serialises
        changes to one bus's rules."""

    def buses_with_rules(self) -> builtins.list[tuple[str, str]]:
        """(account, bus) of every bus with an ENABLED rule, of every account."""

    def rules_version(self, account: str, bus: str) -> int:
        """The bus's rules version (0 for a bus without a row)."""

    def add_rule(self, rule: Rule) -> None: ...

    def update_rule(self, rule: Rule) -> None:
        """Store every field of ``rule`` but its tags (PutRule ignores tags on update)."""

    def get_rule(self, account: str, bus: str, name: str) -> Rule | None: ...

    def list_rules(
        self, account: str, bus: str, *, prefix: str | None, after: str | None, limit: int
    ) -> list[Rule]:
        """Up to ``limit`` rules of the bus by name, names starting ``prefix``, after ``after``."""

    def count_rules(self, account: str, bus: str) -> int: ...

    def delete_rule(self, rule_id: str) -> None:
        """Remove the rule with its tags and targets."""

    def targets(self, rule_id: str) -> list[Target]:
        """The rule's targets by id."""

    def put_targets(self, rule_id: str, targets: Sequence[Target], at: datetime) -> None:
        """Add the targets, replacing those of the same ids."""

    def remove_targets(self, rule_id: str, ids: Sequence[str]) -> list[str]:
        """Remove the targets of these ids; return the ids that were there."""

    def enabled_rules(self, account: str, bus: str) -> list[tuple[Rule, list[Target]]]:
        """The bus's ENABLED rules, each with its targets (what the router indexes)."""


class InvocationRepository(Protocol):
    """One row per (event, rule, target) for the delivery workers."""

    def add_many(self, invocations: Sequence[Invocation]) -> int:
        """Insert the invocations, skipping any whose (event, rule, target) exists; return
        how many were inserted."""

    def for_event(self, event_id: str) -> list[Invocation]:
        """The event's invocations, by rule and target."""

    def with_state(self, state: InvocationState, *, limit: int) -> list[Invocation]:
        """Up to ``limit`` invocations in ``state``, soonest due first."""

    def claim_due(self, now: datetime, *, lease_until: datetime, limit: int) -> list[Invocation]:
        """Lease up to ``limit`` PENDING invocations due at ``now`` whose lease is free or
        expired: set their ``lease_until`` and return them so (soonest due first). On
        PostgreSQL rows another transaction holds are skipped, not waited for."""

    def update_claimed(self, invocation: Invocation, *, lease_until: datetime) -> bool:
        """Store the invocation's state, attempts, next attempt, lease, last error and
        finish time if it is still PENDING under the lease ``lease_until`` (the claim that
        returned it has not lapsed and been taken over); whether it was. On PostgreSQL the
        row stays locked until the transaction ends."""

    def page(
        self,
        account: str,
        *,
        state: InvocationState | None,
        limit: int,
        before: tuple[datetime, str] | None = None,
    ) -> list[Invocation]:
        """Up to ``limit`` of the account's invocations (in ``state``, if given), newest
        first by (created_at, id), those before ``before``."""


class ArchiveRepository(Protocol):
    """Archives, their archived events and replays."""

    def add(self, archive: Archive) -> None:
        """Raises ConflictError when the account has an archive of that name."""

    def update(self, archive: Archive) -> None:
        """Store the description, pattern, retention and update time."""

    def get(self, account: str, name: str) -> Archive | None:
        """The archive with its event count and size."""

    def get_by_id(self, archive_id: str) -> Archive | None: ...

    def list(
        self,
        account: str,
        *,
        prefix: str | None,
        bus: str | None,
        state: str | None,
        after: str | None,
        limit: int,
    ) -> builtins.list[Archive]:
        """Up to ``limit`` archives by name after ``after``, with counts and sizes."""

    def delete(self, archive_id: str) -> None:
        """Remove the archive and every event it holds."""

    def of_bus(self, account: str, bus: str) -> builtins.list[Archive]:
        """The bus's archives (what the router indexes), without counts."""

    def move_bus_version(self, account: str, bus: str) -> None:
        """Move the bus's routing version (the router's cache key), leaving its update
        time alone: an archive of the bus changed."""

    def add_events(self, events: Sequence[ArchivedEvent]) -> None:
        """Archive the events, skipping any already in their archive."""

    def events_after(
        self,
        archive_id: str,
        *,
        start: datetime,
        end: datetime,
        cursor: tuple[datetime, int] | None,
        limit: int,
    ) -> builtins.list[tuple[int, ArchivedEvent]]:
        """Up to ``limit`` (position, event) of the archive with event time from ``start``
        to ``end`` inclusive, after ``cursor`` (event time, position), in that order."""

    def retained(self) -> builtins.list[Archive]:
        """Every archive with a retention period (for the retention sweep)."""

    def delete_archived_before(self, archive_id: str, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` events archived before ``cutoff``; how many."""

    def add_replay(self, replay: Replay) -> None:
        """Raises ConflictError when the account has a replay of that name."""

    def update_replay(self, replay: Replay) -> None:
        """Store the replay's state, reason, progress and end time."""

    def get_replay(self, account: str, name: str) -> Replay | None: ...

    def list_replays(
        self,
        account: str,
        *,
        prefix: str | None,
        state: ReplayState | None,
        archive_arn: str | None,
        after: str | None,
        limit: int,
    ) -> builtins.list[Replay]:
        """Up to ``limit`` replays by name after ``after``."""

    def claim_active(self, limit: int) -> builtins.list[Replay]:
        """Up to ``limit`` STARTING, RUNNING or CANCELLING replays, oldest first, locked
        until the transaction ends (on PostgreSQL others' locked rows are skipped)."""


class BusPolicyRepository(Protocol):
    """The resource policy kept on an event bus row."""

    def lock_policy(self, account: str, bus: str) -> str | None:
        """The bus's policy, its row locked until the transaction ends (PostgreSQL);
        NotFoundError when the bus has no row."""

    def set_policy(self, account: str, bus: str, policy: str | None, at: datetime) -> None:
        """Store the bus's policy (None: no policy) and its update time."""


class QueueRepository(Protocol):
    """Message queues (by account and name) and the messages on them.

    Messages are addressed by queue id and message id; the receive methods lock what they
    return until the transaction ends (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so that
    concurrent receivers take different messages; SQLite: the write lock does it).
    """

    def add(self, queue: Queue) -> None:
        """Add a queue (ConflictError when the account has one of that name)."""

    def get(self, account: str, name: str) -> Queue | None: ...

    def update(self, queue: Queue) -> None:
        """Store the queue's attributes, LastModified time and tags."""

    def delete(self, queue_id: str) -> None:
        """Remove the queue with its messages and tags."""

    def list(self, account: str, prefix: str, after: str | None, limit: int) -> list[Queue]:
        """Queues whose name starts with ``prefix`` and sorts after ``after``, by name."""

    def all(self) -> builtins.list[Queue]:
        """Every queue of every account (for the retention sweep)."""

    def counts(self, queue_id: str, now: datetime, cutoff: datetime) -> QueueCounts:
        """Visible, in-flight and delayed messages sent after ``cutoff``."""

    def add_messages(self, messages: Sequence[QueueMessage]) -> None: ...

    def visible(
        self, queue_id: str, now: datetime, cutoff: datetime, limit: int
    ) -> builtins.list[QueueMessage]:
        """Up to ``limit`` messages visible at ``now`` and sent after ``cutoff``, oldest
        first, locked until the transaction ends (others' locked rows are skipped)."""

    def dead_lettered(
        self, queue_id: str, now: datetime, cutoff: datetime, limit: int
    ) -> builtins.list[QueueMessage]:
        """Like :meth:`visible`, only messages that a source queue dead-lettered here."""

    def update_messages(self, messages: Sequence[QueueMessage]) -> None:
        """Store where each message is and its receive state (by message id)."""

    def get_message(self, queue_id: str, message_id: str) -> QueueMessage | None: ...

    def delete_message(self, queue_id: str, message_id: str, token: str) -> bool:
        """Delete the message if ``token`` is its latest receipt token; whether it did."""

    def set_visible_at(
        self, queue_id: str, message_id: str, token: str, visible_at: datetime
    ) -> bool:
        """Set when the message is visible again if ``token`` is its latest receipt token."""

    def purge(self, queue_id: str) -> int:
        """Delete every message of the queue; how many."""

    def delete_expired(self, queue_id: str, cutoff: datetime) -> int:
        """Delete the messages sent at or before ``cutoff``; how many."""


class LifecycleRepository(Protocol):
    """What the lifecycle tick reads and writes across accounts."""

    def certificates_due(
        self,
        horizon: datetime,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
        account: str | None = None,
    ) -> list[Certificate]:
        """Certificates stored as ISSUED with NotAfter at or before ``horizon``, by
        (NotAfter, id) after ``after``, of ``account`` (or all), without their tags."""

    def mark_expired(self, certificate_ids: Sequence[str]) -> None: ...

    def authorities_due(self, horizon: datetime) -> list[tuple[str, str]]:
        """(account, id) of the CAs whose certificate ends at or before ``horizon``."""
