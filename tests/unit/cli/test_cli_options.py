"""Small parsers and precedence rules: sort options, output format, ``serve``'s hand-over."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from certherd.entrypoints.cli.cert_list import sort_key, sort_order
from certherd.entrypoints.cli.main import app
from certherd.entrypoints.cli.output import OutputFormat
from certherd.entrypoints.cli.state import State

SERVE_VARIABLES = ("CERTHERD_DATA_DIR", "CERTHERD_HOST", "CERTHERD_PORT", "CERTHERD_PUBLIC_URL")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("not-after", "NOT_AFTER"), ("NOT_AFTER", "NOT_AFTER"), ("domain_name", "DOMAIN_NAME"),
     (None, None)],
)  # fmt: skip
def test_sort_key(given: str | None, expected: str | None) -> None:
    assert sort_key(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("asc", "ASCENDING"), ("DESC", "DESCENDING"), ("descending", "DESCENDING"), (None, None)],
)
def test_sort_order(given: str | None, expected: str | None) -> None:
    assert sort_order(given) == expected


@pytest.mark.parametrize("bad", ["expiry", "sideways"])
def test_bad_sort_values_are_usage_errors(bad: str) -> None:
    with pytest.raises(typer.BadParameter):
        sort_key(bad)
    with pytest.raises(typer.BadParameter):
        sort_order(bad)


def test_a_command_output_option_wins_over_the_global_one() -> None:
    state = State(output=OutputFormat.json)
    assert state.json(None)
    assert not state.json(OutputFormat.table)
    assert State().format(None) is OutputFormat.table


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Record uvicorn.run instead of serving; restore the variables serve exports."""
    import uvicorn

    for variable in SERVE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_serve_hands_over_by_import_string_with_its_settings_exported(
    uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]], tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--host", "127.0.0.1", "--port", "18999", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert uvicorn_calls == [
        (
            ("certherd.entrypoints.api.app:app_from_environment",),
            {"factory": True, "host": "127.0.0.1", "port": 18999},
        )
    ]
    assert os.environ["CERTHERD_DATA_DIR"] == str(tmp_path)
    assert os.environ["CERTHERD_HOST"] == "127.0.0.1"
    assert os.environ["CERTHERD_PORT"] == "18999"
    assert "CERTHERD_PUBLIC_URL" not in os.environ  # derived from host and port by config


def test_serve_warns_when_the_public_url_would_be_a_wildcard(
    uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]], tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--host", "0.0.0.0", "--port", "18998", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "CERTHERD_PUBLIC_URL" in result.stderr
    quiet = CliRunner().invoke(
        app,
        ["serve", "--host", "0.0.0.0", "--port", "18998", "--data-dir", str(tmp_path),
         "--public-url", "https://pki.example.com"],
    )  # fmt: skip
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr
    assert os.environ["CERTHERD_PUBLIC_URL"] == "https://pki.example.com"


def test_serve_reports_bad_settings_in_one_line(
    uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("CERTHERD_REGION", "Not A Region")
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: CERTHERD_REGION")
    assert uvicorn_calls == []
