"""The table of security findings (ASFF).

One row per finding; its id is derived from (account, generator, resource), which is also
unique, so a finding is updated in place rather than duplicated. ``body`` holds the ASFF
fields its events decided (Types, Title, Description, Severity, Resources, ...), the other
columns what is filtered on and the investigation state. Listed per account newest first
(``(account, created_at, id)``); resolved per certificate (``(account, resource_arn)``).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, String, Table, UniqueConstraint

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import ACCOUNT, ARN, ENUM, ID, metadata

__all__ = ["findings"]

GENERATOR = 256
TITLE = 256

findings = Table(
    "findings",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("generator_id", String(GENERATOR), nullable=False),
    Column("resource_arn", String(ARN), nullable=False),
    Column("severity", String(ENUM), nullable=False),
    Column("title", String(TITLE), nullable=False),
    Column("workflow_status", String(ENUM), nullable=False),
    Column("record_state", String(ENUM), nullable=False),
    Column("body", JSON, nullable=False),
    Column("note", JSON),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("first_observed_at", UtcDateTime, nullable=False),
    Column("last_observed_at", UtcDateTime, nullable=False),
    UniqueConstraint("account", "generator_id", "resource_arn"),
    Index(None, "account", "created_at", "id"),
    Index(None, "account", "resource_arn"),
)
