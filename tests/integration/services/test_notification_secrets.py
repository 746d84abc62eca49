"""The secrets of notifications stay sealed at rest: the mail relay's password, endpoints
holding credentials, message bodies of encrypted topics, mail in the mailbox, confirmation
tokens and the signing key; rotating the key-encryption key keeps them all readable."""

from __future__ import annotations

from datetime import timedelta

from certherd.bootstrap import Container, build, rotate_keys
from certherd.config import Settings
from certherd.domain.clock import FixedClock
from certherd.services.topics import Caller

from .test_keys_at_rest import _database_bytes
from .topic_support import deliver_all, queue_bodies

RELAY_PASSWORD = "relay-pass-7f3a9c"
APPRISE = "json://hookuser:apprise-token-51d2e8@127.0.0.1:9/hook"
HTTPS = "https://webuser:web-pass-a41b77@hooks.example.com/notify?key=query-key-99e1"
SECRET_BODY = "quarterly-figures-4b8d2e are confidential"


def _populate(container: Container, account: str) -> str:
    caller = Caller.of_account(account)
    container.mail.configure_relay(
        host="127.0.0.1",
        port=9,
        security="starttls",
        username="mailer",
        password=RELAY_PASSWORD,
        sender="certherd@example.com",
    )
    topic = container.topics.create(
        account, "sealed", attributes={"KmsMasterKeyId": "alias/aws/sns"}
    ).arn
    container.subscriptions.subscribe(caller, topic, "apprise", APPRISE)
    container.subscriptions.subscribe(caller, topic, "https", HTTPS)
    container.queues.create(account=account, name="inbox")
    container.subscriptions.subscribe(
        caller, topic, "sqs", f"arn:aws:sqs:us-east-1:{account}:inbox"
    )
    container.publisher.publish(caller, topic, SECRET_BODY)
    return topic


def test_no_notification_secret_in_the_database(
    settings: Settings, container: Container, account: str, clock: FixedClock
) -> None:
    _populate(container, account)
    stored = _database_bytes(settings, container)
    for needle in (
        RELAY_PASSWORD,
        "apprise-token-51d2e8",
        "web-pass-a41b77",
        "query-key-99e1",
        SECRET_BODY,
        "quarterly-figures-4b8d2e",
    ):
        assert needle.encode() not in stored, needle
    # the search reads real content: the topic's name and a masked endpoint are there
    assert b"hooks.example.com" in stored
    shown = {
        s.protocol.value: s.endpoint for s in container.subscriptions.list(account).subscriptions
    }
    assert "web-pass" not in shown["https"] and "****" in shown["https"]
    assert "apprise-token" not in shown["apprise"]


def test_rotation_keeps_notification_secrets_readable(
    settings: Settings, container: Container, account: str, clock: FixedClock
) -> None:
    _populate(container, account)
    container.notification_signer.current()  # the signing key exists before rotation
    container.close()

    assert rotate_keys(settings) >= 5

    reopened = build(settings, clock=clock)
    try:
        assert reopened.mail.relay() is not None
        endpoints = {
            reopened.subscriptions.endpoint_of(s)
            for s in reopened.subscriptions.list(account).subscriptions
        }
        assert {APPRISE, HTTPS} <= endpoints
        deliver_all(reopened, clock, until=timedelta(seconds=0))
        bodies = queue_bodies(reopened, account, "inbox")
        assert [b["body"] for b in bodies if SECRET_BODY in b["body"]]
    finally:
        reopened.close()
