"""Fixtures of the CLI tests: ``fake_api``, a recording stand-in for the server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

# The test modules import their helpers by name, whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))

from clitest_support import TOKEN, FakeApi

from certherd.entrypoints.cli import state as cli_state
from certherd.entrypoints.cli.client import ApiClient


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeApi]:
    fake = FakeApi()
    transport = httpx.MockTransport(fake)
    monkeypatch.setattr(cli_state, "ApiClient", partial(ApiClient, transport=transport))
    monkeypatch.setenv("CERTHERD_URL", "http://certherd.test:8600")
    monkeypatch.setenv("CERTHERD_TOKEN", TOKEN)
    monkeypatch.setenv("CERTHERD_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("CERTHERD_OUTPUT", "table")
    monkeypatch.setenv("COLUMNS", "200")
    yield fake
