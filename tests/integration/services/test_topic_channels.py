"""Topic deliveries over real channels: an HTTP endpoint (confirmation handshake, signed
notifications, retries at the policy's delays, dead-letter queue), mail into the mailbox,
a command run as a function and a registered function run by a ``lambda`` subscription."""

from __future__ import annotations

import itertools
import json
import re
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.topic_deliveries import DeliveryKind, DeliveryState
from certherd.errors import NotFoundError, PermissionDeniedError, ValidationError
from certherd.pki.message_signing import verify_message
from certherd.services.topics import Caller

from .topic_support import deliver_all, http_receiver, queue_bodies


def _token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["Token"][0]


def test_an_http_subscriber_confirms_and_receives_signed_notifications(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    with http_receiver() as receiver:
        subscription = container.subscriptions.subscribe(caller, topic, "http", receiver.url())
        assert subscription.pending
        deliver_all(container, clock, until=timedelta(seconds=0))
        [request] = receiver.received
        assert request.headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
        confirmation = request.json()
        pem = container.notification_signer.certificate(
            confirmation["SigningCertURL"].rsplit("/", 1)[1]
        )
        assert pem is not None and verify_message(confirmation, pem.encode())
        confirmed = container.subscriptions.confirm(topic, _token_of(confirmation["SubscribeURL"]))
        assert confirmed.arn == subscription.arn and not confirmed.pending

        message_id = container.publisher.publish(caller, topic, "hello", subject="Hi")
        deliver_all(container, clock, until=timedelta(seconds=0))
        notification = receiver.received[-1]
        assert notification.headers["x-amz-sns-message-type"] == "Notification"
        assert notification.headers["x-amz-sns-subscription-arn"] == subscription.arn
        assert notification.headers["content-type"].startswith("text/plain")
        body = notification.json()
        assert body["MessageId"] == message_id and body["Message"] == "hello"
        assert verify_message(body, pem.encode())


def test_a_failing_endpoint_is_retried_at_the_policys_delays(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    with http_receiver(statuses=[200, 500, 500, 500, 200]) as receiver:
        subscription = container.subscriptions.subscribe(caller, topic, "http", receiver.url())
        deliver_all(container, clock, until=timedelta(seconds=0))
        token = _token_of(receiver.received[0].json()["SubscribeURL"])
        container.subscriptions.confirm(topic, token)
        container.publisher.publish(caller, topic, "hello")
        start = clock.now()
        attempted = deliver_all(container, clock, until=timedelta(seconds=90))
        assert len(receiver.received) == 5
        # Three retries 20 s apart (jitter of at most 10 %).
        offsets = [(at - start).total_seconds() for at in attempted]
        assert offsets[0] == 0
        for before, after in itertools.pairwise(offsets):
            assert 17 <= after - before <= 23
        [delivery] = [
            d
            for d in container.deliveries.list(
                account, subscription_arn=subscription.arn
            ).deliveries
            if d.kind is DeliveryKind.NOTIFICATION
        ]
        described = container.deliveries.describe(account, delivery.id)
        assert described.delivery.state is DeliveryState.DELIVERED
        assert [a.status_code for a in described.attempts] == [500, 500, 500, 200]
        assert [a.succeeded for a in described.attempts] == [False, False, False, True]


def test_an_endpoint_that_always_fails_ends_in_the_dead_letter_queue(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    container.queues.create(account=account, name="dlq")
    dlq = f"arn:aws:sqs:us-east-1:{account}:dlq"
    with http_receiver(statuses=[200] + [503] * 10) as receiver:
        subscription = container.subscriptions.subscribe(
            caller,
            topic,
            "http",
            receiver.url(),
            attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})},
        )
        deliver_all(container, clock, until=timedelta(seconds=0))
        container.subscriptions.confirm(
            topic, _token_of(receiver.received[0].json()["SubscribeURL"])
        )
        message_id = container.publisher.publish(caller, topic, "lost")
        deliver_all(container, clock, until=timedelta(seconds=120))
        assert len(receiver.received) == 1 + 4
    [dead] = queue_bodies(container, account, "dlq")
    assert json.loads(dead["body"])["MessageId"] == message_id
    assert dead["attributes"]["ErrorCode"].string_value == "503"
    failed = container.deliveries.list(account, failed=True).deliveries
    assert [d.state for d in failed] == [DeliveryState.DEAD_LETTERED]
    assert container.deliveries.redrive(account, subscription.arn) == 1
    with pytest.raises(NotFoundError):
        container.deliveries.redrive(account, f"{topic}:{uuid.uuid4()}")
    assert container.deliveries.list(account, failed=True).deliveries == []


