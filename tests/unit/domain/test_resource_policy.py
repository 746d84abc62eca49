"""resource_policy: IAM's evaluation of a resource policy, and the check of a document."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from certherd.domain.resource_policy import (
    OPERATORS,
    Decision,
    PolicyRequest,
    check_policy_document,
    evaluate,
)
from certherd.errors import LimitExceededError, ValidationError

TOPIC = "arn:aws:sns:us-east-1:111122223333:alerts"
RULE = "arn:aws:events:us-east-1:111122223333:rule/expiry"
OWNER, OTHER = "111122223333", "444455556666"
EVENTS = "events.amazonaws.com"


def _allow(**more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": TOPIC, **more}


def _deny(**more: Any) -> dict[str, Any]:
    return {**_allow(**more), "Effect": "Deny"}


def _doc(*statements: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _request(**more: Any) -> PolicyRequest:
    fields: dict[str, Any] = {
        "action": "sns:Publish",
        "resource": TOPIC,
        "principal_account": OTHER,
    }
    return PolicyRequest(**{**fields, **more})


# -- decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "decision"),
    [
        (None, Decision.NOT_APPLICABLE),
        ("", Decision.NOT_APPLICABLE),
        ("not json", Decision.NOT_APPLICABLE),
        ("[1, 2]", Decision.NOT_APPLICABLE),
        ('{"Statement": 3}', Decision.NOT_APPLICABLE),
        (_doc(), Decision.NOT_APPLICABLE),
        (_doc(_allow()), Decision.ALLOW),
        (_doc(_deny()), Decision.DENY),
        (_doc(_allow(), _deny()), Decision.DENY),
        (_doc(_deny(), _allow()), Decision.DENY),
        (_doc(_allow(Action="sns:Subscribe")), Decision.NOT_APPLICABLE),
        (_doc(_allow(), _deny(Action="sns:Subscribe")), Decision.ALLOW),
        (_doc({**_allow(), "Effect": "Maybe"}), Decision.NOT_APPLICABLE),
        (json.dumps({"Statement": _allow()}), Decision.ALLOW),  # one statement, no list
        ({"Statement": [_allow()]}, Decision.ALLOW),  # an already parsed document
    ],
)
def test_deny_wins_then_allow_grants_else_nothing(document: Any, decision: Decision) -> None:
    assert evaluate(document, _request()) is decision


ACCOUNT = {"principal_account": OTHER}
SERVICE = {"principal_account": None, "principal_service": EVENTS}


@pytest.mark.parametrize(
    ("principal", "caller", "applies"),
    [
        ("*", ACCOUNT, True),
        ("*", SERVICE, True),
        ({"AWS": "*"}, ACCOUNT, True),
        ({"AWS": "*"}, SERVICE, False),  # AWS entries name accounts, never services
        ({"AWS": OTHER}, ACCOUNT, True),
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, ACCOUNT, True),
        ({"AWS": f"arn:aws-cn:iam::{OTHER}:root"}, ACCOUNT, True),
        ({"AWS": [OWNER, f"arn:aws:iam::{OTHER}:root"]}, ACCOUNT, True),
        ({"AWS": OWNER}, ACCOUNT, False),
        ({"AWS": f"arn:aws:iam::{OTHER}:role/ops"}, ACCOUNT, False),
        ({"Service": EVENTS}, SERVICE, True),
        ({"Service": "Events.AmazonAWS.com"}, SERVICE, True),
        ({"Service": ["s3.amazonaws.com", EVENTS]}, SERVICE, True),
        ({"Service": "s3.amazonaws.com"}, SERVICE, False),
        ({"Service": EVENTS}, ACCOUNT, False),
        ({"AWS": OTHER, "Service": EVENTS}, SERVICE, True),
        ({"CanonicalUser": "abc"}, ACCOUNT, False),
        ("someone", ACCOUNT, False),
        (None, ACCOUNT, False),
    ],
)
def test_principals(principal: object, caller: dict[str, Any], applies: bool) -> None:
    decision = evaluate(_doc(_allow(Principal=principal)), _request(**caller))
    assert (decision is Decision.ALLOW) is applies


@pytest.mark.parametrize(
    ("action", "applies"),
    [
        ("sns:Publish", True),
        ("SNS:Publish", True),
        ("sns:publish", True),
        ("sns:*", True),
        ("*", True),
        ("sns:Pub*", True),
        ("sns:Publis?", True),
        ("sns:Publi?", False),
        (["sns:Subscribe", "SNS:Publish"], True),
        ("sns:Subscribe", False),
        ("events:*", False),
        ("sns:Publish*x", False),
    ],
)
def test_actions_take_wildcards_and_ignore_case(action: object, applies: bool) -> None:
    assert (evaluate(_doc(_allow(Action=action)), _request()) is Decision.ALLOW) is applies


@pytest.mark.parametrize(
    ("resource", "applies"),
    [
        (TOPIC, True),
        ("*", True),
        ("arn:aws:sns:*:111122223333:*", True),
        ("arn:aws:sns:us-east-1:111122223333:alert?", True),
        ([f"{TOPIC}-2", TOPIC], True),
        ("arn:aws:sns:us-east-1:111122223333:Alerts", False),  # resources keep their case
        ("arn:aws:sns:us-east-1:111122223333:alert", False),
        ("arn:aws:sns:us-east-1:111122223333:[a]lerts", False),  # brackets are literal
    ],
)
def test_resources_take_wildcards_and_keep_case(resource: object, applies: bool) -> None:
    assert (evaluate(_doc(_allow(Resource=resource)), _request()) is Decision.ALLOW) is applies


def test_brackets_match_literally() -> None:
    odd = "arn:aws:sns:us-east-1:111122223333:[a]lerts"
    assert evaluate(_doc(_allow(Resource=odd)), _request(resource=odd)) is Decision.ALLOW


KEY = "aws:SourceArn"
MISSING = None


@pytest.mark.parametrize(
    ("operator", "wanted", "value", "holds"),
    [
        ("StringEquals", "abc", "abc", True),
        ("StringEquals", "abc", "ABC", False),
        ("StringEquals", ["x", "abc"], "abc", True),  # values of one key are OR-ed
        ("StringEquals", "abc", MISSING, False),
        ("StringNotEquals", "abc", "abd", True),
        ("StringNotEquals", ["x", "abc"], "abc", False),
        ("StringNotEquals", "abc", MISSING, True),
        ("StringEqualsIgnoreCase", "ABC", "abc", True),
        ("StringEqualsIgnoreCase", "ABC", "abd", False),
        ("StringEqualsIgnoreCase", "ABC", MISSING, False),
        ("StringNotEqualsIgnoreCase", "ABC", "abc", False),
        ("StringNotEqualsIgnoreCase", "ABC", "abd", True),
        ("StringLike", "a*", "abc", True),
        ("StringLike", "a?c", "abc", True),
        ("StringLike", "a?", "abc", False),
        ("StringLike", "a*", MISSING, False),
        ("StringNotLike", "a*", "abc", False),
        ("StringNotLike", "b*", "abc", True),
        ("StringNotLike", "b*", MISSING, True),
        ("ArnEquals", RULE, RULE, True),
        ("ArnEquals", RULE, RULE + "2", False),
        ("ArnEquals", "arn:aws:events:*:111122223333:rule/*", RULE, True),
        ("ArnEquals", RULE, MISSING, False),
        ("ArnLike", "arn:aws:events:*:111122223333:rule/*", RULE, True),
        ("ArnLike", "arn:aws:events:*:444455556666:rule/*", RULE, False),
        ("ArnLike", "arn:aws:events:*", RULE, True),
        # each of the six components matches on its own: * stops at a colon
        (
            "ArnLike",
            "arn:aws:events:*:111122223333:rule/x",
            "arn:aws:events:r:1:111122223333:rule/x",
            False,
        ),
        ("ArnLike", RULE, MISSING, False),
        ("ArnNotEquals", RULE, RULE, False),
        ("ArnNotEquals", RULE, RULE + "2", True),
        ("ArnNotEquals", RULE, MISSING, True),
        ("ArnNotLike", "arn:aws:events:*", RULE, False),
        ("ArnNotLike", "arn:aws:s3:*", RULE, True),
        ("ArnNotLike", "arn:aws:s3:*", MISSING, True),
        ("Bool", "true", "true", True),
        ("Bool", True, "true", True),
        ("Bool", "false", "true", False),
        ("Null", "true", MISSING, True),
        ("Null", "true", "x", False),
        ("Null", "false", "x", True),
        ("Null", "false", MISSING, False),
        ("StringEqualsIfExists", "abc", MISSING, True),
        ("StringEqualsIfExists", "abc", "abd", False),
        ("ArnLikeIfExists", "arn:aws:events:*", RULE, True),
        ("NumericEquals", "1", "1", False),  # not evaluated: never holds
        ("ForAnyValue:StringEquals", "abc", "abc", False),
    ],
)
def test_condition_operators(operator: str, wanted: object, value: str | None, holds: bool) -> None:
    context = {} if value is None else {KEY: value}
    statement = _allow(Condition={operator: {KEY: wanted}})
    assert (evaluate(_doc(statement), _request(context=context)) is Decision.ALLOW) is holds


def test_an_unevaluated_operator_denies_nothing() -> None:
    deny = _deny(Condition={"NumericNotEquals": {KEY: "1"}})
    assert evaluate(_doc(_allow(), deny), _request()) is Decision.ALLOW


def test_operators_and_keys_are_anded_and_keys_ignore_case() -> None:
    condition = {
        "StringEquals": {"AWS:SourceOwner": OWNER, "aws:SourceAccount": OWNER},
        "ArnLike": {"aws:sourcearn": "arn:aws:events:*"},
    }
    both = {"aws:sourceowner": OWNER, "AWS:SOURCEACCOUNT": OWNER, "aws:SourceArn": RULE}
    statement = _doc(_allow(Condition=condition))
    assert evaluate(statement, _request(context=both)) is Decision.ALLOW
    for key in both:
        partial = {k: v for k, v in both.items() if k != key}
        assert evaluate(statement, _request(context=partial)) is Decision.NOT_APPLICABLE


def test_a_conditional_deny_refuses_only_when_it_holds() -> None:
    deny = _deny(Condition={"StringNotEquals": {"aws:SourceAccount": OWNER}})
    policy = _doc(_allow(), deny)
    assert evaluate(policy, _request(context={"aws:SourceAccount": OWNER})) is Decision.ALLOW
    assert evaluate(policy, _request(context={"aws:SourceAccount": OTHER})) is Decision.DENY
    assert evaluate(policy, _request()) is Decision.DENY  # absent key: negated holds


def test_requests_are_frozen_values() -> None:
    request = _request()
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.action = "sns:Subscribe"  # type: ignore[misc]
    assert PolicyRequest(action="a", resource="r").context == {}
    assert "StringEquals" in OPERATORS and "ArnNotLikeIfExists" in OPERATORS


# -- the check --------------------------------------------------------------------------------


def check(text: object, **more: Any) -> str:
    options: dict[str, Any] = {"field": "Policy", "max_length": 2000, "action_prefixes": ("sns",)}
    return check_policy_document(text, **{**options, **more})


def test_a_good_document_is_returned_as_given() -> None:
    statements = [
        _allow(Sid="a", Principal={"AWS": [OTHER, f"arn:aws:iam::{OWNER}:root", "*"]}),
        _deny(Sid="b", Principal={"Service": [EVENTS]}, Action=["SNS:Pub*", "sns:Subscribe"]),
        _allow(Resource=["*", TOPIC], Condition={"ArnLike": {KEY: [RULE]}, "Bool": {"k": True}}),
    ]
    text = json.dumps({"Version": "2008-10-17", "Id": "x", "Statement": statements})
    assert check(text) == text
    assert check(json.dumps({"Statement": _allow(Action="*")})) is not None
    events = _allow(Action="events:PutEvents")
    assert check(_doc(events), action_prefixes=("events", "sns"))


S0 = "Policy.Statement[0]"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (None, "Policy", "must be a JSON policy document"),
        ("  ", "Policy", "must be a JSON policy document"),
        ("{nope", "Policy", "is not JSON (Expecting property name"),
        ("[]", "Policy", "must be a JSON object"),
        (json.dumps({"Statement": [_allow()], "Extra": 1}), "Policy.Extra", "policy element"),
        (json.dumps({"Version": "2020-01-01", "Statement": [_allow()]}), "Policy.Version", "2012"),
        (json.dumps({"Id": 3, "Statement": [_allow()]}), "Policy.Id", "must be a string"),
        (json.dumps({"Version": "2012-10-17"}), "Policy.Statement", "is required"),
        (_doc(), "Policy.Statement", "non-empty list"),
        (json.dumps({"Statement": "x"}), "Policy.Statement", "non-empty list"),
        (_doc("x"), S0, "must be an object"),
        (_doc(_allow(Effect="Permit")), f"{S0}.Effect", "must be Allow or Deny"),
        (
            _doc({"Effect": "Allow", "Action": "sns:*", "Resource": TOPIC}),
            f"{S0}.Principal",
            "is required",
        ),
        (
            _doc({"Effect": "Allow", "Principal": "*", "Resource": TOPIC}),
            f"{S0}.Action",
            "is required",
        ),
        (
            _doc({"Effect": "Allow", "Principal": "*", "Action": "sns:*"}),
            f"{S0}.Resource",
            "is required",
        ),
        (_doc(_allow(NotPrincipal={"AWS": OTHER})), f"{S0}.NotPrincipal", "not supported"),
        (_doc(_allow(NotAction="sns:Publish")), f"{S0}.NotAction", "not supported"),
        (_doc(_allow(NotResource=TOPIC)), f"{S0}.NotResource", "not supported"),
        (_doc(_allow(Principals="*")), f"{S0}.Principals", "not a statement element"),
        (_doc(_allow(Sid=7)), f"{S0}.Sid", "must be a string"),
        (_doc(_allow(Principal="someone")), f"{S0}.Principal", 'must be "*" or an object'),
        (_doc(_allow(Principal={})), f"{S0}.Principal", 'must be "*" or an object'),
        (_doc(_allow(Principal={"Federated": "x"})), f"{S0}.Principal", "Federated principals"),
        (_doc(_allow(Principal={"AWS": []})), f"{S0}.Principal.AWS", "non-empty list"),
        (_doc(_allow(Principal={"AWS": "1234"})), f"{S0}.Principal.AWS", "12-digit account id"),
        (
            _doc(_allow(Principal={"AWS": f"arn:aws:iam::{OTHER}:role/x"})),
            f"{S0}.Principal.AWS",
            "whole accounts",
        ),
        (
            _doc(_allow(Principal={"Service": "Events"})),
            f"{S0}.Principal.Service",
            "service principal",
        ),
        (_doc(_allow(Action=[])), f"{S0}.Action", "non-empty list of strings"),
        (_doc(_allow(Action=["sns:Publish", 3])), f"{S0}.Action", "non-empty list of strings"),
        (_doc(_allow(Action="Publish")), f"{S0}.Action", "<service>:<Action>"),
        (_doc(_allow(Action="sns:Pub lish")), f"{S0}.Action", "<service>:<Action>"),
        (_doc(_allow(Action="events:PutEvents")), f"{S0}.Action", "expected sns:<Action>"),
        (_doc(_allow(Resource="alerts")), f"{S0}.Resource", "is not * or an ARN"),
        (_doc(_allow(Condition=[])), f"{S0}.Condition", "must map operators"),
        (
            _doc(_allow(Condition={"NumericLessThan": {"k": "1"}})),
            f"{S0}.Condition",
            "NumericLessThan",
        ),
        (
            _doc(_allow(Condition={"StringEquals": "x"})),
            f"{S0}.Condition.StringEquals",
            "keys to values",
        ),
        (
            _doc(_allow(Condition={"StringEquals": {"k": {}}})),
            f"{S0}.Condition.StringEquals.k",
            "string",
        ),
        (
            _doc(_allow(Condition={"StringEquals": {"k": []}})),
            f"{S0}.Condition.StringEquals.k",
            "string",
        ),
        (_doc(_allow(Condition={"Null": {"k": "maybe"}})), f"{S0}.Condition.Null.k", "true"),
        (_doc(_allow(Sid="a"), _allow(Sid="a")), "Policy.Statement[1].Sid", "Statement[0]"),
    ],
)
def test_malformed_documents_name_the_field(text: object, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check(text)
    assert raised.value.field == field
    assert message in raised.value.message


def test_limits_and_the_field_name() -> None:
    with pytest.raises(LimitExceededError) as raised:
        check(_doc(_allow()), max_length=20)
    assert raised.value.field == "Policy" and "20 characters" in raised.value.message
    with pytest.raises(LimitExceededError) as raised:
        check(_doc(_allow(), _allow()), max_statements=1)
    assert raised.value.field == "Policy.Statement"
    assert check(_doc(_allow()), field="Attributes.Policy")
    with pytest.raises(ValidationError) as invalid:
        check("[]", field="Attributes.Policy")
    assert invalid.value.field == "Attributes.Policy"
