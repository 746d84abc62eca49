"""The Alembic migrations: they build exactly tables.metadata, run twice harmlessly, run
from two processes at once, and go down again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from certherd.adapters.db.engine import create_engine
from certherd.adapters.db.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from certherd.adapters.db.schema import metadata


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_upgrade_builds_exactly_the_metadata_and_is_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision() is not None
        assert _differences(engine) == []
        upgrade(engine)  # every start runs it again
        assert current_revision(engine) == head_revision()
        assert set(sa.inspect(engine).get_table_names()) == set(metadata.tables) | {
            "alembic_version"
        }
    finally:
        engine.dispose()


def test_compare_metadata_does_notice_a_difference(database_url: str) -> None:
    """The test above would catch drift: a missing index shows up as a difference."""
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP INDEX ix_certificates_account_domain_name_id"))
        assert _differences(engine) != []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_comes_back(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


_MIGRATE = """
import sys
from certherd.adapters.db.engine import create_engine
from certherd.adapters.db.migrate import upgrade
engine = create_engine(sys.argv[1])
upgrade(engine)
engine.dispose()
"""


def test_two_processes_migrating_at_once_both_succeed(database_url: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, database_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(p.communicate(timeout=120)[1], p.returncode) for p in processes]
    assert all(code == 0 for _, code in outcomes), outcomes
    engine = create_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_migration_scripts_ship_inside_the_package() -> None:
    names = {p.name for p in MIGRATIONS_DIR.iterdir()}
    assert {"env.py", "script.py.mako", "versions"} <= names
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert Path(MIGRATIONS_DIR).is_absolute()
