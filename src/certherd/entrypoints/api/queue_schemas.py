"""Request bodies and answers of ``/v1/queues`` (SQS's member names, as in docs/api.md).

Queue attributes are SQS's strings (``{"VisibilityTimeout": "30"}``); whole numbers are
accepted too, and a redrive policy may be given as a JSON object instead of its text.
Binary message attribute values travel base64-encoded.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.domain.queue_messages import MessageAttributeValue
from certherd.entrypoints.api.responses import TagOut
from certherd.entrypoints.api.schemas import TagBody, Text
from certherd.errors import ValidationError
from certherd.services.queues import Outgoing

__all__ = [
    "AttributesBody",
    "ChangeVisibilityBody",
    "CreateQueueBody",
    "DeleteBatchBody",
    "DeleteMessageBody",
    "MessageAttributeBody",
    "ReceiveBody",
    "RedriveBody",
    "SendBatchBody",
    "SendBody",
    "attribute_map",
    "attribute_strings_of",
    "attributes_json",
]

_MAX_TEXT = 2048
#: The attribute values of a queue, as SQS writes them or more natural JSON.
AttributeValue = str | int | dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


class MessageAttributeBody(_Body):
    data_type: str = Field(max_length=_MAX_TEXT, description="String, Number or Binary[.label].")
    string_value: str | None = Field(default=None, description="For String and Number.")
    binary_value: str | None = Field(default=None, description="For Binary: base64.")


def attribute_map(
    attributes: dict[str, MessageAttributeBody] | None, *, field: str = "MessageAttributes"
) -> dict[str, MessageAttributeValue]:
    """Message attributes as the domain takes them (ValidationError for bad base64)."""
    result: dict[str, MessageAttributeValue] = {}
    for name, value in (attributes or {}).items():
        binary = None
        if value.binary_value is not None:
            try:
                binary = base64.b64decode(value.binary_value, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError(
                    "must be base64", field=f"{field}.{name}.BinaryValue"
                ) from None
        result[name] = MessageAttributeValue(value.data_type, value.string_value, binary)
    return result


def attributes_json(attributes: dict[str, MessageAttributeValue]) -> dict[str, Any]:
    """Message attributes as the API answers them."""
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        item: dict[str, Any] = {"DataType": value.data_type}
        if value.binary_value is not None:
            item["BinaryValue"] = base64.b64encode(value.binary_value).decode()
        else:
            item["StringValue"] = value.string_value
        out[name] = item
    return out


def attribute_strings_of(attributes: dict[str, AttributeValue] | None) -> dict[str, str]:
    """Queue attributes as SQS's strings (objects become their JSON text)."""
    result: dict[str, str] = {}
    for name, value in (attributes or {}).items():
        if isinstance(value, dict):
            result[name] = json.dumps(value)
        elif isinstance(value, bool):
            result[name] = "true" if value else "false"
        else:
            result[name] = str(value)
    return result


class CreateQueueBody(_Body):
    queue_name: Text = Field(max_length=_MAX_TEXT, description="1-80 of [A-Za-z0-9_-].")
    attributes: dict[str, AttributeValue] | None = Field(
        default=None,
        max_length=64,
        description="VisibilityTimeout, MessageRetentionPeriod, DelaySeconds, "
        "ReceiveMessageWaitTimeSeconds, MaximumMessageSize, RedrivePolicy, RedriveAllowPolicy.",
    )
    tags: list[TagBody] | None = Field(default=None, max_length=1000)


class AttributesBody(_Body):
    attributes: dict[str, AttributeValue] = Field(max_length=64)


class _MessageFields(_Body):
    message_body: str = Field(description="1 character up to MaximumMessageSize bytes.")
    message_attributes: dict[str, MessageAttributeBody] | None = Field(default=None, max_length=64)
    delay_seconds: int | None = Field(default=None, description="0-900; default the queue's.")

    def outgoing(self, *, field: str = "MessageAttributes") -> Outgoing:
        return Outgoing(
            self.message_body,
            attribute_map(self.message_attributes, field=field),
            self.delay_seconds,
        )


