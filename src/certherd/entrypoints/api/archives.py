"""``/v1/archives`` and ``/v1/replays``: event archives and replays (EventBridge semantics).

Archives and replays are addressed by name in paths.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from certherd.domain.archives import Archive
from certherd.domain.clock import parse_instant
from certherd.domain.replays import Replay
from certherd.entrypoints.api.archive_schemas import (
    ArchiveOut,
    ArchiveResultOut,
    ArchivesOut,
    CancelReplayOut,
    CreateArchiveBody,
    Pattern,
    ReplayOut,
    ReplaysOut,
    StartReplayBody,
    StartReplayOut,
    UpdateArchiveBody,
)
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.views import instant
from certherd.errors import ValidationError

router = APIRouter(prefix="/v1", tags=["archives and replays"])

JSON = dict[str, Any]
_ANY = problems(400, 401, 403, 404, 409)
_QUERY_FIELDS = {
    "NextToken": "next-token",
    "NamePrefix": "name-prefix",
    "EventSourceArn": "event-source-arn",
    "State": "state",
    "Limit": "limit",
}


def archive_view(archive: Archive) -> JSON:
    return {
        "ArchiveName": archive.name,
        "ArchiveArn": archive.arn,
        "EventSourceArn": archive.source_arn,
        "Description": archive.description,
        "EventPattern": archive.event_pattern,
        "State": archive.state.value,
        "StateReason": None,
        "RetentionDays": archive.retention_days,
        "SizeBytes": archive.size_bytes,
        "EventCount": archive.event_count,
        "CreationTime": instant(archive.created_at),
    }


def _archive_result(archive: Archive) -> JSON:
    return {
        "ArchiveArn": archive.arn,
        "State": archive.state.value,
        "StateReason": None,
        "CreationTime": instant(archive.created_at),
    }


def replay_view(replay: Replay) -> JSON:
    return {
        "ReplayName": replay.name,
        "ReplayArn": replay.arn,
        "Description": replay.description,
        "State": replay.state.value,
        "StateReason": replay.state_reason,
        "EventSourceArn": replay.archive_arn,
        "Destination": {"Arn": replay.destination_arn, "FilterArns": list(replay.filter_arns)},
        "EventStartTime": instant(replay.event_start_time),
        "EventEndTime": instant(replay.event_end_time),
        "EventLastReplayedTime": instant(replay.event_last_replayed_time),
        "ReplayStartTime": instant(replay.replay_start_time),
        "ReplayEndTime": instant(replay.replay_end_time),
    }


def _pattern(pattern: Pattern | None) -> str | None:
    return pattern if pattern is None or isinstance(pattern, str) else json.dumps(pattern)


def _instant(value: str | float, field: str) -> datetime:
    if isinstance(value, str):
        return parse_instant(value, field=field)
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationError("is not a time certherd can represent", field=field) from None


def _query_names(exc: ValidationError) -> ValidationError:
    exc.field = _QUERY_FIELDS.get(exc.field or "", exc.field)
    return exc


# -- archives ---------------------------------------------------------------------------------


@router.post(
    "/archives",
    status_code=status.HTTP_201_CREATED,
    response_model=ArchiveResultOut,
    summary="Create an archive (CreateArchive)",
    description="Events routed on the bus from now on that match `EventPattern` (all when "
    "omitted) are kept; replayed events never are.",
    responses=_ANY,
)
def create_archive(body: CreateArchiveBody, account: AccountDep, c: ContainerDep) -> JSON:
    archive = c.archives.create_archive(
        account=account,
        name=body.archive_name,
        event_source_arn=body.event_source_arn,
        description=body.description,
        event_pattern=_pattern(body.event_pattern),
        retention_days=body.retention_days,
    )
    return _archive_result(archive)


@router.get(
    "/archives",
    response_model=ArchivesOut,
    summary="List archives",
    description="By name. Pass `NextToken` back as `next-token` (with the same filters).",
    responses=problems(400, 401, 403),
)
def list_archives(
    account: AccountDep,
    c: ContainerDep,
    name_prefix: Annotated[Text | None, Query(alias="name-prefix", max_length=48)] = None,
    event_source_arn: Annotated[
        Text | None, Query(alias="event-source-arn", max_length=2048, description="A bus ARN.")
    ] = None,
    state: Annotated[Text | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    next_token: Annotated[Text | None, Query(alias="next-token", max_length=2048)] = None,
) -> JSON:
    try:
        page = c.archives.list_archives(
            account=account,
            prefix=name_prefix,
            event_source_arn=event_source_arn,
            state=state,
            limit=limit,
            next_token=next_token,
        )
    except ValidationError as exc:
        raise _query_names(exc) from None
    return {"Archives": [archive_view(a) for a in page.archives], "NextToken": page.next_token}


@router.get(
    "/archives/{name}",
    response_model=ArchiveOut,
    summary="Describe an archive",
    responses=_ANY,
)
def describe_archive(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return archive_view(c.archives.describe_archive(account=account, name=name))


@router.patch(
    "/archives/{name}",
    response_model=ArchiveResultOut,
    summary="Update an archive (UpdateArchive)",
    description="Fields left out stay as they are; a new pattern applies to events routed "
    "from now on.",
    responses=_ANY,
)
def update_archive(
    name: str, body: UpdateArchiveBody, account: AccountDep, c: ContainerDep
) -> JSON:
    archive = c.archives.update_archive(
        account=account,
        name=name,
        description=body.description,
        event_pattern=_pattern(body.event_pattern),
        retention_days=body.retention_days,
    )
    return _archive_result(archive)


@router.delete(
    "/archives/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an archive and its events",
    responses=_ANY,
)
def delete_archive(name: str, account: AccountDep, c: ContainerDep) -> Response:
    c.archives.delete_archive(account=account, name=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- replays ----------------------------------------------------------------------------------


@router.post(
    "/replays",
    status_code=status.HTTP_201_CREATED,
    response_model=StartReplayOut,
    summary="Start a replay (StartReplay)",
    description="The archive's events with an event time from `EventStartTime` to "
    "`EventEndTime` go to `Destination.Arn` (the archive's bus) again, in event-time order, "
    "carrying `replay-name`; with `FilterArns`, only those rules see them.",
    responses=_ANY,
)
def start_replay(body: StartReplayBody, account: AccountDep, c: ContainerDep) -> JSON:
    replay = c.replays.start_replay(
        account=account,
        name=body.replay_name,
        event_source_arn=body.event_source_arn,
        event_start_time=_instant(body.event_start_time, "EventStartTime"),
        event_end_time=_instant(body.event_end_time, "EventEndTime"),
        destination_arn=body.destination.arn,
        filter_arns=body.destination.filter_arns or (),
        description=body.description,
    )
    return {
        "ReplayArn": replay.arn,
        "State": replay.state.value,
        "StateReason": replay.state_reason,
        "ReplayStartTime": instant(replay.replay_start_time),
    }


@router.get(
    "/replays",
    response_model=ReplaysOut,
    summary="List replays",
    description="By name. Pass `NextToken` back as `next-token` (with the same filters).",
    responses=problems(400, 401, 403),
)
def list_replays(
    account: AccountDep,
    c: ContainerDep,
    name_prefix: Annotated[Text | None, Query(alias="name-prefix", max_length=64)] = None,
    state: Annotated[Text | None, Query(max_length=40)] = None,
    event_source_arn: Annotated[
        Text | None,
        Query(alias="event-source-arn", max_length=2048, description="An archive ARN."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    next_token: Annotated[Text | None, Query(alias="next-token", max_length=2048)] = None,
) -> JSON:
    try:
        page = c.replays.list_replays(
            account=account,
            prefix=name_prefix,
            state=state,
            event_source_arn=event_source_arn,
            limit=limit,
            next_token=next_token,
        )
    except ValidationError as exc:
        raise _query_names(exc) from None
    return {"Replays": [replay_view(r) for r in page.replays], "NextToken": page.next_token}


@router.get(
    "/replays/{name}", response_model=ReplayOut, summary="Describe a replay", responses=_ANY
)
def describe_replay(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return replay_view(c.replays.describe_replay(account=account, name=name))


@router.post(
    "/replays/{name}/cancel",
    response_model=CancelReplayOut,
    summary="Cancel a replay (CancelReplay)",
    description="Only a STARTING or RUNNING replay (else `409` InvalidState); it is "
    "CANCELLING until the replay worker stops it.",
    responses=_ANY,
)
def cancel_replay(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    replay = c.replays.cancel_replay(account=account, name=name)
    return {
        "ReplayArn": replay.arn,
        "State": replay.state.value,
        "StateReason": replay.state_reason,
    }
