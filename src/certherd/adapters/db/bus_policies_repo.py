"""The resource policy of an event bus (``event_buses.policy``) on SQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from certherd.adapters.db.event_tables import event_buses
from certherd.adapters.db.integrity import require_one
from certherd.errors import NotFoundError

__all__ = ["SqlBusPolicyRepository"]


def _key(account: str, bus: str) -> sa.ColumnElement[bool]:
    return sa.and_(event_buses.c.account == account, event_buses.c.name == bus)


class SqlBusPolicyRepository:
    """Reads and writes the ``policy`` column of ``event_buses``."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def lock_policy(self, account: str, bus: str) -> str | None:
        query = sa.select(event_buses.c.policy).where(_key(account, bus))
        if self._conn.dialect.name == "postgresql":
            # Two PutPermission calls on one bus must not both read the old policy.
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"Event bus {bus} does not exist.", field="EventBusName")
        return None if row.policy is None else str(row.policy)

    def set_policy(self, account: str, bus: str, policy: str | None, at: datetime) -> None:
        result = self._conn.execute(
            event_buses.update().where(_key(account, bus)).values(policy=policy, updated_at=at)
        )
        require_one(result.rowcount, f"Event bus {bus}")
