"""What a topic accepts from a publisher, with Amazon SNS's rules: message attributes, the
subject, the message and its size, and ``MessageStructure=json`` (one message per protocol).

Errors are :class:`SnsPublishError` (a :class:`~certherd.errors.ValidationError` naming the
field): ``message`` says the rule for people, ``aws_message`` is the text SNS answers with
and ``code`` SNS's error code, for the AWS wire facade.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final

from certherd.domain.clock import require_utc
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.errors import ValidationError

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "MAX_MESSAGE_ATTRIBUTES",
    "PROTOCOL_MESSAGE_KEYS",
    "AttributeValueError",
    "MessageAttributeValue",
    "PerProtocolMessage",
    "SnsPublishError",
    "check_message",
    "check_message_attributes",
    "check_subject",
    "message_size",
    "resolve_message_structure",
    "sns_timestamp",
]

DEFAULT_MAX_MESSAGE_SIZE: Final = 262_144
MAX_MESSAGE_ATTRIBUTES: Final = 10
#: The key of a ``MessageStructure=json`` message each certherd protocol reads.
PROTOCOL_MESSAGE_KEYS: Final[Mapping[str, str]] = {
    "email": "email",
    "email-json": "email-json",
    "http": "http",
    "https": "https",
    "sqs": "sqs",
    "function": "lambda",
    "lambda": "lambda",
    "apprise": "apprise",
}
_NAME_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
_DATA_TYPE_RE: Final = re.compile(r"(String|Number|Binary)(\..+)?", re.DOTALL)
_NUMBER_RE: Final = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
# SNS numbers span -10^9..10^9 [SNS-DG sns-message-attributes.md].
_NUMBER_LIMIT: Final = Decimal(10) ** 9
_SUBJECT_RE: Final = re.compile(r"[!-~][ -~]{0,98}")


class SnsPublishError(ValidationError):
    """Publish input SNS refuses (``InvalidParameter``); ``aws_message`` is SNS's text."""

    code = "InvalidParameter"

    def __init__(self, message: str, *, field: str, aws_message: str | None = None) -> None:
        super().__init__(message, field=field)
        self.aws_message = aws_message if aws_message is not None else message


class AttributeValueError(SnsPublishError):
    """A message attribute SNS refuses (``ParameterValueInvalid``)."""

    code = "ParameterValueInvalid"


class _MissingMemberError(SnsPublishError):
    # A required member left out: the service model's check, not SNS's own.
    code = "ValidationError"


# -- message attributes --------------------------------------------------------------------


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise AttributeValueError(
            "The request must contain non-empty message attribute name.", field="MessageAttributes"
        )
    if len(name.encode()) > 256:
        raise AttributeValueError(
            "Length of message attribute name must be less than 256 bytes.", field=where
        )
    if name.startswith("."):
        raise AttributeValueError(
            "Invalid message attribute name starting with character '.' was found.", field=where
        )
    if name.endswith("."):
        raise AttributeValueError(
            "Invalid message attribute name ending with character '.' was found.", field=where
        )
    for index, char in enumerate(name):
        if char not in _NAME_CHARS:
            raise AttributeValueError(
                f"Invalid non-alphanumeric character '#x{ord(char):X}' was found in the message "
                "attribute name. Can only include alphanumeric characters, hyphens, underscores, "
                "or dots.",
                field=where,
            )
        if char == "." and name[index - 1] == ".":
            raise AttributeValueError(
                "Message attribute name can not have successive '.' character.", field=where
            )
    if name.lower().startswith(("aws.", "amazon.")):
        raise AttributeValueError(
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. "
            "These strings are reserved for internal use.",
            field=where,
        )
    return name


def _check_data_type(name: str, data_type: object, where: str) -> str:
    if data_type is None:
        raise _MissingMemberError(
            "1 validation error detected: Value null at "
            f"'messageAttributes.{name}.member.dataType' failed to satisfy constraint: "
            "Member must not be null",
            field=f"{where}.DataType",
        )
    if (
        not isinstance(data_type, str)
        or not _DATA_TYPE_RE.fullmatch(data_type)
        or len(data_type.encode()) > 256
    ):
        raise AttributeValueError(
            f"The message attribute '{name}' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String.",
            field=f"{where}.DataType",
        )
    return data_type


