"""API tokens: shown once, stored as a digest, and mintable again on the server's machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from certherd.bootstrap import Container, build
from certherd.config import Settings
from certherd.entrypoints.cli.main import app
from certherd.errors import AuthenticationError, ValidationError


def test_tokens_are_stored_as_digests(container: Container, account: str) -> None:
    first = container.tokens.ensure_admin(account=account)
    assert first is not None and first.startswith("chd_")
    assert container.tokens.ensure_admin(account=account) is None
    assert container.tokens.authenticate(first).is_admin
    other = container.tokens.create(name="ci", account="111111111111")
    found = container.tokens.authenticate(other)
    assert (found.account, found.is_admin) == ("111111111111", False)
    with container.engine.connect() as conn:
        stored = " ".join(
            str(v) for row in conn.execute(text("SELECT * FROM api_tokens")) for v in row
        )
    assert first not in stored and other not in stored
    for bad in (None, "", "chd_wrong", first + "x"):
        with pytest.raises(AuthenticationError):
            container.tokens.authenticate(bad)
    with pytest.raises(ValidationError):
        container.tokens.create(name="", account=account)
    with pytest.raises(ValidationError):
        container.tokens.create(name="x", account="12")


def test_token_create_command(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERTHERD_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["--data-dir", str(settings.data_dir), "token", "create", "--admin", "--output", "json"],
    )
    assert result.exit_code == 0, result.output
    token = json.loads(result.stdout)["Token"]
    result = runner.invoke(
        app, ["--data-dir", str(settings.data_dir), "token", "create", "--write-credentials"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads(settings.credentials_file.read_text())
    assert settings.credentials_file.stat().st_mode & 0o777 == 0o600
    container = build(settings)
    try:
        assert container.tokens.authenticate(token).is_admin
        assert not container.tokens.authenticate(written["token"]).is_admin
    finally:
        container.close()
