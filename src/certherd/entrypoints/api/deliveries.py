"""``/v1/deliveries``: the record of deliveries to topic subscribers (every attempt, its
status code, latency and error) and the redrive of what was given up."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query

from certherd.domain.topic_deliveries import DeliveryAttempt, DeliveryState, TopicDelivery
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.topic_schemas import (
    DeliveryDetailOut,
    DeliveryListOut,
    RedriveDeliveriesBody,
    RedrivenOut,
)
from certherd.entrypoints.api.topics import TAG, topic_arn_of
from certherd.entrypoints.api.views import instant, precise_instant
from certherd.errors import NotFoundError
from certherd.services.topic_deliveries import MAX_DELIVERIES_PAGE

__all__ = ["router"]

router = APIRouter(prefix="/v1/deliveries", tags=[TAG])

_ANY = problems(400, 401, 403, 404)
_ID_RE: Final = re.compile(r"[0-9a-f-]{36}")

JSON = dict[str, Any]


def _fields(delivery: TopicDelivery) -> JSON:
    return {
        "DeliveryId": delivery.id,
        "Kind": delivery.kind.value,
        "MessageId": delivery.message_id,
        "TopicArn": delivery.topic_arn,
        "SubscriptionArn": delivery.subscription_arn,
        "Protocol": delivery.protocol,
        "State": delivery.state.value,
        "Attempts": delivery.attempts,
        "NextAttemptAt": (
            instant(delivery.next_attempt_at) if delivery.state is DeliveryState.PENDING else None
        ),
        "LastStatusCode": delivery.last_status_code,
        "LastError": delivery.last_error,
        "CreatedAt": instant(delivery.created_at),
        "FinishedAt": instant(delivery.finished_at),
    }


def _attempt(attempt: DeliveryAttempt) -> JSON:
    return {
        "Number": attempt.number,
        "At": precise_instant(attempt.at),
        "Succeeded": attempt.succeeded,
        "StatusCode": attempt.status_code,
        "LatencyMs": attempt.latency_ms,
        "Error": attempt.error,
    }


@router.get(
    "",
    response_model=DeliveryListOut,
    summary="List deliveries",
    description="Newest first. `Failed=true`: only those given up (FAILED, DEAD_LETTERED); "
    "`State`: only those in that state (it wins over `Failed`).",
    responses=_ANY,
)
def list_deliveries(
    account: AccountDep,
    c: ContainerDep,
    failed: Annotated[bool, Query(alias="Failed")] = False,
    state: Annotated[DeliveryState | None, Query(alias="State")] = None,
    topic_arn: Annotated[Text | None, Query(alias="TopicArn", max_length=2048)] = None,
    subscription_arn: Annotated[
        Text | None, Query(alias="SubscriptionArn", max_length=2048)
    ] = None,
    max_items: Annotated[int, Query(alias="MaxItems")] = MAX_DELIVERIES_PAGE,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=2048)] = None,
) -> JSON:
    page = c.deliveries.list(
        account,
        failed=failed,
        state=state,
        topic_arn=topic_arn_of(c, account, topic_arn) if topic_arn else None,
        subscription_arn=subscription_arn or None,
        max_items=max_items,
        next_token=next_token,
    )
    return {"Deliveries": [_fields(d) for d in page.deliveries], "NextToken": page.next_token}


@router.get(
    "/{delivery_id}",
    response_model=DeliveryDetailOut,
    summary="Describe a delivery, with every attempt at it",
    responses=_ANY,
)
def describe_delivery(delivery_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    if not _ID_RE.fullmatch(delivery_id):
        raise NotFoundError(f"delivery {delivery_id!r} not found", field="DeliveryId")
    described = c.deliveries.describe(account, delivery_id)
    return {
        **_fields(described.delivery),
        "Attempts": [_attempt(a) for a in described.attempts],
    }


@router.post(
    "/redrive",
    response_model=RedrivenOut,
    summary="Deliver again what was given up for a subscription",
    description="The subscription's FAILED and DEAD_LETTERED deliveries are attempted again "
    "now, with a fresh retry policy. Copies already on the dead-letter queue stay there.",
    responses=_ANY,
)
def redrive(body: RedriveDeliveriesBody, account: AccountDep, c: ContainerDep) -> JSON:
    c.arns.subscription_ref(body.subscription_arn)
    return {"Redriven": c.deliveries.redrive(account, body.subscription_arn)}
