"""IAM resource policies: the JSON documents a bus, a topic or a queue carries to say who
else may act on it, checked once when written and evaluated on every request.

A document is the IAM policy language as AWS writes it::

    {"Version": "2012-10-17", "Statement": [{"Sid": "events", "Effect": "Allow",
      "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
      "Resource": "arn:aws:sns:us-east-1:123456789012:alerts",
      "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:...:rule/expiry"}}}]}

:func:`evaluate` decides a :class:`PolicyRequest` the way IAM decides a resource policy
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an applicable Deny wins, else an applicable Allow grants, else the policy says nothing.
Whether "says nothing" means yes (the owner's own account) or no (anyone else) is the
caller's business.

Principals: ``"*"`` is everyone, accounts and services alike; ``{"AWS": ...}`` names
accounts (``"*"``, a 12-digit id or ``arn:<partition>:iam::<id>:root``) and
``{"Service": ...}`` names AWS service principals such as ``events.amazonaws.com``. A
service acting for a resource is matched by ``"*"`` or by its Service name, never by an
AWS entry. certherd grants to whole accounts, so IAM user and role ARNs are refused when
a policy is checked. NotPrincipal, NotAction and NotResource are refused too.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from certherd.errors import LimitExceededError, ValidationError

__all__ = [
    "OPERATORS",
    "VERSIONS",
    "Decision",
    "PolicyRequest",
    "check_policy_document",
    "evaluate",
    "resource_matches",
]

#: The policy language versions IAM knows (2008-10-17 is what SNS writes by default).
VERSIONS: Final = ("2012-10-17", "2008-10-17")
_UNSUPPORTED: Final = ("NotPrincipal", "NotAction", "NotResource")
_ELEMENTS: Final = ("Sid", "Effect", "Principal", "Action", "Resource", "Condition")
_ACCOUNT: Final = re.compile(r"[0-9]{12}")
_ROOT: Final = re.compile(r"arn:[\w-]+:iam::([0-9]{12}):root")
_SERVICE: Final = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_ACTION_NAME: Final = re.compile(r"[A-Za-z0-9*?]+")

#: Negated operator -> the positive operator it inverts.
_NEGATED: Final = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_POSITIVE: Final = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")
_BASE_OPERATORS: Final = (*_POSITIVE, *_NEGATED, "Bool")
#: Every condition operator evaluated: the string and ARN families, Bool, each with its
#: ...IfExists form, and Null.
OPERATORS: Final = frozenset({*_BASE_OPERATORS, *(f"{o}IfExists" for o in _BASE_OPERATORS), "Null"})


class Decision(StrEnum):
    """What a policy says about one request."""

    ALLOW = "Allow"
    DENY = "Deny"
    NOT_APPLICABLE = "NotApplicable"


@dataclass(frozen=True)
class PolicyRequest:
    """One request put to a resource policy: who (an account, a service, or both), which
    action on which resource ARN, and the condition keys the request carries (keys
    compare case-insensitively, as IAM's do; values are strings)."""

    action: str
    resource: str
    principal_account: str | None = None
    principal_service: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)


# -- the decision -----------------------------------------------------------------------------


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, *, fold: bool = False) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    # IAM wildcards are * and ?; brackets mean nothing, so they are escaped for fnmatch.
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def resource_matches(pattern: str, resource: str) -> bool:
    """Whether a statement's Resource ``pattern`` (``*`` and ``?`` wildcards, case
    matters) covers the ARN ``resource``."""
    return _glob(pattern, resource)


def _arn_like(pattern: str, value: str) -> bool:
    # IAM compares ARNs component by component, each of the six with its own wildcards,
    # so a * never spills from one component into the next.
    wanted, given = pattern.split(":", 5), value.split(":", 5)
    if len(wanted) == len(given) == 6:
        return all(_glob(w, g) for w, g in zip(wanted, given, strict=True))
    return _glob(pattern, value)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches(kind: str, wanted: str, value: str) -> bool:
    if kind == "StringEquals":
        return wanted == value
    if kind in ("StringEqualsIgnoreCase", "Bool"):
        return wanted.casefold() == value.casefold()
    if kind == "StringLike":
        return _glob(wanted, value)
    return _arn_like(wanted, value)  # ArnEquals and ArnLike are one comparison in IAM


def _condition_holds(operator: str, key: str, expected: object, context: Mapping[str, str]) -> bool:
    wanted = [_scalar(v) for v in _as_list(expected)]
    present = key.lower() in context
    if operator == "Null":
        return any((w.lower() == "true") is not present for w in wanted)
    base = operator.removesuffix("IfExists")
    if base not in _BASE_OPERATORS:
        return False  # an operator certherd does not evaluate grants and denies nothing
    negated = base in _NEGATED
    if not present:
        # IAM: a key absent from the request fails every positive operator and satisfies
        # every negated one and every ...IfExists one.
        return negated or base != operator
    value = context[key.lower()]
    hit = any(_matches(_NEGATED.get(base, base), w, value) for w in wanted)
    return not hit if negated else hit


