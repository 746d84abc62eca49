"""The event bus's tables: buses, rules and targets, the event outbox, invocations.

``events`` is the outbox: a state change and its event commit in one transaction; the
router reads rows whose ``routed_at`` is NULL in ``seq`` order and writes one
``invocations`` row per (event, rule, target), which the unique constraint keeps to one
however often routing runs.
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
    text,
)

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import (
    ACCOUNT,
    ARN,
    ENUM,
    ID,
    TAG_KEY,
    TAG_VALUE,
    _bytewise,
    metadata,
)

__all__ = [
    "BUS_NAME",
    "event_buses",
    "events",
    "invocations",
    "rule_tags",
    "rule_targets",
    "rules",
]

BUS_NAME = 256
RULE_NAME = 64
TARGET_ID = 64
TEXT_SHORT = 512  # descriptions
SOURCE = 256
DETAIL_TYPE = 256
INPUT_PATH = 256

event_buses = Table(
    "event_buses",
    metadata,
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(BUS_NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("description", String(TEXT_SHORT)),
    Column("policy", Text),
    # Moves on every change to the bus's rules or targets: the router's cache key.
    Column("rules_version", Integer, nullable=False),
    # The default bus has a row from its first use (a rule put on it).
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("account", "name"),
)

rules = Table(
    "rules",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("bus", _bytewise(BUS_NAME), nullable=False),
    Column("name", _bytewise(RULE_NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("event_pattern", Text, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("description", String(TEXT_SHORT)),
    Column("role_arn", String(ARN)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # One name per bus; also the order of ListRules.
    UniqueConstraint("account", "bus", "name"),
)

rule_tags = Table(
    "rule_tags",
    metadata,
    Column("rule_id", String(ID), ForeignKey("rules.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(TAG_KEY), nullable=False),
    Column("value", String(TAG_VALUE), nullable=False),
    PrimaryKeyConstraint("rule_id", "key"),
)

rule_targets = Table(
    "rule_targets",
    metadata,
    Column("rule_id", String(ID), ForeignKey("rules.id", ondelete="CASCADE"), nullable=False),
    Column("target_id", _bytewise(TARGET_ID), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("role_arn", String(ARN)),
    Column("input", Text),
    Column("input_path", String(INPUT_PATH)),
    Column("input_transformer", JSON),
    Column("maximum_retry_attempts", Integer, nullable=False),
    Column("maximum_event_age_seconds", Integer, nullable=False),
    Column("dead_letter_arn", String(ARN)),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("rule_id", "target_id"),
)

events = Table(
    "events",
    metadata,
    # Routing order; SQLite and PostgreSQL both number it (INTEGER PRIMARY KEY / identity).
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("bus", _bytewise(BUS_NAME), nullable=False),
    Column("source", String(SOURCE), nullable=False),
    Column("detail_type", String(DETAIL_TYPE), nullable=False),
    Column("resource", String(ARN)),
    Column("time", UtcDateTime, nullable=False),
    Column("ingested_at", UtcDateTime, nullable=False),
    Column("envelope", Text, nullable=False),
    Column("replay_name", String(RULE_NAME)),
    # A replay's FilterArns: the rules a replayed copy may match (NULL: every rule).
    Column("rule_filter", JSON(none_as_null=True)),
    Column("routed_at", UtcDateTime),
    # The event history of one account and bus, newest first ...
    Index(None, "account", "bus", "seq"),
    # ... and of one resource (a certificate's events).
    Index(None, "account", "resource", "seq"),
    # What the router reads: unrouted events in seq order. Partial, so routed rows (almost
    # all of them) cost nothing here.
    Index(
        None,
        "seq",
        "routed_at",
        sqlite_where=text("routed_at IS NULL"),
        postgresql_where=text("routed_at IS NULL"),
    ),
    # The history sweep's question: which events came in before a cutoff.
    Index(None, "ingested_at"),
)

invocations = Table(
    "invocations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("event_id", String(ID), nullable=False),
    Column("account", String(ACCOUNT), nullable=False),
    Column("rule_id", String(ID), nullable=False),
    Column("rule_arn", String(ARN), nullable=False),
    Column("target_id", String(TARGET_ID), nullable=False),
    Column("target_arn", String(ARN), nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    # Total attempts allowed (MaximumRetryAttempts + 1), as the target was at routing time.
    Column("max_attempts", Integer, nullable=False),
    Column("max_age_seconds", Integer, nullable=False),
    Column("dead_letter_arn", String(ARN)),
    # When the event was ingested: what MaximumEventAgeInSeconds counts from.
    Column("event_time", UtcDateTime, nullable=False),
    Column("last_error_code", String(ENUM)),
    Column("last_error_message", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # Routing an event twice adds nothing.
    UniqueConstraint("event_id", "rule_id", "target_id"),
    # The delivery workers' question: which pending invocations are due.
    Index(None, "state", "next_attempt_at"),
    # The history sweep's: which finished before a cutoff. Partial, so that routing,
    # which writes invocations unfinished, pays nothing for it.
    Index(
        None,
        "finished_at",
        sqlite_where=text("finished_at IS NOT NULL"),
        postgresql_where=text("finished_at IS NOT NULL"),
    ),
)
