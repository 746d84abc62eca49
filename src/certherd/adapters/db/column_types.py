"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["UtcDateTime"]


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: stored in UTC, always read back timezone-aware in UTC.

    PostgreSQL keeps it as ``timestamp with time zone``. SQLite has no such type: there
    the value is stored naive in UTC as fixed-width text ``YYYY-MM-DD HH:MM:SS.ffffff``
    (SQLAlchemy's own DATETIME format), so that comparing and ordering the text is
    comparing and ordering the instants. A naive datetime is refused with ``ValueError``
    (an instant without a zone is ambiguous; see ``certherd.domain.clock.require_utc``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SqliteText()
        return self.impl_instance

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(
                    f"naive datetime {value.isoformat()!r}: instants must be timezone-aware"
                )
            value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        if not isinstance(value, datetime):  # pragma: no cover - the driver's business
            raise TypeError(f"expected a datetime from the database, got {type(value)!r}")
        if value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _SqliteText(sqlite.DATETIME):
    """SQLite's DATETIME column type without its own conversions: :class:`UtcDateTime`
    writes the text and parses it in one step each way (instants are in most rows, and
    the issuance and inventory benchmarks notice the second step)."""

    cache_ok = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None
