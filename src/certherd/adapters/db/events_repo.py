"""The event outbox on SQL: appending, listing, and the router's claim of unrouted events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.driver_statement import DriverStatement
from certherd.adapters.db.event_tables import events
from certherd.adapters.db.integrity import conflict_on_duplicate
from certherd.domain.events import Event, EventFilter, StoredEvent
from certherd.services.event_ports import OutboxRow

__all__ = ["SqlEventRepository", "event_values"]

# Run on the driver (compiled once): the outbox takes a row with every certificate issued.
_INSERT = DriverStatement(
    events.insert().values({c.name: sa.bindparam(c.name) for c in events.c if c.name != "seq"})
)
_UNROUTED = (
    sa.select(events)
    .where(events.c.routed_at.is_(None))
    .order_by(events.c.seq)
    .limit(sa.bindparam("limit"))
)
_MARK = (
    events.update()
    .where(events.c.seq.in_(sa.bindparam("seqs", expanding=True)))
    .values(routed_at=sa.bindparam("at"))
)


def event_values(event: Event) -> dict[str, Any]:
    """The column values of an outbox row for ``event``."""
    return {
        "id": event.id,
        "account": event.account,
        "bus": event.bus,
        "source": event.source,
        "detail_type": event.detail_type,
        "resource": event.resource,
        "time": event.time,
        "ingested_at": event.ingested_at,
        "envelope": event.to_json(),
        "replay_name": event.replay_name,
        "rule_filter": None,
        "routed_at": None,
    }


def outbox_row_values(row: OutboxRow) -> dict[str, Any]:
    """The column values of an outbox row spelt out (see :class:`OutboxRow`)."""
    values = event_values(row.event)
    values.update(
        id=row.id,
        account=row.account,
        envelope=row.envelope,
        rule_filter=None if row.rule_filter is None else list(row.rule_filter),
    )
    return values


def _stored(row: sa.Row[Any]) -> StoredEvent:
    envelope = json.loads(row.envelope)
    event = Event(
        id=row.id,
        account=row.account,
        region=envelope["region"],
        source=row.source,
        detail_type=row.detail_type,
        time=row.time,
        resources=tuple(envelope.get("resources") or ()),
        detail=envelope["detail"],
        ingested_at=row.ingested_at,
        bus=row.bus,
        replay_name=row.replay_name,
    )
    return StoredEvent(
        seq=row.seq, event=event, envelope=row.envelope, routed_at=row.routed_at, document=envelope
    )


class SqlEventRepository:
    """The ``events`` table: one row per event, ``seq`` the routing order."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def append(self, event: Event) -> None:
        """Add ``event`` to the outbox; ConflictError when its id is taken."""
        with conflict_on_duplicate(f"event {event.id}"):
            _INSERT.execute(self._conn, event_values(event))

    def append_many(self, batch: Sequence[Event]) -> None:
        if not batch:
            return
        with conflict_on_duplicate("an event of this batch"):
            _INSERT.execute_many(self._conn, [event_values(event) for event in batch])

    def get(self, account: str, event_id: str) -> StoredEvent | None:
        row = self._conn.execute(
            sa.select(events).where(events.c.account == account, events.c.id == event_id)
        ).first()
        return None if row is None else _stored(row)

    def page(
        self, account: str, where: EventFilter, *, limit: int, before_seq: int | None = None
    ) -> list[StoredEvent]:
        query = sa.select(events).where(events.c.account == account)
        if where.bus is not None:
            query = query.where(events.c.bus == where.bus)
        if where.source is not None:
            query = query.where(events.c.source == where.source)
        if where.detail_type is not None:
            query = query.where(events.c.detail_type == where.detail_type)
        if where.resource is not None:
            query = query.where(events.c.resource == where.resource)
        if where.since is not None:
            query = query.where(events.c.ingested_at >= where.since)
        if before_seq is not None:
            query = query.where(events.c.seq < before_seq)
        query = query.order_by(events.c.seq.desc()).limit(limit)
        return [_stored(row) for row in self._conn.execute(query)]

    def claim_unrouted(self, limit: int) -> list[StoredEvent]:
        query = _UNROUTED
        if self._conn.dialect.name == "postgresql":
            # Two routers share the work instead of queueing on each other's rows.
            query = query.with_for_update(skip_locked=True)
        return [_stored(row) for row in self._conn.execute(query, {"limit": limit})]

    def mark_routed(self, seqs: Sequence[int], at: datetime) -> None:
        if seqs:
            self._conn.execute(_MARK, {"seqs": list(seqs), "at": at})

    def append_rows(self, rows: Sequence[OutboxRow]) -> None:
        if not rows:
            return
        with conflict_on_duplicate("an event of this batch"):
            _INSERT.execute_many(self._conn, [outbox_row_values(row) for row in rows])

    def rule_filters(self, seqs: Sequence[int]) -> dict[int, frozenset[str]]:
        if not seqs:
            return {}
        query = sa.select(events.c.seq, events.c.rule_filter).where(
            events.c.seq.in_(list(seqs)), events.c.rule_filter.is_not(None)
        )
        found: dict[int, frozenset[str]] = {}
        for seq, arns in self._conn.execute(query):
            if arns is not None:  # a JSON null reads back as None too
                found[seq] = frozenset(str(arn) for arn in arns)
        return found
