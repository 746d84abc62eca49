"""The command tree, argument parsing and how errors end a command (Typer's CliRunner).

Nothing here reaches a server: commands that would are pointed at a closed port, which
exercises the one-line error path; the server's behaviour is the e2e tests' business.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from certherd.entrypoints.cli.main import app

runner = CliRunner()
CERT_ARN = "arn:aws:acm:us-east-1:000000000000:certificate/3f1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
CA_ARN = (
    "arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/"
    "0e4f6a3c-1111-2222-3333-444455556666"
)
EXPECTED_TREE = {
    "serve": None,
    "worker": None,
    "demo": None,
    "topic": {
        "create",
        "list",
        "describe",
        "delete",
        "set-attribute",
        "allow-events",
        "publish",
    },
    "subscription": {"create", "confirm", "list", "describe", "set-attribute", "delete"},
    "deliveries": {"list", "describe", "redrive"},
    "mailbox": {"list", "show"},
    "mail": {"relay"},
    "lifecycle": {"clock", "forecast", "run"},
    "db": {"upgrade"},
    "keys": {"rotate"},
    "token": {"create"},
    "config": {"get", "set"},
    "pattern": {"test", "check"},
    "bus": {"create", "list", "describe", "delete", "permission"},
    "archive": {"create", "list", "describe", "update", "delete"},
    "findings": {"list", "describe", "export", "update"},
    "replay": {"start", "list", "describe", "cancel"},
    "queue": {
        "create",
        "list",
        "describe",
        "delete",
        "send",
        "receive",
        "delete-message",
        "purge",
        "redrive",
    },
    "events": {"put", "list", "tail", "test-pattern", "sample", "invocations"},
    "function": {"create", "list", "describe", "delete", "invoke", "invocations"},
    "deploy": {"create", "list", "describe", "delete", "run", "rollback", "history"},
    "connection": {"create", "list", "describe", "update", "delete"},
    "destination": {"create", "list", "describe", "update", "delete"},
    "rule": {"create", "list", "describe", "enable", "disable", "delete", "target"},
    "ca": {
        "create",
        "list",
        "describe",
        "disable",
        "enable",
        "delete",
        "restore",
        "permission",
        "crl",
        "csr",
        "import-certificate",
        "issue",
        "revoke",
        "certificate",
        "tag",
    },
    "cert": {
        "request",
        "request-batch",
        "import",
        "list",
        "count",
        "describe",
        "get",
        "export",
        "renew",
        "revoke",
        "delete",
        "tag",
        "versions",
        "in-use-by",
    },
}


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment that keeps the real user's data dir and variables out."""
    return {"CERTHERD_DATA_DIR": str(tmp_path / "data"), "CERTHERD_URL": "", "CERTHERD_TOKEN": ""}


def test_command_tree() -> None:
    root = get_command(app)
    commands = root.commands  # type: ignore[attr-defined]
    assert set(commands) == set(EXPECTED_TREE)
    for name, children in EXPECTED_TREE.items():
        if children is not None:
            assert set(commands[name].commands) == children, name
    assert set(commands["ca"].commands["permission"].commands) == {"create", "list", "delete"}
    assert set(commands["cert"].commands["tag"].commands) == {"add", "remove", "list"}
    assert set(commands["rule"].commands["target"].commands) == {"add", "remove", "list"}
    assert set(commands["bus"].commands["permission"].commands) == {"add", "remove"}
    assert set(commands["mail"].commands["relay"].commands) == {"set", "show", "clear"}


def every_command(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in getattr(group, "commands", {}).items():
        if hasattr(command, "commands"):
            found.extend(every_command(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", every_command(get_command(app)), ids=" ".join)
def test_every_command_takes_output_json(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "--output" in result.output


def test_version(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["--version"], env=env)
    assert result.exit_code == 0 and result.stdout.startswith("certherd ")


@pytest.mark.parametrize(
    "args",
    [
        ["--output", "yaml", "cert", "list"],
        ["--account", "123", "cert", "list"],
        ["ca", "create"],  # --common-name is required
        ["ca", "create", "--common-name", "x", "--type", "INTERMEDIATE"],
        ["cert", "request", "www.example.com"],  # --ca is required
        ["cert", "revoke", CERT_ARN],  # --reason is required
        ["cert", "list", "--max-items", "0"],
        ["cert", "nonsense"],
        ["ca", "delete", CA_ARN, "--permanent-deletion-days", "3"],
        ["config", "set", "--days-before-expiry", "90"],
    ],
    ids=lambda args: " ".join(args),
)
def test_usage_errors_exit_2(args: list[str], env: dict[str, str]) -> None:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output


def test_an_arn_of_the_wrong_kind_is_a_usage_error(env: dict[str, str], closed_url: str) -> None:
    result = runner.invoke(app, ["--url", closed_url, "cert", "describe", CA_ARN], env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {CA_ARN!r} is not a certificate ARN"


def test_server_down_is_one_line_and_exit_1(env: dict[str, str], closed_url: str) -> None:
    result = runner.invoke(app, ["--url", closed_url, "cert", "list"], env=env)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the certherd server at")
    assert "certherd serve" in lines[0] and "CERTHERD_URL" in lines[0]
    assert "Traceback" not in result.output and result.stdout == ""


def test_server_down_also_with_json_output(env: dict[str, str], closed_url: str) -> None:
    result = runner.invoke(
        app, ["cert", "describe", CERT_ARN, "-o", "json"], env={**env, "CERTHERD_URL": closed_url}
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: ")


def test_export_needs_a_directory_in_table_mode(env: dict[str, str], tmp_path: Path) -> None:
    secret = tmp_path / "pass"
    secret.write_text("passphrase\n")
    result = runner.invoke(
        app, ["cert", "export", CERT_ARN, "--passphrase-file", str(secret)], env=env
    )
    assert result.exit_code == 2
    assert "--out-dir" in result.output


def test_export_refuses_two_passphrase_sources(
    env: dict[str, str], tmp_path: Path, closed_url: str
) -> None:
    secret = tmp_path / "pass"
    secret.write_text("passphrase\n")
    result = runner.invoke(
        app,
        [
            "--url",
            closed_url,
            "cert",
            "export",
            CERT_ARN,
            "--out-dir",
            str(tmp_path),
            "--passphrase-file",
            str(secret),
            "--passphrase-env",
            "P",
        ],
        env={**env, "P": "x"},
    )
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_export_has_no_passphrase_argument() -> None:
    result = runner.invoke(app, ["cert", "export", "--help"])
    assert "--passphrase-file" in result.output and "--passphrase-env" in result.output
    assert "--passphrase " not in result.output
