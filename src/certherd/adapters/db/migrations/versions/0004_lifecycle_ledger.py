"""The lifecycle ledger (each subject, kind and occasion happens once), and the index the
lifecycle tick reads certificates by.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the lengths in tables.py at this revision.
ID = 64
ACCOUNT = 32
ENUM = 40
OCCASION = 80


def upgrade() -> None:
    op.create_table(
        "lifecycle_ledger",
        sa.Column("subject_id", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(ENUM), nullable=False),
        sa.Column("occasion", sa.String(OCCASION), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("event_id", sa.String(ID), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", "kind", "occasion", name="pk_lifecycle_ledger"),
    )
    op.create_index("ix_lifecycle_ledger_created_at", "lifecycle_ledger", ["created_at"])
    op.create_index(
        "ix_certificates_status_not_after_id", "certificates", ["status", "not_after", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_certificates_status_not_after_id", table_name="certificates")
    op.drop_table("lifecycle_ledger")
