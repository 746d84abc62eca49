"""Certificate deployments and the record of their runs.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BYTEWISE_NAME = sa.String(length=64).with_variant(
    sa.String(length=64, collation="C"), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("name", _BYTEWISE_NAME, nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("certificate_arn", sa.String(length=2048), nullable=True),
        sa.Column("tag_key", sa.String(length=128), nullable=True),
        sa.Column("tag_value", sa.String(length=256), nullable=True),
        sa.Column("directory", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("group_name", sa.String(length=64), nullable=True),
        sa.Column("mode", sa.Integer(), nullable=False),
        sa.Column("key_mode", sa.Integer(), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("command_timeout_seconds", sa.Float(), nullable=False),
        sa.Column("verify_host", sa.String(length=253), nullable=True),
        sa.Column("verify_port", sa.Integer(), nullable=True),
        sa.Column("verify_server_name", sa.String(length=253), nullable=True),
        sa.Column("verify_timeout_seconds", sa.Float(), nullable=True),
        sa.Column("password_secret_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
        sa.UniqueConstraint("account", "name", name="uq_deployments_account_name"),
    )
    op.create_index("ix_deployments_arn", "deployments", ["arn"], unique=False)
    op.create_table(
        "deployment_runs",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("deployment_id", sa.String(length=64), nullable=False),
        sa.Column("deployment", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("certificate_arn", sa.String(length=2048), nullable=True),
        sa.Column("serial", sa.String(length=128), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name="fk_deployment_runs_deployment_id_deployments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_deployment_runs"),
        sa.UniqueConstraint("id", name="uq_deployment_runs_id"),
    )
    op.create_index(
        "ix_deployment_runs_deployment_id_seq",
        "deployment_runs",
        ["deployment_id", "seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("deployment_runs")
    op.drop_table("deployments")
