"""The credentials file: 0600, atomic, in a 0700 directory, and never a lost token."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from certherd.adapters.credentials_file import write_credentials
from certherd.bootstrap import build
from certherd.config import Settings
from certherd.entrypoints.api.app import app_from_environment, create_app, ensure_admin_credentials
from certherd.errors import ConfigurationError


def test_written_0600_in_a_new_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "credentials.json"
    write_credentials(path, url="http://127.0.0.1:8600", token="chd_abc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"url": "http://127.0.0.1:8600", "token": "chd_abc"}
    write_credentials(path, url="http://127.0.0.1:8600", token="chd_new")  # replaced whole
    assert json.loads(path.read_text())["token"] == "chd_new"
    assert [p.name for p in path.parent.iterdir()] == ["credentials.json"]  # no temp files


def test_an_unwritable_place_stops_the_start_before_a_token_is_made(
    tmp_path: Path, settings_factory: Callable[..., Settings]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = settings_factory(credentials_file=blocker / "credentials.json")
    container = build(settings)
    try:
        with pytest.raises(ConfigurationError, match="credentials"):
            ensure_admin_credentials(container, lambda _: None)
        with container.uow() as uow:
            assert uow.tokens.count() == 0  # the next start can still create it
    finally:
        container.close()


def test_the_app_writes_the_credentials_on_startup(
    tmp_path: Path, settings_factory: Callable[..., Settings]
) -> None:
    settings = settings_factory(credentials_file=tmp_path / "creds" / "c.json")
    said: list[str] = []
    with TestClient(create_app(build(settings), announce=said.append)) as client:
        token = json.loads(settings.credentials_file.read_text())["token"]
        assert client.get(
            "/v1/certificates", headers={"Authorization": f"Bearer {token}"}
        ).json() == {
            "CertificateSummaryList": [],
            "NextToken": None,
        }
    assert said == [
        f"certherd: admin API token created; credentials are in {settings.credentials_file}"
    ]


def test_app_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in os.environ if n.startswith("CERTHERD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CERTHERD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CERTHERD_PUBLIC_URL", "https://certs.example.net")
    app = app_from_environment()
    assert not (tmp_path / "data" / "credentials.json").exists()  # only when it starts
    with TestClient(app) as client:
        assert client.get("/healthz").json()["database"] == "ok"
    path = tmp_path / "data" / "credentials.json"
    credentials = json.loads(path.read_text())
    assert credentials["url"] == "https://certs.example.net"
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(path) in err
    assert credentials["token"] not in err


def test_a_restart_on_another_port_points_the_credentials_at_it(
    tmp_path: Path, settings_factory: Callable[..., Settings]
) -> None:
    first = settings_factory(port=8601)
    with TestClient(create_app(build(first), announce=lambda _: None)):
        pass
    token = json.loads(first.credentials_file.read_text())["token"]
    moved = settings_factory(port=8602)
    said: list[str] = []
    with TestClient(create_app(build(moved), announce=said.append)):
        pass
    assert json.loads(moved.credentials_file.read_text()) == {
        "url": "http://127.0.0.1:8602",
        "token": token,
    }
    assert said == [
        f"certherd: credentials in {moved.credentials_file} now point at http://127.0.0.1:8602"
    ]
    # Same address again: nothing to say, nothing rewritten.
    said.clear()
    with TestClient(create_app(build(moved), announce=said.append)):
        pass
    assert said == []
