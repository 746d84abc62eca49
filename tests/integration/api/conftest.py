"""Fixtures of the API tests: the app over a freshly built container (SQLite, then
PostgreSQL), entered as a TestClient so that its startup writes the admin credentials."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

# The test modules import their helpers by name, whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))

from apitest_support import Api

from certherd.bootstrap import build
from certherd.config import Settings
from certherd.domain.clock import FixedClock
from certherd.entrypoints.api.app import create_app


@pytest.fixture
def api(
    settings_factory: Callable[..., Settings], database_url: str, clock: FixedClock
) -> Iterator[Api]:
    """The API on an empty database, with the clock standing at 2026-01-01T00:00:00Z."""
    settings = settings_factory(database_url=database_url, public_url="http://certherd.test:8600")
    container = build(settings, clock=clock)
    announced: list[str] = []
    app = create_app(container, announce=announced.append)
    with TestClient(app, base_url="http://certherd.test:8600") as client:
        token = json.loads(settings.credentials_file.read_text())["token"]
        yield Api(client, container, settings, clock, token, announced)


@pytest.fixture
def root(api: Api) -> dict[str, object]:
    """An ACTIVE root CA (EC P-256) of the default account."""
    return api.root_ca()
