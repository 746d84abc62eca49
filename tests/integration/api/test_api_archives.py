"""Archives, replays and bus permissions over HTTP: shapes, problems naming the field, and
a replay re-delivered through the router; cross-account PutEvents by bus policy."""

from __future__ import annotations

import json
from datetime import timedelta

from apitest_support import Api, assert_problem

OTHER = "444455556666"
ARCHIVE_FIELDS = {
    "ArchiveName",
    "ArchiveArn",
    "EventSourceArn",
    "Description",
    "EventPattern",
    "State",
    "StateReason",
    "RetentionDays",
    "SizeBytes",
    "EventCount",
    "CreationTime",
}


def _account(api: Api) -> str:
    return api.settings.account_id


def _bus_arn(api: Api, bus: str = "default", account: str | None = None) -> str:
    return f"arn:aws:events:us-east-1:{account or _account(api)}:event-bus/{bus}"


def test_archive_routes(api: Api) -> None:
    created = api.post(
        "/v1/archives",
        json={
            "ArchiveName": "loud",
            "EventSourceArn": _bus_arn(api),
            "Description": "loud ones",
            "EventPattern": {"detail": {"level": [{"numeric": [">", 2]}]}},
            "RetentionDays": 30,
        },
    )
    assert created.status_code == 201, created.text
    arn = f"arn:aws:events:us-east-1:{_account(api)}:archive/loud"
    assert created.json() == {
        "ArchiveArn": arn,
        "State": "ENABLED",
        "StateReason": None,
        "CreationTime": "2026-01-01T00:00:00Z",
    }
    described = api.get("/v1/archives/loud").json()
    assert set(described) == ARCHIVE_FIELDS
    assert (described["RetentionDays"], described["EventCount"]) == (30, 0)
    assert json.loads(described["EventPattern"]) == {"detail": {"level": [{"numeric": [">", 2]}]}}

    api.post(
        "/v1/events",
        json={
            "Entries": [
                {"Source": "my.app", "DetailType": "X", "Detail": json.dumps({"level": n})}
                for n in (1, 5)
            ]
        },
    )
    api.container.router.route_all(api.clock.now())
    assert api.get("/v1/archives/loud").json()["EventCount"] == 1

    listed = api.get("/v1/archives", params={"event-source-arn": _bus_arn(api)}).json()
    assert [a["ArchiveName"] for a in listed["Archives"]] == ["loud"]
    assert listed["NextToken"] is None
    updated = api.patch("/v1/archives/loud", json={"RetentionDays": 0})
    assert updated.status_code == 200, updated.text
    assert api.get("/v1/archives/loud").json()["RetentionDays"] == 0
    assert api.delete("/v1/archives/loud").status_code == 204
    assert_problem(api.get("/v1/archives/loud"), 404, "ArchiveName")


def test_archive_problems_name_the_field(api: Api) -> None:
    def create(**body: object) -> dict[str, object]:
        return {"ArchiveName": "a", "EventSourceArn": _bus_arn(api), **body}

    assert_problem(api.post("/v1/archives", json=create(ArchiveName="a b")), 400, "ArchiveName")
    assert_problem(api.post("/v1/archives", json=create(RetentionDays=-1)), 400, "RetentionDays")
    assert_problem(
        api.post("/v1/archives", json=create(EventSourceArn=_bus_arn(api, account=OTHER))),
        400,
        "EventSourceArn",
    )
    bad = assert_problem(
        api.post("/v1/archives", json=create(EventPattern='{"a": "x"}')), 400, "EventPattern"
    )
    assert bad["code"] == "InvalidEventPatternException"
    assert_problem(api.post("/v1/archives", json=create(Extra=1)), 400)
    assert api.post("/v1/archives", json=create()).status_code == 201
    assert_problem(api.post("/v1/archives", json=create()), 409, "ArchiveName")
    assert_problem(api.get("/v1/archives", params={"state": "ON"}), 400, "state")
    assert_problem(api.get("/v1/archives", params={"next-token": "x"}), 400, "next-token")


