"""Rules and targets: PutRule, ListRules, Enable/Disable, DeleteRule, PutTargets and
RemoveTargets, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from certherd.bootstrap import Container
from certherd.domain.rules import InvalidEventPatternError, RuleState
from certherd.domain.tags import Tag
from certherd.errors import LimitExceededError, NotFoundError, ValidationError

PATTERN = '{"source": ["aws.acm"]}'


def _queue(account: str, name: str = "q") -> str:
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def test_put_rule_creates_then_replaces(container: Container, account: str) -> None:
    rules = container.rules
    created = rules.put_rule(
        account=account,
        name="expiring",
        event_pattern=PATTERN,
        description="first",
        tags=[Tag("team", "pki")],
    )
    assert created.arn == f"arn:aws:events:us-east-1:{account}:rule/expiring"
    assert created.state is RuleState.ENABLED
    replaced = rules.put_rule(
        account=account,
        name="expiring",
        event_pattern='{"source": ["certherd"]}',
        state=RuleState.DISABLED,
        tags=[Tag("ignored", "on update")],
    )
    assert replaced.id == created.id
    described = rules.describe_rule(account=account, name="expiring")
    assert described.event_pattern == '{"source": ["certherd"]}'
    assert described.description is None  # replaced wholesale
    assert described.state is RuleState.DISABLED
    assert described.tags == (Tag("team", "pki"),)


def test_rules_on_a_custom_bus_have_its_name_in_their_arn(
    container: Container, account: str
) -> None:
    container.event_bus.create_bus(account=account, name="ops")
    rule = container.rules.put_rule(account=account, name="r", bus="ops", event_pattern=PATTERN)
    assert rule.arn == f"arn:aws:events:us-east-1:{account}:rule/ops/r"
    with pytest.raises(NotFoundError, match="Rule r does not exist on EventBus default"):
        container.rules.describe_rule(account=account, name="r")
    with pytest.raises(NotFoundError, match="Event bus nope does not exist"):
        container.rules.put_rule(account=account, name="r", bus="nope", event_pattern=PATTERN)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "bad name"}, "Name"),
        ({"name": "x" * 65}, "Name"),
        ({"event_pattern": None}, "EventPattern"),
        ({"description": "d" * 513}, "Description"),
        ({"role_arn": "arn:aws:sqs:us-east-1:111122223333:q"}, "RoleArn"),
    ],
)
def test_put_rule_checks(
    container: Container, account: str, fields: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"name": "ok", "event_pattern": PATTERN, **fields}
    with pytest.raises(ValidationError) as raised:
        container.rules.put_rule(account=account, **arguments)
    assert raised.value.field == field


def test_an_invalid_pattern_gives_aws_message(container: Container, account: str) -> None:
    with pytest.raises(InvalidEventPatternError) as raised:
        container.rules.put_rule(account=account, name="r", event_pattern="[1]")
    assert raised.value.message == "Event pattern is not valid. Reason: Filter is not an object"
    assert raised.value.field == "EventPattern"
    assert raised.value.code == "InvalidEventPatternException"


def test_list_rules_by_prefix_a_page_at_a_time(container: Container, account: str) -> None:
    for name in ["b_1", "a_2", "a_1", "bx", "a-3"]:
        container.rules.put_rule(account=account, name=name, event_pattern=PATTERN)
    names: list[str] = []
    token = None
    while True:
        page = container.rules.list_rules(account=account, limit=2, next_token=token)
        names += [r.name for r in page.rules]
        token = page.next_token
        if token is None:
            break
    assert names == ["a-3", "a_1", "a_2", "b_1", "bx"]
    found = container.rules.list_rules(account=account, prefix="b_")
    assert [r.name for r in found.rules] == ["b_1"]  # '_' is not a wildcard


def test_enable_disable(container: Container, account: str) -> None:
    container.rules.put_rule(account=account, name="r", event_pattern=PATTERN)
    assert container.rules.set_state(account=account, name="r", state=RuleState.DISABLED).state is (
        RuleState.DISABLED
    )
    assert container.rules.describe_rule(account=account, name="r").state is RuleState.DISABLED
    with pytest.raises(NotFoundError):
        container.rules.set_state(account=account, name="other", state=RuleState.ENABLED)


def test_delete_rule_needs_targets_removed_or_force(container: Container, account: str) -> None:
    rules = container.rules
    rules.put_rule(account=account, name="r", event_pattern=PATTERN)
    rules.put_targets(account=account, rule="r", targets=[{"Id": "t", "Arn": _queue(account)}])
    with pytest.raises(ValidationError, match="Rule can't be deleted since it has targets"):
        rules.delete_rule(account=account, name="r")
    rules.delete_rule(account=account, name="r", force=True)
    rules.delete_rule(account=account, name="r")  # twice is fine
    with pytest.raises(NotFoundError):
        rules.describe_rule(account=account, name="r")


def test_put_list_and_remove_targets(container: Container, account: str) -> None:
    rules = container.rules
    rules.put_rule(account=account, name="r", event_pattern=PATTERN)
    failed = rules.put_targets(
        account=account,
        rule="r",
        targets=[
            {"Id": "plain", "Arn": _queue(account)},
            {
                "Id": "shaped",
                "Arn": f"arn:aws:sns:us-east-1:{account}:topic",
                "InputTransformer": {
                    "InputPathsMap": {"cn": "$.detail.CommonName"},
                    "InputTemplate": '"<cn> is expiring"',
                },
                "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
                "DeadLetterConfig": {"Arn": _queue(account, "dlq")},
            },
            {"Id": "plain", "Arn": _queue(account, "again")},
            {
                "Id": "cross",
                "Arn": "arn:aws:events:us-east-1:999999999999:event-bus/default",
                "Input": "{}",
            },
        ],
    )
    assert [(f.target_id, f.error_code) for f in failed] == [
        ("plain", "ValidationException"),
        ("cross", "ValidationException"),
    ]
    targets = rules.list_targets(account=account, rule="r")
    assert [t.id for t in targets] == ["plain", "shaped"]
    assert targets[0].retry_policy.to_json() == {
        "MaximumRetryAttempts": 185,
        "MaximumEventAgeInSeconds": 86400,
    }
    assert targets[1].to_json()["DeadLetterConfig"] == {"Arn": _queue(account, "dlq")}
    assert targets[1].retry_policy.maximum_retry_attempts == 3
    # Same Id replaces.
    rules.put_targets(
        account=account, rule="r", targets=[{"Id": "plain", "Arn": _queue(account, "b")}]
    )
    assert rules.list_targets(account=account, rule="r")[0].arn == _queue(account, "b")
    assert rules.remove_targets(account=account, rule="r", ids=["plain", "unknown"]) == []
    assert [t.id for t in rules.list_targets(account=account, rule="r")] == ["shaped"]


def test_five_targets_per_rule(container: Container, account: str) -> None:
    rules = container.rules
    rules.put_rule(account=account, name="r", event_pattern=PATTERN)
    five = [{"Id": f"t{i}", "Arn": _queue(account)} for i in range(5)]
    rules.put_targets(account=account, rule="r", targets=five)
    rules.put_targets(account=account, rule="r", targets=five[:2])  # replacing is fine
    with pytest.raises(LimitExceededError) as raised:
        rules.put_targets(account=account, rule="r", targets=[{"Id": "t5", "Arn": _queue(account)}])
    assert raised.value.field == "Targets"
    assert len(rules.list_targets(account=account, rule="r")) == 5


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"Id": "bad id", "Arn": "arn:aws:sqs:us-east-1:111122223333:q"}, "Targets[0].Id"),
        ({"Id": "t"}, "Targets[0].Arn"),
        ({"Id": "t", "Arn": "arn:aws:s3:::bucket-name-long"}, "Targets[0].Arn"),
        (
            {"Id": "t", "Arn": "arn:aws:sqs:us-east-1:111122223333:q", "Input": "{not"},
            "Targets[0].Input",
        ),
        (
            {
                "Id": "t",
                "Arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "Input": "{}",
                "InputPath": "$",
            },
            "Targets[0]",
        ),
        (
            {
                "Id": "t",
                "Arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "InputTransformer": {"InputTemplate": '"<nope>"'},
            },
            "Targets[0].InputTransformer",
        ),
        (
            {
                "Id": "t",
                "Arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "RetryPolicy": {"MaximumRetryAttempts": 186},
            },
            "Targets[0].RetryPolicy.MaximumRetryAttempts",
        ),
        (
            {
                "Id": "t",
                "Arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "RetryPolicy": {"MaximumEventAgeInSeconds": 59},
            },
            "Targets[0].RetryPolicy.MaximumEventAgeInSeconds",
        ),
        (
            {
                "Id": "t",
                "Arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "DeadLetterConfig": {"Arn": "arn:aws:sqs:eu-west-1:111122223333:dlq"},
            },
            "Targets[0].DeadLetterConfig.Arn",
        ),
        (
            {
                "Id": "t",
                "Arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "DeadLetterConfig": {"Arn": "arn:aws:sns:us-east-1:111122223333:topic"},
            },
            "Targets[0].DeadLetterConfig.Arn",
        ),
    ],
)
def test_bad_targets_change_nothing(
    container: Container, account: str, target: dict[str, Any], field: str
) -> None:
    container.rules.put_rule(account=account, name="r", event_pattern=PATTERN)
    with pytest.raises(ValidationError) as raised:
        container.rules.put_targets(account=account, rule="r", targets=[target])
    assert raised.value.field == field
    assert container.rules.list_targets(account=account, rule="r") == []
