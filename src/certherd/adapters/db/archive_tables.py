"""The tables of EventBridge archives and replays.

``archived_events`` holds one row per (archive, event) with the exact envelope text; the
router writes them in the transaction that routes the events. ``replays`` keeps each
replay's state and its cursor (event time, archive position) so that the replay worker
continues where it stopped.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.event_tables import BUS_NAME, TEXT_SHORT
from certherd.adapters.db.tables import ACCOUNT, ARN, ENUM, ID, _bytewise, metadata

__all__ = ["archived_events", "archives", "replays"]

ARCHIVE_NAME = 48
REPLAY_NAME = 64

archives = Table(
    "archives",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(ARCHIVE_NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("bus", _bytewise(BUS_NAME), nullable=False),
    Column("source_arn", String(ARN), nullable=False),
    Column("description", String(TEXT_SHORT)),
    Column("event_pattern", Text),
    Column("retention_days", Integer, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # One name per account; also the order of ListArchives.
    UniqueConstraint("account", "name"),
    # What the router loads for a bus.
    Index(None, "account", "bus"),
)

archived_events = Table(
    "archived_events",
    metadata,
    # The archive's order of arrival: ties of event time replay in this order.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("archive_id", String(ID), nullable=False),
    # The envelope's id (the outbox row of a replayed copy has an id of its own).
    Column("event_id", String(ID), nullable=False),
    Column("event_time", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("envelope", Text, nullable=False),
    # An event is archived once per archive, however often routing runs.
    UniqueConstraint("archive_id", "event_id"),
    # What a replay reads: one archive's events in event-time order.
    Index(None, "archive_id", "event_time", "seq"),
    # What the retention sweep deletes.
    Index(None, "archive_id", "archived_at"),
)

replays = Table(
    "replays",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(REPLAY_NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("description", String(TEXT_SHORT)),
    # The archive by id: one deleted and made again under the same name is another.
    Column("archive_id", String(ID), nullable=False),
    Column("archive_arn", String(ARN), nullable=False),
    Column("destination_arn", String(ARN), nullable=False),
    Column("bus", _bytewise(BUS_NAME), nullable=False),
    Column("filter_arns", JSON(none_as_null=True)),
    Column("event_start_time", UtcDateTime, nullable=False),
    Column("event_end_time", UtcDateTime, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("state_reason", String(TEXT_SHORT)),
    Column("event_last_replayed_time", UtcDateTime),
    Column("cursor_time", UtcDateTime),
    Column("cursor_seq", Integer),
    Column("replay_start_time", UtcDateTime, nullable=False),
    Column("replay_end_time", UtcDateTime),
    UniqueConstraint("account", "name"),
    # The replay worker's question: which replays still have work.
    Index(None, "state", "replay_start_time"),
)
