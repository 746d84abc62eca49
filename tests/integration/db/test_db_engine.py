"""create_engine: SQLite pragmas and BEGIN IMMEDIATE, PostgreSQL pre-ping; UtcDateTime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.engine import create_engine, read_only


def test_sqlite_parent_directory_is_created_and_pragmas_set(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "certherd.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        assert path.exists()
        assert pragma == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "foreign_keys": 1,
            "busy_timeout": 10000,
        }
    finally:
        engine.dispose()


def test_sqlite_transactions_begin_immediate_unless_read_only(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}", pool_size=1)
    emitted: list[str] = []

    @sa.event.listens_for(engine, "connect")
    def _trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(emitted.append)

    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1")
        with engine.connect() as conn:
            conn = read_only(conn)
            with conn.begin():
                conn.exec_driver_sql("SELECT 2")
            conn.exec_driver_sql("SELECT 3")  # a second transaction: still read-only
            conn.commit()
        with engine.begin() as conn:  # the same pooled connection, no longer read-only
            conn.exec_driver_sql("SELECT 4")
    finally:
        engine.dispose()
    assert [s for s in emitted if s.startswith(("BEGIN", "SELECT"))] == [
        "BEGIN IMMEDIATE",
        "SELECT 1",
        "BEGIN DEFERRED",
        "SELECT 2",
        "BEGIN DEFERRED",
        "SELECT 3",
        "BEGIN IMMEDIATE",
        "SELECT 4",
    ]


def test_sqlite_engine_has_no_per_statement_event_listeners(tmp_path: Path) -> None:
    """Connection-level listeners would make SQLAlchemy dispatch around every statement."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert not engine._has_events
        assert engine.dialect.name == "sqlite"
    finally:
        engine.dispose()


def test_sqlite_write_lock_is_taken_at_begin(tmp_path: Path) -> None:
    """A second writer cannot even begin while the first is open (it waits at BEGIN, it
    does not fail later at its first write); a read-only one reads on."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = create_engine(url)
    second = create_engine(url)

    @sa.event.listens_for(second, "connect")
    def _impatient(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    try:
        with first.connect() as holder, holder.begin():
            with second.connect() as waiter, pytest.raises(sa.exc.OperationalError, match="locked"):
                waiter.begin()
            with second.connect() as reader:
                reader = read_only(reader)
                with reader.begin():
                    assert reader.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        first.dispose()
        second.dispose()


def test_postgres_engine_pre_pings(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            assert engine.pool._pre_ping
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


_instants = sa.Table(
    "instants",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime),
)


def test_utc_datetime_round_trips_and_orders_as_instants(database_url: str) -> None:
    engine = create_engine(database_url)
    plus_five = timezone(timedelta(hours=5))
    minus_eight = timezone(timedelta(hours=-8))
    values = {
        1: datetime(2026, 1, 1, 4, 0, 0, 1, tzinfo=plus_five),  # 2025-12-31T23:00:00.000001Z
        2: datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        3: datetime(2025, 12, 31, 16, 30, tzinfo=minus_eight),  # 2026-01-01T00:30Z
        4: datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=UTC),
        5: None,
    }
    try:
        with engine.begin() as conn:
            _instants.create(conn)
            conn.execute(_instants.insert(), [{"id": k, "at": v} for k, v in values.items()])
        with engine.connect() as conn:
            rows = conn.execute(sa.select(_instants).order_by(_instants.c.at, _instants.c.id))
            loaded = {row.id: row.at for row in rows if row.at is not None}
            ordered = list(loaded)
            later = conn.execute(
                sa.select(_instants.c.id)
                .where(_instants.c.at > datetime(2026, 1, 1, 5, 0, tzinfo=plus_five))
                .order_by(_instants.c.id)
            ).scalars()
            # after 2026-01-01T00:00:00Z: not 2 (equal), but 4 (by a microsecond)
            assert list(later) == [3, 4]
    finally:
        engine.dispose()
    assert ordered == [1, 2, 4, 3]
    for key, value in loaded.items():
        assert value == values[key]
        assert value.tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(
            datetime(2026, 1, 1), sa.create_engine("sqlite://").dialect
        )
