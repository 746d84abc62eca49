"""Messages on queues with Amazon SQS's rules: bodies, message attributes, their MD5
digests, receipt handles and the receive decision (deliver, or move to the dead-letter
queue)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from certherd.domain.queues import RedrivePolicy
from certherd.errors import ValidationError

__all__ = [
    "MAX_BATCH_ENTRIES",
    "MAX_MESSAGE_ATTRIBUTES",
    "SYSTEM_ATTRIBUTE_NAMES",
    "MessageAttributeValue",
    "QueueMessage",
    "check_size",
    "due_for_dead_letter",
    "epoch_millis",
    "md5_of_attributes",
    "md5_of_body",
    "message_size",
    "parse_receipt_handle",
    "receipt_handle",
    "select_message_attributes",
    "select_system_attributes",
    "validate_batch_ids",
    "validate_body",
    "validate_message_attributes",
]

MAX_MESSAGE_ATTRIBUTES: Final = 10
MAX_BATCH_ENTRIES: Final = 10
#: Names ReceiveMessage accepts in MessageSystemAttributeNames [SQS API].
SYSTEM_ATTRIBUTE_NAMES: Final = frozenset(
    {
        "All",
        "SenderId",
        "SentTimestamp",
        "ApproximateReceiveCount",
        "ApproximateFirstReceiveTimestamp",
        "SequenceNumber",
        "MessageDeduplicationId",
        "MessageGroupId",
        "AWSTraceHeader",
        "DeadLetterQueueSourceArn",
    }
)
# The characters SQS allows in bodies and string values (XML 1.0's Char production).
_INVALID_CHAR_RE: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_NAME_RE: Final = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_DATA_TYPE_RE: Final = re.compile(r"(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?")
_NUMBER_RE: Final = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_BATCH_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
_HANDLE_RE: Final = re.compile(r"[A-Za-z0-9_-]{16,512}")


@dataclass(frozen=True)
class MessageAttributeValue:
    """A message attribute: ``String``/``Number`` carry ``string_value``, ``Binary``
    carries ``binary_value`` (a custom label may follow the type: ``Number.float``)."""

    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None

    @property
    def is_binary(self) -> bool:
        return self.data_type.split(".", 1)[0] == "Binary"


@dataclass(frozen=True)
class QueueMessage:
    """A message as stored: where it is, when it can be received, how often it was."""

    id: str
    queue_id: str
    body: str
    attributes: Mapping[str, MessageAttributeValue]
    md5_of_body: str
    md5_of_message_attributes: str | None
    sent_at: datetime
    visible_at: datetime
    receive_count: int = 0
    first_received_at: datetime | None = None
    received_at: datetime | None = None
    receipt_token: str | None = None
    dead_letter_source_arn: str | None = None


def _check_characters(text: str, field: str) -> None:
    bad = _INVALID_CHAR_RE.search(text)
    if bad is not None:
        raise ValidationError(
            f"holds the character U+{ord(bad.group()):04X}, which SQS does not allow "
            "(allowed: tab, line feed, carriage return, U+0020-U+D7FF, U+E000-U+FFFD, "
            "U+10000-U+10FFFF)",
            field=field,
        )


def validate_body(body: object, *, field: str = "MessageBody") -> str:
    """``body`` if it is at least one character of those SQS allows; ValidationError else
    (the size limit is the queue's: :func:`check_size`)."""
    if not isinstance(body, str) or not body:
        raise ValidationError("must be at least one character", field=field)
    _check_characters(body, field)
    return body


def _check_number(text: str, field: str) -> None:
    # SQS numbers: up to 38 significant digits, magnitude from 10^-128 to 10^126.
    if not _NUMBER_RE.fullmatch(text.strip()):
        raise ValidationError(f"{text!r} is not a number", field=field)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(f"{text!r} is not a number", field=field) from None
    if value.is_zero():
        return
    # Not normalize(): it rounds to the context's 28 digits.
    digits = "".join(map(str, value.as_tuple().digits)).strip("0")
    if len(digits) > 38:
        raise ValidationError("a Number may have at most 38 significant digits", field=field)
    if not -128 <= value.adjusted() <= 126:
        raise ValidationError("a Number must be between 10^-128 and 10^126", field=field)


def _check_attribute_name(name: object, field: str) -> str:
    if not isinstance(name, str) or not _ATTRIBUTE_NAME_RE.fullmatch(name):
        raise ValidationError(
            "attribute names are 1 to 256 characters: letters, digits, _ - and .", field=field
        )
    lowered = name.lower()
    if lowered.startswith(("aws.", "amazon.")):
        raise ValidationError("names starting with AWS. or Amazon. are reserved", field=field)
    if name.startswith(".") or name.endswith(".") or ".." in name:
        raise ValidationError("names must not start or end with . nor hold ..", field=field)
    return name


def validate_message_attributes(
    attributes: Mapping[str, MessageAttributeValue] | None, *, field: str = "MessageAttributes"
) -> dict[str, MessageAttributeValue]:
    """The attributes if they follow SQS's rules (at most 10; names as SQS allows; types
    String, Number or Binary with an optional ``.label``; a non-empty value of the type's
    kind; numbers as SQS reads them); ValidationError naming the attribute otherwise."""
    if not attributes:
        return {}
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise ValidationError(
            f"a message may have at most {MAX_MESSAGE_ATTRIBUTES} attributes", field=field
        )
    result: dict[str, MessageAttributeValue] = {}
    for name, value in attributes.items():
        where = f"{field}.{name}"
        _check_attribute_name(name, where)
        data_type = value.data_type
        if not isinstance(data_type, str) or len(data_type) > 256:
            raise ValidationError("DataType must be at most 256 characters", field=where)
        if not _DATA_TYPE_RE.fullmatch(data_type):
            raise ValidationError(
                "DataType must be String, Number or Binary, optionally with a .label",
                field=f"{where}.DataType",
            )
        if value.is_binary:
            if value.string_value is not None or not value.binary_value:
                raise ValidationError(
                    "a Binary attribute needs a non-empty BinaryValue and no StringValue",
                    field=where,
                )
        else:
            if value.binary_value is not None or not value.string_value:
                raise ValidationError(
                    f"a {data_type} attribute needs a non-empty StringValue and no BinaryValue",
                    field=where,
                )
            _check_characters(value.string_value, f"{where}.StringValue")
            if data_type.startswith("Number"):
                _check_number(value.string_value, f"{where}.StringValue")
        result[name] = value
    return result


def _value_bytes(value: MessageAttributeValue) -> bytes:
    if value.is_binary:
        return value.binary_value or b""
    return (value.string_value or "").encode()


def message_size(body: str, attributes: Mapping[str, MessageAttributeValue]) -> int:
    """Bytes that count against MaximumMessageSize: the body and every attribute's name,
    type and value (UTF-8)."""
    size = len(body.encode())
    for name, value in attributes.items():
        size += len(name.encode()) + len(value.data_type.encode()) + len(_value_bytes(value))
    return size


def check_size(size: int, limit: int, *, field: str = "MessageBody") -> None:
    """ValidationError when a message of ``size`` bytes is over the queue's ``limit``."""
    if size > limit:
        raise ValidationError(
            f"the message is {size} bytes (body and attributes); the queue's "
            f"MaximumMessageSize is {limit}",
            field=field,
        )


def md5_of_body(body: str) -> str:
    """MD5OfMessageBody: the hex MD5 of the body's UTF-8 bytes."""
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: Mapping[str, MessageAttributeValue]) -> str | None:
    """MD5OfMessageAttributes as SQS computes it (None without attributes): over the
    attributes sorted by name, each as its name, its data type (each a 4-byte big-endian
    length and UTF-8 bytes), a transport byte (1 string or number, 2 binary) and its value
    (length and bytes)."""
    if not attributes:
        return None
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value.data_type.encode()):
            digest.update(struct.pack(">I", len(part)) + part)
        raw = _value_bytes(value)
        digest.update(b"\x02" if value.is_binary else b"\x01")
        digest.update(struct.pack(">I", len(raw)) + raw)
    return digest.hexdigest()


