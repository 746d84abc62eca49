"""Request bodies and answers of ``/v1/topics``, ``/v1/subscriptions``, ``/v1/deliveries``,
``/v1/mailbox`` and ``/v1/mail-relay`` (SNS's member names).

Topic and subscription attributes are SNS's strings (``{"DisplayName": "Ops"}``); a policy
may be given as a JSON object instead of its text, and ``RawMessageDelivery`` as a boolean.
Binary message attribute values travel base64-encoded.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.entrypoints.api.responses import TagOut
from certherd.entrypoints.api.schemas import TagBody, Text

__all__ = [
    "AllowEventsBody",
    "AttributeValue",
    "ConfirmBody",
    "CreateTopicBody",
    "MessageAttributeBody",
    "PublishBatchBody",
    "PublishBody",
    "RedriveDeliveriesBody",
    "RelayBody",
    "SetAttributeBody",
    "SubscribeBody",
    "TagKeysBody",
    "attribute_string",
    "attribute_strings",
    "message_attributes",
]

_MAX_TEXT = 2048
_MAX_LIST = 1000
#: An attribute value as SNS writes it, or more natural JSON (an object for a policy, a
#: boolean for RawMessageDelivery).
AttributeValue = str | bool | int | dict[str, Any] | list[Any]


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


def attribute_string(value: AttributeValue) -> str:
    """One attribute value as SNS's string (objects and lists become their JSON text)."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attribute_strings(attributes: dict[str, AttributeValue] | None) -> dict[str, str]:
    return {name: attribute_string(value) for name, value in (attributes or {}).items()}


class MessageAttributeBody(_Body):
    data_type: Text = Field(
        max_length=_MAX_TEXT, description="String, String.Array, Number or Binary[.label]."
    )
    string_value: Text | None = Field(default=None, description="For String and Number.")
    binary_value: Text | None = Field(default=None, description="For Binary: base64.")


def message_attributes(
    attributes: dict[str, MessageAttributeBody] | None,
) -> dict[str, dict[str, object]] | None:
    """Message attributes in SNS's request shape, as the publisher checks them."""
    if attributes is None:
        return None
    return {
        name: value.model_dump(by_alias=True, exclude_none=True)
        for name, value in attributes.items()
    }


# -- topics -----------------------------------------------------------------------------------


class CreateTopicBody(_Body):
    name: Text = Field(max_length=_MAX_TEXT, description="1-256 of [A-Za-z0-9_-].")
    attributes: dict[str, AttributeValue] | None = Field(
        default=None,
        max_length=64,
        description="DisplayName, Policy, DeliveryPolicy, KmsMasterKeyId, SignatureVersion.",
    )
    tags: list[TagBody] | None = Field(default=None, max_length=_MAX_LIST)


class SetAttributeBody(_Body):
    attribute_value: AttributeValue = Field(
        description="The new value; an empty string unsets DisplayName, DeliveryPolicy, "
        "KmsMasterKeyId and the subscription policies."
    )


class AllowEventsBody(_Body):
    rule_arn: Text | None = Field(
        default=None,
        max_length=_MAX_TEXT,
        description="Only this rule may publish (wildcards allowed); default any rule of the "
        "topic's account.",
    )


class TagKeysBody(_Body):
    tag_keys: list[Text] = Field(max_length=_MAX_LIST)


class _PublishFields(_Body):
    message: Text = Field(description="Up to 256 KiB; with MessageStructure json, an object.")
    subject: Text | None = Field(default=None, description="For email: 1-100 characters.")
    message_attributes: dict[str, MessageAttributeBody] | None = Field(default=None, max_length=64)
    message_structure: Text | None = Field(
        default=None, max_length=_MAX_TEXT, description="`json`: a message per protocol."
    )


class PublishBody(_PublishFields):
    pass


class PublishBatchEntryBody(_PublishFields):
    id: Text = Field(max_length=_MAX_TEXT, description="Unique within the batch.")


class PublishBatchBody(_Body):
    publish_batch_request_entries: list[PublishBatchEntryBody] = Field(max_length=100)


class TopicOut(_Out):
    topic_arn: str
    name: str
    attributes: dict[str, str]
    tags: list[TagOut]


class TopicSummaryOut(_Out):
    topic_arn: str
    name: str
    display_name: str
    encrypted: bool
    subscriptions_confirmed: int
    subscriptions_pending: int


class TopicListOut(_Out):
    topics: list[TopicSummaryOut]
    next_token: str | None


