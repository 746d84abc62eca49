"""The documents SNS delivers, byte for byte in AWS's shape: the JSON notification and the
subscription / unsubscribe confirmations (HTTP/S, email-json, SQS), the Lambda event
(certherd's ``function`` protocol), and the headers of an HTTP/S delivery.

Keys come in AWS's order; signatures are made by a ``sign(data) -> Base64`` function passed
in (see :func:`certherd.pki.message_signing.signer`) over :func:`string_to_sign`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final

from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.sns_messages import sns_timestamp
from certherd.pki.message_signing import string_to_sign

__all__ = [
    "MESSAGE_TYPES",
    "USER_AGENT",
    "Signer",
    "envelope_attributes",
    "function_event",
    "http_headers",
    "notification_document",
    "string_to_sign",
    "subscription_confirmation_document",
    "unsubscribe_confirmation_document",
]

Signer = Callable[[bytes], str]
MESSAGE_TYPES: Final = frozenset(
    {"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"}
)
USER_AGENT: Final = "Amazon Simple Notification Service Agent"


def _timestamp(value: datetime | str) -> str:
    # A stored delivery keeps its first timestamp as text: retries must not change it.
    return value if isinstance(value, str) else sns_timestamp(value)


def _lambda_type(data_type: str) -> str:
    # Lambda receives Number and String.Array attributes as String [SNS-DG
    # sns-message-attributes.md].
    if data_type == "String.Array" or data_type.split(".", 1)[0] == "Number":
        return "String"
    return data_type


def envelope_attributes(
    attributes: Mapping[str, MessageAttributeValue], *, for_lambda: bool = False
) -> dict[str, dict[str, str]]:
    """Attributes as a JSON envelope carries them: ``{"Name": {"Type": ..., "Value": ...}}``,
    binary values Base64-encoded (``for_lambda``: Number and String.Array typed String)."""
    result: dict[str, dict[str, str]] = {}
    for name, value in attributes.items():
        if value.binary_value is not None:
            text = base64.b64encode(value.binary_value).decode("ascii")
        else:
            text = value.string_value or ""
        data_type = _lambda_type(value.data_type) if for_lambda else value.data_type
        result[name] = {"Type": data_type, "Value": text}
    return result


def _signed(fields: dict[str, object], sign: Signer, after: str) -> dict[str, object]:
    """``fields`` with ``Signature`` inserted after key ``after``, signed over the string to
    sign of ``fields``."""
    signature = sign(string_to_sign(fields))
    document: dict[str, object] = {}
    for key, value in fields.items():
        document[key] = value
        if key == after:
            document["Signature"] = signature
    return document


def notification_document(
    *,
    message_id: str,
    topic_arn: str,
    subject: str | None,
    message: str,
    timestamp: datetime | str,
    signature_version: str,
    signing_cert_url: str,
    unsubscribe_url: str,
    message_attributes: Mapping[str, MessageAttributeValue],
    sign: Signer,
) -> dict[str, object]:
    """A ``Notification`` as SNS delivers it (HTTP/S body, SQS body, email-json): ``Type``,
    ``MessageId``, ``TopicArn``, ``Subject`` (only when there is one), ``Message``,
    ``Timestamp``, ``SignatureVersion``, ``Signature``, ``SigningCertURL``,
    ``UnsubscribeURL``, and ``MessageAttributes`` when there are some.

    ``timestamp``: the publish time, or its text from :func:`sns_timestamp`.
    """
    fields: dict[str, object] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn,
    }
    if subject is not None:
        fields["Subject"] = subject
    fields.update(
        {
            "Message": message,
            "Timestamp": _timestamp(timestamp),
            "SignatureVersion": signature_version,
            "SigningCertURL": signing_cert_url,
            "UnsubscribeURL": unsubscribe_url,
        }
    )
    if message_attributes:
        fields["MessageAttributes"] = envelope_attributes(message_attributes)
    return _signed(fields, sign, after="SignatureVersion")


def _confirmation(
    kind: str,
    text: str,
    *,
    message_id: str,
    topic_arn: str,
    token: str,
    subscribe_url: str,
    timestamp: datetime | str,
    signature_version: str,
    signing_cert_url: str,
    sign: Signer,
) -> dict[str, object]:
    fields: dict[str, object] = {
        "Type": kind,
        "MessageId": message_id,
        "Token": token,
        "TopicArn": topic_arn,
        "Message": text,
        "SubscribeURL": subscribe_url,
        "Timestamp": _timestamp(timestamp),
        "SignatureVersion": signature_version,
        "SigningCertURL": signing_cert_url,
    }
    return _signed(fields, sign, after="SignatureVersion")


def subscription_confirmation_document(
    *,
    message_id: str,
    topic_arn: str,
    token: str,
    subscribe_url: str,
    timestamp: datetime | str,
    signature_version: str,
    signing_cert_url: str,
    sign: Signer,
) -> dict[str, object]:
    """A ``SubscriptionConfirmation``: ``Type``, ``MessageId``, ``Token``, ``TopicArn``,
    ``Message`` (SNS's text naming the topic), ``SubscribeURL``, ``Timestamp``,
    ``SignatureVersion``, ``Signature``, ``SigningCertURL``."""
    text = (
        f"You have chosen to subscribe to the topic {topic_arn}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    )
    return _confirmation(
        "SubscriptionConfirmation",
        text,
        message_id=message_id,
        topic_arn=topic_arn,
        token=token,
        subscribe_url=subscribe_url,
        timestamp=timestamp,
        signature_version=signature_version,
        signing_cert_url=signing_cert_url,
        sign=sign,
    )


def unsubscribe_confirmation_document(
    *,
    message_id: str,
    topic_arn: str,
    subscription_arn: str,
    token: str,
    subscribe_url: str,
    timestamp: datetime | str,
    signature_version: str,
    signing_cert_url: str,
    sign: Signer,
) -> dict[str, object]:
    """An ``UnsubscribeConfirmation`` (sent to an HTTP/S endpoint when its subscription is
    deleted): the fields of a subscription confirmation, with SNS's text naming the
    subscription; ``SubscribeURL`` lets the receiver subscribe again."""
    text = (
        f"You have chosen to deactivate subscription {subscription_arn}.\n"
        "To cancel this operation and restore the subscription, visit the SubscribeURL "
        "included in this message."
    )
    return _confirmation(
        "UnsubscribeConfirmation",
        text,
        message_id=message_id,
        topic_arn=topic_arn,
        token=token,
        subscribe_url=subscribe_url,
        timestamp=timestamp,
        signature_version=signature_version,
        signing_cert_url=signing_cert_url,
        sign=sign,
    )


def function_event(
    *,
    subscription_arn: str,
    message_id: str,
    topic_arn: str,
    subject: str | None,
    message: str,
    timestamp: datetime | str,
    signature_version: str,
    signing_cert_url: str,
    unsubscribe_url: str,
    message_attributes: Mapping[str, MessageAttributeValue],
    sign: Signer,
) -> dict[str, object]:
    """The event a Lambda function subscribed to a topic receives:
    ``{"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
    "EventSubscriptionArn": ..., "Sns": {...}}]}``. The ``Sns`` object holds the
    notification's fields with ``SigningCertUrl`` / ``UnsubscribeUrl`` spelled as Lambda
    spells them, ``"Subject": null`` and ``"MessageAttributes": {}`` when absent; its
    signature is the notification's."""
    fields: dict[str, object] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn,
        "Subject": subject,
        "Message": message,
        "Timestamp": _timestamp(timestamp),
        "SignatureVersion": signature_version,
        "SigningCertUrl": signing_cert_url,
        "UnsubscribeUrl": unsubscribe_url,
        "MessageAttributes": envelope_attributes(message_attributes, for_lambda=True),
    }
    record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": _signed(fields, sign, after="SignatureVersion"),
    }
    return {"Records": [record]}


def http_headers(
    *,
    message_type: str,
    message_id: str,
    topic_arn: str,
    subscription_arn: str | None,
    raw: bool,
) -> dict[str, str]:
    """The headers of an HTTP/S delivery: ``x-amz-sns-message-type``,
    ``x-amz-sns-message-id``, ``x-amz-sns-topic-arn``, ``x-amz-sns-subscription-arn`` (when
    given: notifications and unsubscribe confirmations), ``Content-Type``
    (``text/plain; charset=UTF-8``), ``User-Agent`` and, for raw delivery,
    ``x-amz-sns-rawdelivery: true``.

    Raises ``ValueError`` for a message type SNS does not send.
    """
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown SNS message type {message_type!r}")
    headers = {
        "x-amz-sns-message-type": message_type,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
    }
    if subscription_arn is not None:
        headers["x-amz-sns-subscription-arn"] = subscription_arn
    headers["Content-Type"] = "text/plain; charset=UTF-8"
    headers["User-Agent"] = USER_AGENT
    if raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    return headers
