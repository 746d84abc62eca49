"""Publishing fans out to subscriptions: filter policies, queues, raw delivery, signed
envelopes, and the event bus publishing for a rule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.invocations import InvocationState
from certherd.pki.message_signing import verify_message
from certherd.services.topics import Caller

from .delivery_support import invocations, put_event, rule_to
from .topic_support import deliver_all, queue_bodies


def _queue(container: Container, account: str, name: str) -> str:
    container.queues.create(account=account, name=name)
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def _topic(container: Container, account: str, name: str = "alerts", **attributes: str) -> str:
    return container.topics.create(account, name, attributes=attributes).arn


def test_a_queue_subscriber_gets_a_signed_notification(
    container: Container, account: str, clock: FixedClock
) -> None:
    topic = _topic(container, account, SignatureVersion="2")
    caller = Caller.of_account(account)
    subscription = container.subscriptions.subscribe(
        caller, topic, "sqs", _queue(container, account, "inbox")
    )
    assert not subscription.pending
    message_id = container.publisher.publish(
        caller,
        topic,
        "certificate renewed",
        subject="Renewed",
        attributes={"severity": {"DataType": "String", "StringValue": "high"}},
    )
    deliver_all(container, clock, until=timedelta(seconds=0))
    [received] = queue_bodies(container, account, "inbox")
    document = json.loads(received["body"])
    assert document["Type"] == "Notification"
    assert document["MessageId"] == message_id
    assert document["Subject"] == "Renewed"
    assert document["Message"] == "certificate renewed"
    assert document["SignatureVersion"] == "2"
    assert document["MessageAttributes"] == {"severity": {"Type": "String", "Value": "high"}}
    assert document["UnsubscribeURL"].startswith("http://crl.test:8600/sns/unsubscribe?")
    name = document["SigningCertURL"].rsplit("/", 1)[1]
    pem = container.notification_signer.certificate(name)
    assert pem is not None
    assert verify_message(document, pem.encode())
    tampered = {**document, "Message": "certificate revoked"}
    assert not verify_message(tampered, pem.encode())


def test_filter_policies_keep_out_what_they_should(
    container: Container, account: str, clock: FixedClock
) -> None:
    topic = _topic(container, account)
    caller = Caller.of_account(account)
    container.subscriptions.subscribe(
        caller,
        topic,
        "sqs",
        _queue(container, account, "urgent"),
        attributes={"FilterPolicy": '{"severity": ["high"]}'},
    )
    container.subscriptions.subscribe(
        caller,
        topic,
        "sqs",
        _queue(container, account, "acm"),
        attributes={
            "FilterPolicy": '{"source": ["aws.acm"]}',
            "FilterPolicyScope": "MessageBody",
        },
    )
    high = {"severity": {"DataType": "String", "StringValue": "high"}}
    low = {"severity": {"DataType": "String", "StringValue": "low"}}
    container.publisher.publish(caller, topic, '{"source": "aws.acm"}', attributes=low)
    container.publisher.publish(caller, topic, '{"source": "my.app"}', attributes=high)
    container.publisher.publish(caller, topic, "not json", attributes=low)
    deliver_all(container, clock, until=timedelta(seconds=0))
    urgent = [json.loads(m["body"])["Message"] for m in queue_bodies(container, account, "urgent")]
    acm = [json.loads(m["body"])["Message"] for m in queue_bodies(container, account, "acm")]
    assert urgent == ['{"source": "my.app"}']
    assert acm == ['{"source": "aws.acm"}']


def test_raw_delivery_sends_the_bare_message_with_attributes(
    container: Container, account: str, clock: FixedClock
) -> None:
    topic = _topic(container, account)
    caller = Caller.of_account(account)
    container.subscriptions.subscribe(
        caller,
        topic,
        "sqs",
        _queue(container, account, "raw"),
        attributes={"RawMessageDelivery": "true"},
    )
    container.publisher.publish(
        caller,
        topic,
        '{"default": "for everyone", "sqs": "for queues"}',
        structure="json",
        attributes={"n": {"DataType": "Number", "StringValue": "7"}},
    )
    deliver_all(container, clock, until=timedelta(seconds=0))
    [received] = queue_bodies(container, account, "raw")
    assert received["body"] == "for queues"
    assert received["attributes"]["n"].string_value == "7"


def test_a_rule_publishes_once_the_topic_policy_allows_it(
    container: Container, account: str, clock: FixedClock
) -> None:
    topic = _topic(container, account)
    caller = Caller.of_account(account)
    container.subscriptions.subscribe(caller, topic, "sqs", _queue(container, account, "inbox"))
    rule_arn = rule_to(
        container,
        account,
        {"Id": "t", "Arn": topic, "RetryPolicy": {"MaximumRetryAttempts": 0}},
        name="to-topic",
    )
    refused = put_event(container, account, step=1)
    container.router.route_batch(clock.now())
    container.delivery.deliver_due(clock.now())
    [failed] = invocations(container, account, refused)
    assert failed.state is InvocationState.FAILED
    assert failed.last_error_code == "NO_PERMISSIONS"
    container.topics.allow_events(caller, topic, source_arn=rule_arn)
    allowed = put_event(container, account, step=2)
    container.router.route_batch(clock.now())
    container.delivery.deliver_due(clock.now())
    [succeeded] = invocations(container, account, allowed)
    assert succeeded.state is InvocationState.SUCCEEDED
    deliver_all(container, clock, until=timedelta(seconds=0))
    [received] = queue_bodies(container, account, "inbox")
    event = json.loads(json.loads(received["body"])["Message"])
    assert event["detail"] == {"step": 2}


def test_unconfirmed_and_deleted_subscriptions_get_nothing(
    container: Container, account: str, clock: FixedClock
) -> None:
    topic = _topic(container, account)
    caller = Caller.of_account(account)
    subscription = container.subscriptions.subscribe(
        caller, topic, "sqs", _queue(container, account, "inbox")
    )
    container.publisher.publish(caller, topic, "one")
    container.subscriptions.unsubscribe(caller, subscription.arn)
    deliver_all(container, clock, until=timedelta(seconds=0))
    assert queue_bodies(container, account, "inbox") == []
    page = container.deliveries.list(account)
    assert [d.state.value for d in page.deliveries] == ["DROPPED"]


@pytest.mark.parametrize("protocol", ["function"])
def test_functions_need_an_administrator(container: Container, account: str, protocol: str) -> None:
    from certherd.errors import PermissionDeniedError

    topic = _topic(container, account)
    with pytest.raises(PermissionDeniedError):
        container.subscriptions.subscribe(Caller.of_account(account), topic, protocol, "cat")
