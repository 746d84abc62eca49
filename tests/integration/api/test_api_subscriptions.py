"""``/v1/subscriptions`` over HTTP, on SQLite and PostgreSQL: queue subscriptions confirmed
at once and fed by publishes, email subscriptions waiting for confirmation, who may make
function subscriptions, and attributes."""

from __future__ import annotations

import json
from typing import Any

from apitest_support import Api, assert_problem

SUMMARY_FIELDS = ["SubscriptionArn", "Owner", "Protocol", "Endpoint", "TopicArn"]
OTHER_ACCOUNT = "222222222222"


def topic(api: Api, name: str) -> str:
    response = api.post("/v1/topics", json={"Name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["TopicArn"])


def queue(api: Api, name: str) -> str:
    response = api.post("/v1/queues", json={"QueueName": name})
    assert response.status_code == 201, response.text
    return str(response.json()["QueueArn"])


def subscribe(api: Api, topic_arn: str, protocol: str, endpoint: str, **extra: Any) -> Any:
    return api.post(
        "/v1/subscriptions",
        json={"TopicArn": topic_arn, "Protocol": protocol, "Endpoint": endpoint, **extra},
    )


def received(api: Api, queue_name: str) -> list[dict[str, Any]]:
    response = api.post(
        f"/v1/queues/{queue_name}/messages/receive", json={"MaxNumberOfMessages": 10}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["Messages"])


def test_a_queue_subscription_is_confirmed_and_receives_publishes(api: Api) -> None:
    topic_arn = topic(api, "orders")
    queue_arn = queue(api, "order-copies")
    answered = subscribe(api, topic_arn, "sqs", queue_arn)
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["PendingConfirmation"] is False
    arn = body["SubscriptionArn"]
    assert arn.startswith(topic_arn + ":")
    # Subscribing the same endpoint again gives the same subscription.
    assert subscribe(api, topic_arn, "sqs", queue_arn).json()["SubscriptionArn"] == arn

    listed = api.get("/v1/subscriptions").json()
    assert listed["NextToken"] is None
    assert listed["Subscriptions"] == [
        dict(
            zip(
                SUMMARY_FIELDS,
                [arn, api.settings.account_id, "sqs", queue_arn, topic_arn],
                strict=True,
            )
        )
    ]
    by_topic = api.get("/v1/subscriptions", params={"TopicArn": "orders"}).json()
    assert [s["SubscriptionArn"] for s in by_topic["Subscriptions"]] == [arn]

    described = api.get(f"/v1/subscriptions/{arn}").json()
    assert described["SubscriptionArn"] == arn
    assert described["Attributes"]["PendingConfirmation"] == "false"
    assert described["Attributes"]["Protocol"] == "sqs"

    sent = api.post(
        "/v1/topics/orders/publish", json={"Message": "order 17 shipped", "Subject": "Ship"}
    )
    assert sent.status_code == 200, sent.text
    assert api.container.topic_delivery.deliver_due(api.clock.now()) == 1
    messages = received(api, "order-copies")
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["Message"] == "order 17 shipped"
    assert envelope["MessageId"] == sent.json()["MessageId"]
    assert envelope["TopicArn"] == topic_arn and envelope["Subject"] == "Ship"

    raw = api.put(
        f"/v1/subscriptions/{arn}/attributes/RawMessageDelivery", json={"AttributeValue": True}
    )
    assert raw.status_code == 200, raw.text
    assert raw.json()["Attributes"]["RawMessageDelivery"] == "true"
    api.post("/v1/topics/orders/publish", json={"Message": "as it is"})
    api.container.topic_delivery.deliver_due(api.clock.now())
    assert [m["Body"] for m in received(api, "order-copies")] == ["as it is"]

    assert api.delete(f"/v1/subscriptions/{arn}").status_code == 204
    assert_problem(api.get(f"/v1/subscriptions/{arn}"), 404, "SubscriptionArn")
    assert api.get("/v1/subscriptions").json()["Subscriptions"] == []


def test_filter_policies(api: Api) -> None:
    topic_arn = topic(api, "filtered")
    queue_arn = queue(api, "wanted")
    policy = {"kind": ["expiry"]}
    answered = subscribe(api, topic_arn, "sqs", queue_arn, Attributes={"FilterPolicy": policy})
    assert answered.status_code == 200, answered.text
    arn = answered.json()["SubscriptionArn"]
    attributes = api.get(f"/v1/subscriptions/{arn}").json()["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == policy
    assert attributes["FilterPolicyScope"] == "MessageAttributes"

    for kind in ("expiry", "renewal"):
        api.post(
            "/v1/topics/filtered/publish",
            json={
                "Message": kind,
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": kind}},
            },
        )
    api.container.topic_delivery.deliver_due(api.clock.now())
    assert [json.loads(m["Body"])["Message"] for m in received(api, "wanted")] == ["expiry"]

    bad = subscribe(api, topic_arn, "sqs", queue(api, "other"), Attributes={"FilterPolicy": "{"})
    assert_problem(bad, 400, "Attributes.FilterPolicy")
    not_a_list = api.put(
        f"/v1/subscriptions/{arn}/attributes/FilterPolicy",
        json={"AttributeValue": {"kind": "expiry"}},
    )
    assert_problem(not_a_list, 400, "Attributes.FilterPolicy")
    scope = api.put(
        f"/v1/subscriptions/{arn}/attributes/FilterPolicyScope", json={"AttributeValue": "Body"}
    )
    assert_problem(scope, 400, "Attributes.FilterPolicyScope")
    unknown = api.put(f"/v1/subscriptions/{arn}/attributes/Color", json={"AttributeValue": "x"})
    assert_problem(unknown, 400, "Attributes.Color")


def test_an_email_subscription_waits_for_confirmation(api: Api) -> None:
    topic_arn = topic(api, "mail")
    answered = subscribe(api, topic_arn, "email", "ops@example.com")
    assert answered.status_code == 200, answered.text
    assert answered.json() == {
        "SubscriptionArn": "pending confirmation",
        "PendingConfirmation": True,
    }
    listed = api.get("/v1/subscriptions").json()["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    again = subscribe(api, topic_arn, "email", "ops@example.com", ReturnSubscriptionArn=True)
    arn = again.json()["SubscriptionArn"]
    assert arn.startswith(topic_arn + ":") and again.json()["PendingConfirmation"] is True
    assert api.get(f"/v1/subscriptions/{arn}").json()["Attributes"]["PendingConfirmation"] == (
        "true"
    )
    pending = api.put(
        f"/v1/subscriptions/{arn}/attributes/FilterPolicy",
        json={"AttributeValue": {"a": ["b"]}},
    )
    assert_problem(pending, 409, "SubscriptionArn")

    requests = api.get("/v1/deliveries", params={"SubscriptionArn": arn}).json()["Deliveries"]
    assert {d["Kind"] for d in requests} == {"SubscriptionConfirmation"}
    assert len(requests) == 2  # subscribing again sent a new request

    bad = api.post("/v1/subscriptions/confirm", json={"TopicArn": topic_arn, "Token": "nope"})
    assert_problem(bad, 400, "Token")


def test_confirming_with_the_token_of_an_email_json_request(api: Api) -> None:
    topic_arn = topic(api, "json-mail")
    subscribe(api, topic_arn, "email-json", "robot@example.com")
    api.container.topic_delivery.deliver_due(api.clock.now())
    mails = api.get("/v1/mailbox").json()["Mails"]
    assert len(mails) == 1 and mails[0]["To"] == ["robot@example.com"]
    document = json.loads(api.get(f"/v1/mailbox/{mails[0]['MailId']}").json()["Text"])
    assert document["Type"] == "SubscriptionConfirmation"

    confirmed = api.post(
        "/v1/subscriptions/confirm",
        json={"TopicArn": "json-mail", "Token": document["Token"]},
    )
    assert confirmed.status_code == 200, confirmed.text
    arn = confirmed.json()["SubscriptionArn"]
    assert arn.startswith(topic_arn + ":")
    listed = api.get("/v1/subscriptions", params={"TopicArn": topic_arn}).json()
    assert [s["SubscriptionArn"] for s in listed["Subscriptions"]] == [arn]


def test_function_subscriptions_need_an_admin_token(api: Api) -> None:
    plain = {
        "Authorization": f"Bearer {api.container.tokens.create(name='ci', account=OTHER_ACCOUNT)}"
    }
    mine = api.client.post("/v1/topics", json={"Name": "jobs"}, headers=plain)
    assert mine.status_code == 200, mine.text
    topic_arn = mine.json()["TopicArn"]
    body = {"TopicArn": topic_arn, "Protocol": "function", "Endpoint": "/bin/true"}
    refused = api.client.post("/v1/subscriptions", json=body, headers=plain)
    assert assert_problem(refused, 403, "Protocol")["code"] == "AccessDenied"

    admin = api.post("/v1/subscriptions", json=body, headers={"X-Certherd-Account": OTHER_ACCOUNT})
    assert admin.status_code == 200, admin.text
    assert admin.json()["PendingConfirmation"] is False
    listed = api.client.get("/v1/subscriptions", headers=plain).json()["Subscriptions"]
    assert [s["Endpoint"] for s in listed] == ["/bin/true ****"]


def test_bad_input_names_the_field(api: Api) -> None:
    topic_arn = topic(api, "checks")
    assert_problem(subscribe(api, topic_arn, "carrier-pigeon", "x"), 400, "Protocol")
    assert_problem(subscribe(api, topic_arn, "email", "not-an-address"), 400, "Endpoint")
    assert_problem(subscribe(api, topic_arn, "sqs", "arn:aws:sns:x"), 400, "Endpoint")
    assert_problem(subscribe(api, "bad name", "email", "a@example.com"), 400, "TopicArn")
    assert_problem(subscribe(api, "absent", "email", "a@example.com"), 404, "TopicArn")
    raw = subscribe(
        api, topic_arn, "email", "a@example.com", Attributes={"RawMessageDelivery": True}
    )
    assert_problem(raw, 400, "Attributes.RawMessageDelivery")
    assert_problem(api.get("/v1/subscriptions/not-an-arn"), 400, "SubscriptionArn")
    absent = f"{topic_arn}:00000000-0000-0000-0000-000000000000"
    assert_problem(api.get(f"/v1/subscriptions/{absent}"), 404, "SubscriptionArn")
    assert_problem(api.delete(f"/v1/subscriptions/{absent}"), 404, "SubscriptionArn")
