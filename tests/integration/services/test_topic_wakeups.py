"""A publish wakes the delivery worker of its process, and subscribers of one message
receive one signed document, each with its own unsubscribe link."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.entrypoints.worker import build_worker
from certherd.pki.message_signing import verify_message
from certherd.services.publishing import PublishEntry
from certherd.services.topics import Caller

from .topic_support import deliver_all, http_receiver, queue_bodies


def _queue_subscriber(container: Container, account: str, topic: str, name: str) -> None:
    container.queues.create(account=account, name=name)
    container.subscriptions.subscribe(
        Caller.of_account(account), topic, "sqs", f"arn:aws:sqs:us-east-1:{account}:{name}"
    )


def test_a_publish_that_wrote_deliveries_tells_the_listeners(
    container: Container, account: str
) -> None:
    caller = Caller.of_account(account)
    quiet = container.topics.create(account, "quiet").arn
    busy = container.topics.create(account, "busy").arn
    _queue_subscriber(container, account, busy, "inbox")
    heard: list[str] = []
    container.publisher.on_published(lambda: heard.append("published"))

    container.publisher.publish(caller, quiet, "nobody listens")
    assert heard == []
    container.publisher.publish(caller, busy, "one")
    assert heard == ["published"]
    container.publisher.publish_batch(
        caller, busy, [PublishEntry(id=str(n), message=f"m{n}") for n in range(3)]
    )
    assert heard == ["published", "published"]


def test_the_worker_delivers_a_publish_of_its_process_at_once(
    container: Container, account: str
) -> None:
    topic = container.topics.create(account, "alerts").arn
    _queue_subscriber(container, account, topic, "inbox")
    worker = build_worker(container)
    worker.run_pending()  # every job once: the notifications job is idle now
    container.publisher.publish(Caller.of_account(account), topic, "hello")
    assert worker.run_pending() >= 1
    [received] = queue_bodies(container, account, "inbox")
    assert json.loads(received["body"])["Message"] == "hello"


def test_subscribers_of_a_message_get_one_signature_and_their_own_link(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    topic = container.topics.create(account, "alerts").arn
    with http_receiver() as receiver:
        arns = [
            container.subscriptions.subscribe(caller, topic, "http", receiver.url(f"/{n}")).arn
            for n in range(3)
        ]
        deliver_all(container, clock, until=timedelta(seconds=0))
        for request in receiver.received:
            token = parse_qs(urlsplit(request.json()["SubscribeURL"]).query)["Token"][0]
            container.subscriptions.confirm(topic, token)
        receiver.received.clear()
        container.publisher.publish(
            caller,
            topic,
            "certificate renewed",
            subject="Renewed",
            attributes={"severity": {"DataType": "String", "StringValue": "high"}},
        )
        deliver_all(container, clock, until=timedelta(seconds=0))
    bodies = {request.path: request.body.decode() for request in receiver.received}
    documents = {path: json.loads(body) for path, body in bodies.items()}
    assert sorted(documents) == ["/0", "/1", "/2"]
    pem = container.notification_signer.certificate(
        documents["/0"]["SigningCertURL"].rsplit("/", 1)[1]
    )
    assert pem is not None
    for n, arn in enumerate(arns):
        document = documents[f"/{n}"]
        assert bodies[f"/{n}"] == json.dumps(document, indent=2)
        assert parse_qs(urlsplit(document["UnsubscribeURL"]).query)["SubscriptionArn"] == [arn]
        assert verify_message(document, pem.encode())
        assert document["MessageAttributes"] == {"severity": {"Type": "String", "Value": "high"}}
    assert len({d["Signature"] for d in documents.values()}) == 1
