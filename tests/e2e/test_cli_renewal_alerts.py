"""Acceptance: the renewal-alert workflow end to end, through the CLI against a running
server on simulated time, with a real SMTP server (aiosmtpd, started here) as the mail
relay (SQLite and PostgreSQL).

An encrypted topic; an email subscription, confirmed by following the link of the mail the
SMTP server receives; a rule on ``ACM Certificate Renewal Action Required`` targeting the
topic. A private certificate is exported (so ACM would renew it) and its CA's permission
for the certificate manager withdrawn (so renewal fails). The lifecycle runs to 45 days
before expiry: the failed renewal's event reaches the rule, and publishing it to the topic
fails with NO_PERMISSIONS (the topic's policy does not admit the event bus), visible in
``events invocations`` while the target's retry policy keeps it pending. Once
``topic allow-events`` has fixed the policy, the retry publishes it and the SMTP server
receives the readable mail: the certificate (domain and ARN), the days left and the reason.
The topic's message bodies are sealed at rest.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from e2e_support import Server, cli, cli_json, running_server
from smtp_support import ReceivedMail, SmtpServer, running_smtp_server

START = datetime(2026, 3, 1, tzinfo=UTC)
DOMAIN = "shop.example.com"
SUBSCRIBER = "ops@example.test"
SENDER = "certherd@example.test"
TOPIC = "renewal-alerts"
RULE = "renewal-action-required"
ACTION_REQUIRED = "ACM Certificate Renewal Action Required"
PATTERN = {"source": ["aws.acm"], "detail-type": [ACTION_REQUIRED]}
ALERT_DAYS = 45
#: Published to the topic before anyone subscribes: only the topic's stored message holds it.
MARKER = "sealed-body-marker-5f1c0e7a"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _wait_issued(server: Server, arn: str) -> dict[str, Any]:
    """The certificate's detail once issuance has finished."""
    deadline = time.monotonic() + 30
    while True:
        detail: dict[str, Any] = cli_json(server, "cert", "describe", arn)["Certificate"]
        if detail["Status"] != "PENDING_VALIDATION" or time.monotonic() > deadline:
            return detail
        time.sleep(0.2)


def _topic_invocations(server: Server, topic_arn: str) -> list[dict[str, Any]]:
    answer = cli_json(server, "events", "invocations")
    return [i for i in answer["Invocations"] if i["TargetArn"] == topic_arn]


def _notifications(server: Server) -> list[dict[str, Any]]:
    """The topic's notification deliveries (not its subscription confirmations)."""
    answer = cli_json(server, "deliveries", "list", "--topic", TOPIC)
    return [d for d in answer["Deliveries"] if d["Kind"] == "Notification"]


def _confirm_by_link(server: Server, mail: ReceivedMail) -> None:
    """Follow the confirmation link of ``mail`` as a mail reader's browser would."""
    links = re.findall(r"https?://\S+/sns/confirm\?\S+", mail.text)
    assert links, f"no confirmation link in:\n{mail.text}"
    link = links[0]
    assert link.startswith(f"{server.url}/sns/confirm?"), link
    page = httpx.get(link, timeout=10.0)
    assert page.status_code == 200, page.text
    assert "Subscription confirmed" in page.text


def _stored_topic_messages(database_url: str) -> list[sa.Row[Any]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "SELECT id, body, body_sealed FROM topic_messages ORDER BY published_at"
                    )
                )
            )
    finally:
        engine.dispose()


