"""The event bus over HTTP: buses, PutEvents, the event history, TestEventPattern, rules
and targets, and the router's invocations as an event's description shows them."""

from __future__ import annotations

import json
from typing import Any

from apitest_support import Api, assert_problem

EVENT = {
    "id": "1",
    "account": "111122223333",
    "source": "aws.acm",
    "time": "2026-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail-type": "ACM Certificate Expired",
    "detail": {"CommonName": "example.com"},
}


def _account(api: Api) -> str:
    return api.settings.account_id


def test_buses(api: Api) -> None:
    listed = api.get("/v1/buses")
    assert listed.status_code == 200
    assert [b["Name"] for b in listed.json()["EventBuses"]] == ["default"]
    created = api.post("/v1/buses", json={"Name": "ops", "Description": "operations"})
    assert created.status_code == 201, created.text
    bus = created.json()
    assert bus["Arn"] == f"arn:aws:events:us-east-1:{_account(api)}:event-bus/ops"
    assert bus["CreationTime"] == "2026-01-01T00:00:00Z"
    assert set(bus) == {"Name", "Arn", "Description", "Policy", "CreationTime", "LastModifiedTime"}
    assert api.get("/v1/buses/ops").json() == bus
    assert_problem(api.post("/v1/buses", json={"Name": "ops"}), 409, "Name")
    assert_problem(api.post("/v1/buses", json={"Name": "default"}), 400, "Name")
    assert_problem(api.delete("/v1/buses/default"), 400, "Name")
    assert api.delete("/v1/buses/ops").status_code == 204
    assert_problem(api.get("/v1/buses/ops"), 404)


