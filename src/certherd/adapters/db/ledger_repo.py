"""The lifecycle ledger on SQL: claiming occasions so that each happens once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certherd.adapters.db.lifecycle_tables import lifecycle_ledger
from certherd.domain.records import LedgerEntry

__all__ = ["SqlLedgerRepository"]

_KEY = (lifecycle_ledger.c.subject_id, lifecycle_ledger.c.kind, lifecycle_ledger.c.occasion)
# Given a list of rows, SQLAlchemy runs these as batched multi-row INSERTs ("insertmanyvalues")
# compiled once, and returns the rows that were inserted.
_CLAIM: dict[str, Any] = {
    "sqlite": sqlite.insert(lifecycle_ledger).on_conflict_do_nothing().returning(*_KEY),
    "postgresql": postgresql.insert(lifecycle_ledger).on_conflict_do_nothing().returning(*_KEY),
}


class SqlLedgerRepository:
    """Ledger entries; the primary key (subject, kind, occasion) makes each one unique."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def claim(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        """Insert the entries that are not in the ledger yet and return those, in order.

        An entry already there (committed by anyone, or inserted by a transaction that
        commits while this one waits for it) is skipped, never an error.
        """
        if not entries:
            return []
        statement = _CLAIM[self._conn.dialect.name]
        rows = self._conn.execute(statement, [_values(entry) for entry in entries])
        claimed = {(row[0], row[1], row[2]) for row in rows}
        return [e for e in entries if (e.subject_id, e.kind, e.occasion) in claimed]

    def of_subject(self, subject_id: str) -> list[LedgerEntry]:
        """Every entry of one certificate or CA, oldest first."""
        rows = self._conn.execute(
            sa.select(lifecycle_ledger)
            .where(lifecycle_ledger.c.subject_id == subject_id)
            .order_by(lifecycle_ledger.c.created_at, lifecycle_ledger.c.kind)
        ).mappings()
        return [
            LedgerEntry(
                subject_id=row["subject_id"],
                kind=row["kind"],
                occasion=row["occasion"],
                account=row["account"],
                created_at=row["created_at"],
                event_id=row["event_id"],
            )
            for row in rows
        ]


def _values(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "subject_id": entry.subject_id,
        "kind": entry.kind,
        "occasion": entry.occasion,
        "account": entry.account,
        "event_id": entry.event_id,
        "created_at": entry.created_at,
    }
