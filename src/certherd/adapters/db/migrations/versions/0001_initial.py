"""The initial schema: accounts, secrets, CAs and what they issued, certificates, tokens.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the lengths in tables.py at this revision.
ID = 64
ACCOUNT = 32
SERIAL = 128
SERIAL_INT = 64
ENUM = 40
ARN = 2048
NAME = 253
TAG_KEY = 128
TAG_VALUE = 256
ARN_NAMES_ID = (
    # (backslash: a colon before a word would be a bind parameter to SQLAlchemy's text())
    r"substr(arn, length(arn) - length(id) - 12) = '\:certificate/' || id AND id NOT LIKE '%:%'"
)


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _parent(name: str, table: str, owner: str) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.String(ID),
        sa.ForeignKey(f"{table}.id", name=f"fk_{owner}_{name}_{table}", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("days_before_expiry", sa.Integer(), nullable=False),
        _instant("created_at", nullable=False),
        sa.PrimaryKeyConstraint("account", name="pk_accounts"),
    )
    op.create_table(
        "secrets",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        _instant("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_secrets"),
    )
    op.create_table(
        "authorities",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("arn", sa.String(ARN), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("type", sa.String(ENUM), nullable=False),
        sa.Column("status", sa.String(ENUM), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("key_algorithm", sa.String(ENUM), nullable=False),
        sa.Column("signing_algorithm", sa.String(ENUM), nullable=False),
        sa.Column(
            "key_secret_id",
            sa.String(ID),
            sa.ForeignKey("secrets.id", name="fk_authorities_key_secret_id_secrets"),
            nullable=False,
        ),
        sa.Column("csr_pem", sa.Text(), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=True),
        sa.Column("chain_pem", sa.Text(), nullable=True),
        sa.Column("serial", sa.String(SERIAL), nullable=True),
        _instant("not_before"),
        _instant("not_after"),
        _instant("created_at", nullable=False),
        _instant("last_state_change_at", nullable=False),
        sa.Column("crl_enabled", sa.Boolean(), nullable=False),
        sa.Column("crl_expiration_days", sa.Integer(), nullable=False),
        _instant("restorable_until"),
        sa.Column("status_before_deletion", sa.String(ENUM), nullable=True),
        sa.Column("path_length", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_authorities"),
        sa.UniqueConstraint("arn", name="uq_authorities_arn"),
    )
    op.create_index(
        "ix_authorities_account_created_at_id", "authorities", ["account", "created_at", "id"]
    )
    op.create_table(
        "authority_tags",
        _parent("authority_id", "authorities", "authority_tags"),
        sa.Column("key", sa.String(TAG_KEY), nullable=False),
        sa.Column("value", sa.String(TAG_VALUE), nullable=False),
        sa.PrimaryKeyConstraint("authority_id", "key", name="pk_authority_tags"),
    )
    op.create_table(
        "authority_permissions",
        _parent("authority_id", "authorities", "authority_permissions"),
        sa.Column("principal", sa.String(NAME), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("source_account", sa.String(ACCOUNT), nullable=False),
        _instant("created_at", nullable=False),
        sa.PrimaryKeyConstraint(
            "authority_id", "principal", "source_account", name="pk_authority_permissions"
        ),
    )
    op.create_table(
        "issued_certificates",
        _parent("authority_id", "authorities", "issued_certificates"),
        sa.Column("serial", sa.String(SERIAL), nullable=False),
        sa.Column("serial_int", sa.String(SERIAL_INT), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        _instant("not_after", nullable=False),
        _instant("issued_at", nullable=False),
        sa.Column("certificate_id", sa.String(ID), nullable=True),
        _instant("revoked_at"),
        sa.Column("revocation_reason", sa.String(ENUM), nullable=True),
        sa.PrimaryKeyConstraint("authority_id", "serial", name="pk_issued_certificates"),
    )
    op.create_index(
        "ix_issued_certificates_authority_id_revoked_at",
        "issued_certificates",
        ["authority_id", "revoked_at"],
        sqlite_where=sa.text("revoked_at IS NOT NULL"),
        postgresql_where=sa.text("revoked_at IS NOT NULL"),
    )
    op.create_table(
        "crls",
        _parent("authority_id", "authorities", "crls"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        _instant("this_update", nullable=False),
        _instant("next_update", nullable=False),
        sa.PrimaryKeyConstraint("authority_id", "number", name="pk_crls"),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("arn", sa.String(ARN), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("type", sa.String(ENUM), nullable=False),
        sa.Column("status", sa.String(ENUM), nullable=False),
        sa.Column(
            "domain_name",
            sa.String(NAME).with_variant(sa.String(NAME, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("sans", sa.JSON(), nullable=False),
        sa.Column("key_algorithm", sa.String(ENUM), nullable=False),
        sa.Column("signature_algorithm", sa.String(ENUM), nullable=False),
        sa.Column("serial", sa.String(SERIAL), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        _instant("not_before", nullable=False),
        _instant("not_after", nullable=False),
        _instant("created_at", nullable=False),
        _instant("issued_at"),
        _instant("imported_at"),
        _instant("revoked_at"),
        sa.Column("revocation_reason", sa.String(ENUM), nullable=True),
        sa.Column("authority_arn", sa.String(ARN), nullable=True),
        _instant("exported_at"),
        sa.Column("in_use_by", sa.JSON(), nullable=False),
        sa.Column("renewal_status", sa.String(ENUM), nullable=True),
        sa.Column("renewal_reason", sa.String(ENUM), nullable=True),
        _instant("renewal_updated_at"),
        sa.Column("key_usages", sa.JSON(), nullable=False),
        sa.Column("extended_key_usages", sa.JSON(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("idempotency_token", sa.String(NAME), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("key_secret_id", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.CheckConstraint(ARN_NAMES_ID, name=op.f("ck_certificates_arn_names_id")),
    )
    op.create_index(
        "ix_certificates_account_not_after_status",
        "certificates",
        ["account", "not_after", "status"],
    )
    op.create_index(
        "ix_certificates_account_created_at_id", "certificates", ["account", "created_at", "id"]
    )
    op.create_index(
        "ix_certificates_account_domain_name_id", "certificates", ["account", "domain_name", "id"]
    )
    op.create_index(
        "ix_certificates_account_idempotency_token_created_at",
        "certificates",
        ["account", "idempotency_token", "created_at"],
        sqlite_where=sa.text("idempotency_token IS NOT NULL"),
        postgresql_where=sa.text("idempotency_token IS NOT NULL"),
    )
    op.create_table(
        "certificate_versions",
        _parent("certificate_id", "certificates", "certificate_versions"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(ENUM), nullable=False),
        sa.Column("serial", sa.String(SERIAL), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("chain_pem", sa.Text(), nullable=True),
        sa.Column("key_secret_id", sa.String(ID), nullable=False),
        _instant("not_before", nullable=False),
        _instant("not_after", nullable=False),
        _instant("created_at", nullable=False),
        _instant("exported_at"),
        sa.PrimaryKeyConstraint("certificate_id", "number", name="pk_certificate_versions"),
    )
    op.create_table(
        "certificate_tags",
        _parent("certificate_id", "certificates", "certificate_tags"),
        sa.Column("key", sa.String(TAG_KEY), nullable=False),
        sa.Column("value", sa.String(TAG_VALUE), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", "key", name="pk_certificate_tags"),
    )
    op.create_index(
        "ix_certificate_tags_key_value_certificate_id",
        "certificate_tags",
        ["key", "value", "certificate_id"],
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("digest", sa.String(128), nullable=False),
        _instant("created_at", nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("digest", name="uq_api_tokens_digest"),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_index("ix_certificate_tags_key_value_certificate_id", table_name="certificate_tags")
    op.drop_table("certificate_tags")
    op.drop_table("certificate_versions")
    for index in (
        "ix_certificates_account_idempotency_token_created_at",
        "ix_certificates_account_domain_name_id",
        "ix_certificates_account_created_at_id",
        "ix_certificates_account_not_after_status",
    ):
        op.drop_index(index, table_name="certificates")
    op.drop_table("certificates")
    op.drop_table("crls")
    op.drop_index(
        "ix_issued_certificates_authority_id_revoked_at", table_name="issued_certificates"
    )
    op.drop_table("issued_certificates")
    op.drop_table("authority_permissions")
    op.drop_table("authority_tags")
    op.drop_index("ix_authorities_account_created_at_id", table_name="authorities")
    op.drop_table("authorities")
    op.drop_table("secrets")
    op.drop_table("accounts")
