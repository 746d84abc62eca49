"""Queues and their messages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the lengths in tables.py and queue_tables.py at this revision.
ID = 64
ACCOUNT = 32
ARN = 2048
TAG_KEY = 128
TAG_VALUE = 256
QUEUE_NAME = 80
MD5 = 32
TOKEN = 64


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _queue(owner: str) -> sa.Column[object]:
    return sa.Column(
        "queue_id",
        sa.String(ID),
        sa.ForeignKey("queues.id", name=f"fk_{owner}_queue_id_queues", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column(
            "name",
            sa.String(QUEUE_NAME).with_variant(sa.String(QUEUE_NAME, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("visibility_timeout", sa.Integer(), nullable=False),
        sa.Column("message_retention_period", sa.Integer(), nullable=False),
        sa.Column("delay_seconds", sa.Integer(), nullable=False),
        sa.Column("receive_message_wait_time_seconds", sa.Integer(), nullable=False),
        sa.Column("maximum_message_size", sa.Integer(), nullable=False),
        sa.Column("redrive_policy", sa.JSON(), nullable=True),
        sa.Column("redrive_allow_policy", sa.JSON(), nullable=True),
        _instant("created_at", nullable=False),
        _instant("last_modified_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queues"),
        sa.UniqueConstraint("account", "name", name="uq_queues_account_name"),
    )
    op.create_table(
        "queue_tags",
        _queue("queue_tags"),
        sa.Column("key", sa.String(TAG_KEY), nullable=False),
        sa.Column("value", sa.String(TAG_VALUE), nullable=False),
        sa.PrimaryKeyConstraint("queue_id", "key", name="pk_queue_tags"),
    )
    op.create_table(
        "queue_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(ID), nullable=False),
        _queue("queue_messages"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("md5_of_body", sa.String(MD5), nullable=False),
        sa.Column("md5_of_message_attributes", sa.String(MD5), nullable=True),
        _instant("sent_at", nullable=False),
        _instant("visible_at", nullable=False),
        sa.Column("receive_count", sa.Integer(), nullable=False),
        _instant("first_received_at"),
        _instant("received_at"),
        sa.Column("receipt_token", sa.String(TOKEN), nullable=True),
        sa.Column("dead_letter_source_arn", sa.String(ARN), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_queue_messages"),
        sa.UniqueConstraint("id", name="uq_queue_messages_id"),
    )
    op.create_index(
        "ix_queue_messages_queue_id_visible_at_seq",
        "queue_messages",
        ["queue_id", "visible_at", "seq"],
    )
    op.create_index("ix_queue_messages_queue_id_sent_at", "queue_messages", ["queue_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_messages_queue_id_sent_at", table_name="queue_messages")
    op.drop_index("ix_queue_messages_queue_id_visible_at_seq", table_name="queue_messages")
    op.drop_table("queue_messages")
    op.drop_table("queue_tags")
    op.drop_table("queues")