def _decode_binary(name: str, value: object, where: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise AttributeValueError(
        f"The message attribute '{name}' must have a Base64-encoded BinaryValue.",
        field=f"{where}.BinaryValue",
    )


def _check_number(name: str, text: str, where: str) -> None:
    if _NUMBER_RE.fullmatch(text) is None:
        raise AttributeValueError(
            f"Could not cast message attribute '{name}' value to number.",
            field=f"{where}.StringValue",
        )
    if abs(Decimal(text)) > _NUMBER_LIMIT:
        raise AttributeValueError(
            f"The message attribute '{name}' has the number {text}, outside the range SNS "
            "numbers have (-10^9 to 10^9).",
            field=f"{where}.StringValue",
        )


def _reject_constant(constant: str) -> object:
    raise ValueError(constant)


def _check_string_array(name: str, text: str, where: str) -> None:
    try:
        items = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(
        item is None or isinstance(item, str | int | float | bool) for item in items
    ):
        raise AttributeValueError(
            f"The message attribute '{name}' with type 'String.Array' must be a JSON array of "
            "strings, numbers, true, false or null.",
            field=f"{where}.StringValue",
        )


def _check_attribute(name: str, raw: object, where: str) -> MessageAttributeValue:
    if not isinstance(raw, Mapping):
        raise AttributeValueError(
            f"The message attribute '{name}' must be an object with a DataType and a "
            "StringValue or BinaryValue.",
            field=where,
        )
    data_type = _check_data_type(name, raw.get("DataType"), where)
    binary = data_type.split(".", 1)[0] == "Binary"
    wanted, other = ("BinaryValue", "StringValue") if binary else ("StringValue", "BinaryValue")
    empty = AttributeValueError(
        f"The message attribute '{name}' must contain non-empty message attribute value for "
        f"message attribute type '{data_type}'.",
        field=f"{where}.{wanted}",
    )
    value, stray = raw.get(wanted), raw.get(other)
    if value is None and stray is None:
        raise empty
    if value is None or stray is not None:
        raise AttributeValueError(
            f"The message attribute '{name}' with type '{data_type}' must use field "
            f"'{wanted[: -len('Value')]}'.",
            field=f"{where}.{wanted}",
        )
    if binary:
        content = _decode_binary(name, value, where)
        if not content:
            raise empty
        return MessageAttributeValue(data_type, binary_value=content)
    if not isinstance(value, str):
        raise AttributeValueError(
            f"The message attribute '{name}' must have a text StringValue.",
            field=f"{where}.StringValue",
        )
    if not value:
        raise empty
    try:
        value.encode()
    except UnicodeEncodeError:
        raise AttributeValueError(
            f"The message attribute '{name}' value is not valid UTF-8 text.",
            field=f"{where}.StringValue",
        ) from None
    if data_type.startswith("Number"):
        _check_number(name, value, where)
    elif data_type == "String.Array":
        _check_string_array(name, value, where)
    return MessageAttributeValue(data_type, string_value=value)


def check_message_attributes(
    raw: Mapping[str, Mapping[str, object]] | None,
) -> dict[str, MessageAttributeValue]:
    """The attributes of a publish, in SNS's request shape
    (``{"Name": {"DataType": "String", "StringValue": "..."}}``, binary values Base64 text or
    bytes), as values; ``{}`` for none.

    SNS's rules: at most 10; names of 1 to 256 letters, digits, ``_ - .``, not starting or
    ending with ``.``, no ``..``, not starting with ``AWS.`` or ``Amazon.`` in any case; data
    types ``String``, ``Number``, ``Binary``, optionally followed by ``.label``
    (``String.Array`` holds a JSON array of strings, numbers, booleans and nulls); a non-empty
    value in the member the type asks for; numbers between -10^9 and 10^9.

    Raises :class:`AttributeValueError` (field ``MessageAttributes.<Name>[.<member>]``) for
    the first attribute breaking a rule, with SNS's message.
    """
    if not raw:
        return {}
    if len(raw) > MAX_MESSAGE_ATTRIBUTES:
        raise AttributeValueError(
            f"Number of message attributes [{len(raw)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}].",
            field="MessageAttributes",
        )
    result: dict[str, MessageAttributeValue] = {}
    for name, value in raw.items():
        where = f"MessageAttributes.{name}"
        _check_name(name, where)
        result[name] = _check_attribute(name, value, where)
    return result


# -- subject, message, size -----------------------------------------------------------------


def check_subject(subject: str | None) -> str | None:
    """``subject`` when SNS accepts it (``None`` stays ``None``): 1 to 99 printable ASCII
    characters, the first a letter, digit or punctuation mark, no line breaks or control
    characters.

    Raises :class:`SnsPublishError` (field ``Subject``; SNS's ``Invalid parameter: Subject``).
    """
    if subject is None:
        return None
    if not isinstance(subject, str) or _SUBJECT_RE.fullmatch(subject) is None:
        raise SnsPublishError(
            "must be 1 to 99 printable ASCII characters starting with a letter, digit or "
            "punctuation mark, without line breaks or control characters",
            field="Subject",
            aws_message="Invalid parameter: Subject",
        )
    return subject


def message_size(message: str, attributes: Mapping[str, MessageAttributeValue]) -> int:
    """Bytes counted against a topic's MaximumMessageSize: the message and each attribute's
    name, data type and value (UTF-8; binary values as their bytes)."""
    size = len(message.encode())
    for name, value in attributes.items():
        size += len(name.encode()) + len(value.data_type.encode())
        if value.binary_value is not None:
            size += len(value.binary_value)
        else:
            size += len((value.string_value or "").encode())
    return size


def check_message(
    message: str,
    attributes: Mapping[str, MessageAttributeValue],
    *,
    max_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> int:
    """The size (:func:`message_size`) of a message SNS accepts: non-empty UTF-8 text that,
    with its attributes, fits in ``max_size`` bytes.

    Raises :class:`SnsPublishError` (field ``Message``; SNS's ``Invalid parameter: Empty
    message`` or ``Invalid parameter: Message too long``).
    """
    if not isinstance(message, str) or not message:
        raise SnsPublishError(
            "must not be empty", field="Message", aws_message="Invalid parameter: Empty message"
        )
    try:
        size = message_size(message, attributes)
    except UnicodeEncodeError:
        raise SnsPublishError(
            "is not valid UTF-8 text", field="Message", aws_message="Invalid parameter: Message"
        ) from None
    if size > max_size:
        raise SnsPublishError(
            f"is {size} bytes with its attributes; the topic's MaximumMessageSize is {max_size}",
            field="Message",
            aws_message="Invalid parameter: Message too long",
        )
    return size


# -- MessageStructure -----------------------------------------------------------------------


@dataclass(frozen=True)
class PerProtocolMessage:
    """A published message as each protocol receives it: ``default``, unless a
    ``MessageStructure=json`` publish gave the protocol's key its own text."""

    default: str
    overrides: Mapping[str, str] = field(default_factory=dict)
    structured: bool = False

    def for_protocol(self, protocol: str) -> str:
        """The text a subscriber of certherd protocol ``protocol`` receives (``function``
        reads the ``lambda`` key; an unknown protocol its own name)."""
        key = PROTOCOL_MESSAGE_KEYS.get(protocol, protocol)
        return self.overrides.get(key, self.default)


def resolve_message_structure(message: str, structure: str | None) -> PerProtocolMessage:
    """The per-protocol texts of ``message``. Without ``structure`` every protocol receives
    ``message``; with ``"json"`` it must be a JSON object whose string ``default`` key every
    protocol receives unless the object has a string under the protocol's key (keys with
    other values are ignored, as SNS does).

    Raises :class:`SnsPublishError`: field ``MessageStructure`` for another structure; field
    ``Message`` with SNS's ``Invalid parameter: Message Structure - JSON message body failed
    to parse`` or ``... - No default entry in JSON message body``.
    """
    if structure is None:
        return PerProtocolMessage(default=message)
    if structure != "json":
        raise SnsPublishError(
            'must be "json" when given',
            field="MessageStructure",
            aws_message="Invalid parameter: MessageStructure",
        )
    try:
        parsed = json.loads(message, parse_constant=_reject_constant)
    except (ValueError, TypeError):
        parsed = None
    if not isinstance(parsed, dict):
        text = "Invalid parameter: Message Structure - JSON message body failed to parse"
        raise SnsPublishError(text, field="Message", aws_message=text)
    texts = {key: value for key, value in parsed.items() if isinstance(value, str)}
    if "default" not in texts:
        text = "Invalid parameter: Message Structure - No default entry in JSON message body"
        raise SnsPublishError(text, field="Message", aws_message=text)
    default = texts.pop("default")
    return PerProtocolMessage(default=default, overrides=texts, structured=True)


# -- time -------------------------------------------------------------------------------------


def sns_timestamp(dt: datetime) -> str:
    """``dt`` as SNS writes timestamps: ISO 8601 in UTC with milliseconds and ``Z``
    (``2012-05-02T00:54:06.655Z``). Raises ``ValueError`` for a naive datetime."""
    at = require_utc(dt)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"
