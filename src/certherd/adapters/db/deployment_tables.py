"""The deployment tables: deployments and the record of each of their runs.

A deployment's PKCS#12 password is not here: it is sealed in the ``secrets`` table under
``password_secret_id`` (so key rotation re-wraps it with the other secrets). Runs are
listed per deployment newest first by their insertion order (``seq``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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
from certherd.adapters.db.tables import (
    ACCOUNT,
    ARN,
    ENUM,
    ID,
    SERIAL,
    TAG_KEY,
    TAG_VALUE,
    _bytewise,
    metadata,
)

__all__ = ["deployment_runs", "deployments"]

DEPLOYMENT_NAME = 64
HOST = 253
PRINCIPAL = 64

deployments = Table(
    "deployments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(DEPLOYMENT_NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("certificate_arn", String(ARN)),
    Column("tag_key", String(TAG_KEY)),
    Column("tag_value", String(TAG_VALUE)),
    Column("directory", Text, nullable=False),
    Column("files", JSON, nullable=False),
    Column("owner", String(PRINCIPAL)),
    Column("group_name", String(PRINCIPAL)),
    Column("mode", Integer, nullable=False),
    Column("key_mode", Integer, nullable=False),
    Column("command", JSON, nullable=False),
    Column("command_timeout_seconds", Float, nullable=False),
    Column("verify_host", String(HOST)),
    Column("verify_port", Integer),
    Column("verify_server_name", String(HOST)),
    Column("verify_timeout_seconds", Float),
    Column("password_secret_id", String(ID)),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("account", "name"),
    Index(None, "arn"),
)

deployment_runs = Table(
    "deployment_runs",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column(
        "deployment_id",
        String(ID),
        ForeignKey("deployments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("deployment", String(DEPLOYMENT_NAME), nullable=False),
    Column("trigger", String(ENUM), nullable=False),
    Column("certificate_arn", String(ARN)),
    Column("serial", String(SERIAL)),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("outcome", String(ENUM), nullable=False),
    Column("reason", Text),
    Column("files", JSON, nullable=False),
    Index(None, "deployment_id", "seq"),
)
