"""``/v1/queues`` over HTTP, on SQLite and PostgreSQL: the shapes docs/api.md describes,
problems naming the field, and a long poll that a send ends."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
from apitest_support import Api, assert_problem

QUEUE_FIELDS = ["QueueName", "QueueUrl", "QueueArn", "Attributes", "Tags"]
MESSAGE_FIELDS = [
    "MessageId",
    "ReceiptHandle",
    "MD5OfBody",
    "Body",
    "Attributes",
    "MD5OfMessageAttributes",
    "MessageAttributes",
]


def create(api: Api, name: str, **extra: Any) -> dict[str, Any]:
    response = api.post("/v1/queues", json={"QueueName": name, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def receive(api: Api, name: str, **extra: Any) -> list[dict[str, Any]]:
    response = api.post(f"/v1/queues/{name}/messages/receive", json=extra)
    assert response.status_code == 200, response.text
    return list(response.json()["Messages"])


def test_queue_lifecycle(api: Api) -> None:
    created = create(
        api, "jobs", Attributes={"VisibilityTimeout": 60}, Tags=[{"Key": "team", "Value": "ops"}]
    )
    assert list(created) == QUEUE_FIELDS
    account = api.settings.account_id
    assert created["QueueUrl"] == f"http://certherd.test:8600/queues/{account}/jobs"
    assert created["QueueArn"] == f"arn:aws:sqs:us-east-1:{account}:jobs"
    assert created["Attributes"]["VisibilityTimeout"] == "60"
    assert created["Tags"] == [{"Key": "team", "Value": "ops"}]
    assert create(api, "jobs", Attributes={"VisibilityTimeout": "60"})["QueueArn"]
    conflict = api.post(
        "/v1/queues", json={"QueueName": "jobs", "Attributes": {"VisibilityTimeout": 5}}
    )
    assert_problem(conflict, 409, "QueueName")

    listed = api.get("/v1/queues", params={"QueueNamePrefix": "jo"}).json()
    assert listed["QueueUrls"] == [created["QueueUrl"]] and listed["NextToken"] is None
    assert api.get("/v1/queues/jobs/url").json() == {"QueueUrl": created["QueueUrl"]}
    only = api.get("/v1/queues/jobs/attributes", params={"AttributeNames": "DelaySeconds"})
    assert only.json() == {"Attributes": {"DelaySeconds": "0"}}

    policy = {"deadLetterTargetArn": create(api, "jobs-dlq")["QueueArn"], "maxReceiveCount": 3}
    patched = api.patch("/v1/queues/jobs", json={"Attributes": {"RedrivePolicy": policy}})
    assert patched.status_code == 200, patched.text
    assert json.loads(patched.json()["Attributes"]["RedrivePolicy"]) == policy

    tags = api.post("/v1/queues/jobs/tags/remove", json={"Tags": [{"Key": "team"}]})
    assert tags.json() == {"Tags": []}
    assert api.delete("/v1/queues/jobs").status_code == 204
    assert_problem(api.get("/v1/queues/jobs"), 404)


def test_bad_input_names_the_field(api: Api) -> None:
    assert_problem(api.post("/v1/queues", json={"QueueName": "a.fifo"}), 400, "QueueName")
    bad_attribute = api.post(
        "/v1/queues", json={"QueueName": "q", "Attributes": {"VisibilityTimeout": 50000}}
    )
    assert_problem(bad_attribute, 400, "Attributes.VisibilityTimeout")
    create(api, "q")
    assert_problem(api.post("/v1/queues/q/messages", json={"MessageBody": ""}), 400, "MessageBody")
    binary = api.post(
        "/v1/queues/q/messages",
        json={
            "MessageBody": "x",
            "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": "%%"}},
        },
    )
    assert_problem(binary, 400, "MessageAttributes.b.BinaryValue")
    assert_problem(
        api.post("/v1/queues/q/messages/receive", json={"MaxNumberOfMessages": 11}),
        400,
        "MaxNumberOfMessages",
    )
    assert_problem(
        api.post("/v1/queues/q/messages/delete", json={"ReceiptHandle": "x"}), 400, "ReceiptHandle"
    )
    assert_problem(api.get("/v1/queues/no.such"), 404)
    assert_problem(api.post("/v1/queues/missing/messages", json={"MessageBody": "x"}), 404)


def test_send_receive_and_delete(api: Api) -> None:
    create(api, "work")
    attributes = {
        "kind": {"DataType": "String", "StringValue": "renewal"},
        "blob": {"DataType": "Binary", "BinaryValue": base64.b64encode(b"\x00\x01").decode()},
    }
    sent = api.post(
        "/v1/queues/work/messages", json={"MessageBody": "hello", "MessageAttributes": attributes}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    [message] = receive(
        api, "work", MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]
    )
    assert list(message) == MESSAGE_FIELDS
    assert message["MessageId"] == sent.json()["MessageId"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent.json()["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    hidden = api.post(
        "/v1/queues/work/messages/visibility",
        json={"ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0},
    )
    assert hidden.status_code == 204
    [again] = receive(api, "work")
    stale = api.post(
        "/v1/queues/work/messages/delete", json={"ReceiptHandle": message["ReceiptHandle"]}
    )
    assert stale.json() == {"Deleted": False}
    batch = api.post(
        "/v1/queues/work/messages/delete-batch",
        json={
            "Entries": [
                {"Id": "1", "ReceiptHandle": again["ReceiptHandle"]},
                {"Id": "2", "ReceiptHandle": "?"},
            ]
        },
    )
    assert batch.json()["Successful"] == [{"Id": "1", "Deleted": True}]
    assert [f["Id"] for f in batch.json()["Failed"]] == ["2"]
    api.clock.advance(timedelta(hours=1))
    assert receive(api, "work") == []


def test_batch_purge_and_redrive(api: Api) -> None:
    dlq = create(api, "dead")
    policy = json.dumps({"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 1})
    create(api, "src", Attributes={"RedrivePolicy": policy})
    batch = api.post(
        "/v1/queues/src/messages/batch",
        json={
            "Entries": [
                {"Id": "a", "MessageBody": "1"},
                {"Id": "b", "MessageBody": "2", "DelaySeconds": 901},
            ]
        },
    )
    assert batch.status_code == 200, batch.text
    assert [e["Id"] for e in batch.json()["Successful"]] == ["a"]
    assert batch.json()["Failed"][0]["Id"] == "b" and batch.json()["Failed"][0]["SenderFault"]
    assert len(receive(api, "src", VisibilityTimeout=0)) == 1
    assert receive(api, "src") == []  # moved to the dead-letter queue
    moved = api.post("/v1/queues/dead/redrive", json={})
    assert moved.json()["ApproximateNumberOfMessagesMoved"] == 1
    assert moved.json()["Status"] == "COMPLETED"
    api.post("/v1/queues/src/messages", json={"MessageBody": "3"})
    assert api.post("/v1/queues/src/purge").json() == {"PurgedCount": 2}


def test_long_poll_returns_when_a_message_arrives(api: Api) -> None:
    create(api, "poll")
    result: dict[str, httpx.Response] = {}

    def poll() -> None:
        result["answer"] = api.post(
            "/v1/queues/poll/messages/receive", json={"WaitTimeSeconds": 20}
        )

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)  # let the receive start waiting (either order gives the message)
    assert api.post("/v1/queues/poll/messages", json={"MessageBody": "ping"}).status_code == 201
    waiter.join(timeout=30)
    assert [m["Body"] for m in result["answer"].json()["Messages"]] == ["ping"]
