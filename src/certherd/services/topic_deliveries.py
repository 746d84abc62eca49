"""The record of topic deliveries: every delivery with its attempts (status, response code,
latency, error), listed per account, and the redrive of what was dead-lettered."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from certherd.domain.arns import validate_account_id
from certherd.domain.clock import Clock, require_utc
from certherd.domain.subscriptions import SubscriptionState
from certherd.domain.topic_deliveries import DeliveryAttempt, DeliveryState, TopicDelivery
from certherd.errors import NotFoundError, ValidationError
from certherd.services.ports import UnitOfWorkFactory
from certherd.services.topic_ports import DeliveryFilter

__all__ = ["DeliveryPage", "DeliveryRecords", "DescribedDelivery"]

MAX_DELIVERIES_PAGE: Final = 100
#: What "failed" means when listing: given up, or failed at least once and still trying.
_FAILED: Final = (DeliveryState.FAILED, DeliveryState.DEAD_LETTERED)


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[TopicDelivery]
    next_token: str | None


@dataclass(frozen=True)
class DescribedDelivery:
    delivery: TopicDelivery
    attempts: list[DeliveryAttempt]


class DeliveryRecords:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def list(
        self,
        account: str,
        *,
        failed: bool = False,
        state: DeliveryState | None = None,
        topic_arn: str | None = None,
        subscription_arn: str | None = None,
        max_items: int = MAX_DELIVERIES_PAGE,
        next_token: str | None = None,
    ) -> DeliveryPage:
        """The account's deliveries, newest first: all, only those given up (``failed``:
        FAILED or DEAD_LETTERED), or in ``state``; of one topic or subscription."""
        validate_account_id(account)
        if not 1 <= max_items <= MAX_DELIVERIES_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_DELIVERIES_PAGE}", field="MaxItems")
        states: tuple[DeliveryState, ...] = _FAILED if failed else ()
        if state is not None:
            states = (state,)
        before = _decode_token(next_token) if next_token else None
        query = DeliveryFilter(
            account=account,
            states=states,
            topic_arn=topic_arn,
            subscription_arn=subscription_arn,
        )
        with self._uow() as uow:
            found = uow.topic_deliveries.page(query, before=before, limit=max_items + 1)
        page = found[:max_items]
        more = len(found) > max_items
        return DeliveryPage(page, _encode_token(page[-1]) if more else None)

    def describe(self, account: str, delivery_id: str) -> DescribedDelivery:
        """One delivery with every attempt at it. Raises NotFoundError."""
        with self._uow() as uow:
            delivery = uow.topic_deliveries.get(delivery_id)
            if delivery is None or delivery.account != account:
                raise NotFoundError(f"delivery {delivery_id} not found", field="DeliveryId")
            attempts = uow.topic_deliveries.attempts(delivery_id)
        return DescribedDelivery(delivery, attempts)

    def redrive(self, account: str, subscription_arn: str) -> int:
        """Deliver again what was dead-lettered or given up for the subscription (now, with
        a fresh retry policy); return how many. The copies on the dead-letter queue stay:
        remove them with the queue's own commands. Raises NotFoundError for a subscription
        that is gone."""
        now = self._clock.now()
        with self._uow() as uow:
            subscription = uow.subscriptions.get(subscription_arn.rpartition(":")[2])
            if (
                subscription is None
                or subscription.arn != subscription_arn
                or subscription.state is not SubscriptionState.CONFIRMED
            ):
                raise NotFoundError(
                    "Subscription does not exist or is not confirmed", field="SubscriptionArn"
                )
            given_up = uow.topic_deliveries.page(
                DeliveryFilter(account=account, states=_FAILED, subscription_arn=subscription_arn),
                before=None,
                limit=10_000,
            )
            count = uow.topic_deliveries.requeue([d.id for d in given_up], now=now)
            uow.commit()
        return count


def _encode_token(last: TopicDelivery) -> str:
    raw = f"{last.created_at.isoformat()}|{last.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        created, separator, delivery_id = raw.partition("|")
        if separator and delivery_id:
            return require_utc(datetime.fromisoformat(created)), delivery_id
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise ValidationError("is not a token this server gave", field="NextToken")