class SendBody(_MessageFields):
    pass


class SendBatchEntryBody(_MessageFields):
    id: str = Field(max_length=_MAX_TEXT, description="1-80 of [A-Za-z0-9_-], distinct.")


class SendBatchBody(_Body):
    entries: list[SendBatchEntryBody] = Field(max_length=100)


class ReceiveBody(_Body):
    max_number_of_messages: int | None = Field(default=None, description="1-10, default 1.")
    visibility_timeout: int | None = Field(default=None, description="0-43200.")
    wait_time_seconds: int | None = Field(
        default=None, description="0-20: long polling; default the queue's."
    )
    message_system_attribute_names: list[str] | None = Field(default=None, max_length=16)
    attribute_names: list[str] | None = Field(
        default=None, max_length=16, description="Older name of MessageSystemAttributeNames."
    )
    message_attribute_names: list[str] | None = Field(default=None, max_length=64)


class DeleteMessageBody(_Body):
    receipt_handle: str = Field(max_length=_MAX_TEXT)


class DeleteBatchEntryBody(_Body):
    id: str = Field(max_length=_MAX_TEXT)
    receipt_handle: str = Field(max_length=_MAX_TEXT)


class DeleteBatchBody(_Body):
    entries: list[DeleteBatchEntryBody] = Field(max_length=100)


class ChangeVisibilityBody(_Body):
    receipt_handle: str = Field(max_length=_MAX_TEXT)
    visibility_timeout: int = Field(description="0-43200 seconds from now.")


class RedriveBody(_Body):
    destination_arn: Text | None = Field(
        default=None,
        max_length=_MAX_TEXT,
        description="Default: each message back to the queue it came from.",
    )


# -- answers ------------------------------------------------------------------------------


class QueueOut(_Out):
    queue_name: str
    queue_url: str
    queue_arn: str
    attributes: dict[str, str]
    tags: list[TagOut]


class QueueSummaryOut(_Out):
    queue_name: str
    queue_url: str
    queue_arn: str


class QueueListOut(_Out):
    queue_urls: list[str]
    queues: list[QueueSummaryOut]
    next_token: str | None


class QueueUrlOut(_Out):
    queue_url: str


class AttributesOut(_Out):
    attributes: dict[str, str]


class PurgeOut(_Out):
    purged_count: int


class SentOut(_Out):
    message_id: str
    md5_of_message_body: str = Field(alias="MD5OfMessageBody")
    md5_of_message_attributes: str | None = Field(alias="MD5OfMessageAttributes")


class SentEntryOut(SentOut):
    id: str


class BatchFailureOut(_Out):
    id: str
    code: str
    message: str
    sender_fault: bool


class SendBatchOut(_Out):
    successful: list[SentEntryOut]
    failed: list[BatchFailureOut]


class MessageOut(_Out):
    message_id: str
    receipt_handle: str
    md5_of_body: str = Field(alias="MD5OfBody")
    body: str
    attributes: dict[str, str]
    md5_of_message_attributes: str | None = Field(alias="MD5OfMessageAttributes")
    message_attributes: dict[str, dict[str, str]]


class ReceiveOut(_Out):
    messages: list[MessageOut]


class DeletedOut(_Out):
    deleted: bool = Field(
        description="false when the handle was not the message's latest receive (SQS then "
        "also answers success without deleting)."
    )


class DeletedEntryOut(_Out):
    id: str
    deleted: bool


class DeleteBatchOut(_Out):
    successful: list[DeletedEntryOut]
    failed: list[BatchFailureOut]


class RedriveOut(_Out):
    source_arn: str
    destination_arn: str | None
    status: str
    approximate_number_of_messages_moved: int
