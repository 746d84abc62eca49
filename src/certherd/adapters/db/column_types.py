"""Column types shared by the tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
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
        if dialect.name == "sqlite":
            return _to_sqlite(value)
        return None if value is None else _utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite
            return _from_sqlite(value)
        if not isinstance(value, datetime):  # pragma: no cover - the driver's business
            raise TypeError(f"expected a datetime from the database, got {type(value)!r}")
        if value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    # On SQLite the conversion is all there is (the impl, _SqliteText, converts nothing):
    # one function per value instead of TypeDecorator's wrapper around the methods above,
    # which every instant of every row read or written goes through.
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _to_sqlite
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _from_sqlite_or_none
        return super().result_processor(dialect, coltype)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()!r}: instants must be timezone-aware")
    return value.astimezone(UTC)


def _to_sqlite(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = _utc(value)
    return _sqlite_text(value)


@lru_cache(maxsize=4096)
def _sqlite_text(value: datetime) -> str:
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" without its offset: no datetime copy needed. The
    # rows of one transaction share their instants (now, a validity's end), hence the cache;
    # only UTC instants reach it, whose text is a function of their value.
    return value.isoformat(" ", "microseconds")[:26]


def _from_sqlite(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _from_sqlite_or_none(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


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
