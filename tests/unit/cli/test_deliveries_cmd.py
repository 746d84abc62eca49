"""``certherd deliveries``: the filters sent, the tables shown (states, attempts), redrive."""

from __future__ import annotations

import json

import pytest
from clitest_support import FakeApi
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli.main import app
from certherd.entrypoints.cli.sns_output import state_text

runner = CliRunner()
ACCOUNT = "111122223333"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
SUB_ARN = f"{TOPIC_ARN}:3f1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
DELIVERY = {
    "DeliveryId": "d-1",
    "Kind": "Notification",
    "MessageId": "m-1",
    "TopicArn": TOPIC_ARN,
    "SubscriptionArn": SUB_ARN,
    "Protocol": "https",
    "State": "DEAD_LETTERED",
    "Attempts": 2,
    "NextAttemptAt": "2026-01-01T00:00:20Z",
    "LastStatusCode": 503,
    "LastError": "HTTP 503 Service Unavailable",
    "CreatedAt": "2026-01-01T00:00:00Z",
    "FinishedAt": "2026-01-01T00:00:20.250000Z",
}
ATTEMPTS = [
    {
        "Number": 1,
        "At": "2026-01-01T00:00:00.000Z",
        "Succeeded": False,
        "StatusCode": None,
        "LatencyMs": 3000.4,
        "Error": "timed out after 3 s",
    },
    {
        "Number": 2,
        "At": "2026-01-01T00:00:20.250Z",
        "Succeeded": False,
        "StatusCode": 503,
        "LatencyMs": 4.25,
        "Error": "HTTP 503 Service Unavailable",
    },
]


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_list_sends_the_filters(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/topics/alerts", {"TopicArn": TOPIC_ARN})
    fake_api.answer("GET", "/v1/deliveries", {"Deliveries": []})
    result = run(
        "deliveries", "list", "--state", "DELIVERED", "--topic", "alerts",
        "--subscription", SUB_ARN, "--limit", "10", "--next-token", "abc",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == "no deliveries\n"
    assert fake_api.calls[-1].params == {
        "State": "DELIVERED",
        "TopicArn": TOPIC_ARN,
        "SubscriptionArn": SUB_ARN,
        "MaxItems": "10",
        "NextToken": "abc",
    }
    assert run("deliveries", "list", "--failed").exit_code == 0
    assert fake_api.calls[-1].params == {"Failed": "true", "MaxItems": "50"}


def test_list_table_and_the_next_page_hint(fake_api: FakeApi) -> None:
    pending = {
        **DELIVERY,
        "DeliveryId": "d-2",
        "State": "PENDING",
        "Kind": "SubscriptionConfirmation",
        "Protocol": "email",
        "Attempts": 0,
        "LastStatusCode": None,
        "LastError": None,
        "FinishedAt": None,
    }
    fake_api.answer("GET", "/v1/deliveries", {"Deliveries": [DELIVERY, pending], "NextToken": "n"})
    result = run("deliveries", "list")
    assert result.exit_code == 0, result.output
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert rows == [
        "Id Created State Kind Protocol Attempts Code Next attempt Last error",
        "d-1 2026-01-01 00:00:00 DEAD_LETTERED notification https 2 503 - "
        "HTTP 503 Service Unavailable",
        "d-2 2026-01-01 00:00:00 PENDING confirmation email 0 - 2026-01-01 00:00:20 -",
    ]
    assert result.stderr == "more: --next-token n\n"


def test_list_json_is_the_answer(fake_api: FakeApi) -> None:
    answer = {"Deliveries": [DELIVERY], "NextToken": None}
    fake_api.answer("GET", "/v1/deliveries", answer)
    assert json.loads(run("deliveries", "list", "-o", "json").stdout) == answer


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--failed", "--state", "FAILED"], "give --failed or --state, not both"),
        (["--state", "LOST"], "LOST"),
        (["--limit", "0"], "--limit"),
        (["--limit", "101"], "--limit"),
        (["--subscription", TOPIC_ARN], "is not a subscription ARN"),
        (["--topic", "a b"], "is neither a topic name nor a topic ARN"),
    ],
)
def test_list_usage_errors_exit_2(args: list[str], message: str, fake_api: FakeApi) -> None:
    result = run("deliveries", "list", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert fake_api.calls == []


@pytest.mark.parametrize(
    ("state", "style"),
    [
        ("DELIVERED", "green"),
        ("PENDING", "yellow"),
        ("FAILED", "red"),
        ("DEAD_LETTERED", "red"),
        ("pending confirmation", "yellow"),
        ("confirmed", "green"),
    ],
)
def test_states_are_coloured(state: str, style: str) -> None:
    assert state_text(state).style == style


def test_describe_shows_the_attempts(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/deliveries/d-1", {**DELIVERY, "Attempts": ATTEMPTS})
    result = run("deliveries", "describe", "d-1")
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "State DEAD_LETTERED" in lines
    assert "Attempts 2" in lines
    assert "LastStatusCode 503" in lines
    assert not any(line.startswith("NextAttemptAt") for line in lines)  # finished
    table = lines[lines.index("Attempts") + 1 :]
    assert table == [
        "# Time Result Status code Latency ms Error",
        "1 2026-01-01 00:00:00 failed - 3000 timed out after 3 s",
        "2 2026-01-01 00:00:20 failed 503 4.2 HTTP 503 Service Unavailable",
    ]


def test_describe_without_attempts_and_as_json(fake_api: FakeApi) -> None:
    fresh = {**DELIVERY, "State": "PENDING", "FinishedAt": None, "Attempts": []}
    fake_api.answer("GET", "/v1/deliveries/d-1", fresh)
    shown = run("deliveries", "describe", "d-1")
    assert "no attempts yet" in shown.stdout
    assert "NextAttemptAt 2026-01-01T00:00:20Z" in [
        " ".join(line.split()) for line in shown.stdout.splitlines()
    ]
    assert json.loads(run("deliveries", "describe", "d-1", "-o", "json").stdout) == fresh


def test_describe_an_unknown_delivery(fake_api: FakeApi) -> None:
    problem = {"status": 404, "detail": "delivery nope not found", "field": "DeliveryId"}
    fake_api.answer("GET", "/v1/deliveries/nope", problem, status=404)
    result = run("deliveries", "describe", "nope")
    assert (result.exit_code, result.stderr) == (1, "error: DeliveryId: delivery nope not found\n")


def test_redrive(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/deliveries/redrive", {"Redriven": 3})
    result = run("deliveries", "redrive", SUB_ARN)
    assert (result.exit_code, result.stdout) == (0, f"redriven 3 deliveries of {SUB_ARN}\n")
    assert fake_api.only.body == {"SubscriptionArn": SUB_ARN}
    assert json.loads(run("deliveries", "redrive", SUB_ARN, "-o", "json").stdout) == {"Redriven": 3}
    refused = run("deliveries", "redrive", "PendingConfirmation")
    assert refused.exit_code == 2 and len(fake_api.calls) == 2
