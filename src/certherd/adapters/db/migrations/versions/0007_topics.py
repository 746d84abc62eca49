"""Notification topics, subscriptions, published messages, deliveries and their attempts;
the mail relay's settings, the local mailbox and the message-signing keys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BYTEWISE_NAME = sa.String(length=256).with_variant(
    sa.String(length=256, collation="C"), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "mail_relay",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=40), nullable=False),
        sa.Column("username", sa.String(length=512), nullable=True),
        sa.Column("password_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("sender", sa.String(length=512), nullable=False),
        sa.Column("sender_name", sa.String(length=512), nullable=True),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_relay"),
    )
    op.create_table(
        "mailbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("sender", sa.String(length=512), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_mailbox"),
        sa.UniqueConstraint("id", name="uq_mailbox_id"),
    )
    op.create_index("ix_mailbox_account_seq", "mailbox", ["account", "seq"], unique=False)
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signing_keys"),
    )
    op.create_index(
        "ix_signing_keys_purpose_not_after", "signing_keys", ["purpose", "not_after"], unique=False
    )
    op.create_table(
        "topic_deliveries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("topic_arn", sa.String(length=2048), nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("subscription_arn", sa.String(length=2048), nullable=False),
        sa.Column("protocol", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_topic_deliveries"),
    )
    op.create_index(
        "ix_topic_deliveries_account_created_at_id",
        "topic_deliveries",
        ["account", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_topic_deliveries_message_id", "topic_deliveries", ["message_id"], unique=False
    )
    op.create_index(
        "ix_topic_deliveries_state_next_attempt_at",
        "topic_deliveries",
        ["state", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        "ix_topic_deliveries_subscription_id_state",
        "topic_deliveries",
        ["subscription_id", "state"],
        unique=False,
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("name", _BYTEWISE_NAME, nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("delivery_policy", sa.Text(), nullable=True),
        sa.Column("kms_master_key_id", sa.String(length=2048), nullable=True),
        sa.Column("signature_version", sa.String(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_topics"),
        sa.UniqueConstraint("account", "name", name="uq_topics_account_name"),
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["topic_deliveries.id"],
            name="fk_delivery_attempts_delivery_id_topic_deliveries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", "number", name="pk_delivery_attempts"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("protocol", sa.String(length=40), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("endpoint_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("token_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_was_authenticated", sa.Boolean(), nullable=False),
        sa.Column("filter_policy", sa.Text(), nullable=True),
        sa.Column("filter_policy_scope", sa.String(length=40), nullable=True),
        sa.Column("raw_message_delivery", sa.Boolean(), nullable=False),
        sa.Column("redrive_policy", sa.Text(), nullable=True),
        sa.Column("delivery_policy", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name="fk_subscriptions_topic_id_topics", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
    )
    op.create_index(
        "ix_subscriptions_account_created_at_id",
        "subscriptions",
        ["account", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_subscriptions_token_digest", "subscriptions", ["token_digest"], unique=False
    )
    op.create_index(
        "ix_subscriptions_topic_id_state", "subscriptions", ["topic_id", "state"], unique=False
    )
    op.create_table(
        "topic_messages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("structure", sa.String(length=40), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name="fk_topic_messages_topic_id_topics",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_topic_messages"),
    )
    op.create_index(
        "ix_topic_messages_published_at", "topic_messages", ["published_at"], unique=False
    )
    op.create_table(
        "topic_tags",
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name="fk_topic_tags_topic_id_topics", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("topic_id", "key", name="pk_topic_tags"),
    )


def downgrade() -> None:
    op.drop_table("topic_tags")
    op.drop_table("topic_messages")
    op.drop_table("subscriptions")
    op.drop_table("delivery_attempts")
    op.drop_table("topics")
    op.drop_table("topic_deliveries")
    op.drop_table("signing_keys")
    op.drop_table("mailbox")
    op.drop_table("mail_relay")
