"""Publish input with SNS's rules: message attributes, subject, message size, MessageStructure
and timestamps. Error texts marked [AWS] were recorded from SNS (localstack's AWS-validated
snapshots of test_empty_or_wrong_message_attributes, test_message_attributes_prefixes,
test_publish_with_empty_subject, test_empty_sns_message, test_publish_too_long_message and
test_message_structure_json_exc)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone

import pytest

from certherd.domain.sns_messages import (
    AttributeValueError,
    MessageAttributeValue,
    PerProtocolMessage,
    SnsPublishError,
    check_message,
    check_message_attributes,
    check_subject,
    message_size,
    resolve_message_structure,
    sns_timestamp,
)
from certherd.errors import ValidationError


def one(name: str = "attr1", **value: object) -> dict[str, Mapping[str, object]]:
    return {name: value}


def attribute_error(raw: Mapping[str, Mapping[str, object]]) -> AttributeValueError:
    with pytest.raises(AttributeValueError) as raised:
        check_message_attributes(raw)
    return raised.value


# -- message attributes: accepted -----------------------------------------------------------------


def test_no_attributes() -> None:
    assert check_message_attributes(None) == {}
    assert check_message_attributes({}) == {}


def test_each_data_type_is_read() -> None:
    raw = {
        "event": {"DataType": "String", "StringValue": "ACM Certificate Expired"},
        "days": {"DataType": "Number", "StringValue": "-12.5e1"},
        "sans": {"DataType": "String.Array", "StringValue": '["a", 1, 2.5, true, false, null]'},
        "blob": {"DataType": "Binary", "BinaryValue": base64.b64encode(b"\x00\xff").decode()},
        "raw": {"DataType": "Binary", "BinaryValue": b"bytes"},
        "custom": {"DataType": "String.  prefixed.", "StringValue": "prefixed-1"},  # [AWS] ok
        "typed": {"DataType": "Number.float", "StringValue": "0.125"},
    }
    assert check_message_attributes(raw) == {
        "event": MessageAttributeValue("String", string_value="ACM Certificate Expired"),
        "days": MessageAttributeValue("Number", string_value="-12.5e1"),
        "sans": MessageAttributeValue("String.Array", '["a", 1, 2.5, true, false, null]'),
        "blob": MessageAttributeValue("Binary", binary_value=b"\x00\xff"),
        "raw": MessageAttributeValue("Binary", binary_value=b"bytes"),
        "custom": MessageAttributeValue("String.  prefixed.", string_value="prefixed-1"),
        "typed": MessageAttributeValue("Number.float", string_value="0.125"),
    }


@pytest.mark.parametrize("name", ["a", "A-b_c.d", "x" * 256, "awsy.name", "my.AWS.name"])
def test_names_sns_allows(name: str) -> None:
    assert name in check_message_attributes(one(name, DataType="String", StringValue="v"))


@pytest.mark.parametrize("number", ["0", "1000000000", "-1000000000", "1e9", ".5", "7.", "+3"])
def test_numbers_within_range(number: str) -> None:
    check_message_attributes(one(DataType="Number", StringValue=number))


def test_ten_attributes_are_allowed() -> None:
    raw = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(10)}
    assert len(check_message_attributes(raw)) == 10


# -- message attributes: refused ------------------------------------------------------------------

AWS_ERRORS = [
    (
        one(DataType="String", StringValue=""),
        "The message attribute 'attr1' must contain non-empty message attribute value for "
        "message attribute type 'String'.",
        "MessageAttributes.attr1.StringValue",
    ),
    (
        one(DataType="String"),
        "The message attribute 'attr1' must contain non-empty message attribute value for "
        "message attribute type 'String'.",
        "MessageAttributes.attr1.StringValue",
    ),
    (
        one(DataType="Binary", BinaryValue=b""),
        "The message attribute 'attr1' must contain non-empty message attribute value for "
        "message attribute type 'Binary'.",
        "MessageAttributes.attr1.BinaryValue",
    ),
    (
        one(DataType="String", BinaryValue=b"123"),
        "The message attribute 'attr1' with type 'String' must use field 'String'.",
        "MessageAttributes.attr1.StringValue",
    ),
    (
        one(DataType="Number", BinaryValue=b"123"),
        "The message attribute 'attr1' with type 'Number' must use field 'String'.",
        "MessageAttributes.attr1.StringValue",
    ),
    (
        one(DataType="Binary", StringValue="123"),
        "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.",
        "MessageAttributes.attr1.BinaryValue",
    ),
    (
        one(DataType="InvalidType", StringValue="123"),
        "The message attribute 'attr1' has an invalid message attribute type, the set of "
        "supported type prefixes is Binary, Number, and String.",
        "MessageAttributes.attr1.DataType",
    ),
    (
        one(DataType="String.", StringValue="prefixed-1"),
        "The message attribute 'attr1' has an invalid message attribute type, the set of "
        "supported type prefixes is Binary, Number, and String.",
        "MessageAttributes.attr1.DataType",
    ),
    (
        one(DataType="Stringprefixed", StringValue="prefixed-1"),
        "The message attribute 'attr1' has an invalid message attribute type, the set of "
        "supported type prefixes is Binary, Number, and String.",
        "MessageAttributes.attr1.DataType",
    ),
    (
        one("a" * 257, DataType="String", StringValue="123"),
        "Length of message attribute name must be less than 256 bytes.",
        "MessageAttributes." + "a" * 257,
    ),
    (
        one("a^*?", DataType="String", StringValue="123"),
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. "
        "Can only include alphanumeric characters, hyphens, underscores, or dots.",
        "MessageAttributes.a^*?",
    ),
    (
        one(".abc", DataType="String", StringValue="123"),
        "Invalid message attribute name starting with character '.' was found.",
        "MessageAttributes..abc",
    ),
    (
        one("abc.", DataType="String", StringValue="123"),
        "Invalid message attribute name ending with character '.' was found.",
        "MessageAttributes.abc.",
    ),
    (
        one("a..bc", DataType="String", StringValue="123"),
        "Message attribute name can not have successive '.' character.",
        "MessageAttributes.a..bc",
    ),
]


@pytest.mark.parametrize(("raw", "message", "field"), AWS_ERRORS)
def test_aws_recorded_errors(
    raw: dict[str, Mapping[str, object]], message: str, field: str
) -> None:
    error = attribute_error(raw)
    assert error.message == message
    assert error.aws_message == message
    assert error.field == field
    assert error.code == "ParameterValueInvalid"
    assert isinstance(error, ValidationError)


def test_missing_data_type_is_the_model_error() -> None:
    with pytest.raises(SnsPublishError) as raised:
        check_message_attributes(one(StringValue="x"))
    assert raised.value.code == "ValidationError"
    assert raised.value.field == "MessageAttributes.attr1.DataType"
    assert raised.value.message == (
        "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' "
        "failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize("name", ["AWS.trace", "aws.x", "Amazon.id", "aMaZoN.thing"])
def test_reserved_prefixes_in_any_case(name: str) -> None:
    error = attribute_error(one(name, DataType="String", StringValue="v"))
    assert "'AWS.' or 'Amazon.'" in error.message
    assert error.field == f"MessageAttributes.{name}"


@pytest.mark.parametrize("name", ["caf\u00e9", "with space", "tab\t"])
def test_names_with_other_characters(name: str) -> None:
    error = attribute_error(one(name, DataType="String", StringValue="v"))
    assert "Invalid non-alphanumeric character '#x" in error.message


def test_more_than_ten_attributes() -> None:
    raw = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}
    error = attribute_error(raw)
    assert error.field == "MessageAttributes"
    assert "[11]" in error.message
    assert "[10]" in error.message


@pytest.mark.parametrize("number", ["abc", "1,5", "0x10", "NaN", "Infinity", " 1", "1e", ""])
def test_numbers_sns_cannot_read(number: str) -> None:
    error = attribute_error(one("price", DataType="Number", StringValue=number or " "))
    assert error.message == "Could not cast message attribute 'price' value to number."
    assert error.field == "MessageAttributes.price.StringValue"


@pytest.mark.parametrize("number", ["1000000000.5", "-1e10", "12345678901"])
def test_numbers_out_of_range(number: str) -> None:
    error = attribute_error(one(DataType="Number.int", StringValue=number))
    assert "-10^9 to 10^9" in error.message
    assert error.field == "MessageAttributes.attr1.StringValue"


@pytest.mark.parametrize(
    "value", ["not json", '{"a": 1}', '"text"', '[["nested"]]', '[{"a": 1}]', "[NaN]"]
)
def test_string_arrays_hold_a_json_array_of_scalars(value: str) -> None:
    error = attribute_error(one(DataType="String.Array", StringValue=value))
    assert "JSON array" in error.message
    assert error.field == "MessageAttributes.attr1.StringValue"


def test_binary_values_must_be_base64() -> None:
    error = attribute_error(one(DataType="Binary", BinaryValue="not base64!"))
    assert error.field == "MessageAttributes.attr1.BinaryValue"


def test_attribute_value_must_be_an_object() -> None:
    error = attribute_error({"attr1": "String"})
    assert error.field == "MessageAttributes.attr1"


def test_unencodable_text_is_refused() -> None:
    error = attribute_error(one(DataType="String", StringValue="half \ud800 surrogate"))
    assert error.field == "MessageAttributes.attr1.StringValue"


# -- subject --------------------------------------------------------------------------------------


@pytest.mark.parametrize("subject", ["A", "[Subject] Test subject", "9 lives", "!" + "x" * 98])
def test_subjects_sns_accepts(subject: str) -> None:
    assert check_subject(subject) == subject


def test_no_subject() -> None:
    assert check_subject(None) is None


@pytest.mark.parametrize(
    "subject",
    ["", " leading space", "x" * 100, "two\nlines", "carriage\rreturn", "tab\there", "caf\u00e9"],
    ids=["empty", "space", "100-chars", "newline", "cr", "tab", "non-ascii"],
)
def test_subjects_sns_refuses(subject: str) -> None:
    with pytest.raises(SnsPublishError) as raised:
        check_subject(subject)
    assert raised.value.field == "Subject"
    assert raised.value.aws_message == "Invalid parameter: Subject"  # [AWS] for ""
    assert raised.value.code == "InvalidParameter"
    assert "99 printable ASCII characters" in str(raised.value)


# -- message and its size -------------------------------------------------------------------------


def test_message_size_counts_body_and_every_part_of_each_attribute() -> None:
    attributes = {
        "name": MessageAttributeValue("String", string_value="\u20ac"),
        "bin": MessageAttributeValue("Binary", binary_value=b"\x00\x01\x02"),
    }
    expected = len("h\u00e9".encode()) + (4 + 6 + 3) + (3 + 6 + 3)
    assert message_size("h\u00e9", attributes) == expected
    assert check_message("h\u00e9", attributes) == expected


def test_message_up_to_the_limit() -> None:
    assert check_message("x" * 262_144, {}) == 262_144
    attributes = {"a": MessageAttributeValue("String", string_value="v")}
    assert check_message("x" * 90, attributes, max_size=98) == 98


def test_message_too_long_with_attributes() -> None:
    attributes = {"a": MessageAttributeValue("String", string_value="v")}
    with pytest.raises(SnsPublishError) as raised:
        check_message("x" * 262_137, attributes)
    assert raised.value.aws_message == "Invalid parameter: Message too long"  # [AWS]
    assert raised.value.field == "Message"
    assert "262145 bytes" in raised.value.message
    with pytest.raises(SnsPublishError):
        check_message("x" * 1025, {}, max_size=1024)


def test_empty_message() -> None:
    with pytest.raises(SnsPublishError) as raised:
        check_message("", {})
    assert raised.value.aws_message == "Invalid parameter: Empty message"  # [AWS]
    assert raised.value.field == "Message"


def test_message_must_be_utf8_text() -> None:
    with pytest.raises(SnsPublishError) as raised:
        check_message("bad \udcff", {})
    assert raised.value.field == "Message"


# -- MessageStructure -----------------------------------------------------------------------------


def test_without_structure_every_protocol_gets_the_message() -> None:
    resolved = resolve_message_structure('{"default": "not parsed"}', None)
    assert resolved == PerProtocolMessage(default='{"default": "not parsed"}')
    assert resolved.for_protocol("sqs") == '{"default": "not parsed"}'
    assert not resolved.structured


def test_json_structure_overrides_per_protocol() -> None:
    message = json.dumps(
        {
            "default": "default field",
            "sqs": json.dumps({"field": "value"}),
            "email": "mail text",
            "lambda": "for functions",
            "apprise": "chat text",
            "https": {"ignored": "not a string"},
            "http": 42,
        }
    )
    resolved = resolve_message_structure(message, "json")
    assert resolved.structured
    assert resolved.for_protocol("sqs") == '{"field": "value"}'  # [AWS] get-msg-json-sqs
    assert resolved.for_protocol("email") == "mail text"
    assert resolved.for_protocol("function") == "for functions"
    assert resolved.for_protocol("apprise") == "chat text"
    assert resolved.for_protocol("https") == "default field"  # [AWS] get-msg-json-default
    assert resolved.for_protocol("http") == "default field"
    assert resolved.for_protocol("email-json") == "default field"


def test_json_structure_with_duplicate_keys_takes_the_last() -> None:
    resolved = resolve_message_structure('{"default": "a", "default": "b"}', "json")  # [AWS] ok
    assert resolved.default == "b"


@pytest.mark.parametrize(
    ("message", "aws_message"),
    [
        ('{"sqs": "only sqs"}', "No default entry in JSON message body"),
        ('{"default": 1}', "No default entry in JSON message body"),  # [AWS] key-is-not-string
        ("not json", "JSON message body failed to parse"),  # [AWS] invalid-json
        ('["default"]', "JSON message body failed to parse"),
        ('"default"', "JSON message body failed to parse"),
        ('{"default": NaN}', "JSON message body failed to parse"),
    ],
)
def test_json_structure_errors(message: str, aws_message: str) -> None:
    with pytest.raises(SnsPublishError) as raised:
        resolve_message_structure(message, "json")
    assert raised.value.aws_message == f"Invalid parameter: Message Structure - {aws_message}"
    assert raised.value.field == "Message"
    assert raised.value.code == "InvalidParameter"


def test_unknown_structure() -> None:
    with pytest.raises(SnsPublishError) as raised:
        resolve_message_structure("text", "xml")
    assert raised.value.field == "MessageStructure"


# -- timestamps -----------------------------------------------------------------------------------


def test_sns_timestamp() -> None:
    assert sns_timestamp(datetime(2012, 5, 2, 0, 54, 6, 655_999, tzinfo=UTC)) == (
        "2012-05-02T00:54:06.655Z"
    )
    assert sns_timestamp(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"
    plus_two = timezone(timedelta(hours=2))
    assert sns_timestamp(datetime(2026, 1, 1, 2, 0, 0, 1_000, tzinfo=plus_two)) == (
        "2026-01-01T00:00:00.001Z"
    )
    with pytest.raises(ValueError):
        sns_timestamp(datetime(2026, 1, 1))
