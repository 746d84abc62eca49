"""Security findings.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the lengths in tables.py and finding_tables.py.
ID = 64
ACCOUNT = 32
ENUM = 40
ARN = 2048
GENERATOR = 256
TITLE = 256


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("generator_id", sa.String(GENERATOR), nullable=False),
        sa.Column("resource_arn", sa.String(ARN), nullable=False),
        sa.Column("severity", sa.String(ENUM), nullable=False),
        sa.Column("title", sa.String(TITLE), nullable=False),
        sa.Column("workflow_status", sa.String(ENUM), nullable=False),
        sa.Column("record_state", sa.String(ENUM), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("note", sa.JSON(), nullable=True),
        _instant("created_at"),
        _instant("updated_at"),
        _instant("first_observed_at"),
        _instant("last_observed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.UniqueConstraint(
            "account",
            "generator_id",
            "resource_arn",
            name="uq_findings_account_generator_id_resource_arn",
        ),
    )
    op.create_index(
        "ix_findings_account_created_at_id", "findings", ["account", "created_at", "id"]
    )
    op.create_index("ix_findings_account_resource_arn", "findings", ["account", "resource_arn"])


def downgrade() -> None:
    op.drop_index("ix_findings_account_resource_arn", table_name="findings")
    op.drop_index("ix_findings_account_created_at_id", table_name="findings")
    op.drop_table("findings")
