"""Bringing a database's schema up to date with the Alembic migrations shipped in the package.

Alembic is configured in code (no ``alembic.ini`` at run time): the script location is the
``migrations`` folder beside this module and the connection is handed over through
``config.attributes["connection"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from certherd.adapters.db.engine import read_only

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating (any fixed 64-bit number).
_ADVISORY_LOCK_KEY: Final = 0x63657274_68657264 & 0x7FFF_FFFF_FFFF_FFFF  # "certherd"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic Config for certherd's migrations, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` (the newest by default).

    Safe to call at every start and from several processes at once: all of it runs in one
    transaction, which on PostgreSQL first takes an advisory lock (a second process waits,
    then finds the work done) and on SQLite begins IMMEDIATE (the write lock).
    """
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
            )
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Migrate the database of ``engine`` down to ``revision`` ("base" drops everything)."""
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
            )
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(read_only(connection)).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of certherd."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