def receipt_handle(message_id: str, token: str) -> str:
    """The opaque handle of one receive of a message (a new token per receive)."""
    return base64.urlsafe_b64encode(f"{message_id}/{token}".encode()).decode().rstrip("=")


def parse_receipt_handle(handle: object, *, field: str = "ReceiptHandle") -> tuple[str, str]:
    """``(message_id, token)`` of a handle made by :func:`receipt_handle`; ValidationError
    (SQS's ReceiptHandleIsInvalid) for anything else."""
    if isinstance(handle, str) and _HANDLE_RE.fullmatch(handle):
        try:
            text = base64.urlsafe_b64decode(handle + "=" * (-len(handle) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            text = ""
        message_id, _, token = text.partition("/")
        if message_id and token:
            return message_id, token
    raise ValidationError("is not a valid receipt handle", field=field)


def due_for_dead_letter(message: QueueMessage, policy: RedrivePolicy | None) -> bool:
    """Whether receiving ``message`` once more would exceed the queue's maxReceiveCount,
    so that it goes to the dead-letter queue instead."""
    return policy is not None and message.receive_count + 1 > policy.max_receive_count


def epoch_millis(moment: datetime) -> str:
    """An instant as SQS writes timestamps of messages: epoch milliseconds, as text."""
    return str(int(moment.timestamp() * 1000))


def select_system_attributes(
    message: QueueMessage, names: Iterable[str], *, field: str = "MessageSystemAttributeNames"
) -> dict[str, str]:
    """The system attributes of ``message`` asked for by ``names`` (``All`` for every one
    certherd keeps); ValidationError for a name SQS does not know."""
    wanted = set(names)
    unknown = wanted - SYSTEM_ATTRIBUTE_NAMES
    if unknown:
        raise ValidationError(f"unknown attribute name {sorted(unknown)[0]!r}", field=field)
    everything = "All" in wanted
    found: dict[str, str | None] = {
        "SentTimestamp": epoch_millis(message.sent_at),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": (
            epoch_millis(message.first_received_at) if message.first_received_at else None
        ),
        "DeadLetterQueueSourceArn": message.dead_letter_source_arn,
    }
    return {
        name: value
        for name, value in found.items()
        if value is not None and (everything or name in wanted)
    }


def select_message_attributes(
    attributes: Mapping[str, MessageAttributeValue], names: Iterable[str]
) -> dict[str, MessageAttributeValue]:
    """The attributes named in ``names``: exact names, ``prefix.*``, or ``All`` / ``.*``."""
    patterns = list(names)
    if "All" in patterns or ".*" in patterns:
        return dict(attributes)
    prefixes = tuple(p[:-1] for p in patterns if p.endswith(".*"))
    exact = {p for p in patterns if not p.endswith(".*")}
    return {
        name: value
        for name, value in attributes.items()
        if name in exact or (prefixes and name.startswith(prefixes))
    }


def validate_batch_ids(ids: list[str], *, field: str = "Entries") -> None:
    """1 to 10 entries, ids 1-80 of ``[A-Za-z0-9_-]`` and distinct; ValidationError else
    (SQS's EmptyBatchRequest, TooManyEntriesInBatchRequest, InvalidBatchEntryId,
    BatchEntryIdsNotDistinct)."""
    if not ids:
        raise ValidationError("a batch needs at least one entry", field=field)
    if len(ids) > MAX_BATCH_ENTRIES:
        raise ValidationError(f"a batch holds at most {MAX_BATCH_ENTRIES} entries", field=field)
    for index, entry_id in enumerate(ids):
        if not isinstance(entry_id, str) or not _BATCH_ID_RE.fullmatch(entry_id):
            raise ValidationError(
                "ids are 1 to 80 characters: letters, digits, - and _", field=f"{field}[{index}].Id"
            )
    if len(set(ids)) != len(ids):
        raise ValidationError("the entries' ids must be distinct", field=field)
