"""Connections and API destinations on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.destination_tables import api_destinations, connections
from certherd.adapters.db.integrity import conflict_on_duplicate
from certherd.services.destination_ports import ApiDestinationRecord, ConnectionRecord

__all__ = ["SqlApiDestinationRepository", "SqlConnectionRepository"]

_c = connections.c
_d = api_destinations.c


def _prefixed(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    # A range, not LIKE: names may hold '_' (a LIKE wildcard), and a range uses the index.
    return sa.and_(column >= prefix, column < prefix + "\U0010ffff")


def _connection(row: sa.Row[Any]) -> ConnectionRecord:
    return ConnectionRecord(
        id=row.id,
        account=row.account,
        name=row.name,
        arn=row.arn,
        description=row.description,
        authorization_type=row.authorization_type,
        state=row.state,
        state_reason=row.state_reason,
        auth_public=row.auth_public,
        auth_sealed=bytes(row.auth_sealed),
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_authorized_at=row.last_authorized_at,
        token_sealed=None if row.token_sealed is None else bytes(row.token_sealed),
        token_expires_at=row.token_expires_at,
    )


def _connection_values(record: ConnectionRecord) -> dict[str, Any]:
    return {
        "description": record.description,
        "authorization_type": record.authorization_type,
        "state": record.state,
        "state_reason": record.state_reason,
        "auth_public": record.auth_public,
        "auth_sealed": record.auth_sealed,
        "token_sealed": record.token_sealed,
        "token_expires_at": record.token_expires_at,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "last_authorized_at": record.last_authorized_at,
    }


class SqlConnectionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, record: ConnectionRecord) -> None:
        with conflict_on_duplicate(f"connection {record.name!r}"):
            self._conn.execute(
                connections.insert().values(
                    id=record.id,
                    account=record.account,
                    name=record.name,
                    arn=record.arn,
                    **_connection_values(record),
                )
            )

    def get(self, account: str, name: str) -> ConnectionRecord | None:
        row = self._conn.execute(
            sa.select(connections).where(_c.account == account, _c.name == name)
        ).first()
        return None if row is None else _connection(row)

    def get_by_id(self, connection_id: str) -> ConnectionRecord | None:
        row = self._conn.execute(sa.select(connections).where(_c.id == connection_id)).first()
        return None if row is None else _connection(row)

    def list(
        self, account: str, *, name_prefix: str | None, after: str | None, limit: int
    ) -> Sequence[ConnectionRecord]:
        query = sa.select(connections).where(_c.account == account)
        if name_prefix:
            query = query.where(_prefixed(_c.name, name_prefix))
        if after is not None:
            query = query.where(_c.name > after)
        rows = self._conn.execute(query.order_by(_c.name).limit(limit)).all()
        return [_connection(r) for r in rows]

    def update(self, record: ConnectionRecord) -> None:
        self._conn.execute(
            connections.update().where(_c.id == record.id).values(_connection_values(record))
        )

    def set_token(
        self,
        connection_id: str,
        *,
        token_sealed: bytes | None,
        expires_at: datetime | None,
        state: str,
        state_reason: str | None,
        authorized_at: datetime | None,
    ) -> None:
        values: dict[str, Any] = {
            "token_sealed": token_sealed,
            "token_expires_at": expires_at,
            "state": state,
            "state_reason": state_reason,
        }
        if authorized_at is not None:
            values["last_authorized_at"] = authorized_at
        self._conn.execute(connections.update().where(_c.id == connection_id).values(values))

    def delete(self, connection_id: str) -> bool:
        deleted = self._conn.execute(connections.delete().where(_c.id == connection_id))
        return deleted.rowcount == 1


def _destination(row: sa.Row[Any]) -> ApiDestinationRecord:
    return ApiDestinationRecord(
        id=row.id,
        account=row.account,
        name=row.name,
        arn=row.arn,
        description=row.description,
        connection_id=row.connection_id,
        connection_arn=row.connection_arn,
        endpoint=row.endpoint,
        http_method=row.http_method,
        rate_limit=row.rate_limit,
        state=row.state,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlApiDestinationRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, record: ApiDestinationRecord) -> None:
        with conflict_on_duplicate(f"API destination {record.name!r}"):
            self._conn.execute(
                api_destinations.insert().values(
                    id=record.id,
                    account=record.account,
                    name=record.name,
                    arn=record.arn,
                    **self._values(record),
                )
            )

    @staticmethod
    def _values(record: ApiDestinationRecord) -> dict[str, Any]:
        return {
            "description": record.description,
            "connection_id": record.connection_id,
            "connection_arn": record.connection_arn,
            "endpoint": record.endpoint,
            "http_method": record.http_method,
            "rate_limit": record.rate_limit,
            "state": record.state,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }

    def get(self, account: str, name: str) -> ApiDestinationRecord | None:
        row = self._conn.execute(
            sa.select(api_destinations).where(_d.account == account, _d.name == name)
        ).first()
        return None if row is None else _destination(row)

    def get_by_arn(self, arn: str) -> ApiDestinationRecord | None:
        row = self._conn.execute(sa.select(api_destinations).where(_d.arn == arn)).first()
        return None if row is None else _destination(row)

    def list(
        self,
        account: str,
        *,
        name_prefix: str | None,
        connection_arn: str | None,
        after: str | None,
        limit: int,
    ) -> Sequence[ApiDestinationRecord]:
        query = sa.select(api_destinations).where(_d.account == account)
        if name_prefix:
            query = query.where(_prefixed(_d.name, name_prefix))
        if connection_arn is not None:
            query = query.where(_d.connection_arn == connection_arn)
        if after is not None:
            query = query.where(_d.name > after)
        rows = self._conn.execute(query.order_by(_d.name).limit(limit)).all()
        return [_destination(r) for r in rows]

    def update(self, record: ApiDestinationRecord) -> None:
        self._conn.execute(
            api_destinations.update().where(_d.id == record.id).values(self._values(record))
        )

    def delete(self, destination_id: str) -> bool:
        deleted = self._conn.execute(api_destinations.delete().where(_d.id == destination_id))
        return deleted.rowcount == 1

    def count_using(self, connection_id: str) -> int:
        query = sa.select(sa.func.count()).where(_d.connection_id == connection_id)
        return int(self._conn.execute(query).scalar_one())