def test_renewal_alert_reaches_an_smtp_server(
    tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    with running_server(tmp_path, database_url, "--now", _stamp(START)) as server:
        # Mail goes through the SMTP server from now on (not to the local mailbox).
        relay = cli_json(
            server,
            "mail", "relay", "set", "--host", smtp.host, "--port", str(smtp.port),
            "--security", "none", "--sender", SENDER, "--sender-name", "certherd alerts",
        )  # fmt: skip
        assert (relay["Host"], relay["Port"], relay["Security"]) == (smtp.host, smtp.port, "none")

        # An encrypted topic, a message nobody receives, and an email subscription.
        topic = cli_json(server, "topic", "create", TOPIC, "--encrypt")
        topic_arn = topic["TopicArn"]
        assert topic["Attributes"]["KmsMasterKeyId"] == "alias/aws/sns"
        cli(server, "topic", "publish", TOPIC, "--message", MARKER)
        subscribed = cli_json(
            server, "subscription", "create", TOPIC, "--protocol", "email", "--endpoint", SUBSCRIBER
        )
        assert subscribed["PendingConfirmation"] is True

        # The confirmation mail arrives; following its link confirms the subscription.
        confirmation = smtp.next_mail()
        assert confirmation.rcpt_tos == (SUBSCRIBER,)
        assert SENDER in confirmation.mail_from
        assert topic_arn in confirmation.text
        _confirm_by_link(server, confirmation)
        [subscription] = cli_json(server, "subscription", "list", "--topic", TOPIC)["Subscriptions"]
        assert subscription["SubscriptionArn"] == subscribed["SubscriptionArn"]
        assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", SUBSCRIBER)

        # A private certificate from a subordinate CA that lets the certificate manager
        # renew; exported, so it is eligible for managed renewal.
        root = cli_json(
            server, "ca", "create", "--type", "ROOT", "--common-name", "Alerts Root CA",
            "--key-algorithm", "EC_prime256v1",
        )  # fmt: skip
        issuing = cli_json(
            server, "ca", "create", "--type", "SUBORDINATE", "--common-name", "Alerts Issuing CA",
            "--key-algorithm", "EC_prime256v1", "--parent", root["Arn"],
        )  # fmt: skip
        assert "acm.amazonaws.com" in cli(server, "ca", "permission", "list", issuing["Arn"]).stdout
        requested = cli_json(
            server, "cert", "request", DOMAIN, "--ca", issuing["Arn"],
            "--key-algorithm", "EC_prime256v1", "--validity-days", "90",
        )  # fmt: skip
        cert_arn = requested["CertificateArn"]
        detail = _wait_issued(server, cert_arn)
        assert detail["Status"] == "ISSUED"
        passphrase = tmp_path / "passphrase.txt"
        passphrase.write_text("correct horse battery staple\n")
        (tmp_path / "exported").mkdir()
        cli(
            server, "cert", "export", cert_arn, "--out-dir", str(tmp_path / "exported"),
            "--passphrase-file", str(passphrase),
        )  # fmt: skip

        # The rule, targeting the topic; the topic's policy does not admit the event bus yet.
        rule_arn = cli(
            server, "rule", "create", RULE, "--pattern", json.dumps(PATTERN)
        ).stdout.strip()
        cli(server, "rule", "target", "add", RULE, "--id", "alerts", "--arn", topic_arn)

        # Renewal breaks: the issuing CA no longer lets the certificate manager issue.
        cli(server, "ca", "permission", "delete", issuing["Arn"])

        # Run the lifecycle to 45 days before expiry: renewal fails, the event reaches the
        # rule, and publishing it to the topic is refused.
        alert_day = _instant(detail["NotAfter"]) - timedelta(days=ALERT_DAYS)
        assert alert_day > START
        cli(server, "lifecycle", "run", "--until", _stamp(alert_day))
        [refused] = _topic_invocations(server, topic_arn)
        assert refused["State"] == "PENDING", refused
        assert refused["LastErrorCode"] == "NO_PERMISSIONS"
        assert rule_arn in refused["LastErrorMessage"]
        assert _notifications(server) == []
        assert smtp.mails_so_far() == []

        # The policy statement EventBridge's console adds; the target's retry policy then
        # publishes the same event (its first retry is due within a second of the failure).
        cli(server, "topic", "allow-events", TOPIC, "--rule", rule_arn)
        cli(server, "lifecycle", "run", "--until", _stamp(alert_day + timedelta(minutes=5)))

        alert = smtp.next_mail()
        assert alert.rcpt_tos == (SUBSCRIBER,)
        assert alert.subject == f"Renewal action required: {DOMAIN} ({ALERT_DAYS} days left)"
        text = alert.text
        assert DOMAIN in text and cert_arn in text
        assert f"{ALERT_DAYS} days left" in text
        assert "PCA_ACCESS_DENIED" in text
        assert "permission to issue certificates" in text
        assert "acm.amazonaws.com" in text
        assert f"{server.url}/sns/unsubscribe?" in text
        html = alert.part("html")
        assert html is not None
        assert cert_arn in html and "PCA_ACCESS_DENIED" in html
        assert smtp.mails_so_far(settle=0.5) == []

        [delivered] = _topic_invocations(server, topic_arn)
        assert (delivered["State"], delivered["Attempts"]) == ("SUCCEEDED", 2)
        [delivery] = _notifications(server)
        assert (delivery["Protocol"], delivery["State"]) == ("email", "DELIVERED")

        # Message bodies are sealed at rest: the stored rows hold no body in clear.
        stored = _stored_topic_messages(database_url)
        assert len(stored) == 2
        for row in stored:
            assert row.body is None and row.body_sealed
            assert MARKER.encode() not in bytes(row.body_sealed)
            assert cert_arn.encode() not in bytes(row.body_sealed)

    if database_url.startswith("sqlite:///"):
        # Nowhere in the database's files (the marker was only ever the topic message).
        db_file = Path(database_url.removeprefix("sqlite:///"))
        files = [p for p in db_file.parent.glob(f"{db_file.name}*") if p.is_file()]
        assert db_file in files
        for path in files:
            assert MARKER.encode() not in path.read_bytes(), path
