"""The open ``/sns`` links over HTTP, on SQLite and PostgreSQL: confirming from the link of
a confirmation mail, unsubscribing from a notification's link, and the signing certificate
a notification's signature is checked with."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from apitest_support import Api, assert_problem

from certherd.pki.message_signing import verify_message

CONFIRM_LINK = re.compile(r"http://certherd\.test:8600/sns/confirm\?\S+")
JSON_ACCEPT = {"Accept": "application/json"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "certherd.test:8600", url
    return f"{parts.path}?{parts.query}"


def subscribe(api: Api, topic: str, protocol: str, endpoint: str) -> dict[str, Any]:
    topic_arn = api.post("/v1/topics", json={"Name": topic}).json()["TopicArn"]
    answered = api.post(
        "/v1/subscriptions",
        json={
            "TopicArn": topic_arn,
            "Protocol": protocol,
            "Endpoint": endpoint,
            "ReturnSubscriptionArn": True,
        },
    )
    assert answered.status_code == 200, answered.text
    return {"TopicArn": topic_arn, **answered.json()}


def confirmation_link(api: Api, to: str) -> str:
    """The link in the confirmation mail sent to ``to`` (delivered into the mailbox)."""
    api.container.topic_delivery.deliver_due(api.clock.now())
    for mail in api.get("/v1/mailbox").json()["Mails"]:
        if mail["To"] == [to]:
            text = api.get(f"/v1/mailbox/{mail['MailId']}").json()["Text"]
            found = CONFIRM_LINK.search(text)
            assert found, text
            return found.group(0)
    raise AssertionError(f"no mail to {to}")


def queue_notification(api: Api, topic: str) -> tuple[str, dict[str, Any]]:
    """A queue subscribed to a new topic and the notification of one publish it received:
    (subscription ARN, the notification's JSON document)."""
    queue_arn = api.post("/v1/queues", json={"QueueName": f"{topic}-q"}).json()["QueueArn"]
    arn = subscribe(api, topic, "sqs", queue_arn)["SubscriptionArn"]
    api.post(f"/v1/topics/{topic}/publish", json={"Message": "signed", "Subject": "S"})
    api.container.topic_delivery.deliver_due(api.clock.now())
    [message] = api.post(f"/v1/queues/{topic}-q/messages/receive", json={}).json()["Messages"]
    return arn, json.loads(message["Body"])


def test_the_link_of_a_confirmation_mail_confirms_without_a_token(api: Api) -> None:
    subscribed = subscribe(api, "alerts", "email", "ops@example.com")
    arn = subscribed["SubscriptionArn"]
    link = confirmation_link(api, "ops@example.com")

    page = api.client.get(path_of(link))  # no Authorization header
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Subscription confirmed" in page.text
    assert subscribed["TopicArn"] in page.text and arn in page.text
    attributes = api.get(f"/v1/subscriptions/{arn}").json()["Attributes"]
    assert attributes["PendingConfirmation"] == "false"

    as_json = api.client.get(path_of(link), headers=JSON_ACCEPT)
    assert as_json.json() == {"SubscriptionArn": arn}


def test_bad_and_expired_confirmation_links(api: Api) -> None:
    topic_arn = subscribe(api, "late", "email", "late@example.com")["TopicArn"]
    link = confirmation_link(api, "late@example.com")

    bad = api.client.get("/sns/confirm", params={"TopicArn": topic_arn, "Token": "f00"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
    assert "not valid or has expired" in bad.text
    as_json = api.client.get(
        "/sns/confirm", params={"TopicArn": topic_arn, "Token": "f00"}, headers=JSON_ACCEPT
    )
    assert_problem(as_json, 400, "Token")
    missing = api.client.get("/sns/confirm", params={"Token": "f00"}, headers=JSON_ACCEPT)
    assert_problem(missing, 400, "TopicArn")
    action = api.client.get(path_of(link).replace("ConfirmSubscription", "Other"))
    assert action.status_code == 400
    hostile = topic_arn.replace("late", "<b>late</b>")
    escaped = api.client.get("/sns/confirm", params={"TopicArn": hostile, "Token": "1"})
    assert escaped.status_code == 400
    assert "<b>" not in escaped.text and "&lt;b&gt;" in escaped.text

    api.clock.advance(timedelta(days=2, seconds=1))
    expired = api.client.get(path_of(link))
    assert expired.status_code == 400 and "expired" in expired.text


def test_the_unsubscribe_link_of_a_notification(api: Api) -> None:
    arn, notification = queue_notification(api, "leaving")
    assert notification["UnsubscribeURL"].endswith(arn.replace(":", "%3A"))
    page = api.client.get(path_of(notification["UnsubscribeURL"]))
    assert page.status_code == 200, page.text
    assert "You have been unsubscribed" in page.text and arn in page.text
    assert_problem(api.get(f"/v1/subscriptions/{arn}"), 404)
    # Unsubscribing twice succeeds.
    twice = api.client.get(path_of(notification["UnsubscribeURL"]), headers=JSON_ACCEPT)
    assert twice.json() == {"SubscriptionArn": arn}

    missing = api.client.get("/sns/unsubscribe", params={"SubscriptionArn": "nope"})
    assert missing.status_code == 400 and "not valid" in missing.text
    absent = f"{arn.rpartition(':')[0]}:00000000-0000-0000-0000-000000000000"
    unknown = api.client.get("/sns/unsubscribe", params={"SubscriptionArn": absent})
    assert unknown.status_code == 404


def test_a_subscription_confirmed_with_authentication_cannot_be_left_by_link(api: Api) -> None:
    topic_arn = subscribe(api, "guarded", "email-json", "robot@example.com")["TopicArn"]
    api.container.topic_delivery.deliver_due(api.clock.now())
    [mail] = api.get("/v1/mailbox").json()["Mails"]
    token = json.loads(api.get(f"/v1/mailbox/{mail['MailId']}").json()["Text"])["Token"]
    confirmed = api.post(
        "/v1/subscriptions/confirm",
        json={"TopicArn": topic_arn, "Token": token, "AuthenticateOnUnsubscribe": True},
    )
    arn = confirmed.json()["SubscriptionArn"]
    refused = api.client.get("/sns/unsubscribe", params={"SubscriptionArn": arn})
    assert refused.status_code == 403
    attributes = api.get(f"/v1/subscriptions/{arn}").json()["Attributes"]
    assert attributes["ConfirmationWasAuthenticated"] == "true"


def test_the_signing_certificate_verifies_a_notification(api: Api) -> None:
    _, notification = queue_notification(api, "signed")
    url = notification["SigningCertURL"]
    assert re.fullmatch(
        r"http://certherd\.test:8600/sns/SimpleNotificationService-[0-9a-f]{40}\.pem", url
    )
    served = api.client.get(urlsplit(url).path)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"].startswith("application/x-pem-file")
    assert served.text.startswith("-----BEGIN CERTIFICATE-----")
    assert verify_message(notification, served.content)
    assert not verify_message({**notification, "Message": "tampered"}, served.content)

    unknown = "/sns/SimpleNotificationService-" + "0" * 40 + ".pem"
    assert_problem(api.client.get(unknown), 404)
    assert_problem(api.client.get("/sns/other.pem"), 404)
