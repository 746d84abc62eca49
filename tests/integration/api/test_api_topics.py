"""``/v1/topics`` over HTTP, on SQLite and PostgreSQL: creating, describing, listing and
deleting topics, their attributes and tags, and publishing."""

from __future__ import annotations

import json
from typing import Any

from apitest_support import Api, assert_problem

TOPIC_FIELDS = ["TopicArn", "Name", "Attributes", "Tags"]
SUMMARY_FIELDS = [
    "TopicArn",
    "Name",
    "DisplayName",
    "Encrypted",
    "SubscriptionsConfirmed",
    "SubscriptionsPending",
]
OTHER_ACCOUNT = "222222222222"


def create(
    api: Api, name: str, headers: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    response = api.post("/v1/topics", json={"Name": name, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def set_attribute(api: Api, topic: str, name: str, value: object) -> Any:
    return api.put(f"/v1/topics/{topic}/attributes/{name}", json={"AttributeValue": value})


def test_topic_lifecycle(api: Api) -> None:
    account = api.settings.account_id
    created = create(
        api, "alerts", Attributes={"DisplayName": "Alerts"}, Tags=[{"Key": "team", "Value": "ops"}]
    )
    assert list(created) == TOPIC_FIELDS
    arn = f"arn:aws:sns:us-east-1:{account}:alerts"
    assert created["TopicArn"] == arn and created["Name"] == "alerts"
    assert created["Attributes"]["DisplayName"] == "Alerts"
    assert created["Attributes"]["Owner"] == account
    assert created["Tags"] == [{"Key": "team", "Value": "ops"}]

    # CreateTopic is idempotent; other attributes are refused.
    assert create(api, "alerts", Attributes={"DisplayName": "Alerts"})["TopicArn"] == arn
    assert create(api, "alerts")["TopicArn"] == arn
    conflict = api.post("/v1/topics", json={"Name": "alerts", "Attributes": {"DisplayName": "x"}})
    assert_problem(conflict, 400, "Attributes")

    by_name = api.get("/v1/topics/alerts").json()
    by_arn = api.get(f"/v1/topics/{arn}").json()
    assert by_name == by_arn and by_name["TopicArn"] == arn

    listed = api.get("/v1/topics").json()
    assert listed["NextToken"] is None
    assert listed["Topics"] == [
        dict(
            zip(
                SUMMARY_FIELDS,
                [arn, "alerts", "Alerts", False, 0, 0],
                strict=True,
            )
        )
    ]

    assert api.delete("/v1/topics/alerts").status_code == 204
    assert_problem(api.get("/v1/topics/alerts"), 404, "TopicArn")
    assert api.delete("/v1/topics/alerts").status_code == 204  # idempotent, as in SNS
    assert_problem(api.get("/v1/topics/not.a.name"), 404)
    assert_problem(api.post("/v1/topics", json={"Name": "a.b"}), 400, "Name")


def test_another_accounts_topic_is_not_found(api: Api) -> None:
    theirs = create(api, "private", headers={"X-Certherd-Account": OTHER_ACCOUNT})
    assert theirs["TopicArn"].split(":")[4] == OTHER_ACCOUNT
    assert_problem(api.get(f"/v1/topics/{theirs['TopicArn']}"), 404, "TopicArn")
    assert_problem(api.get("/v1/topics/private"), 404)
    publish = api.post(f"/v1/topics/{theirs['TopicArn']}/publish", json={"Message": "hi"})
    assert_problem(publish, 404)
    assert api.get("/v1/topics").json()["Topics"] == []


def test_attributes(api: Api) -> None:
    arn = create(api, "settings")["TopicArn"]
    assert set_attribute(api, "settings", "DisplayName", "Settings").status_code == 200
    delivery = {
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 5,
                "maxDelayTarget": 30,
                "numRetries": 4,
                "backoffFunction": "exponential",
            }
        }
    }
    answered = set_attribute(api, "settings", "DeliveryPolicy", delivery)
    assert answered.status_code == 200, answered.text
    attributes = answered.json()["Attributes"]
    assert (
        json.loads(attributes["DeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"]
        == 4
    )
    assert "EffectiveDeliveryPolicy" in attributes and attributes["DisplayName"] == "Settings"

    policy = json.loads(attributes["Policy"])
    policy["Statement"].append(
        {
            "Sid": "others-publish",
            "Effect": "Allow",
            "Principal": {"AWS": OTHER_ACCOUNT},
            "Action": "sns:Publish",
            "Resource": arn,
        }
    )
    answered = set_attribute(api, "settings", "Policy", policy)
    assert answered.status_code == 200, answered.text
    assert "others-publish" in answered.json()["Attributes"]["Policy"]

    encrypted = set_attribute(api, "settings", "KmsMasterKeyId", "alias/aws/sns").json()
    assert encrypted["Attributes"]["KmsMasterKeyId"] == "alias/aws/sns"
    assert api.get("/v1/topics").json()["Topics"][0]["Encrypted"] is True
    signed = set_attribute(api, "settings", "SignatureVersion", "2").json()
    assert signed["Attributes"]["SignatureVersion"] == "2"

    bad = {
        "DisplayName": "x" * 101,
        "Policy": "{not json",
        "DeliveryPolicy": {"http": {"defaultHealthyRetryPolicy": {"numRetries": -1}}},
        "KmsMasterKeyId": "has spaces",
        "SignatureVersion": "3",
        "Owner": "123456789012",
    }
    for name, value in bad.items():
        problem = assert_problem(set_attribute(api, "settings", name, value), 400)
        assert problem["field"].startswith(f"Attributes.{name}"), problem
    refused = api.post("/v1/topics", json={"Name": "n", "Attributes": {"Policy": {"a": 1}}})
    assert assert_problem(refused, 400)["field"].startswith("Attributes.Policy")
    assert_problem(set_attribute(api, "nothing-here", "DisplayName", "x"), 404)


def test_a_policy_denying_the_owner_is_an_authorization_error(api: Api) -> None:
    arn = create(api, "closed")["TopicArn"]
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": arn}
        ],
    }
    assert set_attribute(api, "closed", "Policy", deny).status_code == 200
    problem = assert_problem(api.post("/v1/topics/closed/publish", json={"Message": "m"}), 403)
    assert problem["code"] == "AuthorizationError"


