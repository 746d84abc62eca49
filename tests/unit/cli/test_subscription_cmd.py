"""``certherd subscription``: what each command sends, how it shows the answer, its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitest_support import FakeApi
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli.main import app

runner = CliRunner()
ACCOUNT = "111122223333"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
SUB_ARN = f"{TOPIC_ARN}:3f1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
DLQ_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dead"
FILTER = {"level": ["high"], "days": [{"numeric": ["<", 30]}]}
ATTRIBUTES = {
    "ConfirmationWasAuthenticated": "false",
    "Endpoint": "https://hooks.example/certs",
    "Owner": ACCOUNT,
    "PendingConfirmation": "false",
    "Protocol": "https",
    "RawMessageDelivery": "true",
    "SubscriptionArn": SUB_ARN,
    "TopicArn": TOPIC_ARN,
    "FilterPolicy": json.dumps(FILTER),
    "FilterPolicyScope": "MessageAttributes",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN}),
    "EffectiveDeliveryPolicy": '{"healthyRetryPolicy":{"numRetries":3}}',
}
EMAIL = ["--protocol", "email", "--endpoint", "ops@example.com"]


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin)


def topic_known(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/topics/alerts", {"TopicArn": TOPIC_ARN, "Name": "alerts"})


# -- create ---------------------------------------------------------------------------------


def test_create_resolves_the_topic_and_sends_every_attribute(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    topic_known(fake_api)
    delivery = tmp_path / "delivery.json"
    delivery.write_text('{"healthyRetryPolicy": {"numRetries": 5}}\n')
    fake_api.answer(
        "POST", "/v1/subscriptions", {"SubscriptionArn": SUB_ARN, "PendingConfirmation": True}
    )
    result = run(
        "subscription", "create", "alerts", "--protocol", "https",
        "--endpoint", "https://hooks.example/certs", "--filter-policy", json.dumps(FILTER),
        "--filter-scope", "MessageBody", "--raw", "--dead-letter-queue", DLQ_ARN,
        "--delivery-policy", f"@{delivery}",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == SUB_ARN + "\n"
    assert "pending confirmation: a confirmation request was sent" in result.stderr
    lookup, create = fake_api.calls
    assert (lookup.method, lookup.path) == ("GET", "/v1/topics/alerts")
    assert create.body == {
        "TopicArn": TOPIC_ARN,
        "Protocol": "https",
        "Endpoint": "https://hooks.example/certs",
        "ReturnSubscriptionArn": True,
        "Attributes": {
            "FilterPolicy": json.dumps(FILTER),
            "FilterPolicyScope": "MessageBody",
            "RawMessageDelivery": "true",
            "DeliveryPolicy": '{"healthyRetryPolicy": {"numRetries": 5}}',
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN}),
        },
    }


def test_create_for_a_queue_by_name_with_a_dead_letter_queue_by_name(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/queues/jobs", {"QueueArn": QUEUE_ARN})
    fake_api.answer("GET", "/v1/queues/dead", {"QueueArn": DLQ_ARN})
    answer = {"SubscriptionArn": SUB_ARN, "PendingConfirmation": False}
    fake_api.answer("POST", "/v1/subscriptions", answer)
    result = run(
        "subscription", "create", TOPIC_ARN, "--protocol", "sqs", "--endpoint", "jobs",
        "--dead-letter-queue", "dead", "--attribute", "FilterPolicy={}", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == answer
    assert result.stderr == ""
    assert [c.path for c in fake_api.calls] == [
        "/v1/queues/dead",
        "/v1/queues/jobs",
        "/v1/subscriptions",
    ]
    assert fake_api.calls[-1].body == {
        "TopicArn": TOPIC_ARN,  # an ARN is not looked up
        "Protocol": "sqs",
        "Endpoint": QUEUE_ARN,
        "ReturnSubscriptionArn": True,
        "Attributes": {
            "FilterPolicy": "{}",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN}),
        },
    }


def test_create_for_a_function_by_name(fake_api: FakeApi) -> None:
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:renew-hook"
    fake_api.answer("GET", "/v1/functions/renew-hook", {"FunctionArn": function})
    fake_api.answer("POST", "/v1/subscriptions", {"SubscriptionArn": SUB_ARN})
    result = run(
        "subscription", "create", TOPIC_ARN, "--protocol", "lambda", "--endpoint", "renew-hook"
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.calls[-1].body["Protocol"] == "lambda"
    assert fake_api.calls[-1].body["Endpoint"] == function


def test_an_endpoint_holding_a_token_can_come_from_a_file(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    secret = tmp_path / "endpoint"
    secret.write_text("tgram://123456:secret-token/-100200300\n")
    fake_api.answer("POST", "/v1/subscriptions", {"SubscriptionArn": SUB_ARN})
    result = run(
        "subscription", "create", TOPIC_ARN, "--protocol", "apprise", "--endpoint", f"@{secret}"
    )
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["Endpoint"] == "tgram://123456:secret-token/-100200300"
    assert "secret-token" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--protocol", "sms", "--endpoint", "+1"], "sms"),
        (["--protocol", "email"], "--endpoint"),
        ([*EMAIL, "--filter-policy", "{"], "filter policy (inline) is not JSON"),
        ([*EMAIL, "--filter-policy", "f.json"], "give inline JSON, or @FILE"),
        ([*EMAIL, "--delivery-policy", "@none.json"], "delivery policy file none.json does not"),
        ([*EMAIL, "--filter-scope", "Body"], "Body"),
        ([*EMAIL, "--attribute", "RawMessageDelivery=true", "--raw"], "RawMessageDelivery is also"),
        ([*EMAIL, "--dead-letter-queue", "bad name"], "neither a queue name nor an ARN"),
        (["--protocol", "lambda", "--endpoint", "a b"], "neither a function name nor an ARN"),
    ],
)
def test_create_usage_errors_exit_2_before_any_request(
    args: list[str],
    message: str,
    fake_api: FakeApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("subscription", "create", TOPIC_ARN, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert fake_api.calls == []


def test_function_subscriptions_refused_by_the_server(fake_api: FakeApi) -> None:
    problem = {
        "status": 403,
        "detail": "function subscriptions run commands on the server: an administrator's "
        "token is needed",
        "field": "Protocol",
    }
    fake_api.answer("POST", "/v1/subscriptions", problem, status=403)
    result = run(
        "subscription", "create", TOPIC_ARN, "--protocol", "function", "--endpoint", "notify"
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Protocol: function subscriptions run commands")
    assert len(result.stderr.splitlines()) == 1


def test_an_unknown_topic_name_is_one_error_line(fake_api: FakeApi) -> None:
    problem = {"status": 404, "detail": "Topic does not exist", "field": "TopicArn"}
    fake_api.answer("GET", "/v1/topics/nope", problem, status=404)
    result = run("subscription", "create", "nope", "--protocol", "email", "--endpoint", "a@b.io")
    assert (result.exit_code, result.stderr) == (1, "error: TopicArn: Topic does not exist\n")
    assert len(fake_api.calls) == 1


# -- confirm, list --------------------------------------------------------------------------


def test_confirm(fake_api: FakeApi) -> None:
    topic_known(fake_api)
    fake_api.answer("POST", "/v1/subscriptions/confirm", {"SubscriptionArn": SUB_ARN})
    result = run("subscription", "confirm", "alerts", "tok3n", "--authenticate-on-unsubscribe")
    assert (result.exit_code, result.stdout) == (0, SUB_ARN + "\n")
    assert fake_api.calls[-1].body == {
        "TopicArn": TOPIC_ARN,
        "Token": "tok3n",
        "AuthenticateOnUnsubscribe": True,
    }
    assert run("subscription", "confirm", TOPIC_ARN, "t2").exit_code == 0
    assert fake_api.calls[-1].body == {"TopicArn": TOPIC_ARN, "Token": "t2"}


def test_confirm_with_an_expired_token(fake_api: FakeApi) -> None:
    problem = {"status": 400, "detail": "Invalid token: the confirmation link has expired"}
    fake_api.answer("POST", "/v1/subscriptions/confirm", {**problem, "field": "Token"}, status=400)
    result = run("subscription", "confirm", TOPIC_ARN, "old")
    assert result.exit_code == 1
    assert result.stderr == "error: Token: Invalid token: the confirmation link has expired\n"


def _item(arn: str, protocol: str, endpoint: str) -> dict[str, str]:
    return {
        "SubscriptionArn": arn,
        "Owner": ACCOUNT,
        "Protocol": protocol,
        "Endpoint": endpoint,
        "TopicArn": TOPIC_ARN,
    }


def test_list_of_a_topic_every_page_with_the_status(fake_api: FakeApi) -> None:
    topic_known(fake_api)
    first = {"Subscriptions": [_item(SUB_ARN, "sqs", QUEUE_ARN)], "NextToken": "n2"}
    second = {"Subscriptions": [_item("PendingConfirmation", "email", "ops@example.com")]}
    fake_api.answer("GET", "/v1/subscriptions", first, second)
    result = run("subscription", "list", "--topic", "alerts")
    assert result.exit_code == 0, result.output
    assert [c.params for c in fake_api.calls[1:]] == [
        {"TopicArn": TOPIC_ARN},
        {"TopicArn": TOPIC_ARN, "NextToken": "n2"},
    ]
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert rows[0] == "Protocol Endpoint Topic Status ARN"
    assert rows[1] == f"sqs {QUEUE_ARN} alerts confirmed {SUB_ARN}"
    assert rows[2] == "email ops@example.com alerts pending confirmation -"


def test_list_all_as_json(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/subscriptions", {"Subscriptions": [_item(SUB_ARN, "sqs", "q")]})
    result = run("subscription", "list", "-o", "json")
    assert json.loads(result.stdout)["Subscriptions"][0]["SubscriptionArn"] == SUB_ARN
    assert fake_api.only.params == {}


# -- describe, set-attribute, delete --------------------------------------------------------


def test_describe_shows_state_dead_letter_queue_and_policies(fake_api: FakeApi) -> None:
    fake_api.answer(
        "GET",
        f"/v1/subscriptions/{SUB_ARN}",
        {"SubscriptionArn": SUB_ARN, "Attributes": ATTRIBUTES},
    )
    result = run("subscription", "describe", SUB_ARN)
    assert result.exit_code == 0, result.output
    lines = {
        line.split()[0]: " ".join(line.split()[1:]) for line in result.stdout.splitlines() if line
    }
    assert lines["State"] == "confirmed"
    assert lines["RawMessageDelivery"] == "yes"
    assert lines["ConfirmationWasAuthenticated"] == "no"
    assert lines["DeadLetterQueue"] == DLQ_ARN
    assert lines["FilterPolicyScope"] == "MessageAttributes"
    assert '\nFilterPolicy\n  {\n    "level": [\n      "high"\n    ],' in result.stdout
    assert '"numRetries": 3' in result.stdout
    assert fake_api.only.raw_path == "/v1/subscriptions/" + SUB_ARN.replace(":", "%3A")


def test_describe_pending_and_as_json(fake_api: FakeApi) -> None:
    pending = {"SubscriptionArn": SUB_ARN, "Attributes": {"PendingConfirmation": "true"}}
    fake_api.answer("GET", f"/v1/subscriptions/{SUB_ARN}", pending)
    shown = run("subscription", "describe", SUB_ARN)
    assert "pending confirmation" in shown.stdout
    assert json.loads(run("subscription", "describe", SUB_ARN, "-o", "json").stdout) == pending


def test_set_attribute_from_a_file_and_to_empty(fake_api: FakeApi, tmp_path: Path) -> None:
    policy = tmp_path / "filter.json"
    policy.write_text(json.dumps(FILTER))
    answer = {"SubscriptionArn": SUB_ARN, "Attributes": ATTRIBUTES}
    fake_api.answer("PUT", f"/v1/subscriptions/{SUB_ARN}/attributes/FilterPolicy", answer)
    result = run("subscription", "set-attribute", SUB_ARN, "FilterPolicy", f"@{policy}")
    assert result.exit_code == 0, result.output
    assert "DeadLetterQueue" in result.stdout
    assert run("subscription", "set-attribute", SUB_ARN, "FilterPolicy", "").exit_code == 0
    assert [c.body for c in fake_api.calls] == [
        {"AttributeValue": json.dumps(FILTER)},
        {"AttributeValue": ""},
    ]


def test_set_attribute_of_a_pending_subscription(fake_api: FakeApi) -> None:
    problem = {"status": 409, "detail": "the subscription is pending confirmation"}
    path = f"/v1/subscriptions/{SUB_ARN}/attributes/RawMessageDelivery"
    fake_api.answer("PUT", path, {**problem, "field": "SubscriptionArn"}, status=409)
    result = run("subscription", "set-attribute", SUB_ARN, "RawMessageDelivery", "true")
    assert result.exit_code == 1
    assert result.stderr == "error: SubscriptionArn: the subscription is pending confirmation\n"


def test_delete(fake_api: FakeApi) -> None:
    fake_api.answer("DELETE", f"/v1/subscriptions/{SUB_ARN}", None, status=204)
    result = run("subscription", "delete", SUB_ARN)
    assert (result.exit_code, result.stdout) == (0, f"deleted subscription {SUB_ARN}\n")
    assert json.loads(run("subscription", "delete", SUB_ARN, "-o", "json").stdout) == {}


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("PendingConfirmation", "not yet confirmed, not its ARN"),
        ("pending confirmation", "not yet confirmed, not its ARN"),
        (TOPIC_ARN, "is not a subscription ARN"),
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:q:x", "is not a subscription ARN"),
        ("3f1c2a9e", "is not a subscription ARN"),
    ],
)
def test_what_is_no_subscription_arn_is_a_usage_error(
    arn: str, message: str, fake_api: FakeApi
) -> None:
    for command in ("describe", "delete"):
        result = run("subscription", command, arn)
        assert result.exit_code == 2
        assert message in result.stderr
    assert fake_api.calls == []
