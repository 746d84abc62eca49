"""Publishing to a topic (SNS's Publish and PublishBatch) and the fan-out to subscriptions.

A publish is one transaction: the message is stored (its body sealed by the key store when
the topic is encrypted) and one delivery is written for every confirmed subscription whose
filter policy lets the message through. The delivery workers (:mod:`.topic_delivery`) take
it from there. Nothing is sent from inside the transaction.

The event bus publishes through :meth:`Publisher.publish_in`, in the transaction that
records the rule invocation's outcome, as the service principal ``events.amazonaws.com``
acting for the rule: the topic's policy must allow that.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from certherd.domain.clock import Clock
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.sns_messages import (
    SnsPublishError,
    check_message,
    check_message_attributes,
    check_subject,
    resolve_message_structure,
)
from certherd.domain.subscriptions import Subscription, SubscriptionState
from certherd.domain.topic_deliveries import (
    DeliveryKind,
    DeliveryState,
    TopicDelivery,
    TopicMessage,
)
from certherd.domain.topic_policy import PUBLISH
from certherd.domain.topics import Topic
from certherd.errors import LimitExceededError, ValidationError
from certherd.patterns.filter_policy import FilterPolicy, compile_filter_policy
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.queues import BatchFailure, BatchResult
from certherd.services.topics import Caller, TopicService

__all__ = [
    "MAX_BATCH_ENTRIES",
    "FilterCache",
    "PublishEntry",
    "Publisher",
    "message_context",
]

#: PublishBatch takes at most 10 entries, of at most 256 KiB together [SNS API].
MAX_BATCH_ENTRIES: Final = 10
MAX_BATCH_BYTES: Final = 262_144
#: SNS's batch entry ids: 1 to 80 letters, digits, hyphens and underscores.
_ENTRY_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")


def message_context(message_id: str) -> str:
    """The key store context a sealed message body is bound to."""
    return f"topic-message:{message_id}"


@dataclass(frozen=True)
class PublishEntry:
    """One entry of PublishBatch (``id`` is the caller's, unique within the batch)."""

    id: str
    message: str
    subject: str | None = None
    attributes: Mapping[str, Mapping[str, object]] | None = None
    structure: str | None = None


class FilterCache:
    """Compiled filter policies by (policy, scope), the most recently used kept."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._cache: OrderedDict[tuple[str, str], FilterPolicy] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, policy: str, scope: str) -> FilterPolicy:
        """The compiled policy. Raises ValidationError (FilterPolicyError) for a bad one."""
        key = (policy, scope)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        compiled = compile_filter_policy(policy, scope)
        with self._lock:
            self._cache[key] = compiled
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return compiled

    def check(self, policy: str, scope: str) -> str:
        """``policy`` if it compiles for ``scope``; raises ValidationError otherwise."""
        self.get(policy, scope)
        return policy


@dataclass(frozen=True)
class _Checked:
    message: str
    subject: str | None
    attributes: dict[str, MessageAttributeValue]
    structure: str | None
    size: int


def _check(
    message: str,
    subject: str | None,
    attributes: Mapping[str, Mapping[str, object]] | None,
    structure: str | None,
) -> _Checked:
    checked_attributes = check_message_attributes(attributes)
    checked_subject = check_subject(subject)
    size = check_message(message, checked_attributes)
    resolve_message_structure(message, structure)
    return _Checked(message, checked_subject, checked_attributes, structure, size)


class Publisher:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        topics: TopicService,
        secrets: SecretBox,
        filters: FilterCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._topics = topics
        self._secrets = secrets
        self._filters = filters
        self._listeners: list[Callable[[], None]] = []

    def on_published(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a publish in this process wrote deliveries: a hint
        that wakes the delivery workers of this process instead of their next poll. It
        is called after the commit of :meth:`publish` and :meth:`publish_batch`, and by
        :meth:`publish_in` before its caller commits; it must be quick and not raise."""
        self._listeners.append(listener)

    def _published(self) -> None:
        for listener in self._listeners:
            listener()

    def publish(
        self,
        caller: Caller,
        topic_arn: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: Mapping[str, Mapping[str, object]] | None = None,
        structure: str | None = None,
    ) -> str:
        """Publish; return the MessageId. Raises ValidationError (the field at fault),
        NotFoundError (no such topic), TopicAccessError (its policy refuses the caller)."""
        checked = _check(message, subject, attributes, structure)
        now = self._clock.now()
        with self._uow() as uow:
            topic = self._topics.get_in(uow, caller, topic_arn, action=PUBLISH)
            message_id, fanned_out = self._store(uow, topic, checked, now)
            uow.commit()
        if fanned_out:
            self._published()
        return message_id

    def publish_batch(
        self, caller: Caller, topic_arn: str, entries: Sequence[PublishEntry]
    ) -> BatchResult[str]:
        """PublishBatch: each valid entry published (in one transaction), each invalid one
        reported with SNS's error code (``InvalidParameter``, or ``ParameterValueInvalid``
        for a message attribute). Raises ValidationError for an empty batch, more than 10
        entries, an id that is not 1-80 letters, digits, ``-`` or ``_``, repeated ids or a
        batch over 256 KiB; NotFoundError and TopicAccessError as :meth:`publish`."""
        if not entries:
            raise ValidationError(
                "There should be at least one PublishBatchRequestEntry in the request.",
                field="PublishBatchRequestEntries",
            )
        if len(entries) > MAX_BATCH_ENTRIES:
            raise LimitExceededError(
                f"The batch request contains more entries than permissible ({MAX_BATCH_ENTRIES}).",
                field="PublishBatchRequestEntries",
            )
        ids = [entry.id for entry in entries]
        for index, entry_id in enumerate(ids):
            if not isinstance(entry_id, str) or not _ENTRY_ID_RE.fullmatch(entry_id):
                raise ValidationError(
                    "The Id of a batch entry in a batch request doesn't abide by the "
                    "specification: 1 to 80 letters, digits, hyphens or underscores.",
                    field=f"PublishBatchRequestEntries[{index}].Id",
                )
        if len(set(ids)) != len(ids):
            raise ValidationError(
                "Two or more batch entries in the request have the same Id.",
                field="PublishBatchRequestEntries",
            )
        successful: list[tuple[str, str]] = []
        failed: list[BatchFailure] = []
        checked: list[tuple[str, _Checked]] = []
        for entry in entries:
            try:
                checked.append(
                    (
                        entry.id,
                        _check(entry.message, entry.subject, entry.attributes, entry.structure),
                    )
                )
            except ValidationError as exc:
                code = exc.code if isinstance(exc, SnsPublishError) else "InvalidParameter"
                failed.append(BatchFailure(entry.id, code, str(exc)))
        if sum(item.size for _, item in checked) > MAX_BATCH_BYTES:
            raise LimitExceededError(
                f"The length of all the messages put together is more than the limit "
                f"({MAX_BATCH_BYTES} bytes).",
                field="PublishBatchRequestEntries",
            )
        now = self._clock.now()
        fanned_out = False
        with self._uow() as uow:
            topic = self._topics.get_in(uow, caller, topic_arn, action=PUBLISH)
            for entry_id, item in checked:
                message_id, wrote = self._store(uow, topic, item, now)
                successful.append((entry_id, message_id))
                fanned_out = fanned_out or wrote
            uow.commit()
        if fanned_out:
            self._published()
        return BatchResult(successful, failed)

    def publish_in(
        self,
        uow: UnitOfWork,
        caller: Caller,
        topic_arn: str,
        message: str,
        *,
        now: datetime,
        message_id: str | None = None,
    ) -> str:
        """Publish ``message`` within ``uow`` (not committed here): what a rule target does.
        ``message_id`` makes the publish idempotent-friendly for callers that derive it.
        Raises as :meth:`publish`."""
        checked = _check(message, None, None, None)
        topic = self._topics.get_in(uow, caller, topic_arn, action=PUBLISH)
        stored, fanned_out = self._store(uow, topic, checked, now, message_id=message_id)
        if fanned_out:
            # Before the commit: a worker of this process woken now runs its delivery job
            # after the job that called this one has committed (one thread runs them in
            # turn); any other reader finds the deliveries at its next poll.
            self._published()
        return stored

    # -- storing and fanning out --------------------------------------------------------------

    def _store(
        self,
        uow: UnitOfWork,
        topic: Topic,
        checked: _Checked,
        now: datetime,
        *,
        message_id: str | None = None,
    ) -> tuple[str, bool]:
        """Store the message and its deliveries; (its id, whether any delivery was
        written)."""
        message_id = message_id or str(uuid.uuid4())
        sealed = None
        body: str | None = checked.message
        if topic.encrypted:
            sealed = self._secrets.seal(
                checked.message.encode(), context=message_context(message_id)
            )
            body = None
        uow.topic_messages.add(
            TopicMessage(
                id=message_id,
                account=topic.account,
                topic_id=topic.id,
                topic_arn=topic.arn,
                subject=checked.subject,
                body=body,
                structure=checked.structure,
                attributes=checked.attributes,
                published_at=now,
                sealed_body=sealed,
            )
        )
        subscribers = uow.subscriptions.for_topic(topic.id, states=[SubscriptionState.CONFIRMED])
        per_protocol = resolve_message_structure(checked.message, checked.structure)
        deliveries = [
            _delivery(subscription, topic.account, message_id, now)
            for subscription in subscribers
            if self._passes(subscription, checked, per_protocol.for_protocol(subscription.protocol))
        ]
        uow.topic_deliveries.add_many(deliveries)
        return message_id, bool(deliveries)

    def _passes(self, subscription: Subscription, checked: _Checked, body: str) -> bool:
        settings = subscription.settings
        if settings.filter_policy is None:
            return True
        scope = settings.filter_policy_scope or "MessageAttributes"
        policy = self._filters.get(settings.filter_policy, scope)
        if scope == "MessageBody":
            return policy.matches_body(body)
        return policy.matches_attributes(
            {
                name: {"DataType": value.data_type, "StringValue": value.string_value}
                for name, value in checked.attributes.items()
                if value.string_value is not None
            }
        )


def _delivery(
    subscription: Subscription, account: str, message_id: str, now: datetime
) -> TopicDelivery:
    return TopicDelivery(
        id=str(uuid.uuid4()),
        account=account,
        kind=DeliveryKind.NOTIFICATION,
        message_id=message_id,
        topic_arn=subscription.topic_arn,
        subscription_id=subscription.id,
        subscription_arn=subscription.arn,
        protocol=subscription.protocol.value,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
