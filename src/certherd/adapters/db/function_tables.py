"""The functions' tables: registered functions and the record of their runs.

A function's environment is not here: it is sealed in the secrets table
(``environment_secret_id``), so that key rotation re-wraps it with every other secret.
Runs are listed newest first by ``seq`` (several runs may start at one instant of a
simulated clock).
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
    String,
    Table,
    Text,
    UniqueConstraint,
)

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import ACCOUNT, ARN, ENUM, ID, _bytewise, metadata

__all__ = ["FUNCTION_NAME", "function_invocations", "functions"]

FUNCTION_NAME = 64
ENTRY_POINT = 128
USER = 32
DESCRIPTION = 256

functions = Table(
    "functions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(FUNCTION_NAME), nullable=False),
    Column("kind", String(ENUM), nullable=False),
    Column("command", JSON, nullable=False),
    Column("entry_point", String(ENTRY_POINT)),
    Column("environment_keys", JSON, nullable=False),
    Column("environment_secret_id", String(ID), ForeignKey("secrets.id")),
    Column("working_directory", Text),
    Column("timeout_seconds", Integer, nullable=False),
    Column("run_as", String(USER)),
    Column("description", String(DESCRIPTION)),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("account", "name"),
)

function_invocations = Table(
    "function_invocations",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column(
        "function_id",
        String(ID),
        ForeignKey("functions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("function_name", String(FUNCTION_NAME), nullable=False),
    Column("source", String(ENUM), nullable=False),
    Column("rule_arn", String(ARN)),
    Column("event_id", String(ID)),
    Column("target_invocation_id", String(ID)),
    Column("subscription_arn", String(ARN)),
    Column("message_id", String(ID)),
    Column("started_at", UtcDateTime, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("exit_status", Integer),
    Column("timed_out", Boolean, nullable=False),
    Column("error", Text),
    Column("output_tail", Text, nullable=False),
    Index(None, "function_id", "seq"),
)
