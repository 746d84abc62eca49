"""topic_policy: a topic's default policy, its check, and who may act on the topic."""

from __future__ import annotations

import json
from typing import Any

import pytest

from certherd.domain.topic_policy import (
    DEFAULT_ACTIONS,
    DELETE_TOPIC,
    EVENTS_SERVICE,
    GET_TOPIC_ATTRIBUTES,
    MAX_POLICY_BYTES,
    PUBLISH,
    SUBSCRIBE,
    allow_events_statement,
    check_topic_policy,
    default_topic_policy,
    topic_policy_allows,
    with_statement,
)
from certherd.errors import LimitExceededError, ValidationError

OWNER, OTHER = "111122223333", "444455556666"
TOPIC = f"arn:aws:sns:us-east-1:{OWNER}:alerts"
RULE = f"arn:aws:events:us-east-1:{OWNER}:rule/expiry"
OTHER_RULE = f"arn:aws:events:us-east-1:{OWNER}:rule/other"
DEFAULT = default_topic_policy(TOPIC, OWNER)


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _statement(effect: str = "Allow", **more: Any) -> dict[str, Any]:
    return {"Effect": effect, "Principal": "*", "Action": PUBLISH, "Resource": TOPIC, **more}


def account_may(policy: str | None, account: str, action: str = PUBLISH) -> bool:
    return topic_policy_allows(
        policy, action=action, topic_arn=TOPIC, owner_account=OWNER, caller_account=account
    )


def events_may(policy: str | None, rule: str = RULE, account: str | None = OWNER) -> bool:
    return topic_policy_allows(
        policy,
        action=PUBLISH,
        topic_arn=TOPIC,
        owner_account=OWNER,
        caller_service=EVENTS_SERVICE,
        source_arn=rule,
        source_account=account,
    )


def test_the_default_policy_is_the_one_sns_writes() -> None:
    assert DEFAULT == (
        '{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":'
        '"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":['
        '"SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission",'
        '"SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe",'
        '"SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":'
        '"arn:aws:sns:us-east-1:111122223333:alerts","Condition":{"StringEquals":'
        '{"AWS:SourceOwner":"111122223333"}}}]}'
    )
    assert check_topic_policy(DEFAULT, topic_arn=TOPIC) == DEFAULT


@pytest.mark.parametrize("action", [a.replace("SNS:", "sns:") for a in DEFAULT_ACTIONS])
def test_default_policy_owner_may_everything_other_accounts_nothing(action: str) -> None:
    assert account_may(DEFAULT, OWNER, action)
    assert not account_may(DEFAULT, OTHER, action)


def test_without_a_policy_only_the_owner_may() -> None:
    assert account_may(None, OWNER) and account_may("", OWNER)
    assert not account_may(None, OTHER)
    assert not events_may(None)
    assert account_may(None, OWNER, "sns:TagResource")  # the owner: anything not denied
    assert account_may(DEFAULT, OWNER, "Publish")  # a bare action means sns:<action>


def test_the_events_service_may_not_publish_under_the_default_policy() -> None:
    assert not events_may(DEFAULT)
    assert not events_may(DEFAULT, account=None)


def test_the_statement_eventbridge_documents_lets_rules_publish() -> None:
    statement = allow_events_statement(TOPIC, sid="PublishEventsToMyTopic")
    assert statement == {
        "Sid": "PublishEventsToMyTopic",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC,
    }
    policy = with_statement(DEFAULT, statement)
    assert events_may(policy) and events_may(policy, OTHER_RULE, OTHER)
    assert not topic_policy_allows(
        policy,
        action=SUBSCRIBE,
        topic_arn=TOPIC,
        owner_account=OWNER,
        caller_service=EVENTS_SERVICE,
        source_arn=RULE,
    )
    other_topic = TOPIC.replace("alerts", "ops")
    assert not topic_policy_allows(
        with_statement(default_topic_policy(other_topic, OWNER), statement),
        action=PUBLISH,
        topic_arn=other_topic,
        owner_account=OWNER,
        caller_service=EVENTS_SERVICE,
    )


