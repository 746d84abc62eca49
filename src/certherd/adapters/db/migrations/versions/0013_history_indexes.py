"""Indexes for the history sweep: finished deliveries and invocations, and events by the
time they came in.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_topic_deliveries_finished_at", "topic_deliveries", "finished_at"),
    ("ix_invocations_finished_at", "invocations", "finished_at"),
    ("ix_events_ingested_at", "events", "ingested_at"),
)


def upgrade() -> None:
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in _INDEXES:
        op.drop_index(name, table_name=table)
