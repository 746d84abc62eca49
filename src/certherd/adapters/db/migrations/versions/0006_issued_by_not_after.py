"""The lifecycle tick's index becomes partial (ISSUED certificates only), so that the
inventory's queries within one account keep their own index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ISSUED = sa.text("status = 'ISSUED'")


def upgrade() -> None:
    op.drop_index("ix_certificates_status_not_after_id", table_name="certificates")
    op.create_index(
        "ix_certificates_issued_not_after_id",
        "certificates",
        ["not_after", "id"],
        sqlite_where=_ISSUED,
        postgresql_where=_ISSUED,
    )


def downgrade() -> None:
    op.drop_index("ix_certificates_issued_not_after_id", table_name="certificates")
    op.create_index(
        "ix_certificates_status_not_after_id", "certificates", ["status", "not_after", "id"]
    )