def test_publish(api: Api) -> None:
    create(api, "news")
    sent = api.post(
        "/v1/topics/news/publish",
        json={
            "Message": "hello",
            "Subject": "Greeting",
            "MessageAttributes": {
                "kind": {"DataType": "String", "StringValue": "greeting"},
                "count": {"DataType": "Number", "StringValue": "3"},
                "blob": {"DataType": "Binary", "BinaryValue": "AAEC"},
            },
        },
    )
    assert sent.status_code == 200, sent.text
    assert list(sent.json()) == ["MessageId"]
    structured = api.post(
        "/v1/topics/news/publish",
        json={
            "Message": json.dumps({"default": "plain", "email": "for mail"}),
            "MessageStructure": "json",
        },
    )
    assert structured.status_code == 200, structured.text

    def refused(body: dict[str, Any], field: str) -> None:
        response = api.post("/v1/topics/news/publish", json=body)
        problem = assert_problem(response, 400)
        assert problem["field"] == field, problem

    refused({"Message": ""}, "Message")
    refused({"Message": "m", "Subject": "line\nbreak"}, "Subject")
    refused({"Message": "m", "Subject": "x" * 101}, "Subject")
    refused(
        {"Message": "m", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "x"}}},
        "MessageAttributes.n.StringValue",
    )
    refused(
        {"Message": "m", "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": "!"}}},
        "MessageAttributes.b.BinaryValue",
    )
    refused({"Message": '{"email": "no default"}', "MessageStructure": "json"}, "Message")
    refused({"Message": "m", "Extra": 1}, "Extra")
    assert_problem(api.post("/v1/topics/absent/publish", json={"Message": "m"}), 404)


def test_publish_batch(api: Api) -> None:
    create(api, "batch")
    answered = api.post(
        "/v1/topics/batch/publish-batch",
        json={
            "PublishBatchRequestEntries": [
                {"Id": "ok", "Message": "one"},
                {"Id": "empty", "Message": ""},
                {
                    "Id": "attr",
                    "Message": "two",
                    "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "NaN"}},
                },
                {"Id": "also-ok", "Message": "three", "Subject": "S"},
            ]
        },
    )
    assert answered.status_code == 200, answered.text
    result = answered.json()
    assert [s["Id"] for s in result["Successful"]] == ["ok", "also-ok"]
    assert all(s["MessageId"] for s in result["Successful"])
    assert [f["Id"] for f in result["Failed"]] == ["empty", "attr"]
    assert all(f["SenderFault"] and f["Message"] for f in result["Failed"])
    assert [f["Code"] for f in result["Failed"]] == ["InvalidParameter", "ParameterValueInvalid"]
    assert "MessageAttributes.n" in result["Failed"][1]["Message"]

    empty = api.post("/v1/topics/batch/publish-batch", json={"PublishBatchRequestEntries": []})
    assert_problem(empty, 400, "PublishBatchRequestEntries")
    twice = [{"Id": "a", "Message": "m"}, {"Id": "a", "Message": "n"}]
    repeated = api.post(
        "/v1/topics/batch/publish-batch", json={"PublishBatchRequestEntries": twice}
    )
    assert_problem(repeated, 400, "PublishBatchRequestEntries")
    bad_id = [{"Id": "ok", "Message": "m"}, {"Id": "not ok!", "Message": "n"}]
    refused = api.post(
        "/v1/topics/batch/publish-batch", json={"PublishBatchRequestEntries": bad_id}
    )
    assert_problem(refused, 400, "PublishBatchRequestEntries[1].Id")


def test_allow_events(api: Api) -> None:
    account = api.settings.account_id
    create(api, "events")
    rule = f"arn:aws:events:us-east-1:{account}:rule/expiring"
    answered = api.post("/v1/topics/events/allow-events", json={"RuleArn": rule})
    assert answered.status_code == 200, answered.text
    policy = json.loads(answered.json()["Attributes"]["Policy"])
    statements = [
        s for s in policy["Statement"] if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert len(statements) == 1
    assert statements[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": rule}}
    # Idempotent; without a rule, any rule of the account.
    again = api.post("/v1/topics/events/allow-events", json={"RuleArn": rule}).json()
    assert again["Attributes"]["Policy"] == answered.json()["Attributes"]["Policy"]
    anyone = api.post("/v1/topics/events/allow-events", json={}).json()
    assert len(json.loads(anyone["Attributes"]["Policy"])["Statement"]) == 3
    bad = api.post("/v1/topics/events/allow-events", json={"RuleArn": "not-an-arn"})
    assert_problem(bad, 400, "RuleArn")


def test_tags(api: Api) -> None:
    create(api, "tagged", Tags=[{"Key": "a", "Value": "1"}])
    added = api.post("/v1/topics/tagged/tags", json={"Tags": [{"Key": "b", "Value": "2"}]})
    assert added.json() == {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    removed = api.post("/v1/topics/tagged/tags/remove", json={"TagKeys": ["a"]})
    assert removed.json() == {"Tags": [{"Key": "b", "Value": "2"}]}
    assert api.get("/v1/topics/tagged/tags").json() == {"Tags": [{"Key": "b", "Value": "2"}]}
    assert_problem(api.get("/v1/topics/absent/tags"), 404)
