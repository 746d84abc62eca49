"""Request bodies and answers of the archive, replay and bus permission routes.

Field names are EventBridge's (PascalCase). Shapes and types are checked here; the rules
on values (names, ARNs, windows, policies) are the domain's, which name the field.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_pascal

from certherd.domain.archives import ArchiveState
from certherd.domain.replays import ReplayState
from certherd.entrypoints.api.schemas import Text

__all__ = [
    "ArchiveOut",
    "ArchiveResultOut",
    "ArchivesOut",
    "CancelReplayOut",
    "CreateArchiveBody",
    "PutPermissionBody",
    "ReplayOut",
    "ReplaysOut",
    "StartReplayBody",
    "StartReplayOut",
    "UpdateArchiveBody",
]

_MAX_TEXT = 2048
_MAX_PATTERN = 4097
_MAX_POLICY = 10241

#: A pattern as AWS takes it (JSON text) or as a JSON object.
Pattern = Text | dict[str, JsonValue]
#: An instant: ISO 8601 text, or seconds since the epoch (as the AWS SDKs send them).
Instant = Text | float


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


# -- archives ---------------------------------------------------------------------------------


class CreateArchiveBody(_Body):
    archive_name: Text = Field(max_length=_MAX_TEXT, description="1-48 of `A-Za-z0-9._-`.")
    event_source_arn: Text = Field(max_length=_MAX_TEXT, description="A bus ARN of the account.")
    description: Text | None = Field(default=None, max_length=_MAX_TEXT, description="<= 512.")
    event_pattern: Pattern | None = Field(
        default=None, description="Which events to keep (JSON text or object); none: all."
    )
    retention_days: int = Field(default=0, description="0 keeps events for ever.")


class UpdateArchiveBody(_Body):
    description: Text | None = Field(default=None, max_length=_MAX_TEXT)
    event_pattern: Pattern | None = None
    retention_days: int | None = None


class ArchiveResultOut(_Out):
    archive_arn: str
    state: ArchiveState
    state_reason: str | None
    creation_time: str | None


class ArchiveOut(_Out):
    archive_name: str
    archive_arn: str
    event_source_arn: str
    description: str | None
    event_pattern: str | None
    state: ArchiveState
    state_reason: str | None
    retention_days: int
    size_bytes: int
    event_count: int
    creation_time: str | None


class ArchivesOut(_Out):
    archives: list[ArchiveOut]
    next_token: str | None


# -- replays ----------------------------------------------------------------------------------


class DestinationBody(_Body):
    arn: Text = Field(max_length=_MAX_TEXT, description="The archive's source bus.")
    filter_arns: list[Text] | None = Field(
        default=None, max_length=101, description="Rule ARNs of that bus."
    )


class StartReplayBody(_Body):
    replay_name: Text = Field(max_length=_MAX_TEXT, description="1-64 of `A-Za-z0-9._-`.")
    description: Text | None = Field(default=None, max_length=_MAX_TEXT)
    event_source_arn: Text = Field(max_length=_MAX_TEXT, description="The archive's ARN.")
    event_start_time: Instant
    event_end_time: Instant = Field(description="Not in the future; after EventStartTime.")
    destination: DestinationBody


class StartReplayOut(_Out):
    replay_arn: str
    state: ReplayState
    state_reason: str | None
    replay_start_time: str | None


class CancelReplayOut(_Out):
    replay_arn: str
    state: ReplayState
    state_reason: str | None


class DestinationOut(_Out):
    arn: str
    filter_arns: list[str]


class ReplayOut(_Out):
    replay_name: str
    replay_arn: str
    description: str | None
    state: ReplayState
    state_reason: str | None
    event_source_arn: str
    destination: DestinationOut
    event_start_time: str | None
    event_end_time: str | None
    event_last_replayed_time: str | None
    replay_start_time: str | None
    replay_end_time: str | None


class ReplaysOut(_Out):
    replays: list[ReplayOut]
    next_token: str | None


# -- bus permissions --------------------------------------------------------------------------


class ConditionBody(_Body):
    type: Text = Field(max_length=_MAX_TEXT, description="StringEquals.")
    key: Text = Field(max_length=_MAX_TEXT, description="aws:PrincipalOrgID.")
    value: Text = Field(max_length=_MAX_TEXT, description="The organization id.")


class PutPermissionBody(_Body):
    action: Text | None = Field(default=None, max_length=_MAX_TEXT, description="events:PutEvents.")
    principal: Text | None = Field(
        default=None, max_length=_MAX_TEXT, description="A 12-digit account id, or `*`."
    )
    statement_id: Text | None = Field(
        default=None, max_length=_MAX_TEXT, description="1-64 of `a-zA-Z0-9-_`, unique."
    )
    condition: ConditionBody | None = None
    policy: Text | dict[str, JsonValue] | None = Field(
        default=None,
        description="A whole policy document instead (JSON text or object), <= 10,240 "
        "characters; not with the others.",
    )
