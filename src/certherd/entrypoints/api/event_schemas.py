"""Request bodies and answers of the event bus routes (buses, events, rules, targets).

Field names are EventBridge's (PascalCase). Shapes and types are checked here; the rules
on values (names, sizes, patterns, input options) are the domain's, which name the field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_pascal

from certherd.domain.rules import RuleState
from certherd.entrypoints.api.schemas import TagBody, Text

__all__ = [
    "BusOut",
    "BusesOut",
    "CreateBusBody",
    "EventsOut",
    "PutEventsBody",
    "PutEventsOut",
    "PutRuleBody",
    "PutTargetsBody",
    "RemoveTargetsBody",
    "RuleArnOut",
    "RuleOut",
    "RulesOut",
    "TargetsOut",
    "TargetsResultOut",
    "TestPatternBody",
    "TestPatternOut",
]

_MAX_LIST = 100
_MAX_TEXT = 2048
_MAX_DOCUMENT = 1024 * 1024 + 1024


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


# -- buses ------------------------------------------------------------------------------------


class CreateBusBody(_Body):
    name: Text = Field(max_length=_MAX_TEXT, description="1-256 of `A-Za-z0-9._-/`.")
    description: Text | None = Field(default=None, max_length=_MAX_TEXT, description="<= 512.")


class BusOut(_Out):
    name: str
    arn: str
    description: str | None
    policy: str | None
    creation_time: str | None
    last_modified_time: str | None


class BusesOut(_Out):
    event_buses: list[BusOut]


# -- events -----------------------------------------------------------------------------------


class EntryBody(_Body):
    """A PutEventsRequestEntry; Source, DetailType and Detail are checked per entry."""

    source: Text | None = Field(default=None, max_length=_MAX_TEXT)
    detail_type: Text | None = Field(default=None, max_length=_MAX_TEXT)
    detail: Text | None = Field(default=None, max_length=_MAX_DOCUMENT, description="JSON object.")
    resources: list[Text] | None = Field(default=None, max_length=_MAX_LIST)
    time: Text | float | None = Field(
        default=None, description="RFC 3339 with a zone, or seconds since the epoch."
    )
    event_bus_name: Text | None = Field(default=None, max_length=_MAX_TEXT)
    trace_header: Text | None = Field(default=None, max_length=500)


class PutEventsBody(_Body):
    entries: list[EntryBody] = Field(max_length=_MAX_LIST, description="1 to 10 entries.")


class PutEventsOut(_Out):
    failed_entry_count: int
    entries: list[dict[str, str]] = Field(description="`{EventId}` or `{ErrorCode, ErrorMessage}`.")


class InvocationOut(_Out):
    id: str
    rule_arn: str
    target_id: str
    target_arn: str
    state: str
    attempts: int
    next_attempt_at: str | None
    payload: str
    last_error_code: str | None
    last_error_message: str | None
    finished_at: str | None


class EventOut(_Out):
    event_id: str
    event_bus_name: str
    source: str
    detail_type: str
    resources: list[str]
    time: str | None
    ingested_at: str | None
    routed_at: str | None
    event: dict[str, Any] = Field(description="The envelope targets receive.")
    invocations: list[InvocationOut] | None = Field(
        default=None, description="Only when describing one event."
    )


class EventsOut(_Out):
    events: list[EventOut]
    next_token: str | None


class TestPatternBody(_Body):
    event_pattern: Text | dict[str, JsonValue] = Field(description="JSON text or object.")
    event: JsonValue = Field(description="The event: JSON text or object.")


class TestPatternOut(_Out):
    result: bool


# -- rules and targets ------------------------------------------------------------------------


class PutRuleBody(_Body):
    event_pattern: Text | dict[str, JsonValue] | None = Field(
        default=None, description="JSON text (as AWS takes it) or object; <= 4096 characters."
    )
    state: RuleState | None = None
    description: Text | None = Field(default=None, max_length=_MAX_TEXT)
    role_arn: Text | None = Field(default=None, max_length=_MAX_TEXT)
    tags: list[TagBody] | None = Field(
        default=None, max_length=_MAX_LIST, description="Kept on create, ignored on update."
    )


class RuleArnOut(_Out):
    rule_arn: str


class RuleOut(_Out):
    name: str
    arn: str
    event_pattern: str
    state: RuleState
    description: str | None
    role_arn: str | None
    event_bus_name: str
    created_by: str


class RulesOut(_Out):
    rules: list[RuleOut]
    next_token: str | None


class InputTransformerBody(_Body):
    input_paths_map: dict[str, Text] | None = Field(default=None, max_length=_MAX_LIST + 1)
    input_template: Text = Field(max_length=8193)


class RetryPolicyBody(_Body):
    maximum_retry_attempts: int | None = None
    maximum_event_age_in_seconds: int | None = None


class DeadLetterBody(_Body):
    arn: Text = Field(max_length=_MAX_TEXT)


class TargetBody(_Body):
    id: Text = Field(max_length=_MAX_TEXT)
    arn: Text = Field(max_length=_MAX_TEXT)
    role_arn: Text | None = Field(default=None, max_length=_MAX_TEXT)
    input: Text | None = Field(default=None, max_length=8193)
    input_path: Text | None = Field(default=None, max_length=_MAX_TEXT)
    input_transformer: InputTransformerBody | None = None
    retry_policy: RetryPolicyBody | None = None
    dead_letter_config: DeadLetterBody | None = None


class PutTargetsBody(_Body):
    targets: list[TargetBody] = Field(max_length=_MAX_LIST)


class RemoveTargetsBody(_Body):
    ids: list[Text] = Field(max_length=_MAX_LIST)
    force: bool = False


class TargetsOut(_Out):
    targets: list[dict[str, Any]]


class TargetsResultOut(_Out):
    failed_entry_count: int
    failed_entries: list[dict[str, str]] = Field(
        description="`{TargetId, ErrorCode, ErrorMessage}`."
    )