def _conditions_hold(condition: object, context: Mapping[str, str]) -> bool:
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        return False
    return all(
        isinstance(pairs, Mapping)
        and all(_condition_holds(str(op), str(k), v, context) for k, v in pairs.items())
        for op, pairs in condition.items()
    )


def _principal_matches(principal: object, request: PolicyRequest) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    account, service = request.principal_account, request.principal_service
    if account is not None:
        for item in _as_list(principal.get("AWS")):
            if item == "*" or item == account:
                return True
            root = _ROOT.fullmatch(item) if isinstance(item, str) else None
            if root is not None and root.group(1) == account:
                return True
    if service is not None:
        names = _as_list(principal.get("Service"))
        return any(isinstance(n, str) and n.lower() == service.lower() for n in names)
    return False


def _statements(document: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return
    if not isinstance(document, Mapping):
        return
    found = document.get("Statement")
    yield from (s for s in _as_list(found) if isinstance(s, Mapping))


def _applies(statement: Mapping[str, Any], request: PolicyRequest, context: dict[str, str]) -> bool:
    return (
        _principal_matches(statement.get("Principal"), request)
        and any(
            isinstance(a, str) and _glob(a, request.action, fold=True)
            for a in _as_list(statement.get("Action"))
        )
        and any(
            isinstance(r, str) and _glob(r, request.resource)
            for r in _as_list(statement.get("Resource"))
        )
        and _conditions_hold(statement.get("Condition"), context)
    )


def evaluate(document: str | Mapping[str, Any] | None, request: PolicyRequest) -> Decision:
    """What ``document`` says about ``request``: DENY when an applicable statement denies
    it, else ALLOW when one allows it, else NOT_APPLICABLE.

    A statement applies when its Principal names the requester, one of its Actions matches
    (``*`` and ``?`` wildcards, case-insensitive as IAM actions are), one of its Resources
    matches (wildcards, case-sensitive) and every condition holds: operators and keys are
    AND-ed, the values of one key OR-ed; a key missing from ``request.context`` fails a
    positive operator. Never raises: a document that cannot be read says nothing.
    """
    context = {key.lower(): value for key, value in request.context.items()}
    allowed = False
    for statement in _statements(document):
        if not _applies(statement, request, context):
            continue
        if statement.get("Effect") == "Deny":
            return Decision.DENY
        if statement.get("Effect") == "Allow":
            allowed = True
    return Decision.ALLOW if allowed else Decision.NOT_APPLICABLE


# -- the check --------------------------------------------------------------------------------


def _strings(value: object, where: str) -> list[str]:
    values = _as_list(value)
    if not values or not all(isinstance(v, str) and v for v in values):
        raise ValidationError("must be a string or a non-empty list of strings", field=where)
    return values


def _check_principal(principal: object, where: str) -> None:
    if principal == "*":
        return
    if not isinstance(principal, Mapping) or not principal:
        raise ValidationError('must be "*" or an object with AWS and/or Service', field=where)
    for kind, value in principal.items():
        if kind not in ("AWS", "Service"):
            raise ValidationError(
                f"{kind} principals are not supported; use AWS or Service", field=where
            )
        for item in _strings(value, f"{where}.{kind}"):
            if kind == "AWS" and not (
                item == "*" or _ACCOUNT.fullmatch(item) or _ROOT.fullmatch(item)
            ):
                raise ValidationError(
                    f"{item!r} is not *, a 12-digit account id or "
                    "arn:<partition>:iam::<account>:root (grants go to whole accounts)",
                    field=f"{where}.AWS",
                )
            if kind == "Service" and not _SERVICE.fullmatch(item):
                raise ValidationError(
                    f"{item!r} is not a service principal such as events.amazonaws.com",
                    field=f"{where}.Service",
                )


def _check_actions(value: object, where: str, prefixes: tuple[str, ...]) -> None:
    allowed = {p.lower() for p in prefixes}
    for action in _strings(value, where):
        prefix, colon, name = action.partition(":")
        if action == "*":
            continue
        if not colon or not _ACTION_NAME.fullmatch(name):
            raise ValidationError(
                f"{action!r} is not an action; write <service>:<Action>, e.g. {prefixes[0]}:*",
                field=where,
            )
        if prefix.lower() not in allowed:
            raise ValidationError(
                f"{action!r} is not an action of this service (expected "
                f"{' or '.join(f'{p}:<Action>' for p in prefixes)})",
                field=where,
            )


def _check_condition(condition: object, where: str) -> None:
    if not isinstance(condition, Mapping) or not condition:
        raise ValidationError("must map operators to {key: value} objects", field=where)
    for operator, pairs in condition.items():
        if operator not in OPERATORS:
            raise ValidationError(
                f"operator {operator!r} is not supported (supported: the String and Arn "
                "operators, Bool, their ...IfExists forms, and Null)",
                field=where,
            )
        if not isinstance(pairs, Mapping) or not pairs:
            raise ValidationError("must map condition keys to values", field=f"{where}.{operator}")
        for key, value in pairs.items():
            values = _as_list(value)
            if not key or not values or not all(isinstance(v, str | bool | int) for v in values):
                raise ValidationError(
                    "must be a string or a non-empty list of strings",
                    field=f"{where}.{operator}.{key}",
                )
            if operator == "Null" and any(
                _scalar(v).lower() not in ("true", "false") for v in values
            ):
                raise ValidationError(
                    "must be true (the key is absent) or false (it is present)",
                    field=f"{where}.{operator}.{key}",
                )


def _check_statement(statement: object, where: str, prefixes: tuple[str, ...]) -> None:
    if not isinstance(statement, Mapping):
        raise ValidationError("must be an object", field=where)
    for key in statement:
        if key in _UNSUPPORTED:
            raise ValidationError(
                "is not supported; write the statement with Principal, Action and Resource",
                field=f"{where}.{key}",
            )
        if key not in _ELEMENTS:
            raise ValidationError(
                f"is not a statement element ({', '.join(_ELEMENTS)})", field=f"{where}.{key}"
            )
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise ValidationError("must be Allow or Deny", field=f"{where}.Effect")
    for key in ("Principal", "Action", "Resource"):
        if key not in statement:
            raise ValidationError("is required", field=f"{where}.{key}")
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        raise ValidationError("must be a string", field=f"{where}.Sid")
    _check_principal(statement["Principal"], f"{where}.Principal")
    _check_actions(statement["Action"], f"{where}.Action", prefixes)
    for resource in _strings(statement["Resource"], f"{where}.Resource"):
        if resource != "*" and not resource.startswith("arn:"):
            raise ValidationError(f"{resource!r} is not * or an ARN", field=f"{where}.Resource")
    if "Condition" in statement:
        _check_condition(statement["Condition"], f"{where}.Condition")


def check_policy_document(
    text: object,
    *,
    field: str,
    max_length: int,
    action_prefixes: tuple[str, ...],
    max_statements: int | None = None,
) -> str:
    """``text`` if it is a resource policy certherd can evaluate, else an error naming
    ``field`` (or ``<field>.Statement[i].<element>``) and the rule broken.

    The rules: a JSON object of at most ``max_length`` characters with an optional
    ``Version`` (2012-10-17 or 2008-10-17) and ``Id``, and a ``Statement`` (one object or
    a non-empty list, at most ``max_statements``) of statements with unique ``Sid``s, an
    ``Effect`` of Allow or Deny, a ``Principal`` (see the module docstring), ``Action``s
    of the services in ``action_prefixes`` (``*`` and ``?`` allowed), ``Resource``s
    (``*`` or ARNs) and an optional ``Condition`` of supported operators.

    Raises ValidationError, or LimitExceededError for the length and statement count.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("must be a JSON policy document", field=field)
    if len(text) > max_length:
        raise LimitExceededError(f"must be at most {max_length} characters", field=field)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", field=field
        ) from None
    if not isinstance(document, Mapping):
        raise ValidationError("must be a JSON object", field=field)
    for key in document:
        if key not in ("Version", "Id", "Statement"):
            raise ValidationError(
                "is not a policy element (Version, Id, Statement)", field=f"{field}.{key}"
            )
    if "Version" in document and document["Version"] not in VERSIONS:
        raise ValidationError(f"must be {' or '.join(VERSIONS)}", field=f"{field}.Version")
    if "Id" in document and not isinstance(document["Id"], str):
        raise ValidationError("must be a string", field=f"{field}.Id")
    if "Statement" not in document:
        raise ValidationError("is required", field=f"{field}.Statement")
    statements = document["Statement"]
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ValidationError(
            "must be a statement object or a non-empty list of statements",
            field=f"{field}.Statement",
        )
    if max_statements is not None and len(statements) > max_statements:
        raise LimitExceededError(
            f"must hold at most {max_statements} statements", field=f"{field}.Statement"
        )
    sids: dict[str, int] = {}
    for index, statement in enumerate(statements):
        where = f"{field}.Statement[{index}]"
        _check_statement(statement, where, action_prefixes)
        sid = statement.get("Sid")
        if sid is not None and sid in sids:
            raise ValidationError(
                f"{sid!r} is already the Sid of Statement[{sids[sid]}]", field=f"{where}.Sid"
            )
        if sid is not None:
            sids[sid] = index
    return text
