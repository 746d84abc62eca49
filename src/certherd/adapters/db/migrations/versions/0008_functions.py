"""Functions and their invocations.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BYTEWISE_NAME = sa.String(length=64).with_variant(
    sa.String(length=64, collation="C"), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "functions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("name", _BYTEWISE_NAME, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("entry_point", sa.String(length=128), nullable=True),
        sa.Column("environment_keys", sa.JSON(), nullable=False),
        sa.Column("environment_secret_id", sa.String(length=64), nullable=True),
        sa.Column("working_directory", sa.Text(), nullable=True),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("run_as", sa.String(length=32), nullable=True),
        sa.Column("description", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_secret_id"],
            ["secrets.id"],
            name="fk_functions_environment_secret_id_secrets",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_functions"),
        sa.UniqueConstraint("account", "name", name="uq_functions_account_name"),
    )
    op.create_table(
        "function_invocations",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("function_id", sa.String(length=64), nullable=False),
        sa.Column("function_name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("rule_arn", sa.String(length=2048), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("target_invocation_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("exit_status", sa.Integer(), nullable=True),
        sa.Column("timed_out", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("output_tail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_id"],
            ["functions.id"],
            name="fk_function_invocations_function_id_functions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_function_invocations"),
        sa.UniqueConstraint("id", name="uq_function_invocations_id"),
    )
    op.create_index(
        "ix_function_invocations_function_id_seq",
        "function_invocations",
        ["function_id", "seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("function_invocations")
    op.drop_table("functions")