def test_put_events_and_list_them(api: Api) -> None:
    answer = api.post(
        "/v1/events",
        json={
            "Entries": [
                {"Source": "my.app", "DetailType": "Hello", "Detail": '{"a": 1}'},
                {"Source": "aws.acm", "DetailType": "Hello", "Detail": "{}"},
                {"DetailType": "Hello", "Detail": "{}"},
                {
                    "Source": "my.app",
                    "DetailType": "Timed",
                    "Detail": "{}",
                    "Time": 1767225600,
                    "Resources": ["arn:aws:acm:us-east-1:111122223333:certificate/x"],
                },
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["FailedEntryCount"] == 2
    assert body["Entries"][1] == {
        "ErrorCode": "NotAuthorizedForSourceException",
        "ErrorMessage": "Not authorized for the source.",
    }
    assert body["Entries"][2]["ErrorCode"] == "InvalidArgument"
    listed = api.get("/v1/events").json()
    assert [e["DetailType"] for e in listed["Events"]] == ["Timed", "Hello"]
    timed = listed["Events"][0]
    assert timed["Event"]["time"] == "2026-01-01T00:00:00Z"
    assert timed["RoutedAt"] is None
    by_resource = api.get(
        "/v1/events", params={"resource": "arn:aws:acm:us-east-1:111122223333:certificate/x"}
    ).json()
    assert [e["EventId"] for e in by_resource["Events"]] == [timed["EventId"]]
    by_type = api.get("/v1/events", params={"detail-type": "Hello", "max-items": 1}).json()
    assert len(by_type["Events"]) == 1 and by_type["NextToken"] is None
    assert_problem(api.get("/v1/events", params={"next-token": "nonsense"}), 400, "next-token")
    assert_problem(api.get("/v1/events", params={"since": "soon"}), 400, "since")
    assert_problem(api.post("/v1/events", json={"Entries": []}), 400, "Entries")
    assert_problem(api.post("/v1/events", json={"Entries": [{"Sauce": "x"}]}), 400)


def test_test_pattern(api: Api) -> None:
    yes = api.post(
        "/v1/events/test-pattern", json={"EventPattern": '{"source": ["aws.acm"]}', "Event": EVENT}
    )
    assert yes.status_code == 200, yes.text
    assert yes.json() == {"Result": True}
    no = api.post(
        "/v1/events/test-pattern",
        json={"EventPattern": {"source": ["other"]}, "Event": json.dumps(EVENT)},
    )
    assert no.json() == {"Result": False}
    bad_event = api.post(
        "/v1/events/test-pattern", json={"EventPattern": '{"source": ["x"]}', "Event": [1]}
    )
    problem = assert_problem(bad_event, 400, "Event")
    assert problem["detail"].endswith("Parameter Event is not valid.")
    bad_pattern = api.post(
        "/v1/events/test-pattern", json={"EventPattern": '{"a": "b"}', "Event": EVENT}
    )
    problem = assert_problem(bad_pattern, 400, "EventPattern")
    assert problem["code"] == "InvalidEventPatternException"
    assert "Event pattern is not valid. Reason: " in problem["detail"]


def _put_rule(api: Api, name: str, bus: str = "default", **body: Any) -> str:
    response = api.put(f"/v1/buses/{bus}/rules/{name}", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["RuleArn"])


def test_rules_and_targets(api: Api) -> None:
    account = _account(api)
    arn = _put_rule(api, "renewed", EventPattern={"source": ["my.app"]}, Description="d")
    assert arn == f"arn:aws:events:us-east-1:{account}:rule/renewed"
    described = api.get("/v1/buses/default/rules/renewed").json()
    assert described == {
        "Name": "renewed",
        "Arn": arn,
        "EventPattern": '{"source": ["my.app"]}',
        "State": "ENABLED",
        "Description": "d",
        "RoleArn": None,
        "EventBusName": "default",
        "CreatedBy": account,
    }
    assert api.post("/v1/buses/default/rules/renewed/disable").json()["State"] == "DISABLED"
    assert api.post("/v1/buses/default/rules/renewed/enable").json()["State"] == "ENABLED"
    listed = api.get("/v1/buses/default/rules", params={"name-prefix": "ren"}).json()
    assert [r["Name"] for r in listed["Rules"]] == ["renewed"]

    queue = f"arn:aws:sqs:us-east-1:{account}:q"
    put = api.post(
        "/v1/buses/default/rules/renewed/targets",
        json={
            "Targets": [
                {
                    "Id": "q",
                    "Arn": queue,
                    "InputTransformer": {
                        "InputPathsMap": {"a": "$.detail.a"},
                        "InputTemplate": '{"a": <a>, "rule": "<aws.events.rule-name>"}',
                    },
                    "RetryPolicy": {"MaximumRetryAttempts": 5},
                    "DeadLetterConfig": {"Arn": f"arn:aws:sqs:us-east-1:{account}:dlq"},
                }
            ]
        },
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"FailedEntryCount": 0, "FailedEntries": []}
    targets = api.get("/v1/buses/default/rules/renewed/targets").json()["Targets"]
    assert targets[0]["RetryPolicy"] == {
        "MaximumRetryAttempts": 5,
        "MaximumEventAgeInSeconds": 86400,
    }
    assert_problem(api.delete("/v1/buses/default/rules/renewed"), 400, "Name")

    posted = api.post(
        "/v1/events",
        json={"Entries": [{"Source": "my.app", "DetailType": "Hello", "Detail": '{"a": 7}'}]},
    ).json()
    event_id = posted["Entries"][0]["EventId"]
    assert api.container.router.route_all(api.clock.now()) == 1
    event = api.get(f"/v1/events/{event_id}").json()
    assert event["RoutedAt"] == "2026-01-01T00:00:00Z"
    [invocation] = event["Invocations"]
    assert invocation["State"] == "PENDING"
    assert json.loads(invocation["Payload"]) == {"a": 7, "rule": "renewed"}
    assert invocation["RuleArn"] == arn

    removed = api.post("/v1/buses/default/rules/renewed/targets/remove", json={"Ids": ["q"]})
    assert removed.json() == {"FailedEntryCount": 0, "FailedEntries": []}
    assert api.delete("/v1/buses/default/rules/renewed").status_code == 204
    assert_problem(api.get("/v1/buses/default/rules/renewed"), 404, "Name")


def test_rule_and_target_errors_name_the_field(api: Api) -> None:
    bad_pattern = api.put("/v1/buses/default/rules/r", json={"EventPattern": '{"a": 1}'})
    problem = assert_problem(bad_pattern, 400, "EventPattern")
    assert problem["detail"].startswith("EventPattern: Event pattern is not valid. Reason: ")
    assert_problem(api.put("/v1/buses/default/rules/bad%20name", json={"EventPattern": "{}"}), 400)
    assert_problem(
        api.put("/v1/buses/nowhere/rules/r", json={"EventPattern": '{"source": ["x"]}'}), 404
    )
    _put_rule(api, "r", EventPattern='{"source": ["x"]}')
    bad_target = api.post(
        "/v1/buses/default/rules/r/targets",
        json={
            "Targets": [{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:111122223333:q", "Input": "{"}]
        },
    )
    assert_problem(bad_target, 400, "Targets[0].Input")
    wrong_type = api.post(
        "/v1/buses/default/rules/r/targets",
        json={
            "Targets": [{"Id": "t", "Arn": "x", "RetryPolicy": {"MaximumRetryAttempts": "many"}}]
        },
    )
    assert_problem(wrong_type, 400, "Targets[0].RetryPolicy.MaximumRetryAttempts")
    six = [{"Id": f"t{i}", "Arn": f"arn:aws:sqs:us-east-1:{_account(api)}:q"} for i in range(6)]
    too_many = api.post("/v1/buses/default/rules/r/targets", json={"Targets": six})
    assert assert_problem(too_many, 400, "Targets")["code"] == "LimitExceeded"


def test_rules_on_a_custom_bus(api: Api) -> None:
    api.post("/v1/buses", json={"Name": "ops"})
    arn = _put_rule(api, "r", bus="ops", EventPattern='{"source": ["x"]}')
    assert arn.endswith(":rule/ops/r")
    assert_problem(api.delete("/v1/buses/ops"), 409, "Name")
    assert [r["Name"] for r in api.get("/v1/buses/ops/rules").json()["Rules"]] == ["r"]
    assert api.get("/v1/buses/default/rules").json()["Rules"] == []
