"""Queue attributes, message validation, MD5 digests and receipt handles (no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from certherd.domain.queue_messages import (
    MessageAttributeValue,
    QueueMessage,
    check_size,
    due_for_dead_letter,
    md5_of_attributes,
    md5_of_body,
    message_size,
    parse_receipt_handle,
    receipt_handle,
    select_message_attributes,
    select_system_attributes,
    validate_batch_ids,
    validate_body,
    validate_message_attributes,
)
from certherd.domain.queues import (
    QueueAttributes,
    RedriveAllowPolicy,
    RedrivePolicy,
    attribute_strings,
    differing_attributes,
    parse_attributes,
    parse_queue_url,
    queue_url,
    validate_queue_name,
)
from certherd.errors import ValidationError

S = MessageAttributeValue
NOW = datetime(2026, 1, 1, tzinfo=UTC)


# Vectors: the AWS documentation's example (SellerName), localstack's and sqslite's tests.
@pytest.mark.parametrize(
    ("attributes", "digest"),
    [
        ({"SellerName": S("String", "Example Store")}, "cd28f3b68aeee4b2eac9c66f2f694b58"),
        ({"timestamp": S("Number", "1493147359900")}, "235c5c510d26fb653d073faed50ae77c"),
        (
            {"ordinal": S("Number", "1"), "category": S("String", "test")},
            "d21ae90c49061e927f57df5f5d72be1f",
        ),
    ],
)
def test_md5_of_message_attributes_known_vectors(
    attributes: dict[str, MessageAttributeValue], digest: str
) -> None:
    assert md5_of_attributes(attributes) == digest


def test_md5_of_body_and_no_attributes() -> None:
    assert md5_of_body("hello") == "5d41402abc4b2a76b9719d911017c592"
    assert md5_of_attributes({}) is None
    binary = {"b": S("Binary", binary_value=b"\x01\x02")}
    as_string = {"b": S("String", "\x01\x02")}
    assert md5_of_attributes(binary) != md5_of_attributes(as_string)  # the transport byte


def test_defaults_and_parsing() -> None:
    attributes, given = parse_attributes({"VisibilityTimeout": "60", "DelaySeconds": "5"})
    assert attributes == QueueAttributes(visibility_timeout=60, delay_seconds=5)
    assert given == {"VisibilityTimeout", "DelaySeconds"}
    assert attribute_strings(QueueAttributes())["MessageRetentionPeriod"] == "345600"
    redrive = json.dumps(
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:d", "maxReceiveCount": "4"}
    )
    parsed, _ = parse_attributes({"RedrivePolicy": redrive})
    assert parsed.redrive_policy == RedrivePolicy("arn:aws:sqs:us-east-1:1:d", 4)
    removed, _ = parse_attributes({"RedrivePolicy": ""}, base=parsed)
    assert removed.redrive_policy is None
    allow, _ = parse_attributes(
        {"RedriveAllowPolicy": '{"redrivePermission":"byQueue","sourceQueueArns":["arn:a"]}'}
    )
    assert allow.redrive_allow_policy == RedriveAllowPolicy("byQueue", ("arn:a",))
    assert not RedriveAllowPolicy("denyAll").allows("arn:a")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"VisibilityTimeout": "-1"}, "Attributes.VisibilityTimeout"),
        ({"VisibilityTimeout": "43201"}, "Attributes.VisibilityTimeout"),
        ({"MessageRetentionPeriod": "1209601"}, "Attributes.MessageRetentionPeriod"),
        ({"DelaySeconds": "901"}, "Attributes.DelaySeconds"),
        ({"ReceiveMessageWaitTimeSeconds": "21"}, "Attributes.ReceiveMessageWaitTimeSeconds"),
        ({"MaximumMessageSize": "1023"}, "Attributes.MaximumMessageSize"),
        ({"VisibilityTimeout": "1.5"}, "Attributes.VisibilityTimeout"),
        ({"ApproximateNumberOfMessages": "1"}, "Attributes.ApproximateNumberOfMessages"),
        ({"Policy": "{}"}, "Attributes.Policy"),
        ({"Colour": "blue"}, "Attributes.Colour"),
        ({"RedrivePolicy": "{"}, "Attributes.RedrivePolicy"),
        ({"RedrivePolicy": '{"maxReceiveCount": 2}'}, "Attributes.RedrivePolicy"),
        (
            {"RedrivePolicy": '{"deadLetterTargetArn": "a", "maxReceiveCount": 0}'},
            "Attributes.RedrivePolicy",
        ),
        ({"RedriveAllowPolicy": '{"redrivePermission": "some"}'}, "Attributes.RedriveAllowPolicy"),
        (
            {"RedriveAllowPolicy": '{"redrivePermission": "allowAll", "sourceQueueArns": []}'},
            "Attributes.RedriveAllowPolicy",
        ),
    ],
)
def test_bad_attributes(raw: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_attributes(raw)
    assert caught.value.field == field


def test_differing_attributes_compare_only_what_was_given() -> None:
    existing = QueueAttributes(visibility_timeout=60)
    wanted, given = parse_attributes({"DelaySeconds": "0"})
    assert differing_attributes(existing, wanted, given) == []
    wanted, given = parse_attributes({"VisibilityTimeout": "30"})
    assert differing_attributes(existing, wanted, given) == ["VisibilityTimeout"]


@pytest.mark.parametrize("name", ["", "a" * 81, "a.fifo", "sp ace", "ü"])
def test_bad_queue_names(name: str) -> None:
    with pytest.raises(ValidationError):
        validate_queue_name(name)


def test_queue_urls() -> None:
    url = queue_url("http://h:8600/", "123456789012", "jobs")
    assert url == "http://h:8600/queues/123456789012/jobs"
    assert parse_queue_url(url) == ("123456789012", "jobs")
    with pytest.raises(ValidationError):
        parse_queue_url("http://h/jobs")


def test_bodies() -> None:
    assert validate_body("ok \t\n\r\U0001f600") == "ok \t\n\r\U0001f600"
    for bad in ("", "\x00", "\x1f", "\ufffe", "\ud800"):
        with pytest.raises(ValidationError):
            validate_body(bad)
    check_size(1024, 1024)
    with pytest.raises(ValidationError):
        check_size(1025, 1024)


@pytest.mark.parametrize("value", ["0", "-1", "3.14", "1e10", ".5", "1" * 38, "1E-128", "9e126"])
def test_numbers_sqs_accepts(value: str) -> None:
    validate_message_attributes({"n": S("Number", value)})


@pytest.mark.parametrize("value", ["", "abc", "1" * 39, "1e127", "1e-129", "NaN", "Infinity"])
def test_numbers_sqs_refuses(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_message_attributes({"n": S("Number", value)})


@pytest.mark.parametrize(
    "attributes",
    [
        {"AWS.trace": S("String", "x")},
        {"amazon.x": S("String", "x")},
        {".x": S("String", "x")},
        {"a..b": S("String", "x")},
        {"sp ace": S("String", "x")},
        {"s": S("String", "")},
        {"s": S("String", "x", b"y")},
        {"b": S("Binary")},
        {"t": S("Blob", "x")},
        {f"a{i}": S("String", "x") for i in range(11)},
    ],
)
def test_message_attributes_sqs_refuses(attributes: dict[str, MessageAttributeValue]) -> None:
    with pytest.raises(ValidationError):
        validate_message_attributes(attributes)


def test_custom_type_labels_and_size() -> None:
    attributes = {"n": S("Number.float", "1.5"), "b": S("Binary.gz", binary_value=b"\x00")}
    assert validate_message_attributes(attributes) == attributes
    assert message_size("body", attributes) == 4 + (1 + 12 + 3) + (1 + 9 + 1)


def test_receipt_handles_round_trip_and_refuse_junk() -> None:
    handle = receipt_handle("8d6f0c2e-0000-4000-8000-000000000001", "ab" * 16)
    assert parse_receipt_handle(handle) == ("8d6f0c2e-0000-4000-8000-000000000001", "ab" * 16)
    for junk in ("", "short", "no spaces allowed here!", "A" * 600):
        with pytest.raises(ValidationError) as caught:
            parse_receipt_handle(junk)
        assert caught.value.field == "ReceiptHandle"


def _message(receives: int) -> QueueMessage:
    return QueueMessage(
        id="m",
        queue_id="q",
        body="b",
        attributes={"a.x": S("String", "1"), "a.y": S("String", "2"), "b": S("String", "3")},
        md5_of_body="",
        md5_of_message_attributes=None,
        sent_at=NOW,
        visible_at=NOW,
        receive_count=receives,
        first_received_at=NOW if receives else None,
    )


def test_dead_letter_decision() -> None:
    policy = RedrivePolicy("arn", 2)
    assert not due_for_dead_letter(_message(1), policy)
    assert due_for_dead_letter(_message(2), policy)
    assert not due_for_dead_letter(_message(99), None)


def test_attribute_selection() -> None:
    message = _message(1)
    assert set(select_message_attributes(message.attributes, ["a.*"])) == {"a.x", "a.y"}
    assert set(select_message_attributes(message.attributes, ["b", "c"])) == {"b"}
    assert set(select_message_attributes(message.attributes, [".*"])) == {"a.x", "a.y", "b"}
    assert select_message_attributes(message.attributes, []) == {}
    system = select_system_attributes(message, ["All"])
    assert system == {
        "SentTimestamp": "1767225600000",
        "ApproximateReceiveCount": "1",
        "ApproximateFirstReceiveTimestamp": "1767225600000",
    }
    with pytest.raises(ValidationError):
        select_system_attributes(message, ["Colour"])


def test_batch_ids() -> None:
    validate_batch_ids(["a", "b-1", "c_2"])
    for ids in ([], ["x"] * 2, [str(i) for i in range(11)], ["bad id"]):
        with pytest.raises(ValidationError):
            validate_batch_ids(ids)
