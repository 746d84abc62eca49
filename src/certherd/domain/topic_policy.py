"""Topic access policies: the ``Policy`` attribute every topic carries (spec 3.1), the
default one a new topic gets, and the decision whether a caller may act on the topic.

Who may do what (:func:`topic_policy_allows`): a caller of the account that owns the
topic (a certherd API token of that account stands for the account's IAM identities,
whose own permissions certherd does not model) may do anything the policy does not
explicitly deny. Another account, or an AWS service principal such as
``events.amazonaws.com`` publishing for a rule, needs an explicit Allow and no Deny.

That is why, as on AWS, a rule cannot publish into a topic that still has the default
policy: the default statement names ``{"AWS": "*"}`` (accounts), not the events service.
The statement EventBridge's documentation has users add
(:func:`allow_events_statement`) is what lets it in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

from certherd.domain.arns import parse_arn, validate_account_id
from certherd.domain.resource_policy import (
    Decision,
    PolicyRequest,
    check_policy_document,
    evaluate,
    resource_matches,
)
from certherd.errors import LimitExceededError, ValidationError

__all__ = [
    "ADD_PERMISSION",
    "DEFAULT_ACTIONS",
    "DELETE_TOPIC",
    "EVENTS_SERVICE",
    "GET_TOPIC_ATTRIBUTES",
    "LIST_SUBSCRIPTIONS_BY_TOPIC",
    "MAX_POLICY_BYTES",
    "MAX_STATEMENTS",
    "PUBLISH",
    "REMOVE_PERMISSION",
    "SET_TOPIC_ATTRIBUTES",
    "SUBSCRIBE",
    "allow_events_statement",
    "check_topic_policy",
    "default_topic_policy",
    "topic_policy_allows",
    "with_statement",
]

#: The service principal EventBridge uses when a rule's target publishes to a topic.
EVENTS_SERVICE: Final = "events.amazonaws.com"

GET_TOPIC_ATTRIBUTES: Final = "sns:GetTopicAttributes"
SET_TOPIC_ATTRIBUTES: Final = "sns:SetTopicAttributes"
ADD_PERMISSION: Final = "sns:AddPermission"
REMOVE_PERMISSION: Final = "sns:RemovePermission"
DELETE_TOPIC: Final = "sns:DeleteTopic"
SUBSCRIBE: Final = "sns:Subscribe"
LIST_SUBSCRIPTIONS_BY_TOPIC: Final = "sns:ListSubscriptionsByTopic"
PUBLISH: Final = "sns:Publish"

#: The actions of the default statement, spelt and ordered as SNS writes them.
DEFAULT_ACTIONS: Final = (
    "SNS:GetTopicAttributes",
    "SNS:SetTopicAttributes",
    "SNS:AddPermission",
    "SNS:RemovePermission",
    "SNS:DeleteTopic",
    "SNS:Subscribe",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
)

#: SNS policy quotas: 30 KB and 100 statements per policy
#: (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html).
MAX_POLICY_BYTES: Final = 30 * 1024
MAX_STATEMENTS: Final = 100
_SID: Final = re.compile(r"[A-Za-z0-9_\-]{1,128}")
_WILDCARD: Final = re.compile(r"[*?]")


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def default_topic_policy(topic_arn: str, account: str) -> str:
    """The policy SNS gives a new topic: every principal of the owning account (condition
    ``AWS:SourceOwner``) may use the topic's eight management and publishing actions.

    Byte for byte what GetTopicAttributes returns for a new topic (compact JSON, SNS's key
    order), as shown in the EventBridge user guide, "Using resource-based policies for
    Amazon EventBridge", Amazon SNS permissions
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html;
    that page prints Version 2012-10-17, while topics created through the API carry
    2008-10-17, as recorded by the AWS CLI reference for ``sns get-topic-attributes`` and
    localstack's ``create_default_topic_policy``).
    """
    return _dump(
        {
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": list(DEFAULT_ACTIONS),
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
                }
            ],
        }
    )


def check_topic_policy(text: object, *, topic_arn: str | None = None) -> str:
    """``text`` if it is a topic policy certherd accepts, returned as given: ASCII JSON
    of at most 30 KB and 100 statements whose actions are ``sns:`` actions (see
    :func:`certherd.domain.resource_policy.check_policy_document` for the rest). With
    ``topic_arn``, every Resource must cover that topic (an SNS policy covers only its
    own topic).

    Raises ValidationError naming ``Policy`` (or ``Policy.Statement[i].<element>``), and
    LimitExceededError for the size and statement count.
    """
    if isinstance(text, str):
        if not text.isascii():
            raise ValidationError("must contain only ASCII characters", field="Policy")
        if len(text) > MAX_POLICY_BYTES:
            raise LimitExceededError(
                f"must be at most {MAX_POLICY_BYTES} bytes (30 KB)", field="Policy"
            )
    checked = check_policy_document(
        text,
        field="Policy",
        max_length=MAX_POLICY_BYTES,
        action_prefixes=("sns",),
        max_statements=MAX_STATEMENTS,
    )
    if topic_arn is not None:
        statements = json.loads(checked)["Statement"]
        for index, statement in enumerate(
            statements if isinstance(statements, list) else [statements]
        ):
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                if not resource_matches(resource, topic_arn):
                    raise ValidationError(
                        f"{resource!r} does not cover {topic_arn}; a topic policy covers "
                        "only its own topic",
                        field=f"Policy.Statement[{index}].Resource",
                    )
    return checked


def topic_policy_allows(
    policy: str | None,
    *,
    action: str,
    topic_arn: str,
    owner_account: str,
    caller_account: str | None = None,
    caller_service: str | None = None,
    source_arn: str | None = None,
    source_account: str | None = None,
) -> bool:
    """Whether the caller may do ``action`` (``sns:Publish``, or bare ``Publish``) on the
    topic ``topic_arn`` owned by ``owner_account`` whose policy is ``policy``.

    The caller is an account (``caller_account``) or an AWS service principal
    (``caller_service``, e.g. :data:`EVENTS_SERVICE`) acting for the resource
    ``source_arn`` of ``source_account`` (a rule and its account). The owner's own account
    is allowed unless a statement denies it; anyone else needs an Allow and no Deny.
    Condition keys set: ``aws:SourceArn`` and ``aws:SourceAccount`` when given,
    ``AWS:SourceOwner`` (the caller's account, or ``source_account`` for a service) and,
    for accounts, ``aws:PrincipalAccount``. A missing or unreadable policy denies nothing
    and grants nothing.

    Raises ValueError when neither or both of ``caller_account`` and ``caller_service``
    are given.
    """
    if (caller_account is None) == (caller_service is None):
        raise ValueError("give exactly one of caller_account and caller_service")
    context: dict[str, str] = {}
    if source_arn is not None:
        context["aws:SourceArn"] = source_arn
    if source_account is not None:
        context["aws:SourceAccount"] = source_account
    owner = caller_account if caller_account is not None else source_account
    if owner is not None:
        context["AWS:SourceOwner"] = owner
    if caller_account is not None:
        context["aws:PrincipalAccount"] = caller_account
    request = PolicyRequest(
        action=action if ":" in action else f"sns:{action}",
        resource=topic_arn,
        principal_account=caller_account,
        principal_service=caller_service,
        context=context,
    )
    decision = evaluate(policy, request) if policy else Decision.NOT_APPLICABLE
    if decision is Decision.DENY:
        return False
    return decision is Decision.ALLOW or caller_account == owner_account


def allow_events_statement(
    topic_arn: str,
    *,
    sid: str,
    source_arn: str | None = None,
    source_account: str | None = None,
) -> dict[str, Any]:
    """The statement that lets EventBridge rules publish to the topic (the one the
    EventBridge user guide has users add): Principal ``events.amazonaws.com``, Action
    ``sns:Publish``, Resource the topic, narrowed to one rule (``ArnEquals``, or
    ``ArnLike`` when ``source_arn`` has wildcards, on ``aws:SourceArn``) and/or one
    account (``StringEquals`` on ``aws:SourceAccount``) when those are given.

    Raises ValidationError naming ``Sid``, ``TopicArn``, ``SourceArn`` or
    ``SourceAccount``.
    """
    if not isinstance(sid, str) or not _SID.fullmatch(sid):
        raise ValidationError(
            "must be 1 to 128 characters of letters, digits, '-' and '_'", field="Sid"
        )
    parse_arn(topic_arn, field="TopicArn", service="sns")
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": EVENTS_SERVICE},
        "Action": PUBLISH,
        "Resource": topic_arn,
    }
    condition: dict[str, dict[str, str]] = {}
    if source_arn is not None:
        wildcard = _WILDCARD.search(source_arn) is not None
        if not wildcard:
            parse_arn(source_arn, field="SourceArn")
        elif not source_arn.startswith("arn:") or source_arn.count(":") < 5:
            raise ValidationError(
                f"{source_arn!r} is not an ARN pattern of six components", field="SourceArn"
            )
        operator = "ArnLike" if wildcard else "ArnEquals"
        condition[operator] = {"aws:SourceArn": source_arn}
    if source_account is not None:
        validate_account_id(source_account, field="SourceAccount")
        condition["StringEquals"] = {"aws:SourceAccount": source_account}
    if condition:
        statement["Condition"] = condition
    return statement


def with_statement(policy: str, statement: Mapping[str, Any]) -> str:
    """``policy`` with ``statement`` in it: in place of the statement with the same
    ``Sid`` if there is one, else appended. The result is compact JSON and passes
    :func:`check_topic_policy`.

    Raises ValidationError naming ``Policy`` when ``policy`` is not a policy document or
    the result would not be a valid topic policy (LimitExceededError past 30 KB or 100
    statements).
    """
    check_topic_policy(policy)
    document: dict[str, Any] = json.loads(policy)
    found = document["Statement"]
    statements = list(found) if isinstance(found, list) else [found]
    sid = statement.get("Sid")
    same = [i for i, s in enumerate(statements) if sid is not None and s.get("Sid") == sid]
    if same:
        statements[same[0]] = dict(statement)
    else:
        statements.append(dict(statement))
    document["Statement"] = statements
    return check_topic_policy(_dump(document))
