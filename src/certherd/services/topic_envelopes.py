"""The signed documents SNS sends (notifications, subscription and unsubscribe
confirmations), made once per batch of deliveries where subscribers share them.

Every subscriber of a message (by protocol) receives the same signed notification, but for
its ``UnsubscribeURL``, which the signature does not cover. :class:`Envelopes` makes the
shared document, its signature and, for http(s) bodies, its JSON text once per batch, however
many delivery threads ask for them at once; a subscriber's copy only adds its link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Final, TypeVar

from certherd.domain.delivery_policy import EffectiveDeliveryPolicy
from certherd.domain.sns_envelopes import (
    notification_document,
    subscription_confirmation_document,
    unsubscribe_confirmation_document,
)
from certherd.domain.sns_messages import resolve_message_structure
from certherd.domain.subscriptions import Subscription
from certherd.domain.topic_deliveries import DeliveryKind, TopicDelivery, TopicMessage
from certherd.domain.topics import Topic
from certherd.services.notification_signing import NotificationSigner, SigningKey
from certherd.services.subscriptions import SnsLinks
from certherd.services.topic_documents import BatchCache, pretty_json_around

__all__ = ["DeliveryJob", "Envelopes", "required"]

#: How many subscriptions' unsubscribe links are kept.
_KEPT_LINKS: Final = 10_000


@dataclass(frozen=True)
class DeliveryJob:
    """A delivery with everything needed to make it: the published message (opened), the
    subscriber's real endpoint and, for confirmations, the token."""

    delivery: TopicDelivery
    subscription: Subscription
    topic: Topic
    policy: EffectiveDeliveryPolicy
    endpoint: str
    message: TopicMessage | None = None
    body: str | None = None
    token: str | None = None


class Envelopes:
    """Thread-safe. What one batch shares is kept until :meth:`new_batch`; the signing key
    is taken when the batch first signs."""

    def __init__(self, *, signer: NotificationSigner, links: SnsLinks) -> None:
        self._signer = signer
        self._links = links
        self._batch = BatchCache()
        self._unsubscribe_links: dict[str, str] = {}

    def new_batch(self) -> None:
        """Forget what the deliveries of the previous batch shared."""
        self._batch = BatchCache()

    def text_for(self, job: DeliveryJob) -> str:
        """The message text this subscriber receives (MessageStructure applied)."""
        message = job.message
        if message is None or job.body is None:
            return ""
        protocol = job.subscription.protocol.value
        body = job.body
        return self._batch.get(
            ("text", message.id, protocol),
            lambda: resolve_message_structure(body, message.structure).for_protocol(protocol),
        )

    def document(self, job: DeliveryJob) -> dict[str, object]:
        """The JSON envelope of the delivery, signed."""
        delivery = job.delivery
        if delivery.kind is DeliveryKind.NOTIFICATION:
            document = dict(self._shared_notification(job))
            document["UnsubscribeURL"] = self.unsubscribe_url(job.subscription.arn)
            return document
        topic = job.topic
        version = topic.settings.signature_version
        key = self._key()
        token = required(job.token)
        if delivery.kind is DeliveryKind.SUBSCRIPTION_CONFIRMATION:
            return subscription_confirmation_document(
                message_id=delivery.message_id,
                topic_arn=topic.arn,
                token=token,
                subscribe_url=self._links.confirm(topic.arn, token),
                timestamp=delivery.created_at,
                signature_version=version,
                signing_cert_url=key.certificate_url,
                sign=self.signer_for(version),
            )
        return unsubscribe_confirmation_document(
            message_id=delivery.message_id,
            topic_arn=topic.arn,
            subscription_arn=job.subscription.arn,
            token=token,
            subscribe_url=self._links.confirm(topic.arn, token),
            timestamp=delivery.created_at,
            signature_version=version,
            signing_cert_url=key.certificate_url,
            sign=self.signer_for(version),
        )

    def notification_json(self, job: DeliveryJob) -> str:
        """``pretty_json(self.document(job))`` for a notification (the body of an http(s)
        delivery): the text around its UnsubscribeURL is made once per batch."""
        before, after = self._batch.get(
            ("notification json", *_shared_by(job, self._key())),
            lambda: pretty_json_around(self._shared_notification(job), "UnsubscribeURL"),
        )
        return before + encode_basestring_ascii(self.unsubscribe_url(job.subscription.arn)) + after

    def signer_for(self, version: str) -> Callable[[bytes], str]:
        """A ``sign(data)`` with this batch's key for SignatureVersion ``version``; equal
        data is signed once per batch (a Lambda event carries the notification's
        signature)."""
        batch, key = self._batch, self._key()

        def sign(data: bytes) -> str:
            return batch.get(("signature", key.id, version, data), lambda: key.sign(data, version))

        return sign

    def unsubscribe_url(self, subscription_arn: str) -> str:
        # Kept across batches, within a bound: a subscription's link never changes.
        link = self._unsubscribe_links.get(subscription_arn)
        if link is None:
            if len(self._unsubscribe_links) >= _KEPT_LINKS:
                self._unsubscribe_links.clear()
            link = self._links.unsubscribe(subscription_arn)
            self._unsubscribe_links[subscription_arn] = link
        return link

    def _shared_notification(self, job: DeliveryJob) -> dict[str, object]:
        """The notification of every subscriber of the message (by protocol), its
        UnsubscribeURL left empty."""
        topic, message, key = job.topic, required(job.message), self._key()
        version = topic.settings.signature_version
        return self._batch.get(
            ("notification", *_shared_by(job, key)),
            lambda: notification_document(
                message_id=message.id,
                topic_arn=topic.arn,
                subject=message.subject,
                message=self.text_for(job),
                timestamp=message.published_at,
                signature_version=version,
                signing_cert_url=key.certificate_url,
                unsubscribe_url="",
                message_attributes=message.attributes,
                sign=self.signer_for(version),
            ),
        )

    def _key(self) -> SigningKey:
        return self._batch.get("signing key", self._signer.current)


def _shared_by(job: DeliveryJob, key: SigningKey) -> tuple[str, str, str, str, str]:
    """What the subscribers sharing a notification document have in common."""
    topic = job.topic
    protocol = job.subscription.protocol.value
    return (key.id, job.delivery.message_id, topic.arn, protocol, topic.settings.signature_version)


_T = TypeVar("_T")


def required(value: _T | None) -> _T:
    """``value``, which the delivery's kind needs. Raises ValueError when it is missing."""
    if value is None:
        raise ValueError("the delivery lacks what its kind needs")
    return value