def test_mail_goes_to_the_mailbox_without_a_relay(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts", attributes={"DisplayName": "Ops"}).arn
    subscription = container.subscriptions.subscribe(caller, topic, "email", "ops@example.com")
    deliver_all(container, clock, until=timedelta(seconds=0))
    [confirmation] = container.mail.mailbox(account).mails
    assert confirmation.recipients == ("ops@example.com",)
    link = re.search(r"http://crl\.test:8600/sns/confirm\?\S+", confirmation.text)
    assert link is not None
    container.subscriptions.confirm(topic, _token_of(link.group(0)))

    container.publisher.publish(caller, topic, "the certificate was renewed", subject="Renewed")
    deliver_all(container, clock, until=timedelta(seconds=0))
    latest = container.mail.mailbox(account).mails[0]
    assert "the certificate was renewed" in latest.text
    assert not latest.delivered

    container.subscriptions.unsubscribe(caller, subscription.arn)
    deliver_all(container, clock, until=timedelta(seconds=0))
    goodbye = container.mail.mailbox(account).mails[0]
    restore = re.search(r"http://crl\.test:8600/sns/confirm\?\S+", goodbye.text)
    assert restore is not None
    restored = container.subscriptions.confirm(topic, _token_of(restore.group(0)))
    assert not restored.pending


def test_a_function_gets_the_lambda_event_on_stdin(
    container: Container, account: str, clock: FixedClock, tmp_path: Path
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    out = tmp_path / "event.json"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"
    command = f"{sys.executable} -c {json.dumps(script)}"
    container.subscriptions.subscribe(caller, topic, "function", command, may_run_commands=True)
    container.publisher.publish(caller, topic, "deploy me")
    deliver_all(container, clock, until=timedelta(seconds=0))
    event = json.loads(out.read_text())
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["Message"] == "deploy me"
    assert record["Sns"]["Subject"] is None


def _notification(container: Container, account: str, subscription_arn: str) -> Any:
    [delivery] = [
        d
        for d in container.deliveries.list(account, subscription_arn=subscription_arn).deliveries
        if d.kind is DeliveryKind.NOTIFICATION
    ]
    return delivery


def test_a_lambda_subscription_runs_the_registered_function_with_the_lambda_event(
    container: Container, account: str, clock: FixedClock, tmp_path: Path
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    out = tmp_path / "event.json"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"
    function = container.functions.create(
        account=account, name="deploy", kind="command", command=[sys.executable, "-c", script]
    )
    # No administrator needed: the function is registered already.
    subscription = container.subscriptions.subscribe(
        caller, topic, "lambda", container.functions.arn(function)
    )
    assert not subscription.pending

    message_id = container.publisher.publish(caller, topic, "renewed", subject="Renewed")
    deliver_all(container, clock, until=timedelta(seconds=0))

    [record] = json.loads(out.read_text())["Records"]
    assert record["EventSubscriptionArn"] == subscription.arn
    assert (record["Sns"]["Message"], record["Sns"]["Subject"]) == ("renewed", "Renewed")
    assert record["Sns"]["MessageId"] == message_id
    [run] = container.functions.invocations(account=account, name="deploy").invocations
    assert (run.source.value, run.state.value) == ("TOPIC", "SUCCEEDED")
    assert (run.subscription_arn, run.message_id) == (subscription.arn, message_id)
    assert _notification(container, account, subscription.arn).state is DeliveryState.DELIVERED


def test_a_lambda_subscription_retries_a_failing_or_missing_function(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    container.functions.create(
        account=account, name="flaky", kind="command", command=[sys.executable, "-c", "exit(3)"]
    )
    failing = container.subscriptions.subscribe(
        caller, topic, "lambda", f"arn:aws:lambda:us-east-1:{account}:function:flaky"
    )
    missing = container.subscriptions.subscribe(
        caller, topic, "lambda", f"arn:aws:lambda:us-east-1:{account}:function:not-yet"
    )

    container.publisher.publish(caller, topic, "renewed")
    deliver_all(container, clock, until=timedelta(seconds=0))

    for subscription, error in (
        (failing, "function flaky exited with status 3"),
        (missing, "function not-yet does not exist"),
    ):
        delivery = _notification(container, account, subscription.arn)
        # SNS's policy for functions: the first attempt and 3 immediate retries, then
        # retries 1 s apart and on.
        assert delivery.state is DeliveryState.PENDING
        assert delivery.attempts == 4
        assert error in (delivery.last_error or "")


def test_a_lambda_subscription_needs_a_function_arn_of_the_callers_account(
    container: Container, account: str
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn

    with pytest.raises(ValidationError) as not_a_function:
        container.subscriptions.subscribe(
            caller, topic, "lambda", f"arn:aws:sqs:us-east-1:{account}:queue"
        )
    with pytest.raises(PermissionDeniedError) as other_account:
        container.subscriptions.subscribe(
            caller, topic, "lambda", "arn:aws:lambda:us-east-1:210987654321:function:theirs"
        )

    assert not_a_function.value.field == "Endpoint"
    assert other_account.value.field == "Endpoint"
    assert container.subscriptions.list(account).subscriptions == []
