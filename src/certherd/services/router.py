"""The router: from the event outbox to invocations, one per (event, matching rule, target).

Each batch is one transaction: claim unrouted events in seq order, match each against the
index of its bus's ENABLED rules, write the invocations (payload rendered now with the
target's input options) due at once, mark the events routed. A crash before the commit
leaves the events unrouted for the next batch; the unique (event, rule, target) makes a
second routing add nothing. On PostgreSQL several routers share the work: each claims
rows the others have not locked.

The index of a bus is cached and rebuilt when the bus's rules version has moved.

Archiving happens here too, in the same transaction: every event routed on a bus is
copied into each of the bus's archives whose pattern it matches (replayed events never
are). The archives of a bus are cached like its rules, under the same version, which
archive changes move as well. A replayed copy whose outbox row names rules (its replay's
FilterArns) is matched against those rules only.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from certherd.domain.archives import ArchivedEvent
from certherd.domain.events import StoredEvent
from certherd.domain.invocations import Invocation, InvocationState
from certherd.domain.rules import Rule, Target
from certherd.errors import CertherdError
from certherd.patterns import RuleIndex, TargetInput
from certherd.services.archive_index import ArchiveIndex
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["DEFAULT_BATCH", "Router"]

#: Events per routing transaction: enough to spread the commit, few enough to stay prompt.
DEFAULT_BATCH: Final = 500
#: The error code of an invocation whose payload could not be rendered.
RENDER_FAILED: Final = "InputTransformationFailed"


@dataclass(frozen=True)
class _RoutedTarget:
    target: Target
    compiled: TargetInput


@dataclass(frozen=True)
class _BusIndex:
    version: int
    index: RuleIndex
    rules: dict[Hashable, tuple[Rule, tuple[_RoutedTarget, ...]]]


def _build(version: int, found: list[tuple[Rule, list[Target]]]) -> _BusIndex:
    index = RuleIndex()
    rules: dict[Hashable, tuple[Rule, tuple[_RoutedTarget, ...]]] = {}
    for rule, targets in found:
        # Patterns and inputs were checked when saved; one that no longer compiles (a
        # stricter release) leaves its rule out rather than stopping all routing.
        try:
            index.add(rule.id, rule.event_pattern)
            routed = tuple(_RoutedTarget(t, t.compiled_input()) for t in targets)
        except CertherdError:
            index.remove(rule.id)
            continue
        rules[rule.id] = (rule, routed)
    return _BusIndex(version, index, rules)


class Router:
    """Routes the outbox; safe to share between threads and to run in several processes."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._indexes: dict[tuple[str, str], _BusIndex] = {}
        self._archives: dict[tuple[str, str], ArchiveIndex] = {}
        self._lock = threading.Lock()

    def route_batch(self, now: datetime, limit: int = DEFAULT_BATCH) -> int:
        """Route up to ``limit`` unrouted events; return how many were routed (0: none left
        that this router could claim)."""
        with self._uow() as uow:
            claimed = uow.events.claim_unrouted(limit)
            if not claimed:
                return 0
            buses = {(s.event.account, s.event.bus) for s in claimed}
            indexes = {key: self._index(uow, *key) for key in buses}
            archives = {key: self._archive_index(uow, *key, indexes[key].version) for key in buses}
            filters = uow.events.rule_filters(
                [s.seq for s in claimed if s.event.replay_name is not None]
            )
            invocations: list[Invocation] = []
            archived: list[ArchivedEvent] = []
            for stored in claimed:
                key = (stored.event.account, stored.event.bus)
                envelope = stored.decoded()
                only = filters.get(stored.seq)
                invocations.extend(_invocations(stored, indexes[key], now, envelope, only))
                archived.extend(archives[key].copies(stored, envelope, now))
            uow.invocations.add_many(invocations)
            uow.archives.add_events(archived)
            uow.events.mark_routed([s.seq for s in claimed], now)
            uow.commit()
        return len(claimed)

    def route_all(self, now: datetime, *, limit: int = DEFAULT_BATCH) -> int:
        """Route batches until none is left; return how many events were routed."""
        total = 0
        while routed := self.route_batch(now, limit):
            total += routed
        return total

    def _archive_index(self, uow: UnitOfWork, account: str, bus: str, version: int) -> ArchiveIndex:
        # ``version`` is the one the rule index was built for; archives newer than it are
        # picked up by the next batch, as rules are.
        with self._lock:
            cached = self._archives.get((account, bus))
        if cached is not None and cached.version == version:
            return cached
        built = ArchiveIndex.build(version, uow.archives.of_bus(account, bus))
        with self._lock:
            self._archives[(account, bus)] = built
        return built

    def prepare(self) -> int:
        """Build the rule index of every bus with enabled rules now, rather than when its
        first event arrives (a worker calls it as it starts); return how many were built."""
        with self._uow() as uow:
            buses = uow.rules.buses_with_rules()
            for account, bus in buses:
                index = self._index(uow, account, bus)
                self._archive_index(uow, account, bus, index.version)
        return len(buses)

    def _index(self, uow: UnitOfWork, account: str, bus: str) -> _BusIndex:
        # The version is read before the rules: rules newer than the version read are
        # harmless (the next batch sees a newer version and rebuilds).
        version = uow.rules.rules_version(account, bus)
        with self._lock:
            cached = self._indexes.get((account, bus))
        if cached is not None and cached.version == version:
            return cached
        built = _build(version, uow.rules.enabled_rules(account, bus))
        with self._lock:
            self._indexes[(account, bus)] = built
        return built


def _invocations(
    stored: StoredEvent,
    bus: _BusIndex,
    now: datetime,
    envelope: Mapping[str, Any],
    only: frozenset[str] | None = None,
) -> list[Invocation]:
    if not bus.rules:
        return []
    made = []
    for rule_id in sorted(bus.index.match(envelope), key=str):
        rule, targets = bus.rules[rule_id]
        if only is not None and rule.arn not in only:
            continue  # a replay restricted to other rules (its FilterArns)
        for routed in targets:
            made.append(_invocation(stored, envelope, rule, routed, now))
    return made


def _invocation(
    stored: StoredEvent,
    envelope: Mapping[str, Any],
    rule: Rule,
    routed: _RoutedTarget,
    now: datetime,
) -> Invocation:
    target = routed.target
    state, payload, error = InvocationState.PENDING, "", None
    try:
        if routed.compiled.kind == "event":
            payload = stored.envelope  # the whole event: the stored text is what is sent
        else:
            payload = routed.compiled.render(
                envelope,
                rule_arn=rule.arn,
                rule_name=rule.name,
                ingestion_time=stored.event.ingested_at,
            )
    except (CertherdError, ValueError) as exc:
        state, error = InvocationState.FAILED, str(exc)
    return Invocation(
        id=str(uuid.uuid4()),
        event_id=stored.event.id,
        account=stored.event.account,
        rule_id=rule.id,
        rule_arn=rule.arn,
        target_id=target.id,
        target_arn=target.arn,
        payload=payload,
        state=state,
        attempts=0,
        next_attempt_at=now,
        max_attempts=target.retry_policy.maximum_retry_attempts + 1,
        max_age_seconds=target.retry_policy.maximum_event_age_seconds,
        event_time=stored.event.ingested_at,
        created_at=now,
        dead_letter_arn=target.dead_letter_arn,
        last_error_code=None if error is None else RENDER_FAILED,
        last_error_message=error,
        finished_at=None if error is None else now,
    )
