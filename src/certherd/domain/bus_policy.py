"""Event bus permissions (spec 2.8): the resource policy PutPermission writes, and the
decision whether it lets another account put events on the bus.

The policy is an IAM policy document as AWS writes it::

    {"Version": "2012-10-17", "Statement": [{"Sid": "ops", "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "events:PutEvents",
      "Resource": "arn:aws:events:us-east-1:123456789012:event-bus/default"}]}

:func:`bus_policy_allows` evaluates it the way IAM evaluates a resource policy for a
principal of another account: an explicit Deny wins, else an Allow grants, else nothing
does. Organizations are not modelled, so a condition on ``aws:PrincipalOrgID`` (what
PutPermission's Condition writes) never holds: such a grant is stored, shown and removed,
but lets no account in until organizations exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

from certherd.domain.arns import parse_arn
from certherd.domain.resource_policy import Decision, PolicyRequest, evaluate
from certherd.errors import ConflictError, LimitExceededError, NotFoundError, ValidationError

__all__ = [
    "MAX_POLICY",
    "PUT_EVENTS",
    "PolicyLengthExceededError",
    "add_statement",
    "bus_policy_allows",
    "check_policy",
    "remove_statement",
]

#: The policy of a bus is at most 10,240 characters (spec 2.8).
MAX_POLICY: Final = 10240
POLICY_VERSION: Final = "2012-10-17"
_STATEMENT_ID: Final = re.compile(r"[a-zA-Z0-9\-_]{1,64}")
_ACTION: Final = re.compile(r"events:[a-zA-Z]+")
_ACCOUNT: Final = re.compile(r"[0-9]{12}")
_EFFECTS: Final = ("Allow", "Deny")
_UNSUPPORTED: Final = ("NotPrincipal", "NotAction", "NotResource")
#: The condition PutPermission's Condition parameter may state (AWS's only one).
CONDITION_TYPE: Final = "StringEquals"
CONDITION_KEY: Final = "aws:PrincipalOrgID"

#: The action a bus policy grants to let another account put events on the bus.
PUT_EVENTS: Final = "events:PutEvents"


class PolicyLengthExceededError(LimitExceededError):
    """The bus's policy would be longer than 10,240 characters."""

    code = "PolicyLengthExceededException"


def _dump(document: Mapping[str, Any]) -> str:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_POLICY:
        raise PolicyLengthExceededError(
            f"The policy of an event bus is at most {MAX_POLICY} characters.", field="Policy"
        )
    return text


def _statements(document: Mapping[str, Any]) -> list[Any]:
    found = document.get("Statement")
    if isinstance(found, Mapping):
        return [found]
    return list(found) if isinstance(found, list) else []


def _check_statement(statement: object, where: str) -> None:
    if not isinstance(statement, Mapping):
        raise ValidationError("must be an object", field=where)
    for key in _UNSUPPORTED:
        if key in statement:
            raise ValidationError("is not supported in event bus policies", field=f"{where}.{key}")
    if statement.get("Effect") not in _EFFECTS:
        raise ValidationError("must be Allow or Deny", field=f"{where}.Effect")
    for key in ("Principal", "Action", "Resource"):
        if key not in statement:
            raise ValidationError("is required", field=f"{where}.{key}")
    sid = statement.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise ValidationError("must be a string", field=f"{where}.Sid")
    for key in ("Action", "Resource"):
        value = statement[key]
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise ValidationError("must be a string or a list of strings", field=f"{where}.{key}")
    condition = statement.get("Condition")
    if condition is not None and not (
        isinstance(condition, Mapping) and all(isinstance(v, Mapping) for v in condition.values())
    ):
        raise ValidationError(
            "must map operators to {key: value} objects", field=f"{where}.Condition"
        )


