"""Fixtures of the database adapter's tests: a migrated engine per backend (through the
shared ``database_url`` fixture) and builders of domain objects."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

# The test modules import their helpers by name, whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))

from dbtest_support import Builders

from certherd.adapters.db.engine import create_engine
from certherd.adapters.db.migrate import upgrade
from certherd.adapters.db.unit_of_work import SqlUnitOfWork


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on a freshly migrated, empty database (SQLite, then PostgreSQL)."""
    engine = create_engine(database_url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def uow(engine: sa.Engine) -> Iterator[SqlUnitOfWork]:
    """An open unit of work (rolled back at the end of the test unless committed)."""
    with SqlUnitOfWork(engine) as unit:
        yield unit


@pytest.fixture
def build() -> Builders:
    return Builders()
