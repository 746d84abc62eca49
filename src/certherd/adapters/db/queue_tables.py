"""The message queues' tables: queues, their tags, and the messages on them.

Receiving is a range scan of ``(queue_id, visible_at, seq)``: the messages whose
``visible_at`` has passed, oldest first (``seq`` orders messages sent at one instant).
Retention is applied by ``sent_at`` (``(queue_id, sent_at)``): a queue's retention period
can change, and a message moved to a dead-letter queue keeps the instant it was first sent.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import ACCOUNT, ARN, ID, TAG_KEY, TAG_VALUE, _bytewise, metadata

__all__ = ["QUEUE_NAME", "queue_messages", "queue_tags", "queues"]

QUEUE_NAME = 80
MD5 = 32
TOKEN = 64

queues = Table(
    "queues",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    # Byte order, so that listing by prefix pages the same on both databases.
    Column("name", _bytewise(QUEUE_NAME), nullable=False),
    Column("visibility_timeout", Integer, nullable=False),
    Column("message_retention_period", Integer, nullable=False),
    Column("delay_seconds", Integer, nullable=False),
    Column("receive_message_wait_time_seconds", Integer, nullable=False),
    Column("maximum_message_size", Integer, nullable=False),
    Column("redrive_policy", JSON),
    Column("redrive_allow_policy", JSON),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_modified_at", UtcDateTime, nullable=False),
    UniqueConstraint("account", "name"),
)

queue_tags = Table(
    "queue_tags",
    metadata,
    Column("queue_id", String(ID), ForeignKey("queues.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(TAG_KEY), nullable=False),
    Column("value", String(TAG_VALUE), nullable=False),
    PrimaryKeyConstraint("queue_id", "key"),
)

queue_messages = Table(
    "queue_messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("queue_id", String(ID), ForeignKey("queues.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("attributes", JSON),
    Column("md5_of_body", String(MD5), nullable=False),
    Column("md5_of_message_attributes", String(MD5)),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("visible_at", UtcDateTime, nullable=False),
    Column("receive_count", Integer, nullable=False),
    Column("first_received_at", UtcDateTime),
    Column("received_at", UtcDateTime),
    # The token of the latest receive; a receipt handle names it, so older handles fail.
    Column("receipt_token", String(TOKEN)),
    Column("dead_letter_source_arn", String(ARN)),
    Index(None, "queue_id", "visible_at", "seq"),
    Index(None, "queue_id", "sent_at"),
)