def check_policy(text: object) -> str:
    """A whole policy given to PutPermission: a JSON object of at most 10,240 characters
    whose ``Statement`` (an object or a non-empty list) holds statements with ``Effect``
    (Allow or Deny), ``Principal``, ``Action`` and ``Resource``. Returned as given.

    Raises ValidationError naming ``Policy`` (or ``Policy.Statement[i].<key>``) and
    PolicyLengthExceededError.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("must be a JSON policy document", field="Policy")
    if len(text) > MAX_POLICY:
        raise PolicyLengthExceededError(
            f"The policy of an event bus is at most {MAX_POLICY} characters.", field="Policy"
        )
    try:
        document = json.loads(text)
    except ValueError:
        raise ValidationError("is not JSON", field="Policy") from None
    if not isinstance(document, Mapping):
        raise ValidationError("must be a JSON object", field="Policy")
    statements = _statements(document)
    if not statements:
        raise ValidationError("must hold at least one statement", field="Policy.Statement")
    for index, statement in enumerate(statements):
        _check_statement(statement, f"Policy.Statement[{index}]")
    return text


def check_statement_id(sid: object) -> str:
    """StatementId: 1-64 of ``a-zA-Z0-9-_``."""
    if not isinstance(sid, str) or not _STATEMENT_ID.fullmatch(sid):
        raise ValidationError(
            "must be 1 to 64 characters of letters, digits, '-' and '_'", field="StatementId"
        )
    return sid


def check_principal(principal: object) -> str:
    """Principal: a 12-digit account id or ``*``."""
    if not isinstance(principal, str) or not (principal == "*" or _ACCOUNT.fullmatch(principal)):
        raise ValidationError("must be a 12-digit account id or *", field="Principal")
    return principal


def check_action(action: object) -> str:
    """Action: ``events:<Name>`` (``events:PutEvents``)."""
    if not isinstance(action, str) or not _ACTION.fullmatch(action):
        raise ValidationError("must be events:<Action>, e.g. events:PutEvents", field="Action")
    return action


def check_condition(condition: object) -> dict[str, str] | None:
    """Condition ``{Type, Key, Value}``: AWS supports Type StringEquals on the key
    aws:PrincipalOrgID, the value an organization id."""
    if condition is None:
        return None
    if not isinstance(condition, Mapping):
        raise ValidationError("must be an object with Type, Key and Value", field="Condition")
    for key in ("Type", "Key", "Value"):
        value = condition.get(key)
        if not isinstance(value, str) or not value:
            raise ValidationError("is required", field=f"Condition.{key}")
    if condition["Type"] != CONDITION_TYPE:
        raise ValidationError(f"must be {CONDITION_TYPE}", field="Condition.Type")
    if condition["Key"] != CONDITION_KEY:
        raise ValidationError(f"must be {CONDITION_KEY}", field="Condition.Key")
    return {"Type": condition["Type"], "Key": condition["Key"], "Value": condition["Value"]}


def add_statement(
    policy: str | None,
    *,
    statement_id: str,
    principal: str,
    action: str,
    bus_arn: str,
    condition: Mapping[str, str] | None = None,
) -> str:
    """The bus's policy with the statement PutPermission writes added (a new policy when
    there was none). ConflictError when a statement already has ``statement_id``;
    PolicyLengthExceededError past 10,240 characters."""
    document: dict[str, Any] = (
        json.loads(policy) if policy else {"Version": POLICY_VERSION, "Statement": []}
    )
    statements = _statements(document)
    if any(isinstance(s, Mapping) and s.get("Sid") == statement_id for s in statements):
        raise ConflictError(
            f"A statement with the id {statement_id} already exists in the policy.",
            field="StatementId",
        )
    partition = parse_arn(bus_arn, field="EventBusName").partition
    statement: dict[str, Any] = {
        "Sid": statement_id,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:{partition}:iam::{principal}:root"},
        "Action": action,
        "Resource": bus_arn,
    }
    if condition is not None:
        statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
    document["Statement"] = [*statements, statement]
    return _dump(document)


def remove_statement(policy: str | None, statement_id: str) -> str | None:
    """The policy without the statement ``statement_id`` (None when none is left);
    NotFoundError when it has no such statement."""
    document: dict[str, Any] = json.loads(policy) if policy else {}
    statements = _statements(document)
    kept = [s for s in statements if not (isinstance(s, Mapping) and s.get("Sid") == statement_id)]
    if len(kept) == len(statements):
        raise NotFoundError("Statement with the provided id does not exist.", field="StatementId")
    if not kept:
        return None
    document["Statement"] = kept
    return _dump(document)


# -- the decision -----------------------------------------------------------------------------


def bus_policy_allows(
    policy: str | None, *, principal_account: str, action: str, bus_arn: str
) -> bool:
    """Whether ``principal_account`` may do ``action`` on the bus ``bus_arn`` whose policy
    is ``policy``. The bus's own account always may. Otherwise a statement applies when
    its Principal names the account (or ``*``), its Action and Resource match (``*`` and
    ``?`` wildcards; actions ignore case) and its Condition holds (keys known:
    ``aws:PrincipalAccount``); an applicable Deny refuses, else an applicable Allow grants,
    else the answer is no (:func:`certherd.domain.resource_policy.evaluate`). Never
    raises: a policy that cannot be read grants nothing."""
    try:
        owner = parse_arn(bus_arn, field="Resource").account
    except ValidationError:
        return False
    if owner == principal_account:
        return True
    if not policy:
        return False
    request = PolicyRequest(
        action=action,
        resource=bus_arn,
        principal_account=principal_account,
        context={"aws:PrincipalAccount": principal_account},
    )
    return evaluate(policy, request) is Decision.ALLOW
