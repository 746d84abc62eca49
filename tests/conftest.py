"""Fixtures shared by every test folder.

``database_url`` runs a test once on SQLite and once on PostgreSQL. The PostgreSQL server
is the throwaway one that ``./scripts/test`` starts and names in
``CERTHERD_TEST_POSTGRES_URL``; each test gets a fresh database on it, dropped afterwards.
Without that variable the PostgreSQL half is skipped, or fails when
``CERTHERD_REQUIRE_POSTGRES=1`` or ``CI=true`` (so CI cannot pass by skipping it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from certherd.adapters.keystore import EnvelopeKeyStore, KeyRing
from certherd.config import Settings, load_settings
from certherd.domain.clock import FixedClock

POSTGRES_URL_VARIABLE = "CERTHERD_TEST_POSTGRES_URL"
START = datetime(2026, 1, 1, tzinfo=UTC)


def _postgres_required() -> bool:
    return (
        os.environ.get("CERTHERD_REQUIRE_POSTGRES") == "1"
        or os.environ.get("CI", "").lower() == "true"
    )


def _server_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if url:
        return url
    if _postgres_required():
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is not set but PostgreSQL is required "
            "(CERTHERD_REQUIRE_POSTGRES=1 or CI=true): run the suite with ./scripts/test, "
            "which starts a throwaway PostgreSQL server",
            pytrace=False,
        )
    pytest.skip("PostgreSQL not configured; run ./scripts/test")


def _libpq_url(sqlalchemy_url: str) -> str:
    """The server URL in the form psycopg.connect takes (no '+psycopg' driver suffix)."""
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (SQLAlchemy URL), dropped after the test."""
    server = _server_url()
    name = f"certherd_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq_url(server), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_url(server), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file (not created yet) in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'certherd.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test on SQLite and on PostgreSQL: an empty database's SQLAlchemy URL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> FixedClock:
    """Simulated time standing at 2026-01-01T00:00:00Z; move it with advance()/set()."""
    return FixedClock(START)


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings with data_dir=tmp_path, ignoring the real environment.

    Keyword arguments override fields: ``settings_factory(port=9000, now="2026-03-01")``.
    The workers are off (``workers=True`` turns them on).
    """

    def build(**overrides: object) -> Settings:
        # No background workers unless a test asks: tests drive routing and delivery.
        return load_settings(
            env={}, overrides={"data_dir": tmp_path, "workers": False, **overrides}
        )

    return build


@pytest.fixture
def keystore() -> EnvelopeKeyStore:
    """An envelope key store under a fresh random key (no key file)."""
    return EnvelopeKeyStore(KeyRing.generate())
