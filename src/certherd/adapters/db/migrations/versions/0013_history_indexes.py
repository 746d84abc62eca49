"""Indexes for the history sweep: finished deliveries and invocations, and events by the
time they came in.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FINISHED = sa.text("finished_at IS NOT NULL")
#: (name, table, column, partial): deliveries and invocations are indexed once finished.
_INDEXES = (
    ("ix_topic_deliveries_finished_at", "topic_deliveries", "finished_at", True),
    ("ix_invocations_finished_at", "invocations", "finished_at", True),
    ("ix_events_ingested_at", "events", "ingested_at", False),
)


def upgrade() -> None:
    for name, table, column, partial in _INDEXES:
        where = _FINISHED if partial else None
        op.create_index(
            name, table, [column], unique=False, sqlite_where=where, postgresql_where=where
        )


def downgrade() -> None:
    for name, table, _, _ in _INDEXES:
        op.drop_index(name, table_name=table)
