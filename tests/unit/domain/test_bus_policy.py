"""bus_policy_allows: IAM's evaluation of an event bus's resource policy, without I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from certherd.domain.bus_policy import add_statement, bus_policy_allows, remove_statement
from certherd.errors import ConflictError, NotFoundError

BUS = "arn:aws:events:us-east-1:111122223333:event-bus/default"
OWNER, SENDER, OTHER = "111122223333", "444455556666", "777788889999"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: object, **more: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "events:PutEvents",
        "Resource": BUS,
        **more,
    }


def allows(policy: str | None, account: str = SENDER, action: str = "events:PutEvents") -> bool:
    return bus_policy_allows(policy, principal_account=account, action=action, bus_arn=BUS)


def test_the_owner_always_may_and_nobody_else_without_a_policy() -> None:
    assert allows(None, OWNER)
    assert not allows(None)
    assert not allows("not json")
    assert allows(_policy({**_allow("*"), "Effect": "Deny"}), OWNER)


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": SENDER},
        {"AWS": f"arn:aws:iam::{SENDER}:root"},
        {"AWS": [f"arn:aws:iam::{OTHER}:root", SENDER]},
    ],
)
def test_principal_forms(principal: object) -> None:
    assert allows(_policy(_allow(principal)))


def test_other_principals_actions_and_resources_do_not_apply() -> None:
    assert not allows(_policy(_allow({"AWS": OTHER})))
    assert not allows(_policy(_allow({"Service": "events.amazonaws.com"})))
    assert not allows(_policy(_allow("*", Action="events:PutRule")))
    assert not allows(_policy(_allow("*", Resource=BUS.replace("default", "ops"))))
    assert allows(_policy(_allow("*", Action=["events:*"], Resource="arn:aws:events:*")))
    assert allows(_policy(_allow("*", Action="EVENTS:putevents")))


def test_deny_wins() -> None:
    deny = {**_allow({"AWS": SENDER}), "Effect": "Deny"}
    assert not allows(_policy(_allow("*"), deny))
    assert not allows(_policy(deny, _allow("*")))
    assert allows(_policy(_allow("*"), deny), OTHER)


def test_conditions() -> None:
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}
    assert not allows(_policy(_allow("*", Condition=org)))  # no organizations here
    not_org = {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}
    assert not allows(_policy(_allow("*"), {**_allow("*"), "Effect": "Deny", "Condition": not_org}))
    account = {"StringEquals": {"aws:PrincipalAccount": [OTHER, SENDER]}}
    assert allows(_policy(_allow("*", Condition=account)))
    assert not allows(_policy(_allow("*", Condition=account)), "999999999999")
    like = {"StringLike": {"aws:PrincipalAccount": "4444*"}}
    assert allows(_policy(_allow("*", Condition=like)))
    assert not allows(
        _policy(_allow("*", Condition={"NumericEquals": {"aws:PrincipalAccount": 1}}))
    )


def test_statements_are_added_and_removed_by_sid() -> None:
    policy = add_statement(
        None, statement_id="a", principal=SENDER, action="events:PutEvents", bus_arn=BUS
    )
    policy = add_statement(
        policy, statement_id="b", principal="*", action="events:PutEvents", bus_arn=BUS
    )
    assert [s["Sid"] for s in json.loads(policy)["Statement"]] == ["a", "b"]
    with pytest.raises(ConflictError):
        add_statement(policy, statement_id="a", principal="*", action="events:X", bus_arn=BUS)
    left = remove_statement(policy, "a")
    assert left is not None and [s["Sid"] for s in json.loads(left)["Statement"]] == ["b"]
    assert remove_statement(left, "b") is None
    with pytest.raises(NotFoundError):
        remove_statement(None, "a")
