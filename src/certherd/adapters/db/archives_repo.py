"""Archives, archived events and replays on SQL."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certherd.adapters.db.archive_tables import archived_events, archives, replays
from certherd.adapters.db.event_tables import event_buses
from certherd.adapters.db.integrity import conflict_on_duplicate, require_one
from certherd.domain.archives import Archive, ArchivedEvent, ArchiveState
from certherd.domain.replays import ACTIVE, Replay, ReplayState

__all__ = ["SqlArchiveRepository"]

_STATS = (
    sa.select(
        archived_events.c.archive_id,
        sa.func.count().label("event_count"),
        sa.func.coalesce(sa.func.sum(archived_events.c.size_bytes), 0).label("size_bytes"),
    )
    .group_by(archived_events.c.archive_id)
    .subquery()
)


def _like_prefix(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    # Names hold no LIKE wildcards except '_', which is escaped.
    escaped = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return column.like(f"{escaped}%", escape="\\")


def _archive_values(archive: Archive) -> dict[str, Any]:
    return {
        "id": archive.id,
        "account": archive.account,
        "name": archive.name,
        "arn": archive.arn,
        "bus": archive.bus,
        "source_arn": archive.source_arn,
        "description": archive.description,
        "event_pattern": archive.event_pattern,
        "retention_days": archive.retention_days,
        "state": archive.state.value,
        "created_at": archive.created_at,
        "updated_at": archive.updated_at,
    }


def _archive(row: sa.Row[Any]) -> Archive:
    mapping = row._mapping
    return Archive(
        id=row.id,
        account=row.account,
        name=row.name,
        arn=row.arn,
        bus=row.bus,
        source_arn=row.source_arn,
        retention_days=row.retention_days,
        state=ArchiveState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
        event_pattern=row.event_pattern,
        event_count=int(mapping.get("event_count") or 0),
        size_bytes=int(mapping.get("size_bytes") or 0),
    )


def _with_stats() -> sa.Select[Any]:
    return sa.select(
        archives,
        sa.func.coalesce(_STATS.c.event_count, 0).label("event_count"),
        sa.func.coalesce(_STATS.c.size_bytes, 0).label("size_bytes"),
    ).select_from(archives.outerjoin(_STATS, _STATS.c.archive_id == archives.c.id))


def _replay_values(replay: Replay) -> dict[str, Any]:
    return {
        "id": replay.id,
        "account": replay.account,
        "name": replay.name,
        "arn": replay.arn,
        "description": replay.description,
        "archive_id": replay.archive_id,
        "archive_arn": replay.archive_arn,
        "destination_arn": replay.destination_arn,
        "bus": replay.bus,
        "filter_arns": list(replay.filter_arns) if replay.filter_arns else None,
        "event_start_time": replay.event_start_time,
        "event_end_time": replay.event_end_time,
        "state": replay.state.value,
        "state_reason": replay.state_reason,
        "event_last_replayed_time": replay.event_last_replayed_time,
        "cursor_time": None if replay.cursor is None else replay.cursor[0],
        "cursor_seq": None if replay.cursor is None else replay.cursor[1],
        "replay_start_time": replay.replay_start_time,
        "replay_end_time": replay.replay_end_time,
    }


def _replay(row: sa.Row[Any]) -> Replay:
    cursor = None if row.cursor_time is None else (row.cursor_time, int(row.cursor_seq))
    return Replay(
        id=row.id,
        account=row.account,
        name=row.name,
        arn=row.arn,
        archive_id=row.archive_id,
        archive_arn=row.archive_arn,
        destination_arn=row.destination_arn,
        bus=row.bus,
        event_start_time=row.event_start_time,
        event_end_time=row.event_end_time,
        state=ReplayState(row.state),
        replay_start_time=row.replay_start_time,
        description=row.description,
        filter_arns=tuple(row.filter_arns or ()),
        state_reason=row.state_reason,
        event_last_replayed_time=row.event_last_replayed_time,
        replay_end_time=row.replay_end_time,
        cursor=cursor,
    )


def _archived(row: sa.Row[Any]) -> ArchivedEvent:
    return ArchivedEvent(
        archive_id=row.archive_id,
        event_id=row.event_id,
        event_time=row.event_time,
        envelope=row.envelope,
        size_bytes=row.size_bytes,
        archived_at=row.archived_at,
    )


class SqlArchiveRepository:
    """``archives``, ``archived_events`` and ``replays``."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    # -- archives ---------------------------------------------------------------------------

    def add(self, archive: Archive) -> None:
        with conflict_on_duplicate(f"Archive {archive.name}"):
            self._conn.execute(archives.insert(), _archive_values(archive))

    def update(self, archive: Archive) -> None:
        result = self._conn.execute(
            archives.update()
            .where(archives.c.id == archive.id)
            .values(
                description=archive.description,
                event_pattern=archive.event_pattern,
                retention_days=archive.retention_days,
                updated_at=archive.updated_at,
            )
        )
        require_one(result.rowcount, f"Archive {archive.name}")

    def get(self, account: str, name: str) -> Archive | None:
        row = self._conn.execute(
            _with_stats().where(archives.c.account == account, archives.c.name == name)
        ).first()
        return None if row is None else _archive(row)

    def get_by_id(self, archive_id: str) -> Archive | None:
        row = self._conn.execute(sa.select(archives).where(archives.c.id == archive_id)).first()
        return None if row is None else _archive(row)

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
        query = _with_stats().where(archives.c.account == account)
        if prefix:
            query = query.where(_like_prefix(archives.c.name, prefix))
        if bus is not None:
            query = query.where(archives.c.bus == bus)
        if state is not None:
            query = query.where(archives.c.state == state)
        if after is not None:
            query = query.where(archives.c.name > after)
        query = query.order_by(archives.c.name).limit(limit)
        return [_archive(row) for row in self._conn.execute(query)]

    def delete(self, archive_id: str) -> None:
        self._conn.execute(
            archived_events.delete().where(archived_events.c.archive_id == archive_id)
        )
        self._conn.execute(archives.delete().where(archives.c.id == archive_id))

    def of_bus(self, account: str, bus: str) -> builtins.list[Archive]:
        query = (
            sa.select(archives)
            .where(archives.c.account == account, archives.c.bus == bus)
            .order_by(archives.c.name)
        )
        return [_archive(row) for row in self._conn.execute(query)]

    def move_bus_version(self, account: str, bus: str) -> None:
        result = self._conn.execute(
            event_buses.update()
            .where(event_buses.c.account == account, event_buses.c.name == bus)
            .values(rules_version=event_buses.c.rules_version + 1)
        )
        require_one(result.rowcount, f"Event bus {bus}")

    # -- archived events --------------------------------------------------------------------

    def add_events(self, events: Sequence[ArchivedEvent]) -> None:
        if not events:
            return
        dialect = self._conn.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._conn.execute(
            insert(archived_events).on_conflict_do_nothing(),
            [
                {
                    "archive_id": e.archive_id,
                    "event_id": e.event_id,
                    "event_time": e.event_time,
                    "archived_at": e.archived_at,
                    "size_bytes": e.size_bytes,
                    "envelope": e.envelope,
                }
                for e in events
            ],
        )

    def events_after(
        self,
        archive_id: str,
        *,
        start: datetime,
        end: datetime,
        cursor: tuple[datetime, int] | None,
        limit: int,
    ) -> builtins.list[tuple[int, ArchivedEvent]]:
        time, seq = archived_events.c.event_time, archived_events.c.seq
        query = sa.select(archived_events).where(
            archived_events.c.archive_id == archive_id, time >= start, time <= end
        )
        if cursor is not None:
            query = query.where(
                sa.or_(time > cursor[0], sa.and_(time == cursor[0], seq > cursor[1]))
            )
        query = query.order_by(time, seq).limit(limit)
        return [(row.seq, _archived(row)) for row in self._conn.execute(query)]

    def retained(self) -> builtins.list[Archive]:
        query = sa.select(archives).where(archives.c.retention_days > 0).order_by(archives.c.id)
        return [_archive(row) for row in self._conn.execute(query)]

    def delete_archived_before(self, archive_id: str, cutoff: datetime, limit: int) -> int:
        doomed = (
            sa.select(archived_events.c.seq)
            .where(
                archived_events.c.archive_id == archive_id,
                archived_events.c.archived_at < cutoff,
            )
            .order_by(archived_events.c.seq)
            .limit(limit)
        )
        seqs = list(self._conn.execute(doomed).scalars())
        if not seqs:
            return 0
        self._conn.execute(archived_events.delete().where(archived_events.c.seq.in_(seqs)))
        return len(seqs)

    # -- replays ----------------------------------------------------------------------------

    def add_replay(self, replay: Replay) -> None:
        with conflict_on_duplicate(f"Replay {replay.name}"):
            self._conn.execute(replays.insert(), _replay_values(replay))

    def update_replay(self, replay: Replay) -> None:
        values = _replay_values(replay)
        for fixed in ("id", "account", "name", "arn", "archive_id", "replay_start_time"):
            del values[fixed]
        result = self._conn.execute(
            replays.update().where(replays.c.id == replay.id).values(values)
        )
        require_one(result.rowcount, f"Replay {replay.name}")

    def get_replay(self, account: str, name: str) -> Replay | None:
        row = self._conn.execute(
            sa.select(replays).where(replays.c.account == account, replays.c.name == name)
        ).first()
        return None if row is None else _replay(row)

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
        query = sa.select(replays).where(replays.c.account == account)
        if prefix:
            query = query.where(_like_prefix(replays.c.name, prefix))
        if state is not None:
            query = query.where(replays.c.state == state.value)
        if archive_arn is not None:
            query = query.where(replays.c.archive_arn == archive_arn)
        if after is not None:
            query = query.where(replays.c.name > after)
        query = query.order_by(replays.c.name).limit(limit)
        return [_replay(row) for row in self._conn.execute(query)]

    def claim_active(self, limit: int) -> builtins.list[Replay]:
        query = (
            sa.select(replays)
            .where(replays.c.state.in_([state.value for state in ACTIVE]))
            .order_by(replays.c.replay_start_time, replays.c.id)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            # Two replay workers share the replays instead of queueing on each other.
            query = query.with_for_update(skip_locked=True)
        return [_replay(row) for row in self._conn.execute(query)]
