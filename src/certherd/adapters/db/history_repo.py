"""The history sweep's deletes (:class:`~certherd.services.history_ports.HistoryRepository`).

Each finds at most ``limit`` rows old enough, oldest first, through an index on the
instant it filters by (or the table's ``seq`` where rows are few), then deletes them by
key, so that a sweep is a few short statements however large the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.deployment_tables import deployment_runs
from certherd.adapters.db.event_tables import events, invocations
from certherd.adapters.db.function_tables import function_invocations
from certherd.adapters.db.topic_tables import (
    delivery_attempts,
    mailbox,
    topic_deliveries,
    topic_messages,
)

__all__ = ["SqlHistoryRepository"]

_d = topic_deliveries.c
_m = topic_messages.c
_i = invocations.c
_e = events.c
_r = deployment_runs.c


class SqlHistoryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def delete_topic_deliveries(self, finished_before: datetime, limit: int) -> int:
        ids = self._keys(
            sa.select(_d.id)
            .where(_d.finished_at < finished_before)
            .order_by(_d.finished_at)
            .limit(limit)
        )
        if ids:
            self._conn.execute(
                delivery_attempts.delete().where(delivery_attempts.c.delivery_id.in_(ids))
            )
            self._conn.execute(topic_deliveries.delete().where(_d.id.in_(ids)))
        return len(ids)

    def delete_topic_messages(self, published_before: datetime, limit: int) -> int:
        referred = sa.select(_d.id).where(_d.message_id == _m.id).exists()
        ids = self._keys(
            sa.select(_m.id)
            .where(_m.published_at < published_before, ~referred)
            .order_by(_m.published_at)
            .limit(limit)
        )
        if ids:
            self._conn.execute(topic_messages.delete().where(_m.id.in_(ids)))
        return len(ids)

    def delete_invocations(self, finished_before: datetime, limit: int) -> int:
        ids = self._keys(
            sa.select(_i.id)
            .where(_i.finished_at < finished_before)
            .order_by(_i.finished_at)
            .limit(limit)
        )
        if ids:
            self._conn.execute(invocations.delete().where(_i.id.in_(ids)))
        return len(ids)

    def delete_events(self, ingested_before: datetime, limit: int) -> int:
        # Only once every invocation of the event is gone (finished and swept), so that an
        # invocation never outlives its event.
        invoked = sa.select(_i.id).where(_i.event_id == _e.id).exists()
        seqs = self._keys(
            sa.select(_e.seq)
            .where(_e.ingested_at < ingested_before, _e.routed_at.is_not(None), ~invoked)
            .order_by(_e.ingested_at)
            .limit(limit)
        )
        if seqs:
            self._conn.execute(events.delete().where(_e.seq.in_(seqs)))
        return len(seqs)

    def delete_mail(self, created_before: datetime, limit: int) -> int:
        c = mailbox.c
        return self._delete_by_seq(
            mailbox, sa.select(c.seq).where(c.created_at < created_before), limit
        )

    def delete_function_runs(self, started_before: datetime, limit: int) -> int:
        c = function_invocations.c
        return self._delete_by_seq(
            function_invocations, sa.select(c.seq).where(c.started_at < started_before), limit
        )

    def delete_deployment_runs(self, finished_before: datetime, limit: int) -> int:
        latest = sa.select(sa.func.max(_r.seq)).group_by(_r.deployment_id)
        return self._delete_by_seq(
            deployment_runs,
            sa.select(_r.seq).where(_r.finished_at < finished_before, _r.seq.not_in(latest)),
            limit,
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _keys(self, query: sa.Select[Any]) -> Sequence[Any]:
        return self._conn.execute(query).scalars().all()

    def _delete_by_seq(self, table: sa.Table, query: sa.Select[Any], limit: int) -> int:
        seqs = self._keys(query.order_by(table.c.seq).limit(limit))
        if seqs:
            self._conn.execute(table.delete().where(table.c.seq.in_(seqs)))
        return len(seqs)
