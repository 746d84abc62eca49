"""Runs of functions asked for by topic subscriptions: which subscription and message.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("function_invocations", sa.Column("subscription_arn", sa.String(length=2048)))
    op.add_column("function_invocations", sa.Column("message_id", sa.String(length=64)))


def downgrade() -> None:
    with op.batch_alter_table("function_invocations") as batch:
        batch.drop_column("message_id")
        batch.drop_column("subscription_arn")
