"""The archive, replay and bus permission commands against the real application (the
CLI's HTTP client goes through the test client's transport)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from apitest_support import Api
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli import state as cli_state
from certherd.entrypoints.cli.client import ApiClient
from certherd.entrypoints.cli.main import app

runner = CliRunner()
OTHER = "444455556666"


@pytest.fixture
def cli(api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    transport = api.client._transport  # the ASGI app, in-process
    monkeypatch.setattr(cli_state, "ApiClient", partial(ApiClient, transport=transport))
    monkeypatch.setenv("CERTHERD_URL", "http://certherd.test:8600")
    monkeypatch.setenv("CERTHERD_TOKEN", api.token)
    monkeypatch.setenv("CERTHERD_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("CERTHERD_OUTPUT", "table")
    yield api


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_archives_and_replays_from_the_command_line(cli: Api, tmp_path: Path) -> None:
    account = cli.settings.account_id
    pattern = tmp_path / "pattern.json"
    pattern.write_text('{"source": ["my.app"]}')
    assert run("bus", "create", "ops").exit_code == 0
    created = run(
        "archive", "create", "mine", "--bus", "ops", "--pattern", str(pattern),
        "--retention-days", "30", "--description", "my events",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == f"arn:aws:events:us-east-1:{account}:archive/mine"
    refused = run("archive", "create", "bad name")
    assert refused.exit_code == 1
    assert "ArchiveName" in refused.stderr

    assert run("rule", "create", "all", "--bus", "ops", "--pattern", str(pattern)).exit_code == 0
    put = run(
        "events", "put", "--source", "my.app", "--detail-type", "X", "--detail", "{}",
        "--bus", "ops",
    )  # fmt: skip
    assert put.exit_code == 0, put.output
    cli.container.router.route_all(cli.clock.now())

    listed = run("archive", "list")
    assert "mine" in listed.stdout and "ENABLED" in listed.stdout
    described = json.loads(run("archive", "describe", "mine", "-o", "json").stdout)
    assert (described["EventCount"], described["RetentionDays"]) == (1, 30)
    updated = run("archive", "update", "mine", "--retention-days", "0")
    assert updated.exit_code == 0, updated.output
    assert run("archive", "update", "mine").exit_code == 2

    cli.clock.advance(timedelta(hours=1))
    started = run(
        "replay", "start", "again", "--archive", "mine",
        "--start", "2025-12-31T00:00:00Z", "--end", "2026-01-01T00:30:00Z", "--rule", "all",
    )  # fmt: skip
    assert started.exit_code == 0, started.output
    assert started.stdout.strip() == f"arn:aws:events:us-east-1:{account}:replay/again"
    replay = json.loads(run("replay", "describe", "again", "-o", "json").stdout)
    assert replay["Destination"]["FilterArns"] == [
        f"arn:aws:events:us-east-1:{account}:rule/ops/all"
    ]
    assert "again" in run("replay", "list").stdout
    assert run("replay", "cancel", "again").stdout.strip() == "again: CANCELLING"
    refused_cancel = run("replay", "cancel", "again")
    assert refused_cancel.exit_code == 1
    cli.container.replays.advance(cli.clock.now())
    assert "CANCELLED" in run("replay", "list", "--state", "CANCELLED").stdout
    bad_window = run(
        "replay", "start", "late", "--archive", "mine",
        "--start", "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z",
    )  # fmt: skip
    assert bad_window.exit_code == 1
    assert "EventEndTime" in bad_window.stderr

    assert run("archive", "delete", "mine").exit_code == 0
    assert run("archive", "describe", "mine").exit_code == 1


def test_bus_permissions_from_the_command_line(cli: Api, tmp_path: Path) -> None:
    added = run("bus", "permission", "add", "default", "--principal", OTHER, "--statement-id", "p")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["Statement"][0]["Sid"] == "p"
    org = run(
        "bus", "permission", "add", "default", "--principal", "*", "--statement-id", "org",
        "--org-id", "o-1234567890", "-o", "json",
    )  # fmt: skip
    assert org.exit_code == 0, org.output
    policy = json.loads(json.loads(org.stdout)["Policy"])
    assert policy["Statement"][1]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}
    }
    refused = run("bus", "permission", "add", "default", "--principal", "x", "--statement-id", "q")
    assert refused.exit_code == 1 and "Principal" in refused.stderr
    assert run("bus", "permission", "add", "default").exit_code == 2

    removed = run("bus", "permission", "remove", "default", "p")
    assert removed.exit_code == 0 and "statement p" in removed.stdout
    assert run("bus", "permission", "remove", "default", "p").exit_code == 1
    assert run("bus", "permission", "remove", "default").exit_code == 2
    document = tmp_path / "policy.json"
    document.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "events:PutEvents",
                        "Resource": "*",
                    }
                ],
            }
        )
    )
    assert run("bus", "permission", "add", "default", "--policy", str(document)).exit_code == 0
    assert run("bus", "permission", "remove", "default", "--all").exit_code == 0
    assert json.loads(run("bus", "describe", "default", "-o", "json").stdout)["Policy"] is None
