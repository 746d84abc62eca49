"""Messages published to topics and their deliveries to subscriptions.

Publishing stores one :class:`TopicMessage` and one :class:`TopicDelivery` per subscription
whose filter policy lets the message through; confirmation requests (SNS's
SubscriptionConfirmation and UnsubscribeConfirmation) are deliveries too, of their own kind.
Each attempt at a delivery is recorded as a :class:`DeliveryAttempt`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from certherd.domain.queue_messages import MessageAttributeValue

__all__ = [
    "MAX_ERROR",
    "DeliveryAttempt",
    "DeliveryKind",
    "DeliveryState",
    "TopicDelivery",
    "TopicMessage",
]

#: Error texts are cut to this many characters when recorded.
MAX_ERROR: Final = 1024


class DeliveryKind(StrEnum):
    NOTIFICATION = "Notification"
    SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
    UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"


class DeliveryState(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    #: Given up with no dead-letter queue (or one that refused the message).
    FAILED = "FAILED"
    DEAD_LETTERED = "DEAD_LETTERED"
    #: Not attempted: the subscription was deleted or unsubscribed meanwhile.
    DROPPED = "DROPPED"


@dataclass(frozen=True)
class TopicMessage:
    id: str
    account: str
    topic_id: str
    topic_arn: str
    subject: str | None
    #: The message as published (for ``MessageStructure=json``, the JSON object); None
    #: when it is stored sealed (an encrypted topic) and has not been opened.
    body: str | None
    structure: str | None
    attributes: Mapping[str, MessageAttributeValue]
    published_at: datetime
    sealed_body: bytes | None = None


@dataclass(frozen=True)
class TopicDelivery:
    id: str
    account: str
    kind: DeliveryKind
    #: The MessageId subscribers see (the published message's, or the confirmation's).
    message_id: str
    topic_arn: str
    subscription_id: str
    subscription_arn: str
    protocol: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    lease_until: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryAttempt:
    delivery_id: str
    number: int
    account: str
    at: datetime
    succeeded: bool
    latency_ms: float
    status_code: int | None = None
    error: str | None = None
