"""The tables of HTTP destinations: connections (their authorization sealed, the cached OAuth
token sealed) and API destinations, each unique by name within its account."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import ACCOUNT, ARN, ID, _bytewise, metadata

__all__ = ["api_destinations", "connections"]

NAME = 64
ENUM = 40
DESCRIPTION = 512
ENDPOINT = 2048

connections = Table(
    "connections",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(NAME), nullable=False),
    Column("arn", String(ARN), nullable=False),
    Column("description", String(DESCRIPTION)),
    Column("authorization_type", String(ENUM), nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("state_reason", String(DESCRIPTION)),
    Column("auth_public", Text, nullable=False),
    Column("auth_sealed", LargeBinary, nullable=False),
    Column("token_sealed", LargeBinary),
    Column("token_expires_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_authorized_at", UtcDateTime),
    UniqueConstraint("account", "name"),
)

api_destinations = Table(
    "api_destinations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("name", _bytewise(NAME), nullable=False),
    Column("arn", String(ARN), nullable=False, unique=True),
    Column("description", String(DESCRIPTION)),
    Column("connection_id", String(ID), ForeignKey("connections.id"), nullable=False, index=True),
    Column("connection_arn", String(ARN), nullable=False),
    Column("endpoint", String(ENDPOINT), nullable=False),
    Column("http_method", String(ENUM), nullable=False),
    Column("rate_limit", Integer, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("account", "name"),
)
