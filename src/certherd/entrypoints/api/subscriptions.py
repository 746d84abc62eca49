"""``/v1/subscriptions``: subscriptions to topics with Amazon SNS's semantics.

Paths carry the full subscription ARN (``arn:aws:sns:<region>:<account>:<topic>:<id>``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response, status

from certherd.domain.subscriptions import Subscription
from certherd.entrypoints.api.auth import AccountDep, CallerDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.topic_schemas import (
    ConfirmBody,
    SetAttributeBody,
    SubscribeBody,
    SubscribedOut,
    SubscriptionArnOut,
    SubscriptionListOut,
    SubscriptionOut,
    attribute_string,
    attribute_strings,
)
from certherd.entrypoints.api.topics import TAG, topic_arn_of
from certherd.services.topics import Caller as TopicCaller

__all__ = ["router"]

router = APIRouter(prefix="/v1/subscriptions", tags=[TAG])

_ANY = problems(400, 401, 403, 404, 409)
#: What Subscribe answers for a subscription still waiting for its endpoint [SNS API].
PENDING_ARN: Final = "pending confirmation"

JSON = dict[str, Any]


def _caller(account: str) -> TopicCaller:
    return TopicCaller.of_account(account)


def _summary(subscription: Subscription) -> JSON:
    return {
        "SubscriptionArn": subscription.shown_arn,
        "Owner": subscription.account,
        "Protocol": subscription.protocol.value,
        "Endpoint": subscription.endpoint,
        "TopicArn": subscription.topic_arn,
    }


@router.post(
    "",
    response_model=SubscribedOut,
    summary="Subscribe an endpoint to a topic",
    description="Email and http(s) subscriptions wait for their endpoint to confirm them (a "
    "confirmation request is sent); the others are confirmed at once. Subscribing the same "
    "endpoint again returns the subscription. `function` subscriptions run a command on "
    "the server and need an admin token.",
    responses=_ANY,
)
def subscribe(body: SubscribeBody, caller: CallerDep, c: ContainerDep) -> JSON:
    attributes = attribute_strings(body.attributes)
    subscription = c.subscriptions.subscribe(
        _caller(caller.account),
        topic_arn_of(c, caller.account, body.topic_arn),
        body.protocol,
        body.endpoint,
        attributes=attributes,
        may_run_commands=caller.is_admin,
    )
    pending = subscription.pending
    shown = PENDING_ARN if pending and not body.return_subscription_arn else subscription.arn
    return {"SubscriptionArn": shown, "PendingConfirmation": pending}


@router.get(
    "",
    response_model=SubscriptionListOut,
    summary="List subscriptions",
    description="The account's subscriptions, or with `TopicArn` every subscription of that "
    "topic (100 a page). Pending ones show `PendingConfirmation` as their ARN.",
    responses=problems(400, 401, 403, 404),
)
def list_subscriptions(
    account: AccountDep,
    c: ContainerDep,
    topic_arn: Annotated[Text | None, Query(alias="TopicArn", max_length=2048)] = None,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=2048)] = None,
) -> JSON:
    page = c.subscriptions.list(
        account,
        topic_arn=topic_arn_of(c, account, topic_arn) if topic_arn else None,
        next_token=next_token,
    )
    return {
        "Subscriptions": [_summary(s) for s in page.subscriptions],
        "NextToken": page.next_token,
    }


@router.post(
    "/confirm",
    response_model=SubscriptionArnOut,
    summary="Confirm a subscription with the token it was sent",
    description="`AuthenticateOnUnsubscribe` (the topic owner's or the subscriber's token) "
    "makes the unsubscribe link stop working: only they may unsubscribe afterwards.",
    responses=_ANY,
)
def confirm(body: ConfirmBody, account: AccountDep, c: ContainerDep) -> JSON:
    subscription = c.subscriptions.confirm(
        topic_arn_of(c, account, body.topic_arn),
        body.token,
        caller=_caller(account),
        authenticate_on_unsubscribe=body.authenticate_on_unsubscribe,
    )
    return {"SubscriptionArn": subscription.arn}


@router.get(
    "/{arn}",
    response_model=SubscriptionOut,
    summary="Describe a subscription (its attributes)",
    responses=_ANY,
)
def describe_subscription(arn: str, account: AccountDep, c: ContainerDep) -> JSON:
    return {
        "SubscriptionArn": arn,
        "Attributes": c.subscriptions.attributes(_caller(account), arn),
    }


@router.put(
    "/{arn}/attributes/{name}",
    response_model=SubscriptionOut,
    summary="Set a subscription attribute",
    description="FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy or "
    "DeliveryPolicy (http/https); an empty value removes a policy. 409 while pending.",
    responses=_ANY,
)
def set_subscription_attribute(
    arn: str, name: str, body: SetAttributeBody, account: AccountDep, c: ContainerDep
) -> JSON:
    c.subscriptions.set_attribute(
        _caller(account), arn, name, attribute_string(body.attribute_value)
    )
    return {
        "SubscriptionArn": arn,
        "Attributes": c.subscriptions.attributes(_caller(account), arn),
    }


@router.delete(
    "/{arn}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Unsubscribe",
    description="A confirmed email or http(s) subscriber is sent an UnsubscribeConfirmation "
    "whose link restores the subscription for two days.",
    responses=_ANY,
)
def unsubscribe(arn: str, account: AccountDep, c: ContainerDep) -> Response:
    c.subscriptions.unsubscribe(_caller(account), arn)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
