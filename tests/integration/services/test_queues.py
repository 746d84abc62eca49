"""Queues with SQS's semantics on SQLite and PostgreSQL: attributes, sending, visibility,
delays, retention, dead-letter queues and moving messages back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.tags import Tag
from certherd.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    ValidationError,
)
from certherd.services.queues import Outgoing

Attr = MessageAttributeValue
MISSING_DEAD_LETTER_QUEUE = json.dumps(
    {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:none", "maxReceiveCount": 3}
)


def send(container: Container, account: str, name: str, body: str, **extra: object) -> str:
    sent = container.queues.send(account=account, name=name, message=Outgoing(body, **extra))  # type: ignore[arg-type]
    return sent.message_id


def bodies(container: Container, account: str, name: str, **extra: object) -> list[str]:
    found = container.queues.receive(account=account, name=name, max_messages=10, **extra)  # type: ignore[arg-type]
    return [m.body for m in found]


def test_create_is_idempotent_with_equal_attributes_and_conflicts_otherwise(
    container: Container, account: str
) -> None:
    first = container.queues.create(
        account=account,
        name="jobs",
        attributes={"VisibilityTimeout": "60"},
        tags=[Tag("team", "a")],
    )
    again = container.queues.create(
        account=account, name="jobs", attributes={"VisibilityTimeout": "60"}
    )
    assert again.id == first.id
    assert container.queues.create(account=account, name="jobs").id == first.id
    with pytest.raises(ConflictError) as caught:
        container.queues.create(account=account, name="jobs", attributes={"VisibilityTimeout": "5"})
    assert caught.value.field == "QueueName" and "VisibilityTimeout" in caught.value.message


def test_attributes_have_sqs_defaults_and_computed_values(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="defaults")
    attributes = container.queues.attributes(account=account, name="defaults")
    assert attributes == {
        "QueueArn": f"arn:aws:sqs:us-east-1:{account}:defaults",
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "CreatedTimestamp": str(int(clock.now().timestamp())),
        "LastModifiedTimestamp": str(int(clock.now().timestamp())),
        "VisibilityTimeout": "30",
        "MaximumMessageSize": "262144",
        "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "false",
    }
    assert container.queues.attributes(
        account=account, name="defaults", names=["VisibilityTimeout"]
    ) == {"VisibilityTimeout": "30"}
    with pytest.raises(ValidationError) as caught:
        container.queues.attributes(account=account, name="defaults", names=["Nope"])
    assert caught.value.field == "AttributeNames"


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"VisibilityTimeout": "43201"}, "Attributes.VisibilityTimeout"),
        ({"MessageRetentionPeriod": "59"}, "Attributes.MessageRetentionPeriod"),
        ({"DelaySeconds": "x"}, "Attributes.DelaySeconds"),
        ({"QueueArn": "arn"}, "Attributes.QueueArn"),
        ({"FifoQueue": "true"}, "Attributes.FifoQueue"),
        ({"RedrivePolicy": MISSING_DEAD_LETTER_QUEUE}, "Attributes.RedrivePolicy"),
    ],
)
def test_bad_attributes_name_the_attribute(
    container: Container, account: str, attributes: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        container.queues.create(account=account, name="bad", attributes=attributes)
    assert caught.value.field == field
    with pytest.raises(NotFoundError):
        container.queues.get(account=account, name="bad")


def test_list_by_prefix_with_pages(container: Container, account: str) -> None:
    for name in ("b-1", "a_1", "a-2", "a-1"):
        container.queues.create(account=account, name=name)
    names = [q.name for q in container.queues.list(account=account, prefix="a")[0]]
    assert names == ["a-1", "a-2", "a_1"]
    page, token = container.queues.list(account=account, max_results=3)
    assert [q.name for q in page] == ["a-1", "a-2", "a_1"] and token
    rest, end = container.queues.list(account=account, max_results=3, next_token=token)
    assert [q.name for q in rest] == ["b-1"] and end is None


def test_send_receive_delete_and_visibility_timeout(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="work")
    attrs = {"kind": Attr("String", "renewal"), "n": Attr("Number", "1")}
    sent = container.queues.send(account=account, name="work", message=Outgoing("hello", attrs))
    assert sent.md5_of_message_body == "5d41402abc4b2a76b9719d911017c592"
    [got] = container.queues.receive(
        account=account, name="work", attribute_names=["All"], message_attribute_names=["All"]
    )
    assert got.message_id == sent.message_id and got.body == "hello"
    assert got.md5_of_message_attributes == sent.md5_of_message_attributes
    assert got.message_attributes == attrs
    assert got.attributes["ApproximateReceiveCount"] == "1"
    assert got.attributes["SentTimestamp"] == str(int(clock.now().timestamp() * 1000))
    assert container.queues.receive(account=account, name="work") == []  # in flight
    counts = container.queues.attributes(account=account, name="work")
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"

    clock.advance(timedelta(seconds=30))
    [again] = container.queues.receive(account=account, name="work", attribute_names=["All"])
    assert again.receipt_handle != got.receipt_handle
    assert again.attributes["ApproximateReceiveCount"] == "2"
    assert again.attributes["ApproximateFirstReceiveTimestamp"] == got.attributes["SentTimestamp"]
    # The first receive's handle is stale: as in SQS, deleting with it deletes nothing.
    assert (
        container.queues.delete_message(
            account=account, name="work", receipt_handle=got.receipt_handle
        )
        is False
    )
    assert (
        container.queues.delete_message(
            account=account, name="work", receipt_handle=again.receipt_handle
        )
        is True
    )
    clock.advance(timedelta(hours=1))
    assert container.queues.receive(account=account, name="work") == []


def test_change_visibility(container: Container, account: str, clock: FixedClock) -> None:
    container.queues.create(account=account, name="vis")
    send(container, account, "vis", "m")
    [got] = container.queues.receive(account=account, name="vis", visibility_timeout=600)
    container.queues.change_visibility(
        account=account, name="vis", receipt_handle=got.receipt_handle, visibility_timeout=0
    )
    [again] = container.queues.receive(account=account, name="vis")
    with pytest.raises(InvalidStateError):
        container.queues.change_visibility(
            account=account, name="vis", receipt_handle=got.receipt_handle, visibility_timeout=5
        )
    with pytest.raises(ValidationError) as caught:
        container.queues.change_visibility(
            account=account, name="vis", receipt_handle="nonsense!", visibility_timeout=5
        )
    assert caught.value.field == "ReceiptHandle"
    clock.advance(timedelta(hours=11))
    with pytest.raises(ValidationError) as too_long:
        container.queues.change_visibility(
            account=account,
            name="vis",
            receipt_handle=again.receipt_handle,
            visibility_timeout=3600 * 2,
        )
    assert too_long.value.field == "VisibilityTimeout"


def test_delays_of_queue_and_message(container: Container, account: str, clock: FixedClock) -> None:
    container.queues.create(account=account, name="late", attributes={"DelaySeconds": "60"})
    send(container, account, "late", "queue delay")
    send(container, account, "late", "own delay", delay_seconds=300)
    send(container, account, "late", "no delay", delay_seconds=0)
    assert bodies(container, account, "late", visibility_timeout=3600) == ["no delay"]
    assert (
        container.queues.attributes(account=account, name="late")[
            "ApproximateNumberOfMessagesDelayed"
        ]
        == "2"
    )
    clock.advance(timedelta(seconds=60))
    assert bodies(container, account, "late", visibility_timeout=3600) == ["queue delay"]
    clock.advance(timedelta(seconds=240))
    assert bodies(container, account, "late") == ["own delay"]
    with pytest.raises(ValidationError) as caught:
        send(container, account, "late", "x", delay_seconds=901)
    assert caught.value.field == "DelaySeconds"


def test_retention_drops_old_messages(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(
        account=account, name="short", attributes={"MessageRetentionPeriod": "60"}
    )
    send(container, account, "short", "old")
    clock.advance(timedelta(seconds=30))
    send(container, account, "short", "new")
    clock.advance(timedelta(seconds=31))
    assert (
        container.queues.attributes(account=account, name="short")["ApproximateNumberOfMessages"]
        == "1"
    )
    assert container.queues.sweep_expired() == 1
    assert bodies(container, account, "short") == ["new"]


def test_messages_refused_as_sqs_refuses_them(container: Container, account: str) -> None:
    container.queues.create(
        account=account, name="strict", attributes={"MaximumMessageSize": "1024"}
    )
    cases: list[tuple[Outgoing, str]] = [
        (Outgoing(""), "MessageBody"),
        (Outgoing("bell \x07"), "MessageBody"),
        (Outgoing("x" * 1025), "MessageBody"),
        (Outgoing("x", {"AWS.x": Attr("String", "v")}), "MessageAttributes.AWS.x"),
        (Outgoing("x", {"n": Attr("Number", "12a")}), "MessageAttributes.n.StringValue"),
        (Outgoing("x", {"b": Attr("Binary", "text")}), "MessageAttributes.b"),
        (Outgoing("x", {"t": Attr("Text", "v")}), "MessageAttributes.t.DataType"),
    ]
    for outgoing, field in cases:
        with pytest.raises(ValidationError) as caught:
            container.queues.send(account=account, name="strict", message=outgoing)
        assert caught.value.field == field, outgoing
    with pytest.raises(NotFoundError):
        send(container, account, "missing", "x")


def test_send_batch_reports_bad_entries_and_sends_the_rest(
    container: Container, account: str
) -> None:
    container.queues.create(account=account, name="batch")
    result = container.queues.send_batch(
        account=account,
        name="batch",
        entries=[("a", Outgoing("one")), ("b", Outgoing("")), ("c", Outgoing("three"))],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["a", "c"]
    assert [(f.id, f.code) for f in result.failed] == [("b", "ValidationError")]
    assert bodies(container, account, "batch") == ["one", "three"]
    with pytest.raises(ValidationError):
        container.queues.send_batch(
            account=account, name="batch", entries=[("x", Outgoing("1")), ("x", Outgoing("2"))]
        )


def _dead_letter_pair(container: Container, account: str, max_receives: int = 2) -> str:
    dlq = container.queues.create(account=account, name="dlq")
    dlq_arn = container.queues.arn(dlq)
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})
    container.queues.create(account=account, name="src", attributes={"RedrivePolicy": policy})
    return dlq_arn


def test_redrive_to_dead_letter_queue_and_move_back(
    container: Container, account: str, clock: FixedClock
) -> None:
    _dead_letter_pair(container, account, max_receives=2)
    message_id = send(container, account, "src", "poison")
    for _ in range(2):
        assert bodies(container, account, "src", visibility_timeout=0) == ["poison"]
    assert bodies(container, account, "src") == []  # the third receive moved it
    [dead] = container.queues.receive(account=account, name="dlq", attribute_names=["All"])
    assert dead.message_id == message_id
    assert dead.attributes["DeadLetterQueueSourceArn"] == f"arn:aws:sqs:us-east-1:{account}:src"
    assert dead.attributes["ApproximateReceiveCount"] == "3"
    # In flight in the dead-letter queue: not moved until visible again.
    assert container.queues.move_messages(account=account, name="dlq") == 0
    clock.advance(timedelta(seconds=30))
    assert container.queues.move_messages(account=account, name="dlq") == 1
    [back] = container.queues.receive(account=account, name="src", attribute_names=["All"])
    assert back.message_id == message_id and back.attributes["ApproximateReceiveCount"] == "1"


def test_move_back_to_a_deleted_source_moves_nothing(container: Container, account: str) -> None:
    dlq_arn = _dead_letter_pair(container, account, max_receives=1)
    container.queues.create(account=account, name="elsewhere")
    send(container, account, "src", "a")
    bodies(container, account, "src", visibility_timeout=0)
    bodies(container, account, "src")  # moves it
    container.queues.delete(account=account, name="src")
    with pytest.raises(InvalidStateError):
        container.queues.move_messages(account=account, name="dlq")
    destination = dlq_arn.replace(":dlq", ":elsewhere")
    assert (
        container.queues.move_messages(account=account, name="dlq", destination_arn=destination)
        == 1
    )
    assert bodies(container, account, "elsewhere") == ["a"]


def test_redrive_allow_policy_is_checked(container: Container, account: str) -> None:
    container.queues.create(
        account=account,
        name="closed",
        attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})},
    )
    policy = json.dumps(
        {"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{account}:closed", "maxReceiveCount": 1}
    )
    with pytest.raises(ValidationError) as caught:
        container.queues.create(account=account, name="src", attributes={"RedrivePolicy": policy})
    assert caught.value.field == "Attributes.RedrivePolicy"


def test_send_in_a_callers_unit_of_work(
    container: Container, account: str, clock: FixedClock
) -> None:
    queue = container.queues.create(account=account, name="target")
    arn = container.queues.arn(queue)
    with container.uow() as uow:
        container.queues.send_in(uow, arn, "rolled back", None, clock.now())
    assert bodies(container, account, "target") == []
    with container.uow() as uow:
        message_id = container.queues.send_in(
            uow, arn, "{}", {"RULE_ARN": Attr("String", "arn:x")}, clock.now()
        )
        uow.commit()
    [got] = container.queues.receive(account=account, name="target")
    assert got.message_id == message_id
    with container.uow() as uow, pytest.raises(NotFoundError):
        container.queues.send_in(uow, arn.replace("target", "gone"), "x", None, clock.now())


def test_purge_tags_and_delete(container: Container, account: str) -> None:
    container.queues.create(account=account, name="p", tags=[Tag("a", "1")])
    send(container, account, "p", "x")
    assert container.queues.tag(account=account, name="p", tags=[Tag("b", "2")]) == (
        Tag("a", "1"),
        Tag("b", "2"),
    )
    assert container.queues.untag(account=account, name="p", tags=[Tag("a")]) == (Tag("b", "2"),)
    assert container.queues.purge(account=account, name="p") == 1
    container.queues.delete(account=account, name="p")
    with pytest.raises(NotFoundError):
        container.queues.purge(account=account, name="p")
