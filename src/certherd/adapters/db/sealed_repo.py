"""Sealed values kept outside the secrets table, for key rotation to re-wrap.

Most secrets live in the ``secrets`` table; values that belong to one row of another table
(a subscription's endpoint, a message body of an encrypted topic, the mail relay's
password ...) are sealed in a column of that row. :data:`SEALED_COLUMNS` lists every such
column, so that rotating the key-encryption key re-wraps them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import sqlalchemy as sa

from certherd.adapters.db.destination_tables import connections
from certherd.adapters.db.topic_tables import (
    mail_relay,
    mailbox,
    signing_keys,
    subscriptions,
    topic_messages,
)

__all__ = ["SEALED_COLUMNS", "SqlSealedColumnRepository"]

#: (table, key column, sealed column) of every sealed value outside the secrets table.
SEALED_COLUMNS: Final[tuple[tuple[sa.Table, str, str], ...]] = (
    (subscriptions, "id", "endpoint_sealed"),
    (subscriptions, "id", "token_sealed"),
    (topic_messages, "id", "body_sealed"),
    (mail_relay, "id", "password_sealed"),
    (mailbox, "id", "content_sealed"),
    (signing_keys, "id", "key_sealed"),
    (connections, "id", "auth_sealed"),
    (connections, "id", "token_sealed"),
)
_BATCH: Final = 500


class SqlSealedColumnRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def blobs(self) -> Iterator[tuple[str, str, bytes]]:
        """Every sealed value as (column reference, row key, blob)."""
        for index, (table, key, column) in enumerate(SEALED_COLUMNS):
            key_column, blob_column = table.c[key], table.c[column]
            after: str | None = None
            while True:
                query = sa.select(key_column, blob_column).where(blob_column.is_not(None))
                if after is not None:
                    query = query.where(key_column > after)
                rows = self._conn.execute(query.order_by(key_column).limit(_BATCH)).all()
                for row in rows:
                    yield str(index), row[0], row[1]
                if len(rows) < _BATCH:
                    break
                after = rows[-1][0]

    def replace(self, reference: str, key: str, blob: bytes) -> None:
        table, key_name, column = SEALED_COLUMNS[int(reference)]
        self._conn.execute(table.update().where(table.c[key_name] == key).values({column: blob}))