def test_the_statement_can_be_narrowed_to_one_rule_or_one_account() -> None:
    one_rule = allow_events_statement(TOPIC, sid="rule", source_arn=RULE)
    assert one_rule["Condition"] == {"ArnEquals": {"aws:SourceArn": RULE}}
    policy = with_statement(DEFAULT, one_rule)
    assert events_may(policy) and not events_may(policy, OTHER_RULE)
    assert not events_may(policy, rule=RULE.replace("expiry", "expiry2"))

    any_rule = allow_events_statement(TOPIC, sid="rules", source_arn=RULE.replace("expiry", "*"))
    assert any_rule["Condition"] == {"ArnLike": {"aws:SourceArn": RULE.replace("expiry", "*")}}
    policy = with_statement(DEFAULT, any_rule)
    assert events_may(policy) and events_may(policy, OTHER_RULE)
    assert not events_may(policy, RULE.replace(OWNER, OTHER))

    one_account = allow_events_statement(TOPIC, sid="acct", source_account=OWNER)
    assert one_account["Condition"] == {"StringEquals": {"aws:SourceAccount": OWNER}}
    policy = with_statement(DEFAULT, one_account)
    assert events_may(policy) and events_may(policy, OTHER_RULE)
    assert not events_may(policy, account=OTHER) and not events_may(policy, account=None)

    both = allow_events_statement(TOPIC, sid="both", source_arn=RULE, source_account=OWNER)
    assert set(both["Condition"]) == {"ArnEquals", "StringEquals"}
    policy = with_statement(DEFAULT, both)
    assert events_may(policy)
    assert not events_may(policy, OTHER_RULE) and not events_may(policy, account=OTHER)


def test_source_owner_is_the_source_account_for_services() -> None:
    owner_only = _statement(
        Principal={"Service": EVENTS_SERVICE},
        Condition={"StringEquals": {"AWS:SourceOwner": OWNER}},
    )
    policy = _policy(owner_only)
    assert events_may(policy) and not events_may(policy, account=OTHER)


def test_explicit_deny_binds_the_owner_too() -> None:
    deny = _statement("Deny", Principal={"AWS": OWNER}, Action=["sns:DeleteTopic", "sns:Set*"])
    policy = with_statement(DEFAULT, deny)
    assert not account_may(policy, OWNER, DELETE_TOPIC)
    assert not account_may(policy, OWNER, "sns:SetTopicAttributes")
    assert account_may(policy, OWNER, PUBLISH) and account_may(policy, OWNER, GET_TOPIC_ATTRIBUTES)


def test_deny_wins_over_an_allow_for_the_events_service() -> None:
    allow = allow_events_statement(TOPIC, sid="events")
    deny = _statement(
        "Deny", Sid="not-other", Condition={"StringNotEquals": {"aws:SourceAccount": OWNER}}
    )
    policy = with_statement(with_statement(DEFAULT, allow), deny)
    assert events_may(policy)
    assert not events_may(policy, account=OTHER)
    assert not events_may(policy, account=None)  # absent key: StringNotEquals holds
    assert not account_may(policy, OWNER)  # the Deny names "*" and the owner has no key


