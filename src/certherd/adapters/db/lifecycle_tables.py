"""The lifecycle ledger: each (subject, kind, occasion) happens once.

The primary key is the guarantee. Two workers ticking at the same time on PostgreSQL both
try to insert the same key; the second waits for the first to commit and then inserts
nothing, so only one of them writes the event that goes with it.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, PrimaryKeyConstraint, String, Table

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import ACCOUNT, ENUM, ID, metadata

__all__ = ["OCCASION", "lifecycle_ledger"]

OCCASION = 80  # a date, or an ISO instant and a window: "2026-03-01T00:00:00+00:00/45"

lifecycle_ledger = Table(
    "lifecycle_ledger",
    metadata,
    Column("subject_id", String(ID), nullable=False),
    Column("kind", String(ENUM), nullable=False),
    Column("occasion", String(OCCASION), nullable=False),
    Column("account", String(ACCOUNT), nullable=False),
    Column("event_id", String(ID), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("subject_id", "kind", "occasion"),
    Index(None, "created_at"),
)
