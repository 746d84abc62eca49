"""Replays (EventBridge semantics, spec 2.7): StartReplay, DescribeReplay, ListReplays,
CancelReplay, and :meth:`ReplayService.advance`, the background job that does the work.

A replayed event is a new outbox row: the row has an id of its own (the outbox id is
unique, and the original event is there already), while the envelope keeps the original
event's ``id`` and ``time`` and gains ``"replay-name"``, as AWS's replayed events do. The
row is ingested at replay time on the destination bus, carries the replay's FilterArns
(the router then matches it against those rules only), and is never archived again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from certherd.domain.archives import ArchivedEvent
from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock, require_utc
from certherd.domain.events import DEFAULT_BUS, Event
from certherd.domain.replays import (
    Replay,
    ReplayState,
    check_filter_count,
    check_replay_description,
    check_replay_name,
    check_replay_window,
    replayed_envelope,
)
from certherd.errors import ConflictError, NotFoundError, ValidationError
from certherd.services.archives import MAX_PAGE, check_limit, own_bus, page_after
from certherd.services.event_ports import OutboxRow
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["DEFAULT_BATCH", "ReplayPage", "ReplayService"]

#: Archived events one call of :meth:`ReplayService.advance` sends, at most.
DEFAULT_BATCH: Final = 100
#: Replays one call looks at, at most (the others wait for the next call).
MAX_REPLAYS_PER_CALL: Final = 20


@dataclass(frozen=True)
class ReplayPage:
    replays: list[Replay]
    next_token: str | None


def replay_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Replay {name} does not exist.", field="ReplayName")


class ReplayService:
    """Replays of an account's archives, and the job that sends their events."""

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

    def _archive_name(self, account: str, arn: object) -> str:
        if not isinstance(arn, str):
            raise ValidationError("must be the ARN of an archive", field="EventSourceArn")
        owner, name = self._arns.archive_name(arn, field="EventSourceArn")
        if owner != account:
            raise ValidationError("must be an archive of this account", field="EventSourceArn")
        return name

    def _filters(self, account: str, bus: str, arns: Sequence[str]) -> tuple[str, ...]:
        check_filter_count(arns)
        for index, arn in enumerate(arns):
            field = f"Destination.FilterArns[{index}]"
            if not isinstance(arn, str):
                raise ValidationError("must be a rule ARN", field=field)
            owner, rule_bus, _name = self._arns.rule_ref(arn, field=field)
            if owner != account or rule_bus != bus:
                raise ValidationError(f"must be a rule of the bus {bus}", field=field)
        return tuple(dict.fromkeys(arns))

    def start_replay(
        self,
        *,
        account: str,
        name: str,
        event_source_arn: str,
        event_start_time: datetime,
        event_end_time: datetime,
        destination_arn: str,
        filter_arns: Sequence[str] = (),
        description: str | None = None,
    ) -> Replay:
        """StartReplay: replay the archive ``event_source_arn``'s events whose event time
        is from ``event_start_time`` to ``event_end_time`` (inclusive) onto
        ``destination_arn``, which must be the archive's source bus (as in AWS), matching
        only the rules ``filter_arns`` when given. The replay is STARTING; the replay
        worker (:meth:`advance`) sends the events.

        Raises ValidationError naming the field (start not before end, end in the future,
        another bus, a filter that is not a rule of that bus), NotFoundError (no such
        archive) and ConflictError (the name is taken).
        """
        validate_account_id(account)
        check_replay_name(name)
        check_replay_description(description)
        archive_name = self._archive_name(account, event_source_arn)
        now = self._clock.now()
        start, end = require_utc(event_start_time), require_utc(event_end_time)
        check_replay_window(start, end, now=now)
        bus = own_bus(self._arns, account, destination_arn, field="Destination.Arn")
        with self._uow() as uow:
            archive = uow.archives.get(account, archive_name)
            if archive is None:
                raise NotFoundError(
                    f"Archive {archive_name} does not exist.", field="EventSourceArn"
                )
            if bus != archive.bus:
                raise ValidationError(
                    f"must be the archive's source bus ({archive.source_arn})",
                    field="Destination.Arn",
                )
            replay = Replay(
                id=str(uuid.uuid4()),
                account=account,
                name=name,
                arn=self._arns.replay(account, name),
                archive_id=archive.id,
                archive_arn=archive.arn,
                destination_arn=archive.source_arn,
                bus=bus,
                event_start_time=start,
                event_end_time=end,
                state=ReplayState.STARTING,
                replay_start_time=now,
                description=description,
                filter_arns=self._filters(account, bus, filter_arns),
            )
            if uow.archives.get_replay(account, name) is not None:
                raise ConflictError(f"Replay {name} already exists.", field="ReplayName")
            uow.archives.add_replay(replay)
            uow.commit()
        return replay

    def describe_replay(self, *, account: str, name: str) -> Replay:
        """DescribeReplay; NotFoundError if unknown."""
        validate_account_id(account)
        with self._read_uow() as uow:
            replay = uow.archives.get_replay(account, check_replay_name(name))
        if replay is None:
            raise replay_not_found(name)
        return replay

    def list_replays(
        self,
        *,
        account: str,
        prefix: str | None = None,
        state: str | None = None,
        event_source_arn: str | None = None,
        limit: int = MAX_PAGE,
        next_token: str | None = None,
    ) -> ReplayPage:
        """ListReplays: by name, those starting ``prefix``, in ``state`` and of the archive
        ``event_source_arn`` (each when given), a page at a time."""
        validate_account_id(account)
        check_limit(limit)
        if prefix:
            check_replay_name(prefix, field="NamePrefix")
        if state is not None and state not in ReplayState.__members__:
            raise ValidationError(
                f"must be one of {', '.join(s.value for s in ReplayState)}", field="State"
            )
        if event_source_arn:
            self._archive_name(account, event_source_arn)
        after = page_after(next_token)
        with self._read_uow() as uow:
            found = uow.archives.list_replays(
                account,
                prefix=prefix or None,
                state=None if state is None else ReplayState(state),
                archive_arn=event_source_arn or None,
                after=after,
                limit=limit + 1,
            )
        page = found[:limit]
        return ReplayPage(page, f"after:{page[-1].name}" if len(found) > limit else None)

    def cancel_replay(self, *, account: str, name: str) -> Replay:
        """CancelReplay: the replay is CANCELLING (the replay worker then stops it,
        CANCELLED). InvalidStateError unless it is STARTING or RUNNING."""
        validate_account_id(account)
        with self._uow() as uow:
            replay = uow.archives.get_replay(account, check_replay_name(name))
            if replay is None:
                raise replay_not_found(name)
            cancelled = replay.cancel()
            uow.archives.update_replay(cancelled)
            uow.commit()
        return cancelled

    # -- the replay worker ------------------------------------------------------------------

    def advance(self, now: datetime, limit: int = DEFAULT_BATCH) -> int:
        """Move the active replays on: up to ``limit`` archived events in all, each replay's
        next ones in event-time order, appended to the outbox in one transaction; a replay
        with none left is COMPLETED, a CANCELLING one CANCELLED, one whose archive or bus is
        gone FAILED. Returns the events sent plus the replays that ended (0: nothing to do).
        """
        handled = 0
        budget = limit
        with self._uow() as uow:
            for replay in uow.archives.claim_active(MAX_REPLAYS_PER_CALL):
                if replay.state is ReplayState.CANCELLING:
                    uow.archives.update_replay(replay.finished(ReplayState.CANCELLED, now=now))
                    handled += 1
                    continue
                if budget <= 0:
                    continue
                sent, updated = self._advance_one(uow, replay, now, budget)
                uow.archives.update_replay(updated)
                budget -= sent
                handled += sent + int(not updated.active)
            uow.commit()
        return handled

    def _advance_one(
        self, uow: UnitOfWork, replay: Replay, now: datetime, budget: int
    ) -> tuple[int, Replay]:
        if uow.archives.get_by_id(replay.archive_id) is None:
            reason = f"Archive {replay.archive_arn} was deleted."
            return 0, replay.finished(ReplayState.FAILED, now=now, reason=reason)
        if replay.bus != DEFAULT_BUS and uow.rules.get_bus(replay.account, replay.bus) is None:
            reason = f"Event bus {replay.destination_arn} does not exist."
            return 0, replay.finished(ReplayState.FAILED, now=now, reason=reason)
        batch = uow.archives.events_after(
            replay.archive_id,
            start=replay.event_start_time,
            end=replay.event_end_time,
            cursor=replay.cursor,
            limit=budget,
        )
        if not batch:
            return 0, replay.finished(ReplayState.COMPLETED, now=now)
        uow.events.append_rows([_replayed(replay, archived, now) for _, archived in batch])
        last_seq, last = batch[-1]
        return len(batch), replay.advanced(
            (last.event_time, last_seq), done=len(batch) < budget, now=now
        )


def _replayed(replay: Replay, archived: ArchivedEvent, now: datetime) -> OutboxRow:
    envelope = replayed_envelope(archived.envelope, replay.name)
    event = Event.from_envelope(json.loads(envelope), now=now, bus=replay.bus)
    return OutboxRow(
        id=str(uuid.uuid4()),
        account=replay.account,
        event=event,
        envelope=envelope,
        rule_filter=replay.filter_arns or None,
    )