class PublishOut(_Out):
    message_id: str


class PublishedEntryOut(_Out):
    id: str
    message_id: str


class PublishFailureOut(_Out):
    id: str
    code: str
    message: str
    sender_fault: bool


class PublishBatchOut(_Out):
    successful: list[PublishedEntryOut]
    failed: list[PublishFailureOut]


# -- subscriptions ----------------------------------------------------------------------------


class SubscribeBody(_Body):
    topic_arn: Text = Field(max_length=_MAX_TEXT, description="The topic's ARN (or its name).")
    protocol: Text = Field(
        max_length=64, description="email, email-json, http, https, sqs, lambda, function, apprise."
    )
    endpoint: Text = Field(max_length=8192)
    attributes: dict[str, AttributeValue] | None = Field(
        default=None,
        max_length=64,
        description="FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy, "
        "DeliveryPolicy.",
    )
    return_subscription_arn: bool = False


class ConfirmBody(_Body):
    topic_arn: Text = Field(max_length=_MAX_TEXT)
    token: Text = Field(max_length=_MAX_TEXT)
    authenticate_on_unsubscribe: bool = False


class SubscribedOut(_Out):
    subscription_arn: str = Field(
        description="`pending confirmation` while pending, unless ReturnSubscriptionArn."
    )
    pending_confirmation: bool


class SubscriptionSummaryOut(_Out):
    subscription_arn: str = Field(description="`PendingConfirmation` while pending.")
    owner: str
    protocol: str
    endpoint: str
    topic_arn: str


class SubscriptionListOut(_Out):
    subscriptions: list[SubscriptionSummaryOut]
    next_token: str | None


class SubscriptionOut(_Out):
    subscription_arn: str
    attributes: dict[str, str]


class SubscriptionArnOut(_Out):
    subscription_arn: str


# -- deliveries -------------------------------------------------------------------------------


class RedriveDeliveriesBody(_Body):
    subscription_arn: Text = Field(max_length=_MAX_TEXT)


class DeliveryOut(_Out):
    delivery_id: str
    kind: str = Field(
        description="Notification, SubscriptionConfirmation or UnsubscribeConfirmation."
    )
    message_id: str
    topic_arn: str
    subscription_arn: str
    protocol: str
    state: str = Field(description="PENDING, DELIVERED, FAILED, DEAD_LETTERED, DROPPED.")
    attempts: int
    next_attempt_at: str | None = Field(description="While PENDING.")
    last_status_code: int | None
    last_error: str | None
    created_at: str
    finished_at: str | None


class AttemptOut(_Out):
    number: int
    at: str
    succeeded: bool
    status_code: int | None
    latency_ms: float
    error: str | None


class DeliveryDetailOut(_Out):
    """A delivery as listed, with every attempt in place of their count."""

    delivery_id: str
    kind: str
    message_id: str
    topic_arn: str
    subscription_arn: str
    protocol: str
    state: str
    attempts: list[AttemptOut]
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    created_at: str
    finished_at: str | None


class DeliveryListOut(_Out):
    deliveries: list[DeliveryOut]
    next_token: str | None


class RedrivenOut(_Out):
    redriven: int


# -- mail -------------------------------------------------------------------------------------


class RelayBody(_Body):
    host: Text = Field(max_length=_MAX_TEXT)
    port: int | None = Field(default=None, description="Default 587, 465 for tls.")
    security: Text | None = Field(default=None, description="starttls (default), tls or none.")
    username: Text | None = Field(default=None, max_length=_MAX_TEXT)
    password: Text | None = Field(
        default=None, max_length=_MAX_TEXT, description="Stored sealed; never shown."
    )
    sender: Text = Field(max_length=_MAX_TEXT)
    sender_name: Text | None = Field(default=None, max_length=_MAX_TEXT)
    timeout_seconds: float | None = None


class RelayOut(_Out):
    host: str
    port: int
    security: str
    username: str | None
    has_password: bool
    sender: str
    sender_name: str | None
    timeout_seconds: float
    updated_at: str


class MailSummaryOut(_Out):
    mail_id: str
    from_: str = Field(alias="From")
    to: list[str]
    subject: str
    created_at: str
    delivered: bool = Field(description="Always false: the mailbox holds what was not relayed.")


class MailOut(MailSummaryOut):
    text: str
    html: str


class MailListOut(_Out):
    mails: list[MailSummaryOut]
    next_token: str | None
