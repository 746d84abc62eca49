"""Engines for SQLite (the embedded default, in WAL mode) and PostgreSQL (psycopg 3).

SQLite transactions begin with ``BEGIN IMMEDIATE``: the write lock is taken when the
transaction starts rather than at its first write, so two threads that both read and then
write cannot deadlock into ``database is locked`` half-way through (SQLite cannot upgrade
a read transaction to a write one while another writer committed in between); they queue
on ``busy_timeout`` instead. Readers are never blocked in WAL mode; a connection that
will only read may ask for ``BEGIN DEFERRED`` with :func:`read_only`, so that long
listings neither wait for nor hold the write lock. (See :mod:`.sqlite_dialect` for how.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from certherd.adapters.db.sqlite_dialect import BEGIN_MODE_KEY, DRIVER_NAME

__all__ = ["create_engine", "read_only"]

_SQLITE_PRAGMAS: Final = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    # Checkpoint (copy the WAL into the database, with an fsync) every ~40 MB of WAL rather
    # than SQLite's 4 MB: pages written again and again (indexes, the outbox) are copied
    # once per checkpoint, and bulk writes (a lifecycle tick, batch issuance) pay for far
    # fewer fsyncs.
    "PRAGMA wal_autocheckpoint=10000",
)


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Build the engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    For a SQLite file the parent directory is created. Extra keyword arguments go to
    :func:`sqlalchemy.create_engine` (tests use ``poolclass`` and ``echo``).
    """
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", _json_loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


# What json.dumps(value, separators=(",", ":"), ensure_ascii=False) builds on every call.
_JSON_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _json_dumps(value: Any) -> str:
    # Most list columns of a certificate (in-use-by, key usages) are empty.
    if value == []:
        return "[]"
    return _JSON_ENCODER.encode(value)


def _json_loads(data: str | bytes) -> Any:
    # Most list columns of a certificate (in-use-by, key usages) are empty: skip the parser.
    if data == "[]" or data == b"[]":
        return []
    return json.loads(data)


def read_only(connection: sa.Connection) -> sa.Connection:
    """Mark ``connection`` as one that will only read, until it goes back to the pool;
    call it before its transaction begins, and use what it returns.

    On SQLite its transactions begin DEFERRED, so they never wait for or hold the write
    lock; elsewhere this changes nothing.
    """
    if connection.dialect.name == "sqlite":
        connection.connection.info[BEGIN_MODE_KEY] = "DEFERRED"
    return connection


def _sqlite_engine(url: sa.URL, **kwargs: Any) -> sa.Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    if url.get_driver_name() in ("pysqlite", DRIVER_NAME):
        # Registering again is harmless; nothing is registered before an engine is made.
        registry.register(
            f"sqlite.{DRIVER_NAME}", "certherd.adapters.db.sqlite_dialect", "CertherdSQLiteDialect"
        )
        url = url.set(drivername=f"sqlite+{DRIVER_NAME}")
    engine = sa.create_engine(url, **kwargs)

    # Pool events (unlike connection events) cost nothing per statement.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (which would BEGIN
        # DEFERRED lazily, and not at all before DDL); the dialect's do_begin emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info.pop(BEGIN_MODE_KEY, None)  # read_only() lasts one checkout

    return engine
