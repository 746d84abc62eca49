"""The bus, rule and events commands against the real application (the CLI's HTTP client
goes through the test client's transport): what a person types, what they see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from apitest_support import Api
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli import state as cli_state
from certherd.entrypoints.cli.client import ApiClient
from certherd.entrypoints.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    transport = api.client._transport  # the ASGI app, in-process
    monkeypatch.setattr(cli_state, "ApiClient", partial(ApiClient, transport=transport))
    monkeypatch.setenv("CERTHERD_URL", "http://certherd.test:8600")
    monkeypatch.setenv("CERTHERD_TOKEN", api.token)
    monkeypatch.setenv("CERTHERD_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("CERTHERD_OUTPUT", "table")
    yield api


TRANSFORMER = json.dumps({"InputPathsMap": {"l": "$.detail.level"}, "InputTemplate": '"level <l>"'})


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_buses_from_the_command_line(cli: Api) -> None:
    created = run("bus", "create", "ops", "--description", "operations")
    assert created.exit_code == 0, created.output
    assert created.stdout.strip().endswith(":event-bus/ops")
    listed = run("bus", "list")
    assert "default" in listed.stdout and "operations" in listed.stdout
    described = run("bus", "describe", "ops", "-o", "json")
    assert json.loads(described.stdout)["Name"] == "ops"
    refused = run("bus", "delete", "default")
    assert refused.exit_code == 1
    assert "Cannot delete event bus default." in refused.stderr
    assert run("bus", "delete", "ops").exit_code == 0


def test_rules_targets_events_end_to_end(cli: Api, tmp_path: Path) -> None:
    account = cli.settings.account_id
    pattern = tmp_path / "pattern.json"
    pattern.write_text('{"source": ["my.app"], "detail": {"level": [{"numeric": [">", 2]}]}}')
    created = run("rule", "create", "loud", "--pattern", str(pattern), "--description", "d")
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == f"arn:aws:events:us-east-1:{account}:rule/loud"

    added = run(
        "rule", "target", "add", "loud",
        "--id", "q",
        "--arn", f"arn:aws:sqs:us-east-1:{account}:alerts",
        "--input-transformer", TRANSFORMER,
        "--max-retries", "4",
        "--dlq", f"arn:aws:sqs:us-east-1:{account}:dlq",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    targets = json.loads(run("rule", "target", "list", "loud", "-o", "json").stdout)["Targets"]
    assert targets[0]["RetryPolicy"]["MaximumRetryAttempts"] == 4
    assert "InputTransformer" in run("rule", "target", "list", "loud").stdout

    listed = run("rule", "list")
    assert "loud" in listed.stdout and "ENABLED" in listed.stdout
    assert run("rule", "disable", "loud").stdout.strip() == "loud: DISABLED"
    assert run("rule", "enable", "loud").stdout.strip() == "loud: ENABLED"

    put = run(
        "events", "put", "--source", "my.app", "--detail-type", "Noise", "--detail", '{"level": 3}'
    )
    assert put.exit_code == 0, put.output
    event_id = put.stdout.strip()
    failed = run("events", "put", "--source", "aws.acm", "--detail-type", "Noise")
    assert failed.exit_code == 1
    assert "NotAuthorizedForSourceException" in failed.stderr

    cli.container.router.route_all(cli.clock.now())
    event = cli.get(f"/v1/events/{event_id}").json()
    assert [i["Payload"] for i in event["Invocations"]] == ['"level 3"']

    history = run("events", "list", "--source", "my.app", "-o", "json")
    assert [e["EventId"] for e in json.loads(history.stdout)["Events"]] == [event_id]
    assert "Noise" in run("events", "list").stdout

    refused = run("rule", "delete", "loud")
    assert refused.exit_code == 1 and "has targets" in refused.stderr
    assert run("rule", "target", "remove", "loud", "q").exit_code == 0
    assert run("rule", "delete", "loud").exit_code == 0


def test_test_pattern_on_the_server(cli: Api) -> None:
    event = run("events", "sample", "ACM Certificate Available").stdout
    match = run(
        "events",
        "test-pattern",
        "--pattern",
        '{"detail": {"Action": ["ISSUANCE"]}}',
        "--event",
        event,
    )
    assert match.exit_code == 0, match.output
    assert match.stdout.strip() == "match"
    miss = run(
        "events",
        "test-pattern",
        "--pattern",
        '{"detail": {"Action": ["IMPORT"]}}',
        "--event",
        event,
    )
    assert miss.exit_code == 1 and miss.stdout.strip() == "no match"
    invalid = run("events", "test-pattern", "--pattern", '{"a": "b"}', "--event", event)
    assert invalid.exit_code == 1
    assert "Event pattern is not valid. Reason:" in invalid.stderr


def test_tail_shows_the_latest_then_follows(cli: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def put(n: int) -> str:
        answer = run(
            "events", "put", "--source", "my.app", "--detail-type", "Tick",
            "--detail", json.dumps({"n": n}), "-o", "json",
        )  # fmt: skip
        assert answer.exit_code == 0, answer.output
        return str(json.loads(answer.stdout)["Entries"][0]["EventId"])

    for n in range(3):
        put(n)
    arrivals = iter([4, 5])
    # Each look waits first: let an event arrive instead (two looks, one new event each).
    from certherd.entrypoints.cli import events_cmd

    monkeypatch.setattr(events_cmd.time, "sleep", lambda _seconds: put(next(arrivals)))
    followed = run("events", "tail", "--lines", "2", "--count", "2", "-o", "json")
    assert followed.exit_code == 0, followed.output
    numbers = [json.loads(line)["detail"]["n"] for line in followed.stdout.splitlines()]
    assert numbers == [1, 2, 4, 5]
