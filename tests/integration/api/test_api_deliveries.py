"""``/v1/deliveries`` over HTTP, on SQLite and PostgreSQL: the record of deliveries and
their attempts, the failed filter, and the redrive of what was given up."""

from __future__ import annotations

from typing import Any

from apitest_support import Api, assert_problem

DELIVERY_FIELDS = [
    "DeliveryId",
    "Kind",
    "MessageId",
    "TopicArn",
    "SubscriptionArn",
    "Protocol",
    "State",
    "Attempts",
    "NextAttemptAt",
    "LastStatusCode",
    "LastError",
    "CreatedAt",
    "FinishedAt",
]
ATTEMPT_FIELDS = ["Number", "At", "Succeeded", "StatusCode", "LatencyMs", "Error"]


def queue_subscription(api: Api, topic: str, queue: str) -> tuple[str, str]:
    """A topic with a queue subscribed to it: (topic ARN, subscription ARN)."""
    topic_arn = api.post("/v1/topics", json={"Name": topic}).json()["TopicArn"]
    queue_arn = api.post("/v1/queues", json={"QueueName": queue}).json()["QueueArn"]
    answered = api.post(
        "/v1/subscriptions", json={"TopicArn": topic_arn, "Protocol": "sqs", "Endpoint": queue_arn}
    )
    assert answered.status_code == 200, answered.text
    return topic_arn, str(answered.json()["SubscriptionArn"])


def deliveries(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/deliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["Deliveries"])


def test_a_delivery_to_a_deleted_queue_fails_and_is_redriven(api: Api) -> None:
    topic_arn, arn = queue_subscription(api, "audit", "audit-copies")
    assert api.delete("/v1/queues/audit-copies").status_code == 204
    message_id = api.post("/v1/topics/audit/publish", json={"Message": "m"}).json()["MessageId"]
    pending = deliveries(api)
    assert len(pending) == 1 and list(pending[0]) == DELIVERY_FIELDS
    assert (
        pending[0]["State"] == "PENDING" and pending[0]["NextAttemptAt"] == "2026-01-01T00:00:00Z"
    )

    api.container.topic_delivery.deliver_due(api.clock.now())
    [failed] = deliveries(api, Failed="true")
    assert failed["State"] == "FAILED"  # a missing queue is final: no retries
    assert failed["Kind"] == "Notification" and failed["Protocol"] == "sqs"
    assert failed["MessageId"] == message_id
    assert failed["TopicArn"] == topic_arn and failed["SubscriptionArn"] == arn
    assert failed["Attempts"] == 1 and failed["NextAttemptAt"] is None
    assert failed["LastStatusCode"] is None
    assert "audit-copies" in failed["LastError"] and "not" in failed["LastError"]
    assert failed["FinishedAt"] == "2026-01-01T00:00:00Z"
    assert deliveries(api, State="DELIVERED") == []
    assert [d["DeliveryId"] for d in deliveries(api, SubscriptionArn=arn)] == [failed["DeliveryId"]]
    assert len(deliveries(api, TopicArn="audit")) == 1

    described = api.get(f"/v1/deliveries/{failed['DeliveryId']}").json()
    assert list(described) == DELIVERY_FIELDS
    [attempt] = described["Attempts"]
    assert list(attempt) == ATTEMPT_FIELDS
    assert attempt["Number"] == 1 and attempt["Succeeded"] is False
    assert attempt["Error"] == failed["LastError"] and attempt["At"] == "2026-01-01T00:00:00.000Z"

    # Once the queue is back, the redriven delivery gets through.
    api.post("/v1/queues", json={"QueueName": "audit-copies"})
    redriven = api.post("/v1/deliveries/redrive", json={"SubscriptionArn": arn})
    assert redriven.status_code == 200, redriven.text
    assert redriven.json() == {"Redriven": 1}
    assert [d["State"] for d in deliveries(api)] == ["PENDING"]
    api.container.topic_delivery.deliver_due(api.clock.now())
    [delivered] = deliveries(api)
    assert delivered["State"] == "DELIVERED" and delivered["LastError"] is None
    assert delivered["Attempts"] == 2
    attempts = api.get(f"/v1/deliveries/{delivered['DeliveryId']}").json()["Attempts"]
    assert [a["Succeeded"] for a in attempts] == [False, True]
    assert deliveries(api, Failed="true") == []
    again = api.post("/v1/deliveries/redrive", json={"SubscriptionArn": arn})
    assert again.json() == {"Redriven": 0}


def test_paging_and_bad_input(api: Api) -> None:
    queue_subscription(api, "busy", "busy-copies")
    for number in range(3):
        api.post("/v1/topics/busy/publish", json={"Message": f"m{number}"})
    first = api.get("/v1/deliveries", params={"MaxItems": 2}).json()
    assert len(first["Deliveries"]) == 2 and first["NextToken"]
    rest = api.get("/v1/deliveries", params={"MaxItems": 2, "NextToken": first["NextToken"]})
    assert len(rest.json()["Deliveries"]) == 1 and rest.json()["NextToken"] is None

    assert_problem(api.get("/v1/deliveries", params={"State": "LOST"}), 400, "State")
    assert_problem(api.get("/v1/deliveries", params={"MaxItems": 0}), 400, "MaxItems")
    assert_problem(api.get("/v1/deliveries", params={"NextToken": "zz"}), 400, "NextToken")
    assert_problem(api.get("/v1/deliveries/not-an-id"), 404, "DeliveryId")
    absent = "00000000-0000-0000-0000-000000000000"
    assert_problem(api.get(f"/v1/deliveries/{absent}"), 404, "DeliveryId")
    bad = api.post("/v1/deliveries/redrive", json={"SubscriptionArn": "nope"})
    assert_problem(bad, 400, "SubscriptionArn")

    # Another account sees none of them.
    theirs = api.get("/v1/deliveries", headers={"X-Certherd-Account": "222222222222"})
    assert theirs.json() == {"Deliveries": [], "NextToken": None}
