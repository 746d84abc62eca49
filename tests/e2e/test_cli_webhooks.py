"""Acceptance: topic subscribers reached by a running ``certherd serve``, driven by the CLI,
in real time.

An https subscriber (a real HTTPS server behind a test CA) confirms, receives notifications
and checks each signature (versions 1 and 2) with ``openssl`` and the signing certificate
alone; a subscriber answering 500 three times gets the message once, on the fourth attempt,
at its delivery policy's delays; one that always fails ends in the dead-letter queue; a
filter policy keeps out what it should; Apprise's ``json://`` and ``mailto://`` reach local
receivers.

It runs on SQLite only: what it stores is covered on both databases by the service
tests, and a server on PostgreSQL adds minutes to the suite, not coverage.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from email import message_from_bytes, policy
from functools import partial
from pathlib import Path
from typing import Any, Final

from e2e_support import Server, cli, cli_json, running_server
from webhook_support import (
    Received,
    Receiver,
    SignatureChecker,
    running_mail_server,
    running_receiver,
    wait_for,
    write_tls_files,
)

#: Three retries whose delays rise linearly from 1 s to 3 s: 1, 2, then 3 seconds.
RETRY_POLICY: Final = {
    "healthyRetryPolicy": {
        "minDelayTarget": 1,
        "maxDelayTarget": 3,
        "numRetries": 3,
        "numNoDelayRetries": 0,
        "numMinDelayRetries": 0,
        "numMaxDelayRetries": 0,
        "backoffFunction": "linear",
    }
}
NOMINAL_DELAYS: Final = (1.0, 2.0, 3.0)
#: Jitter moves a delay by up to 10 %; the worker polls every 50 ms and the machine is
#: shared, so an attempt may start a little late. Arrivals may seem a little early when
#: the earlier attempt spent longer connecting.
JITTER: Final = 0.10
LATE_BY_AT_MOST: Final = 0.75
EARLY_BY_AT_MOST: Final = 0.05
#: Long enough for the whole retry schedule (6 s nominal) on a busy machine.
RETRIES_TIMEOUT: Final = 30.0


def subscribe(server: Server, topic: str, protocol: str, endpoint: str, *options: str) -> str:
    answer = cli_json(
        server, "subscription", "create", topic, "--protocol", protocol, "--endpoint", endpoint,
        *options,
    )  # fmt: skip
    return str(answer["SubscriptionArn"])


def publish(server: Server, topic: str, message: str, *options: str) -> str:
    return str(
        cli_json(server, "topic", "publish", topic, "--message", message, *options)["MessageId"]
    )


def arrived(receiver: Receiver, path: str, message_id: str) -> Received | None:
    found = [r for r in receiver.notifications(path) if r.message["MessageId"] == message_id]
    return found[0] if found else None


def notification_delivery(server: Server, subscription_arn: str) -> dict[str, Any]:
    """The record of the one notification delivery of a subscription, with its attempts."""
    listed = cli_json(server, "deliveries", "list", "--subscription", subscription_arn)
    [delivery] = [d for d in listed["Deliveries"] if d["Kind"] == "Notification"]
    return dict(cli_json(server, "deliveries", "describe", delivery["DeliveryId"]))


def check_signed_notification(
    received: Received, *, topic_arn: str, subscription_arn: str, version: str
) -> None:
    message, headers = received.message, received.headers
    assert received.verified, message
    assert message["Type"] == "Notification"
    assert message["SignatureVersion"] == version
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == message["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == topic_arn == message["TopicArn"]
    assert headers["x-amz-sns-subscription-arn"] == subscription_arn
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert message["UnsubscribeURL"].startswith("http://127.0.0.1:")


def seconds_between(attempts: list[dict[str, Any]]) -> list[float]:
    times = [datetime.fromisoformat(a["At"]) for a in attempts]
    return [(after - before).total_seconds() for before, after in itertools.pairwise(times)]


def test_webhooks_retries_dead_letters_filters_and_apprise(tmp_path: Path, sqlite_url: str) -> None:
    tls = write_tls_files(tmp_path)
    with running_server(tmp_path, sqlite_url, CERTHERD_HTTP_CA_BUNDLE=str(tls.ca_bundle)) as server:
        checker = SignatureChecker(
            f"{server.url}/sns/SimpleNotificationService-", tmp_path / "verify"
        )
        with (
            running_receiver(checker, tls.server_context()) as hooks,
            running_receiver(checker) as plain,
            running_mail_server() as (smtp_port, mail),
        ):
            run_scenario(server, hooks, plain, smtp_port, mail.mails)
            assert hooks.errors == [] and plain.errors == []


def run_scenario(
    server: Server, hooks: Receiver, plain: Receiver, smtp_port: int, mails: list[bytes]
) -> None:
    dlq = cli_json(server, "queue", "create", "hooks-dlq")["QueueArn"]
    alerts = cli_json(server, "topic", "create", "alerts")["TopicArn"]
    cli(server, "topic", "create", "flaky")
    hooks.script("/flaky", [500, 500, 500])
    hooks.script("/broken", [], then=500)
    policy_json = json.dumps(RETRY_POLICY)
    arns = {
        "/signed": subscribe(server, "alerts", "https", hooks.url("/signed")),
        "/filtered": subscribe(
            server, "alerts", "https", hooks.url("/filtered"),
            "--filter-policy", json.dumps({"severity": ["high"]}),
        ),
        "/flaky": subscribe(
            server, "flaky", "https", hooks.url("/flaky"), "--delivery-policy", policy_json
        ),
        "/broken": subscribe(
            server, "flaky", "https", hooks.url("/broken"),
            "--delivery-policy", policy_json, "--dead-letter-queue", dlq,
        ),
    }  # fmt: skip
    json_url = plain.url("/apprise").replace("http://", "json://", 1)
    subscribe(server, "alerts", "apprise", json_url)
    mailto = (
        f"mailto://127.0.0.1:{smtp_port}?to=ops@example.com&from=certherd@example.com&mode=insecure"
    )
    subscribe(server, "alerts", "apprise", mailto)

    # Each https subscriber checked its SubscriptionConfirmation's signature and fetched
    # the SubscribeURL, which confirmed exactly its own subscription.
    wait_for("the https subscribers to confirm", lambda: len(hooks.confirmed) == len(arns))
    assert hooks.confirmed == arns
    assert all(r.verified for r in hooks.received)

    # The retries run (in real seconds) while the other subscribers are checked.
    retried = publish(server, "flaky", "retry me")

    low = publish(server, "alerts", "disk at 70%", "--attribute", "severity=low")
    high = publish(
        server, "alerts", "www.example.com expires in 3 days",
        "--subject", "Expiring", "--attribute", "severity=high",
    )  # fmt: skip
    for message_id in (low, high):
        received = wait_for(
            f"{message_id} at /signed", partial(arrived, hooks, "/signed", message_id)
        )
        check_signed_notification(
            received, topic_arn=alerts, subscription_arn=arns["/signed"], version="1"
        )
    signed_high = arrived(hooks, "/signed", high)
    assert signed_high is not None
    # The check is not vacuous: a changed message or subject fails it.
    for changed in ({"Message": "forged"}, {"Subject": "Forged"}):
        assert not hooks.checker.verify({**signed_high.message, **changed})
    assert signed_high.message["Subject"] == "Expiring"
    assert signed_high.message["Message"] == "www.example.com expires in 3 days"
    assert signed_high.message["MessageAttributes"] == {
        "severity": {"Type": "String", "Value": "high"}
    }

    # The filter let the high-severity message through and kept the other out: no
    # delivery was even created for it.
    filtered = wait_for("the high message at /filtered", lambda: arrived(hooks, "/filtered", high))
    check_signed_notification(
        filtered, topic_arn=alerts, subscription_arn=arns["/filtered"], version="1"
    )
    listed = cli_json(server, "deliveries", "list", "--subscription", arns["/filtered"])
    notified = [d["MessageId"] for d in listed["Deliveries"] if d["Kind"] == "Notification"]
    assert notified == [high]
    assert [r.message["MessageId"] for r in hooks.notifications("/filtered")] == [high]

    # Apprise: JSON over HTTP and mail over SMTP, both messages each.
    wait_for("two Apprise JSON posts", lambda: len(plain.plain("/apprise")) == 2)
    bodies = sorted(r.message["message"] for r in plain.plain("/apprise"))
    assert any("disk at 70%" in body for body in bodies)
    assert any("www.example.com expires in 3 days" in body for body in bodies)
    wait_for("two Apprise mails", lambda: len(mails) == 2)
    texts = []
    for raw in mails:
        parsed = message_from_bytes(raw, policy=policy.default)
        assert parsed["To"] == "ops@example.com"
        part = parsed.get_body(preferencelist=("plain", "html"))
        assert part is not None
        texts.append(part.get_content())
    assert any("disk at 70%" in text for text in texts)
    assert any("www.example.com expires in 3 days" in text for text in texts)

    # Signature version 2 (SHA256withRSA), checked the same way.
    cli(server, "topic", "set-attribute", "alerts", "SignatureVersion", "2")
    second = publish(server, "alerts", "signed with SHA-256", "--attribute", "severity=high")
    for path in ("/signed", "/filtered"):
        received = wait_for(f"{second} at {path}", partial(arrived, hooks, path, second))
        check_signed_notification(
            received, topic_arn=alerts, subscription_arn=arns[path], version="2"
        )

    check_retried_once(server, hooks, arns["/flaky"], retried)
    check_dead_lettered(server, hooks, arns["/broken"], retried)


def check_retried_once(server: Server, hooks: Receiver, arn: str, message_id: str) -> None:
    """500, 500, 500, then 200: four attempts at the policy's delays, one success."""
    wait_for(
        "the fourth attempt at /flaky",
        lambda: len(hooks.notifications("/flaky")) == 4,
        timeout=RETRIES_TIMEOUT,
    )
    record = wait_for(
        "the /flaky delivery to be DELIVERED",
        lambda: (d := notification_delivery(server, arn))["State"] == "DELIVERED" and d,
        timeout=5.0,
    )
    attempts = record["Attempts"]
    assert [a["StatusCode"] for a in attempts] == [500, 500, 500, 200]
    assert [a["Succeeded"] for a in attempts] == [False, False, False, True]
    received = hooks.notifications("/flaky")
    # Both the record (the attempts' times, to the millisecond) and the arrivals at the
    # receiver show the policy's delays.
    arrivals = [after.at - before.at for before, after in itertools.pairwise(received)]
    gaps = zip(seconds_between(attempts), arrivals, NOMINAL_DELAYS, strict=True)
    for recorded, arrival, nominal in gaps:
        low = nominal * (1 - JITTER) - EARLY_BY_AT_MOST
        high = nominal * (1 + JITTER) + LATE_BY_AT_MOST
        assert low <= recorded <= high, seconds_between(attempts)
        assert low <= arrival <= high, arrivals
    assert [r.answered for r in received] == [500, 500, 500, 200]
    assert {r.message["MessageId"] for r in received} == {message_id}
    assert all(r.verified for r in received)


def check_dead_lettered(server: Server, hooks: Receiver, arn: str, message_id: str) -> None:
    """Always 500: the first attempt and three retries, then the dead-letter queue."""
    record = wait_for(
        "the /broken delivery to be DEAD_LETTERED",
        lambda: (d := notification_delivery(server, arn))["State"] == "DEAD_LETTERED" and d,
        timeout=RETRIES_TIMEOUT,
    )
    assert [a["StatusCode"] for a in record["Attempts"]] == [500] * 4
    assert len(hooks.notifications("/broken")) == 4
    [dead] = cli_json(server, "queue", "receive", "hooks-dlq")["Messages"]
    body = json.loads(dead["Body"])
    assert body["Type"] == "Notification" and body["MessageId"] == message_id
    assert body["Message"] == "retry me"
    attributes = dead["MessageAttributes"]
    assert attributes["ErrorCode"]["StringValue"] == "500"
    assert attributes["ErrorMessage"]["StringValue"]
    assert attributes["RequestID"]["StringValue"] == record["DeliveryId"]
