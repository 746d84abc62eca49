"""``certherd events sample`` and the JSON inputs of the event commands (no server)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from certherd.entrypoints.cli.main import app
from certherd.patterns import compile_pattern

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    return {
        "CERTHERD_DATA_DIR": str(tmp_path / "data"),
        "CERTHERD_URL": closed,
        "CERTHERD_TOKEN": "",
    }


def test_sample_prints_one_event_of_each_detail_type(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["events", "sample"], env=env)
    assert result.exit_code == 0, result.output
    samples = json.loads(result.stdout)
    assert [s["detail-type"] for s in samples] == [
        "ACM Certificate Approaching Expiration",
        "ACM Certificate Expired",
        "ACM Certificate Available",
        "ACM Certificate Renewal Action Required",
        "ACM Certificate Revoked",
        "Imported Certificate Expired",
        "Certificate Authority Approaching Expiration",
        "Event Delivery Dead-Lettered",
        "Certificate Deployed",
        "Certificate Deployment Failed",
    ]
    issued = compile_pattern(
        '{"source":["aws.acm"],"detail-type":["ACM Certificate Available"],'
        '"detail":{"Action":["ISSUANCE"]}}'
    )
    assert [issued.matches(s) for s in samples].count(True) == 1


def test_sample_of_one_detail_type(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["events", "sample", "ACM Certificate Expired"], env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["detail"]["CertificateType"] == "PRIVATE"
    unknown = runner.invoke(app, ["events", "sample", "ACM Nothing"], env=env)
    assert unknown.exit_code == 2
    assert "ACM Certificate Expired" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rule", "create", "r", "--pattern", "{nope"], "pattern (inline) is not JSON"),
        (
            ["rule", "create", "r", "--pattern", "missing.json"],
            "pattern file missing.json does not exist",
        ),
        (["events", "put", "--source", "a"], "--source and --detail-type are required"),
        (["events", "put", "--entries", "[]", "--source", "a"], "either --entries or"),
        (["events", "put", "--entries", "{}"], "the entries must be a JSON list"),
        (
            ["rule", "target", "add", "r", "--id", "t", "--arn", "a", "--input-transformer", "[1]"],
            "the input transformer must be a JSON object",
        ),
    ],
)
def test_bad_json_inputs_are_usage_errors(
    args: list[str],
    message: str,
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_pattern_file_is_read(env: dict[str, str], tmp_path: Path) -> None:
    pattern = tmp_path / "p.json"
    pattern.write_text('{"source": ["x"]}')
    result = runner.invoke(app, ["rule", "create", "r", "--pattern", str(pattern)], env=env)
    # Read and sent: the failure is the closed port, not the file.
    assert result.exit_code == 1
    assert "cannot reach the certherd server" in result.stderr
