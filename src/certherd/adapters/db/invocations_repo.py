"""Invocations on SQL: what the router hands to the delivery workers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certherd.adapters.db.event_tables import invocations
from certherd.domain.invocations import Invocation, InvocationState

__all__ = ["SqlInvocationRepository", "invocation_values"]

_PENDING = InvocationState.PENDING.value


def invocation_values(invocation: Invocation) -> dict[str, Any]:
    return {
        "id": invocation.id,
        "event_id": invocation.event_id,
        "account": invocation.account,
        "rule_id": invocation.rule_id,
        "rule_arn": invocation.rule_arn,
        "target_id": invocation.target_id,
        "target_arn": invocation.target_arn,
        "payload": invocation.payload,
        "state": invocation.state.value,
        "attempts": invocation.attempts,
        "next_attempt_at": invocation.next_attempt_at,
        "lease_until": invocation.lease_until,
        "max_attempts": invocation.max_attempts,
        "max_age_seconds": invocation.max_age_seconds,
        "dead_letter_arn": invocation.dead_letter_arn,
        "event_time": invocation.event_time,
        "last_error_code": invocation.last_error_code,
        "last_error_message": invocation.last_error_message,
        "created_at": invocation.created_at,
        "finished_at": invocation.finished_at,
    }


def _invocation(row: sa.Row[Any]) -> Invocation:
    return Invocation(
        id=row.id,
        event_id=row.event_id,
        account=row.account,
        rule_id=row.rule_id,
        rule_arn=row.rule_arn,
        target_id=row.target_id,
        target_arn=row.target_arn,
        payload=row.payload,
        state=InvocationState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        max_attempts=row.max_attempts,
        max_age_seconds=row.max_age_seconds,
        event_time=row.event_time,
        created_at=row.created_at,
        dead_letter_arn=row.dead_letter_arn,
        lease_until=row.lease_until,
        last_error_code=row.last_error_code,
        last_error_message=row.last_error_message,
        finished_at=row.finished_at,
    )


_ADD: dict[str, Any] = {
    name: module.insert(invocations)
    .on_conflict_do_nothing(index_elements=["event_id", "rule_id", "target_id"])
    .returning(invocations.c.id)
    for name, module in (("sqlite", sqlite), ("postgresql", postgresql))
}


class SqlInvocationRepository:
    """The ``invocations`` table; (event, rule, target) is unique."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add_many(self, batch: Sequence[Invocation]) -> int:
        if not batch:
            return 0
        # Given a list of rows, SQLAlchemy runs this as batched multi-row INSERTs compiled
        # once ("insertmanyvalues"); RETURNING gives exactly the rows inserted (an
        # executemany's rowcount is not reliable on every driver).
        statement = _ADD[self._conn.dialect.name]
        rows = self._conn.execute(statement, [invocation_values(i) for i in batch])
        return len(rows.all())

    def for_event(self, event_id: str) -> list[Invocation]:
        query = (
            sa.select(invocations)
            .where(invocations.c.event_id == event_id)
            .order_by(invocations.c.rule_arn, invocations.c.target_id)
        )
        return [_invocation(row) for row in self._conn.execute(query)]

    def with_state(self, state: InvocationState, *, limit: int) -> list[Invocation]:
        query = (
            sa.select(invocations)
            .where(invocations.c.state == state.value)
            .order_by(invocations.c.next_attempt_at, invocations.c.id)
            .limit(limit)
        )
        return [_invocation(row) for row in self._conn.execute(query)]

    def claim_due(self, now: datetime, *, lease_until: datetime, limit: int) -> list[Invocation]:
        c = invocations.c
        query = (
            sa.select(invocations)
            .where(
                c.state == _PENDING,
                c.next_attempt_at <= now,
                sa.or_(c.lease_until.is_(None), c.lease_until <= now),
            )
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            # Concurrent workers take different rows instead of queueing on each other's.
            # (On SQLite the unit of work's write lock serialises claims.)
            query = query.with_for_update(skip_locked=True)
        found = [_invocation(row) for row in self._conn.execute(query)]
        if found:
            self._conn.execute(
                invocations.update()
                .where(c.id.in_([i.id for i in found]))
                .values(lease_until=lease_until)
            )
        return [_leased(i, lease_until) for i in found]

    def update_claimed(self, invocation: Invocation, *, lease_until: datetime) -> bool:
        c = invocations.c
        statement = (
            invocations.update()
            .where(c.id == invocation.id, c.state == _PENDING, c.lease_until == lease_until)
            .values(
                state=invocation.state.value,
                attempts=invocation.attempts,
                next_attempt_at=invocation.next_attempt_at,
                lease_until=invocation.lease_until,
                last_error_code=invocation.last_error_code,
                last_error_message=invocation.last_error_message,
                finished_at=invocation.finished_at,
            )
        )
        return self._conn.execute(statement).rowcount == 1

    def page(
        self,
        account: str,
        *,
        state: InvocationState | None,
        limit: int,
        before: tuple[datetime, str] | None = None,
    ) -> list[Invocation]:
        c = invocations.c
        query = sa.select(invocations).where(c.account == account)
        if state is not None:
            query = query.where(c.state == state.value)
        if before is not None:
            created, invocation_id = before
            query = query.where(
                sa.or_(
                    c.created_at < created,
                    sa.and_(c.created_at == created, c.id < invocation_id),
                )
            )
        query = query.order_by(c.created_at.desc(), c.id.desc()).limit(limit)
        return [_invocation(row) for row in self._conn.execute(query)]


def _leased(invocation: Invocation, lease_until: datetime) -> Invocation:
    return replace(invocation, lease_until=lease_until)
