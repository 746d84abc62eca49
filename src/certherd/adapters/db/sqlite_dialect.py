"""SQLite through the standard ``sqlite3`` driver, with certherd's transaction control.

The ``sqlite3`` module is told to keep out of transactions (``isolation_level = None``)
and this dialect's ``do_begin`` emits the BEGIN: ``BEGIN IMMEDIATE`` by default, so that
a transaction holds the write lock from its start (two read-then-write transactions
queue on ``busy_timeout`` instead of failing half-way with "database is locked"), or
``BEGIN DEFERRED`` on a connection marked read-only. This is SQLAlchemy's documented
recipe for SQLite transactions, done in the dialect instead of a ``begin`` event
listener: any engine-level listener makes SQLAlchemy dispatch events around every
statement, which costs about a tenth of the CPU time of an issuance's statements.
"""

from __future__ import annotations

from typing import Any, Final, cast

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.pool import PoolProxiedConnection

__all__ = ["BEGIN_MODE_KEY", "DRIVER_NAME", "CertherdSQLiteDialect"]

#: The driver name under which the dialect is registered: ``sqlite+certherd://``.
DRIVER_NAME: Final = "certherd"
#: Key in a pooled connection's ``info`` naming how its transactions begin.
BEGIN_MODE_KEY: Final = "certherd_sqlite_begin"
BEGIN_STATEMENTS: Final = {m: f"BEGIN {m}" for m in ("IMMEDIATE", "DEFERRED", "EXCLUSIVE")}


class CertherdSQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite whose transactions begin IMMEDIATE (DEFERRED when marked read-only)."""

    supports_statement_cache = True

    def do_begin(self, dbapi_connection: PoolProxiedConnection) -> None:
        mode = dbapi_connection.info.get(BEGIN_MODE_KEY, "IMMEDIATE")
        driver = cast(Any, dbapi_connection.driver_connection)
        # Errors propagate to SQLAlchemy, which wraps them (OperationalError and so on).
        driver.execute(BEGIN_STATEMENTS[mode])
