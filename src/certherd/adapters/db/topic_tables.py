"""The notification tables: topics, subscriptions, published messages, their deliveries and
every delivery attempt; the mail relay's settings and the local mailbox.

Deliveries are claimed by ``(state, next_attempt_at)`` as invocations are, and listed per
account newest first (``(account, created_at, id)``). A subscription's confirmation token
is kept twice: as a SHA-256 digest, to find the subscription by the token a link brings
back, and sealed by the key store, until the confirmation request has been sent. Endpoints
that hold a secret are sealed too (``endpoint_sealed``); ``endpoint`` is then masked.
Message bodies of encrypted topics are sealed (``body_sealed``), others kept in ``body``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import ACCOUNT, ARN, ID, TAG_KEY, TAG_VALUE, _bytewise, metadata

__all__ = [
    "delivery_attempts",
    "mail_relay",
    "mailbox",
    "signing_keys",
    "subscriptions",
    "topic_deliveries",
    "topic_messages",
    "topic_tags",
    "topics",
]

TOPIC_NAME = 256
ENUM = 40
DIGEST = 64
SHORT = 512
HOST = 255

topics = Table(
    "topics",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(TOPIC_NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("display_name", String(100)),
    Column("policy", Text),
    Column("delivery_policy", Text),
    Column("kms_master_key_id", String(ARN)),
    Column("signature_version", String(1), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("account", "name"),
)

topic_tags = Table(
    "topic_tags",
    metadata,
    Column("topic_id", String(ID), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(TAG_KEY), nullable=False),
    Column("value", String(TAG_VALUE), nullable=False),
    PrimaryKeyConstraint("topic_id", "key"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("topic_id", String(ID), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False),
    Column("protocol", String(ENUM), nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("endpoint_sealed", LargeBinary),
    Column("state", String(ENUM), nullable=False),
    Column("token_digest", String(DIGEST)),
    Column("token_sealed", LargeBinary),
    Column("token_expires_at", UtcDateTime),
    Column("confirmation_was_authenticated", Boolean, nullable=False),
    Column("filter_policy", Text),
    Column("filter_policy_scope", String(ENUM)),
    Column("raw_message_delivery", Boolean, nullable=False),
    Column("redrive_policy", Text),
    Column("delivery_policy", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "topic_id", "state"),
    Index(None, "account", "created_at", "id"),
    Index(None, "token_digest"),
)

topic_messages = Table(
    "topic_messages",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("topic_id", String(ID), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False),
    Column("subject", Text),
    Column("body", Text),
    Column("body_sealed", LargeBinary),
    Column("structure", String(ENUM)),
    Column("attributes", JSON),
    Column("published_at", UtcDateTime, nullable=False),
    Index(None, "published_at"),
)

topic_deliveries = Table(
    "topic_deliveries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("kind", String(ENUM), nullable=False),
    # A published message's id, or a confirmation's (which has no topic_messages row).
    Column("message_id", String(ID), nullable=False),
    Column("topic_arn", String(ARN), nullable=False),
    Column("subscription_id", String(ID), nullable=False),
    Column("subscription_arn", String(ARN), nullable=False),
    Column("protocol", String(ENUM), nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Index(None, "state", "next_attempt_at"),
    Index(None, "account", "created_at", "id"),
    Index(None, "subscription_id", "state"),
    Index(None, "message_id"),
    # The history sweep's question: which deliveries finished before a cutoff. Partial,
    # so that a delivery costs it nothing until it is finished.
    Index(
        None,
        "finished_at",
        sqlite_where=text("finished_at IS NOT NULL"),
        postgresql_where=text("finished_at IS NOT NULL"),
    ),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column(
        "delivery_id",
        String(ID),
        ForeignKey("topic_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column("account", String(ACCOUNT), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text),
    PrimaryKeyConstraint("delivery_id", "number"),
)

mail_relay = Table(
    "mail_relay",
    metadata,
    # One relay per installation: the row with id "default".
    Column("id", String(ID), primary_key=True),
    Column("host", String(HOST), nullable=False),
    Column("port", Integer, nullable=False),
    Column("security", String(ENUM), nullable=False),
    Column("username", String(SHORT)),
    Column("password_sealed", LargeBinary),
    Column("sender", String(SHORT), nullable=False),
    Column("sender_name", String(SHORT)),
    Column("timeout_seconds", Float, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

mailbox = Table(
    "mailbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("delivery_id", String(ID)),
    Column("recipients", JSON, nullable=False),
    Column("sender", String(SHORT), nullable=False),
    # Subject and bodies, sealed: they carry what was published, encrypted topic or not.
    Column("content_sealed", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "account", "seq"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("purpose", String(ENUM), nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("key_sealed", LargeBinary, nullable=False),
    Column("not_after", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "purpose", "not_after"),
)
