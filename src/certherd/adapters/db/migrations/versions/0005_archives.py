"""Event archives, archived events and replays; the rule filter of replayed outbox rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the lengths in tables.py, event_tables.py and archive_tables.py.
ID = 64
ACCOUNT = 32
ENUM = 40
ARN = 2048
BUS_NAME = 256
TEXT_SHORT = 512
ARCHIVE_NAME = 48
REPLAY_NAME = 64


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _bytewise(name: str, length: int, *, nullable: bool = False) -> sa.Column[object]:
    kind = sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "archives",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        _bytewise("name", ARCHIVE_NAME),
        sa.Column("arn", sa.String(ARN), nullable=False),
        _bytewise("bus", BUS_NAME),
        sa.Column("source_arn", sa.String(ARN), nullable=False),
        sa.Column("description", sa.String(TEXT_SHORT), nullable=True),
        sa.Column("event_pattern", sa.Text(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(ENUM), nullable=False),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_archives"),
        sa.UniqueConstraint("account", "name", name="uq_archives_account_name"),
    )
    op.create_index("ix_archives_account_bus", "archives", ["account", "bus"])
    op.create_table(
        "archived_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("archive_id", sa.String(ID), nullable=False),
        sa.Column("event_id", sa.String(ID), nullable=False),
        _instant("event_time", nullable=False),
        _instant("archived_at", nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_archived_events"),
        sa.UniqueConstraint(
            "archive_id", "event_id", name="uq_archived_events_archive_id_event_id"
        ),
    )
    op.create_index(
        "ix_archived_events_archive_id_event_time_seq",
        "archived_events",
        ["archive_id", "event_time", "seq"],
    )
    op.create_index(
        "ix_archived_events_archive_id_archived_at",
        "archived_events",
        ["archive_id", "archived_at"],
    )
    op.create_table(
        "replays",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        _bytewise("name", REPLAY_NAME),
        sa.Column("arn", sa.String(ARN), nullable=False),
        sa.Column("description", sa.String(TEXT_SHORT), nullable=True),
        sa.Column("archive_id", sa.String(ID), nullable=False),
        sa.Column("archive_arn", sa.String(ARN), nullable=False),
        sa.Column("destination_arn", sa.String(ARN), nullable=False),
        _bytewise("bus", BUS_NAME),
        sa.Column("filter_arns", sa.JSON(), nullable=True),
        _instant("event_start_time", nullable=False),
        _instant("event_end_time", nullable=False),
        sa.Column("state", sa.String(ENUM), nullable=False),
        sa.Column("state_reason", sa.String(TEXT_SHORT), nullable=True),
        _instant("event_last_replayed_time"),
        _instant("cursor_time"),
        sa.Column("cursor_seq", sa.Integer(), nullable=True),
        _instant("replay_start_time", nullable=False),
        _instant("replay_end_time"),
        sa.PrimaryKeyConstraint("id", name="pk_replays"),
        sa.UniqueConstraint("account", "name", name="uq_replays_account_name"),
    )
    op.create_index("ix_replays_state_replay_start_time", "replays", ["state", "replay_start_time"])
    op.add_column("events", sa.Column("rule_filter", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "rule_filter")
    op.drop_table("replays")
    op.drop_table("archived_events")
    op.drop_table("archives")
