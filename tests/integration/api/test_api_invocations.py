"""``GET /v1/invocations`` and ``certherd events invocations`` against the real application,
and the delivery state an event's description shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from apitest_support import Api, assert_problem
from typer.testing import CliRunner

from certherd.entrypoints.cli import state as cli_state
from certherd.entrypoints.cli.client import ApiClient
from certherd.entrypoints.cli.main import app

runner = CliRunner()


def _queue(account: str, name: str) -> str:
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def _setup(api: Api) -> tuple[str, str]:
    """A rule with a reachable queue target and an unreachable one; one event put, routed
    and delivered. Returns the account and the event id."""
    account = api.settings.account_id
    assert api.post("/v1/queues", json={"QueueName": "q"}).status_code == 201
    put = api.put("/v1/buses/default/rules/r", json={"EventPattern": {"source": ["my.app"]}})
    assert put.status_code == 200, put.text
    targets = {
        "Targets": [
            {"Id": "ok", "Arn": _queue(account, "q")},
            {"Id": "bad", "Arn": _queue(account, "gone")},
        ]
    }
    added = api.post("/v1/buses/default/rules/r/targets", json=targets)
    assert added.json()["FailedEntryCount"] == 0, added.text
    entry = {"Source": "my.app", "DetailType": "Checked", "Detail": '{"n": 1}'}
    event_id = api.post("/v1/events", json={"Entries": [entry]}).json()["Entries"][0]["EventId"]
    api.container.router.route_all(api.clock.now())
    api.container.delivery.deliver_due(api.clock.now())
    return account, event_id


def test_invocations_are_listed_and_filtered_by_state(api: Api) -> None:
    account, event_id = _setup(api)
    listed = api.get("/v1/invocations")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["NextToken"] is None
    by_target = {i["TargetId"]: i for i in body["Invocations"]}
    ok, bad = by_target["ok"], by_target["bad"]
    assert ok["State"] == "SUCCEEDED" and ok["Attempts"] == 1 and ok["NextAttemptAt"] is None
    assert ok["EventId"] == event_id
    assert ok["MaximumAttempts"] == 186
    assert ok["FinishedAt"] == "2026-01-01T00:00:00Z"
    assert bad["State"] == "FAILED"
    assert bad["LastErrorCode"] == "NO_RESOURCE"
    assert bad["TargetArn"] == _queue(account, "gone")
    assert "Payload" not in bad

    failed = api.get("/v1/invocations", params={"state": "FAILED"}).json()["Invocations"]
    assert [i["TargetId"] for i in failed] == ["bad"]
    first = api.get("/v1/invocations", params={"max-items": 1}).json()
    assert len(first["Invocations"]) == 1 and first["NextToken"]
    rest = api.get("/v1/invocations", params={"max-items": 1, "next-token": first["NextToken"]})
    assert len(rest.json()["Invocations"]) == 1

    described = api.get(f"/v1/events/{event_id}").json()["Invocations"]
    assert {i["TargetId"]: i["State"] for i in described} == {"ok": "SUCCEEDED", "bad": "FAILED"}


def test_bad_listing_queries_are_problems(api: Api) -> None:
    assert_problem(api.get("/v1/invocations", params={"state": "LOST"}), 400, "state")
    assert_problem(api.get("/v1/invocations", params={"next-token": "nope"}), 400, "next-token")
    assert_problem(api.get("/v1/invocations", params={"max-items": 0}), 400, "max-items")


@pytest.fixture
def cli(api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    transport = api.client._transport  # the ASGI app, in-process
    monkeypatch.setattr(cli_state, "ApiClient", partial(ApiClient, transport=transport))
    monkeypatch.setenv("CERTHERD_URL", "http://certherd.test:8600")
    monkeypatch.setenv("CERTHERD_TOKEN", api.token)
    monkeypatch.setenv("CERTHERD_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("CERTHERD_OUTPUT", "table")
    yield api


def test_events_invocations_from_the_command_line(cli: Api) -> None:
    _setup(cli)
    shown = runner.invoke(app, ["events", "invocations", "--state", "failed"])
    assert shown.exit_code == 0, shown.output
    assert "FAILED" in shown.stdout and "NO_RESOURCE" in shown.stdout
    assert "SUCCEEDED" not in shown.stdout
    as_json = runner.invoke(app, ["events", "invocations", "-o", "json"])
    assert as_json.exit_code == 0, as_json.output
    states = sorted(i["State"] for i in json.loads(as_json.stdout)["Invocations"])
    assert states == ["FAILED", "SUCCEEDED"]
    refused = runner.invoke(app, ["events", "invocations", "--state", "LOST"])
    assert refused.exit_code == 2
