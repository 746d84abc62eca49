"""HTTP destinations and their connections.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BYTEWISE_NAME = sa.String(length=64).with_variant(
    sa.String(length=64, collation="C"), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("name", _BYTEWISE_NAME, nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=True),
        sa.Column("authorization_type", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("state_reason", sa.String(length=512), nullable=True),
        sa.Column("auth_public", sa.Text(), nullable=False),
        sa.Column("auth_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("token_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_authorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_connections"),
        sa.UniqueConstraint("account", "name", name="uq_connections_account_name"),
    )
    op.create_table(
        "api_destinations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("name", _BYTEWISE_NAME, nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=True),
        sa.Column("connection_id", sa.String(length=64), nullable=False),
        sa.Column("connection_arn", sa.String(length=2048), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("http_method", sa.String(length=40), nullable=False),
        sa.Column("rate_limit", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name="fk_api_destinations_connection_id_connections",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_destinations"),
        sa.UniqueConstraint("account", "name", name="uq_api_destinations_account_name"),
        sa.UniqueConstraint("arn", name="uq_api_destinations_arn"),
    )
    op.create_index(
        "ix_api_destinations_connection_id", "api_destinations", ["connection_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_api_destinations_connection_id", table_name="api_destinations")
    op.drop_table("api_destinations")
    op.drop_table("connections")
