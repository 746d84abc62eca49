"""What the notification services need from storage: topics, subscriptions, published
messages, deliveries and their attempts, the mail relay, the mailbox and signing keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from certherd.domain.subscriptions import Subscription, SubscriptionState
from certherd.domain.tags import Tag
from certherd.domain.topic_deliveries import (
    DeliveryAttempt,
    DeliveryState,
    TopicDelivery,
    TopicMessage,
)
from certherd.domain.topics import SubscriptionCounts, Topic

__all__ = [
    "DeliveryFilter",
    "MailRelayRecord",
    "MailRelayRepository",
    "MailboxEntry",
    "MailboxRepository",
    "SealedColumnRepository",
    "SigningKeyRecord",
    "SigningKeyRepository",
    "SubscriptionRepository",
    "TopicDeliveryRepository",
    "TopicMessageRepository",
    "TopicRepository",
]


class TopicRepository(Protocol):
    def add(self, topic: Topic) -> None: ...

    def update(self, topic: Topic) -> None:
        """Store the topic's settings."""

    def get(self, account: str, name: str) -> Topic | None: ...

    def get_by_id(self, topic_id: str) -> Topic | None: ...

    def get_many_by_id(self, topic_ids: Iterable[str]) -> dict[str, Topic]:
        """The topics of ``topic_ids`` that exist, by id."""

    def page(self, account: str, *, after: str | None, limit: int) -> list[Topic]:
        """The account's topics by name, from after ``after``."""

    def delete(self, topic_id: str) -> None:
        """Remove the topic with its subscriptions, messages and tags."""

    def set_tags(self, topic_id: str, tags: Iterable[Tag]) -> None: ...

    def counts(self, topic_id: str) -> SubscriptionCounts: ...

    def counts_many(self, topic_ids: Sequence[str]) -> dict[str, SubscriptionCounts]:
        """The subscription counts of each of ``topic_ids``, read at once."""


class SubscriptionRepository(Protocol):
    def add(self, subscription: Subscription) -> None: ...

    def update(self, subscription: Subscription) -> None:
        """Store every field of ``subscription``."""

    def get(self, subscription_id: str) -> Subscription | None: ...

    def get_many(self, subscription_ids: Iterable[str]) -> dict[str, Subscription]:
        """The subscriptions of ``subscription_ids`` that exist (deleted ones too), by id."""

    def find_by_token(self, topic_id: str, token_digest: str) -> Subscription | None: ...

    def matching_endpoint(self, topic_id: str, protocol: str, endpoint: str) -> list[Subscription]:
        """The topic's subscriptions (not deleted) for this protocol and shown endpoint
        (masked endpoints may stand for several real ones)."""

    def for_topic(
        self, topic_id: str, *, states: Sequence[SubscriptionState]
    ) -> list[Subscription]:
        """The topic's subscriptions in ``states``, oldest first."""

    def page(
        self,
        *,
        account: str | None = None,
        topic_id: str | None = None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Subscription]:
        """Subscriptions (not deleted) of an account or of a topic, oldest first."""

    def purge_deleted(self, before: datetime) -> int:
        """Remove unsubscribed and unconfirmed subscriptions whose token expired before
        ``before``."""


class TopicMessageRepository(Protocol):
    def add(self, message: TopicMessage) -> None:
        """Store ``message``: ``body`` in clear, or ``sealed_body``."""

    def get(self, message_id: str) -> TopicMessage | None: ...

    def get_many(self, message_ids: Sequence[str]) -> dict[str, TopicMessage]: ...


@dataclass(frozen=True)
class DeliveryFilter:
    account: str
    states: Sequence[DeliveryState] = ()
    topic_arn: str | None = None
    subscription_arn: str | None = None


class TopicDeliveryRepository(Protocol):
    def add_many(self, deliveries: Sequence[TopicDelivery]) -> None: ...

    def claim_due(self, now: datetime, *, lease_until: datetime, limit: int) -> list[TopicDelivery]:
        """Lease up to ``limit`` PENDING deliveries due at ``now`` whose lease is free."""

    def update_claimed(self, delivery: TopicDelivery, *, lease_until: datetime) -> bool:
        """Store the delivery's progress if the lease is still ``lease_until``."""

    def update_many_claimed(
        self, deliveries: Sequence[tuple[TopicDelivery, datetime]]
    ) -> list[str]:
        """As :meth:`update_claimed` for each (delivery, lease) pair; return the ids of the
        deliveries whose lease was no longer held (not updated)."""

    def add_attempts(self, attempts: Sequence[DeliveryAttempt]) -> None: ...

    def get(self, delivery_id: str) -> TopicDelivery | None: ...

    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]: ...

    def page(
        self, query: DeliveryFilter, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[TopicDelivery]:
        """Deliveries matching ``query``, newest first."""

    def requeue(self, delivery_ids: Sequence[str], *, now: datetime) -> int:
        """Make dead-lettered or failed deliveries PENDING again, due at ``now``."""


@dataclass(frozen=True)
class MailRelayRecord:
    host: str
    port: int
    security: str
    username: str | None
    sealed_password: bytes | None
    sender: str
    sender_name: str | None
    timeout_seconds: float
    updated_at: datetime


class MailRelayRepository(Protocol):
    def get(self) -> MailRelayRecord | None: ...

    def put(self, relay: MailRelayRecord) -> None: ...

    def delete(self) -> bool: ...


@dataclass(frozen=True)
class MailboxEntry:
    id: str
    seq: int
    account: str
    delivery_id: str | None
    sender: str
    recipients: Sequence[str]
    sealed_content: bytes
    created_at: datetime


class MailboxRepository(Protocol):
    def add(self, entry: MailboxEntry) -> None:
        """Store ``entry`` (its ``seq`` is assigned by the store)."""

    def get(self, account: str, mail_id: str) -> MailboxEntry | None: ...

    def page(self, account: str, *, before_seq: int | None, limit: int) -> list[MailboxEntry]:
        """The account's mail, newest first."""


@dataclass(frozen=True)
class SigningKeyRecord:
    id: str
    purpose: str
    certificate_pem: str
    sealed_key: bytes
    not_after: datetime
    created_at: datetime


class SigningKeyRepository(Protocol):
    def current(self, purpose: str, *, valid_at: datetime) -> SigningKeyRecord | None:
        """The newest key for ``purpose`` still valid at ``valid_at``."""

    def add(self, record: SigningKeyRecord) -> None: ...

    def by_certificate_name(self, purpose: str) -> list[SigningKeyRecord]:
        """Every key for ``purpose`` (newest first), to serve old certificates too."""


class SealedColumnRepository(Protocol):
    """Sealed values kept in the rows they belong to (outside the secrets table)."""

    def blobs(self) -> Iterator[tuple[str, str, bytes]]:
        """Every such value as (column reference, row key, sealed blob)."""

    def replace(self, reference: str, key: str, blob: bytes) -> None: ...