def test_cross_account_needs_an_explicit_allow() -> None:
    grant = _statement(Sid="grant-1234-publish", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"})
    policy = with_statement(DEFAULT, grant)
    assert account_may(policy, OTHER) and not account_may(policy, OTHER, SUBSCRIBE)
    assert not account_may(policy, "777788889999")
    conditional = _statement(
        Principal={"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}}
    )
    assert account_may(_policy(conditional), OTHER)
    assert not account_may(_policy(conditional), "777788889999")


def test_the_caller_is_an_account_or_a_service() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        topic_policy_allows(DEFAULT, action=PUBLISH, topic_arn=TOPIC, owner_account=OWNER)
    with pytest.raises(ValueError, match="exactly one"):
        topic_policy_allows(
            DEFAULT,
            action=PUBLISH,
            topic_arn=TOPIC,
            owner_account=OWNER,
            caller_account=OWNER,
            caller_service=EVENTS_SERVICE,
        )


def test_with_statement_replaces_by_sid_and_keeps_the_order() -> None:
    first = allow_events_statement(TOPIC, sid="events")
    policy = with_statement(DEFAULT, first)
    narrowed = allow_events_statement(TOPIC, sid="events", source_arn=RULE)
    again = json.loads(with_statement(policy, narrowed))
    assert [s["Sid"] for s in again["Statement"]] == ["__default_statement_ID", "events"]
    assert again["Statement"][1] == narrowed
    assert again["Id"] == "__default_policy_ID" and again["Version"] == "2008-10-17"
    unnamed = json.loads(with_statement(policy, _statement()))
    assert len(unnamed["Statement"]) == 3
    single = json.dumps({"Statement": _statement(Sid="x")})
    assert len(json.loads(with_statement(single, first))["Statement"]) == 2


def test_with_statement_refuses_what_would_not_be_a_topic_policy() -> None:
    with pytest.raises(ValidationError) as raised:
        with_statement("not json", allow_events_statement(TOPIC, sid="e"))
    assert raised.value.field == "Policy"
    with pytest.raises(ValidationError) as raised:
        with_statement(DEFAULT, _statement(Action="events:PutEvents"))
    assert raised.value.field == "Policy.Statement[1].Action"
    big = _statement(Sid="big", Condition={"StringEquals": {"k": ["v" * 100] * 310}})
    with pytest.raises(LimitExceededError):
        with_statement(DEFAULT, big)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"sid": ""}, "Sid"),
        ({"sid": "has space"}, "Sid"),
        ({"sid": "x" * 129}, "Sid"),
        ({"sid": "ok", "source_arn": "rule/expiry"}, "SourceArn"),
        ({"sid": "ok", "source_arn": "rule/*"}, "SourceArn"),
        ({"sid": "ok", "source_account": "1234"}, "SourceAccount"),
    ],
)
def test_allow_events_statement_checks_its_arguments(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        allow_events_statement(TOPIC, **arguments)
    assert raised.value.field == field
    with pytest.raises(ValidationError) as raised:
        allow_events_statement(RULE, sid="ok")
    assert raised.value.field == "TopicArn"


@pytest.mark.parametrize(
    ("text", "error", "field", "message"),
    [
        (None, ValidationError, "Policy", "JSON policy document"),
        ("{", ValidationError, "Policy", "is not JSON"),
        (
            json.dumps({"Statement": [_statement(Sid="caf\u00e9")]}, ensure_ascii=False),
            ValidationError,
            "Policy",
            "only ASCII characters",
        ),
        (" " * (MAX_POLICY_BYTES + 1), LimitExceededError, "Policy", "30 KB"),
        (_policy(*[_statement()] * 101), LimitExceededError, "Policy.Statement", "100"),
        (
            _policy(_statement(Action="events:PutEvents")),
            ValidationError,
            "Policy.Statement[0].Action",
            "sns:<Action>",
        ),
        (
            _policy(_statement(Effect="allow")),
            ValidationError,
            "Policy.Statement[0].Effect",
            "Allow or Deny",
        ),
    ],
)
def test_check_topic_policy(text: object, error: type[Exception], field: str, message: str) -> None:
    with pytest.raises(error) as raised:
        check_topic_policy(text)
    assert isinstance(raised.value, ValidationError)
    assert raised.value.field == field and message in raised.value.message


def test_check_topic_policy_limits_in_bytes_and_statements() -> None:
    hundred = _policy(*[_statement()] * 100)
    assert check_topic_policy(hundred) == hundred
    padded = _policy(_statement()) + " " * (MAX_POLICY_BYTES - len(_policy(_statement())))
    assert check_topic_policy(padded) == padded


def test_check_topic_policy_can_require_the_resource_to_be_the_topic() -> None:
    for resource in (TOPIC, "*", "arn:aws:sns:*:111122223333:*", [TOPIC, "*"]):
        assert check_topic_policy(_policy(_statement(Resource=resource)), topic_arn=TOPIC)
    elsewhere = _policy(_statement(), _statement(Resource=[TOPIC, TOPIC + "2"]))
    assert check_topic_policy(elsewhere)
    with pytest.raises(ValidationError) as raised:
        check_topic_policy(elsewhere, topic_arn=TOPIC)
    assert raised.value.field == "Policy.Statement[1].Resource"
    assert "covers only its own topic" in raised.value.message
