"""Event buses, rules and targets, the event outbox and target invocations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the lengths in tables.py and event_tables.py at this revision.
ID = 64
ACCOUNT = 32
ENUM = 40
ARN = 2048
TAG_KEY = 128
TAG_VALUE = 256
BUS_NAME = 256
RULE_NAME = 64
TARGET_ID = 64
TEXT_SHORT = 512
SOURCE = 256
DETAIL_TYPE = 256
INPUT_PATH = 256


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _bytewise(name: str, length: int, *, nullable: bool = False) -> sa.Column[object]:
    kind = sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _rule_id(owner: str) -> sa.Column[object]:
    return sa.Column(
        "rule_id",
        sa.String(ID),
        sa.ForeignKey("rules.id", name=f"fk_{owner}_rule_id_rules", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "event_buses",
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        _bytewise("name", BUS_NAME),
        sa.Column("arn", sa.String(ARN), nullable=False),
        sa.Column("description", sa.String(TEXT_SHORT), nullable=True),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("account", "name", name="pk_event_buses"),
    )
    op.create_table(
        "rules",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        _bytewise("bus", BUS_NAME),
        _bytewise("name", RULE_NAME),
        sa.Column("arn", sa.String(ARN), nullable=False),
        sa.Column("event_pattern", sa.Text(), nullable=False),
        sa.Column("state", sa.String(ENUM), nullable=False),
        sa.Column("description", sa.String(TEXT_SHORT), nullable=True),
        sa.Column("role_arn", sa.String(ARN), nullable=True),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rules"),
        sa.UniqueConstraint("account", "bus", "name", name="uq_rules_account_bus_name"),
    )
    op.create_table(
        "rule_tags",
        _rule_id("rule_tags"),
        sa.Column("key", sa.String(TAG_KEY), nullable=False),
        sa.Column("value", sa.String(TAG_VALUE), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "key", name="pk_rule_tags"),
    )
    op.create_table(
        "rule_targets",
        _rule_id("rule_targets"),
        _bytewise("target_id", TARGET_ID),
        sa.Column("arn", sa.String(ARN), nullable=False),
        sa.Column("role_arn", sa.String(ARN), nullable=True),
        sa.Column("input", sa.Text(), nullable=True),
        sa.Column("input_path", sa.String(INPUT_PATH), nullable=True),
        sa.Column("input_transformer", sa.JSON(), nullable=True),
        sa.Column("maximum_retry_attempts", sa.Integer(), nullable=False),
        sa.Column("maximum_event_age_seconds", sa.Integer(), nullable=False),
        sa.Column("dead_letter_arn", sa.String(ARN), nullable=True),
        _instant("created_at", nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "target_id", name="pk_rule_targets"),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        _bytewise("bus", BUS_NAME),
        sa.Column("source", sa.String(SOURCE), nullable=False),
        sa.Column("detail_type", sa.String(DETAIL_TYPE), nullable=False),
        sa.Column("resource", sa.String(ARN), nullable=True),
        _instant("time", nullable=False),
        _instant("ingested_at", nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("replay_name", sa.String(RULE_NAME), nullable=True),
        _instant("routed_at"),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("id", name="uq_events_id"),
    )
    op.create_index("ix_events_account_bus_seq", "events", ["account", "bus", "seq"])
    op.create_index("ix_events_account_resource_seq", "events", ["account", "resource", "seq"])
    op.create_index(
        "ix_events_seq_routed_at",
        "events",
        ["seq", "routed_at"],
        sqlite_where=sa.text("routed_at IS NULL"),
        postgresql_where=sa.text("routed_at IS NULL"),
    )
    op.create_table(
        "invocations",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("event_id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("rule_id", sa.String(ID), nullable=False),
        sa.Column("rule_arn", sa.String(ARN), nullable=False),
        sa.Column("target_id", sa.String(TARGET_ID), nullable=False),
        sa.Column("target_arn", sa.String(ARN), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(ENUM), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _instant("next_attempt_at", nullable=False),
        _instant("lease_until"),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("max_age_seconds", sa.Integer(), nullable=False),
        sa.Column("dead_letter_arn", sa.String(ARN), nullable=True),
        _instant("event_time", nullable=False),
        sa.Column("last_error_code", sa.String(ENUM), nullable=True),
        sa.Column("last_error_message", sa.Text(), nullable=True),
        _instant("created_at", nullable=False),
        _instant("finished_at"),
        sa.PrimaryKeyConstraint("id", name="pk_invocations"),
        sa.UniqueConstraint(
            "event_id", "rule_id", "target_id", name="uq_invocations_event_id_rule_id_target_id"
        ),
    )
    op.create_index(
        "ix_invocations_state_next_attempt_at", "invocations", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("invocations")
    op.drop_table("events")
    op.drop_table("rule_targets")
    op.drop_table("rule_tags")
    op.drop_table("rules")
    op.drop_table("event_buses")
