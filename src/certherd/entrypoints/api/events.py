"""``/v1/buses`` and ``/v1/events``: event buses, PutEvents, the event history and
TestEventPattern (EventBridge semantics)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from certherd.domain.clock import parse_instant
from certherd.domain.events import EventFilter, PutEventsEntry, StoredEvent
from certherd.domain.invocations import Invocation
from certherd.domain.rules import EventBus
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.event_schemas import (
    BusesOut,
    BusOut,
    CreateBusBody,
    EntryBody,
    EventOut,
    EventsOut,
    PutEventsBody,
    PutEventsOut,
    TestPatternBody,
    TestPatternOut,
)
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.views import instant
from certherd.errors import ValidationError

router = APIRouter(prefix="/v1", tags=["events"])

JSON = dict[str, Any]
_ANY = problems(400, 401, 403, 404, 409)


def bus_view(bus: EventBus) -> JSON:
    return {
        "Name": bus.name,
        "Arn": bus.arn,
        "Description": bus.description,
        "Policy": bus.policy,
        "CreationTime": instant(bus.created_at),
        "LastModifiedTime": instant(bus.updated_at),
    }


def _invocation_view(invocation: Invocation) -> JSON:
    return {
        "Id": invocation.id,
        "RuleArn": invocation.rule_arn,
        "TargetId": invocation.target_id,
        "TargetArn": invocation.target_arn,
        "State": invocation.state.value,
        "Attempts": invocation.attempts,
        "NextAttemptAt": instant(invocation.next_attempt_at),
        "Payload": invocation.payload,
        "LastErrorCode": invocation.last_error_code,
        "LastErrorMessage": invocation.last_error_message,
        "FinishedAt": instant(invocation.finished_at),
    }


def _event_view(stored: StoredEvent, invocations: list[Invocation] | None = None) -> JSON:
    event = stored.event
    view: JSON = {
        "EventId": event.id,
        "EventBusName": event.bus,
        "Source": event.source,
        "DetailType": event.detail_type,
        "Resources": list(event.resources),
        "Time": instant(event.time),
        "IngestedAt": instant(event.ingested_at),
        "RoutedAt": instant(stored.routed_at),
        "Event": json.loads(stored.envelope),
    }
    if invocations is not None:
        view["Invocations"] = [_invocation_view(i) for i in invocations]
    return view


# -- buses ------------------------------------------------------------------------------------


@router.post(
    "/buses",
    status_code=status.HTTP_201_CREATED,
    response_model=BusOut,
    tags=["event buses"],
    summary="Create an event bus",
    responses=_ANY,
)
def create_bus(body: CreateBusBody, account: AccountDep, c: ContainerDep) -> JSON:
    return bus_view(
        c.event_bus.create_bus(account=account, name=body.name, description=body.description)
    )


@router.get(
    "/buses",
    response_model=BusesOut,
    tags=["event buses"],
    summary="List event buses",
    description="The default bus first (it exists for every account), then the others by name.",
    responses=problems(400, 401, 403),
)
def list_buses(
    account: AccountDep,
    c: ContainerDep,
    name_prefix: Annotated[Text | None, Query(alias="name-prefix", max_length=256)] = None,
) -> JSON:
    buses = c.event_bus.list_buses(account=account, prefix=name_prefix)
    return {"EventBuses": [bus_view(b) for b in buses]}


@router.get(
    "/buses/{bus}",
    response_model=BusOut,
    tags=["event buses"],
    summary="Describe an event bus",
    responses=_ANY,
)
def describe_bus(bus: str, account: AccountDep, c: ContainerDep) -> JSON:
    return bus_view(c.event_bus.describe_bus(account=account, name=bus))


@router.delete(
    "/buses/{bus}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["event buses"],
    summary="Delete an event bus",
    description="Not the default bus, and not while the bus has rules.",
    responses=_ANY,
)
def delete_bus(bus: str, account: AccountDep, c: ContainerDep) -> Response:
    c.event_bus.delete_bus(account=account, name=bus)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- events -----------------------------------------------------------------------------------


def _entry(body: EntryBody) -> PutEventsEntry:
    time: str | datetime | None
    if isinstance(body.time, float | int):
        try:
            time = datetime.fromtimestamp(body.time, UTC)
        except (OverflowError, OSError, ValueError):
            time = "out of range"  # refused by the entry's checks, like any bad Time
    else:
        time = body.time
    return PutEventsEntry(
        source=body.source,
        detail_type=body.detail_type,
        detail=body.detail,
        resources=tuple(body.resources or ()),
        time=time,
        event_bus_name=body.event_bus_name,
        trace_header=body.trace_header,
    )


@router.post(
    "/events",
    response_model=PutEventsOut,
    summary="Put events (PutEvents)",
    description="1 to 10 entries. Each entry succeeds (`EventId`) or fails on its own "
    "(`ErrorCode`, `ErrorMessage`); the answer lists them in order.",
    responses=problems(400, 401, 403),
)
def put_events(body: PutEventsBody, account: AccountDep, c: ContainerDep) -> JSON:
    results = c.event_bus.put_events(account=account, entries=[_entry(e) for e in body.entries])
    return {
        "FailedEntryCount": sum(1 for r in results if r.failed),
        "Entries": [r.to_json() for r in results],
    }


@router.get(
    "/events",
    response_model=EventsOut,
    summary="List events",
    description="Newest first. Pass `NextToken` back as `next-token` (with the same filters).",
    responses=problems(400, 401, 403),
)
def list_events(
    account: AccountDep,
    c: ContainerDep,
    bus: Annotated[Text | None, Query(max_length=2048, description="Bus name or ARN.")] = None,
    source: Annotated[Text | None, Query(max_length=256)] = None,
    detail_type: Annotated[Text | None, Query(alias="detail-type", max_length=256)] = None,
    resource: Annotated[
        Text | None, Query(max_length=2048, description="First resource ARN.")
    ] = None,
    since: Annotated[
        Text | None, Query(max_length=64, description="Ingested at or after (ISO 8601).")
    ] = None,
    max_items: Annotated[int, Query(alias="max-items", ge=1, le=100)] = 100,
    next_token: Annotated[Text | None, Query(alias="next-token", max_length=256)] = None,
) -> JSON:
    where = EventFilter(
        bus=bus,
        source=source,
        detail_type=detail_type,
        resource=resource,
        since=None if since is None else parse_instant(since, field="since"),
    )
    try:
        page = c.event_bus.list_events(
            account=account, where=where, max_items=max_items, next_token=next_token
        )
    except ValidationError as exc:
        if exc.field == "NextToken":
            exc.field = "next-token"
        raise
    return {"Events": [_event_view(s) for s in page.events], "NextToken": page.next_token}


@router.get(
    "/events/{event_id}",
    response_model=EventOut,
    summary="Describe an event and its invocations",
    responses=_ANY,
)
def describe_event(event_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    stored, invocations = c.event_bus.describe_event(account=account, event_id=event_id)
    return _event_view(stored, invocations)


@router.post(
    "/events/test-pattern",
    response_model=TestPatternOut,
    summary="Test an event pattern (TestEventPattern)",
    description="The event needs `id`, `account`, `source`, `time`, `region`, `resources` "
    "and `detail-type`, else `Parameter Event is not valid.`",
    responses=problems(400, 401, 403),
)
def test_pattern(body: TestPatternBody, c: ContainerDep, account: AccountDep) -> JSON:
    del account  # any authenticated caller may test
    pattern = body.event_pattern
    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    event = body.event
    if not isinstance(event, str | dict):
        event = json.dumps(event)
    return {"Result": c.event_bus.test_event_pattern(event_pattern=text, event=event)}
