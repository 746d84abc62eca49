"""Buses, PutEvents, TestEventPattern and the event history, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.events import EventFilter, PutEventsEntry, new_event
from certherd.domain.rules import InvalidEventPatternError
from certherd.errors import (
    ConflictError,
    LimitExceededError,
    NotFoundError,
    ResourceInUseError,
    ValidationError,
)
from certherd.patterns import InvalidEventError

CERT = "arn:aws:acm:us-east-1:111122223333:certificate/5b5a7f0e-4c1e-4d0a-9d5e-1f6b0f0e2b11"


def _entry(**extra: object) -> PutEventsEntry:
    fields: dict[str, object] = {
        "source": "my.app",
        "detail_type": "Thing Happened",
        "detail": '{"n": 1}',
    }
    fields.update(extra)
    return PutEventsEntry(**fields)  # type: ignore[arg-type]


# -- buses ------------------------------------------------------------------------------------


def test_the_default_bus_exists_for_every_account(container: Container, account: str) -> None:
    buses = container.event_bus.list_buses(account=account)
    assert [b.name for b in buses] == ["default"]
    assert buses[0].arn == f"arn:aws:events:us-east-1:{account}:event-bus/default"
    described = container.event_bus.describe_bus(account=account)
    assert described.name == "default"


def test_create_describe_list_and_delete_a_bus(container: Container, account: str) -> None:
    bus = container.event_bus.create_bus(account=account, name="audit", description="for audit")
    assert bus.arn == f"arn:aws:events:us-east-1:{account}:event-bus/audit"
    assert container.event_bus.describe_bus(account=account, name=bus.arn) == bus
    assert [b.name for b in container.event_bus.list_buses(account=account)] == [
        "default",
        "audit",
    ]
    with pytest.raises(ConflictError, match="Event bus audit already exists"):
        container.event_bus.create_bus(account=account, name="audit")
    container.event_bus.delete_bus(account=account, name="audit")
    with pytest.raises(NotFoundError, match="Event bus audit does not exist"):
        container.event_bus.describe_bus(account=account, name="audit")


@pytest.mark.parametrize("name", ["default", "aws.partner/x", "", "a b", "x" * 257])
def test_bad_bus_names_are_refused(container: Container, account: str, name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        container.event_bus.create_bus(account=account, name=name)
    assert raised.value.field == "Name"


def test_the_default_bus_cannot_be_deleted(container: Container, account: str) -> None:
    with pytest.raises(ValidationError, match="Cannot delete event bus default"):
        container.event_bus.delete_bus(account=account, name="default")


def test_a_bus_with_rules_cannot_be_deleted(container: Container, account: str) -> None:
    container.event_bus.create_bus(account=account, name="ops")
    container.rules.put_rule(
        account=account, name="r", bus="ops", event_pattern='{"source": ["my.app"]}'
    )
    with pytest.raises(ResourceInUseError):
        container.event_bus.delete_bus(account=account, name="ops")
    container.rules.delete_rule(account=account, name="r", bus="ops")
    container.event_bus.delete_bus(account=account, name="ops")


# -- PutEvents --------------------------------------------------------------------------------


def test_put_events_answers_per_entry_and_keeps_the_good_ones(
    container: Container, account: str, clock: FixedClock
) -> None:
    results = container.event_bus.put_events(
        account=account,
        entries=[
            _entry(resources=(CERT,)),
            _entry(source=None),
            _entry(detail_type=""),
            _entry(detail=None),
            _entry(detail="[1, 2]"),
            _entry(detail="{not json"),
            _entry(source="aws.acm"),
            _entry(event_bus_name="nowhere"),
            _entry(time="yesterday"),
        ],
    )
    answers = [r.to_json() for r in results]
    assert set(answers[0]) == {"EventId"}
    assert answers[1:] == [
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument.",
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter DetailType is not valid. "
            "Reason: DetailType is a required argument.",
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument.",
        },
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {
            "ErrorCode": "NotAuthorizedForSourceException",
            "ErrorMessage": "Not authorized for the source.",
        },
        {
            "ErrorCode": "ResourceNotFoundException",
            "ErrorMessage": "Event bus nowhere does not exist.",
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Time is not valid. "
            "Reason: Time must be an RFC 3339 timestamp with a time zone.",
        },
    ]
    page = container.event_bus.list_events(account=account)
    assert len(page.events) == 1
    stored = page.events[0]
    envelope = json.loads(stored.envelope)
    assert envelope == {
        "version": "0",
        "id": answers[0]["EventId"],
        "detail-type": "Thing Happened",
        "source": "my.app",
        "account": account,
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [CERT],
        "detail": {"n": 1},
    }
    assert stored.routed_at is None


def test_put_events_time_and_custom_bus(container: Container, account: str) -> None:
    container.event_bus.create_bus(account=account, name="ops")
    bus_arn = f"arn:aws:events:us-east-1:{account}:event-bus/ops"
    [result] = container.event_bus.put_events(
        account=account,
        entries=[_entry(time="2025-12-31T23:00:00+01:00", event_bus_name=bus_arn)],
    )
    stored, invocations = container.event_bus.describe_event(
        account=account, event_id=result.event_id or ""
    )
    assert stored.event.bus == "ops"
    assert json.loads(stored.envelope)["time"] == "2025-12-31T22:00:00Z"
    assert invocations == []


def test_put_events_request_limits(container: Container, account: str) -> None:
    with pytest.raises(ValidationError) as raised:
        container.event_bus.put_events(account=account, entries=[])
    assert raised.value.field == "Entries"
    with pytest.raises(ValidationError):
        container.event_bus.put_events(account=account, entries=[_entry()] * 11)
    big = json.dumps({"blob": "x" * (1024 * 1024)})
    with pytest.raises(LimitExceededError, match="Total size of the entries"):
        container.event_bus.put_events(account=account, entries=[_entry(detail=big)])
    with pytest.raises(ValidationError, match="every entry needs"):
        container.event_bus.put_events(account=account, entries=[_entry(source=None)])
    assert container.event_bus.list_events(account=account).events == []


# -- TestEventPattern -------------------------------------------------------------------------

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


def test_test_event_pattern(container: Container) -> None:
    service = container.event_bus
    assert service.test_event_pattern(event_pattern='{"source": ["aws.acm"]}', event=EVENT)
    assert not service.test_event_pattern(
        event_pattern='{"detail": {"CommonName": ["other.com"]}}', event=json.dumps(EVENT)
    )


@pytest.mark.parametrize(
    "event", ['"plain string"', "[1, 2]", json.dumps({k: v for k, v in EVENT.items() if k != "id"})]
)
def test_test_event_pattern_refuses_incomplete_events(container: Container, event: str) -> None:
    with pytest.raises(InvalidEventError) as raised:
        container.event_bus.test_event_pattern(event_pattern='{"source": ["x"]}', event=event)
    assert raised.value.message == "Parameter Event is not valid."
    assert raised.value.field == "Event"


def test_test_event_pattern_gives_aws_reason(container: Container) -> None:
    with pytest.raises(InvalidEventPatternError) as raised:
        container.event_bus.test_event_pattern(
            event_pattern='{"detail": {"state": "running"}}', event=EVENT
        )
    assert raised.value.message == (
        'Event pattern is not valid. Reason: "state" must be an object or an array'
    )
    assert raised.value.field == "EventPattern"


# -- the event history ------------------------------------------------------------------------


def test_events_appended_in_a_unit_of_work_are_listed_newest_first(
    container: Container, account: str, clock: FixedClock
) -> None:
    with container.uow() as uow:
        for n in range(5):
            uow.events.append(
                new_event(
                    account=account,
                    region="us-east-1",
                    source="aws.acm",
                    detail_type="ACM Certificate Available",
                    detail={"n": n},
                    resources=[CERT if n % 2 == 0 else CERT + "x"],
                    now=clock.now() + timedelta(minutes=n),
                )
            )
        uow.commit()
    first = container.event_bus.list_events(account=account, max_items=2)
    assert [e.event.detail["n"] for e in first.events] == [4, 3]
    assert first.next_token is not None
    second = container.event_bus.list_events(
        account=account, max_items=2, next_token=first.next_token
    )
    third = container.event_bus.list_events(
        account=account, max_items=2, next_token=second.next_token
    )
    assert [e.event.detail["n"] for e in second.events + third.events] == [2, 1, 0]
    assert third.next_token is None
    mine = container.event_bus.list_events(account=account, where=EventFilter(resource=CERT))
    assert [e.event.detail["n"] for e in mine.events] == [4, 2, 0]
    since = datetime(2026, 1, 1, 0, 3, tzinfo=UTC)
    recent = container.event_bus.list_events(account=account, where=EventFilter(since=since))
    assert [e.event.detail["n"] for e in recent.events] == [4, 3]
    assert container.event_bus.list_events(account="444455556666").events == []
    with pytest.raises(ValidationError) as raised:
        container.event_bus.list_events(account=account, next_token="garbage!")
    assert raised.value.field == "NextToken"


def test_an_event_id_is_appended_once(
    container: Container, account: str, clock: FixedClock
) -> None:
    event = new_event(
        account=account,
        region="us-east-1",
        source="certherd",
        detail_type="X",
        detail={},
        now=clock.now(),
    )
    with container.uow() as uow:
        uow.events.append(event)
        with pytest.raises(ConflictError):
            uow.events.append(event)