def test_replay_routes_and_redelivery(api: Api) -> None:
    account = _account(api)
    api.put("/v1/buses/default/rules/all", json={"EventPattern": {"source": ["my.app"]}})
    api.post(
        "/v1/buses/default/rules/all/targets",
        json={"Targets": [{"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:{account}:q"}]},
    )
    archive_arn = api.post(
        "/v1/archives", json={"ArchiveName": "all", "EventSourceArn": _bus_arn(api)}
    ).json()["ArchiveArn"]
    put = api.post(
        "/v1/events",
        json={"Entries": [{"Source": "my.app", "DetailType": "X", "Detail": "{}"}]},
    ).json()
    original = put["Entries"][0]["EventId"]
    api.container.router.route_all(api.clock.now())
    api.clock.advance(timedelta(hours=1))

    started = api.post(
        "/v1/replays",
        json={
            "ReplayName": "again",
            "EventSourceArn": archive_arn,
            "EventStartTime": "2025-12-31T23:00:00Z",
            "EventEndTime": 1767229200,  # 2026-01-01T01:00:00Z, as the SDKs send it
            "Destination": {"Arn": _bus_arn(api)},
        },
    )
    assert started.status_code == 201, started.text
    assert started.json() == {
        "ReplayArn": f"arn:aws:events:us-east-1:{account}:replay/again",
        "State": "STARTING",
        "StateReason": None,
        "ReplayStartTime": "2026-01-01T01:00:00Z",
    }
    assert api.container.replays.advance(api.clock.now()) == 2
    replay = api.get("/v1/replays/again").json()
    assert replay["State"] == "COMPLETED"
    assert replay["EventLastReplayedTime"] == "2026-01-01T00:00:00Z"
    assert replay["EventEndTime"] == "2026-01-01T01:00:00Z"
    assert replay["Destination"] == {"Arn": _bus_arn(api), "FilterArns": []}
    assert replay["EventSourceArn"] == archive_arn
    listed = api.get("/v1/replays", params={"state": "COMPLETED"}).json()
    assert [r["ReplayName"] for r in listed["Replays"]] == ["again"]

    api.container.router.route_all(api.clock.now())
    events = api.get("/v1/events").json()["Events"]
    copy = next(e for e in events if e["Event"].get("replay-name") == "again")
    assert copy["Event"]["id"] == original and copy["EventId"] != original
    described = api.get(f"/v1/events/{copy['EventId']}").json()
    assert [i["TargetId"] for i in described["Invocations"]] == ["q"]

    cancel = api.post("/v1/replays/again/cancel")
    assert_problem(cancel, 409, "ReplayName")
    assert_problem(api.get("/v1/replays/nope"), 404, "ReplayName")


def test_replay_problems_name_the_field(api: Api) -> None:
    archive_arn = api.post(
        "/v1/archives", json={"ArchiveName": "all", "EventSourceArn": _bus_arn(api)}
    ).json()["ArchiveArn"]

    def start(**body: object) -> dict[str, object]:
        return {
            "ReplayName": "r",
            "EventSourceArn": archive_arn,
            "EventStartTime": "2025-12-31T00:00:00Z",
            "EventEndTime": "2025-12-31T01:00:00Z",
            "Destination": {"Arn": _bus_arn(api)},
            **body,
        }

    assert_problem(
        api.post("/v1/replays", json=start(EventEndTime="2026-02-01T00:00:00Z")),
        400,
        "EventEndTime",
    )
    assert_problem(
        api.post("/v1/replays", json=start(EventStartTime="2026-01-01T00:00:00Z")),
        400,
        "EventStartTime",
    )
    assert_problem(
        api.post("/v1/replays", json=start(EventStartTime="soon")), 400, "EventStartTime"
    )
    assert_problem(
        api.post(
            "/v1/replays",
            json=start(Destination={"Arn": _bus_arn(api), "FilterArns": ["arn:aws:sqs:x"]}),
        ),
        400,
        "Destination.FilterArns[0]",
    )
    assert_problem(
        api.post("/v1/replays", json=start(Destination={"Arn": _bus_arn(api, account=OTHER)})),
        400,
        "Destination.Arn",
    )
    assert api.post("/v1/replays", json=start()).status_code == 201
    cancelled = api.post("/v1/replays/r/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["State"] == "CANCELLING"


def test_bus_permissions_and_cross_account_put_events(api: Api) -> None:
    granted = api.post(
        "/v1/buses/default/permissions",
        json={"Action": "events:PutEvents", "Principal": OTHER, "StatementId": "partner"},
    )
    assert granted.status_code == 200, granted.text
    statement = json.loads(granted.json()["Policy"])["Statement"][0]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{OTHER}:root"}
    assert json.loads(api.get("/v1/buses/default").json()["Policy"]) == json.loads(
        granted.json()["Policy"]
    )

    entry = {
        "Source": "partner.app",
        "DetailType": "Hello",
        "Detail": "{}",
        "EventBusName": _bus_arn(api),
    }
    as_other = {"X-Certherd-Account": OTHER}
    sent = api.post("/v1/events", json={"Entries": [entry]}, headers=as_other).json()
    assert sent["FailedEntryCount"] == 0
    event = api.get(f"/v1/events/{sent['Entries'][0]['EventId']}").json()
    assert event["Event"]["account"] == OTHER

    assert api.delete("/v1/buses/default/permissions/partner").status_code == 204
    assert api.get("/v1/buses/default").json()["Policy"] is None
    refused = api.post("/v1/events", json={"Entries": [entry]}, headers=as_other).json()
    assert refused["Entries"][0]["ErrorCode"] == "AccessDeniedException"
    assert_problem(api.delete("/v1/buses/default/permissions/partner"), 404, "StatementId")

    whole = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": "*"}
        ],
    }
    assert api.post("/v1/buses/default/permissions", json={"Policy": whole}).status_code == 200
    assert api.delete("/v1/buses/default/permissions").status_code == 204
    assert_problem(
        api.post(
            "/v1/buses/default/permissions",
            json={"Action": "events:PutEvents", "Principal": "everyone", "StatementId": "s"},
        ),
        400,
        "Principal",
    )
    assert_problem(
        api.post("/v1/buses/default/permissions", json={"Policy": "x" * 10241}),
        400,
        "Policy",
    )
    assert_problem(
        api.post(
            "/v1/buses/nope/permissions",
            json={"Action": "events:PutEvents", "Principal": "*", "StatementId": "s"},
        ),
        404,
    )
