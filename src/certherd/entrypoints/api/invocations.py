"""``/v1/invocations``: what became of events handed to rule targets (their delivery state,
attempts, last error and next attempt), newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.domain.invocations import Invocation, InvocationState
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.views import instant
from certherd.errors import ValidationError

__all__ = ["invocation_view", "router"]

router = APIRouter(prefix="/v1", tags=["events"])

JSON = dict[str, Any]


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


class InvocationSummaryOut(_Out):
    id: str
    event_id: str
    rule_arn: str
    target_id: str
    target_arn: str
    state: InvocationState
    attempts: int
    maximum_attempts: int = Field(description="MaximumRetryAttempts + 1.")
    maximum_event_age_in_seconds: int
    dead_letter_arn: str | None
    next_attempt_at: str | None = Field(description="Only while PENDING.")
    last_error_code: str | None
    last_error_message: str | None
    created_at: str | None
    finished_at: str | None


class InvocationsOut(_Out):
    invocations: list[InvocationSummaryOut]
    next_token: str | None


def invocation_view(invocation: Invocation) -> JSON:
    """An invocation without its payload (``GET /v1/events/{id}`` shows that)."""
    pending = invocation.state is InvocationState.PENDING
    return {
        "Id": invocation.id,
        "EventId": invocation.event_id,
        "RuleArn": invocation.rule_arn,
        "TargetId": invocation.target_id,
        "TargetArn": invocation.target_arn,
        "State": invocation.state.value,
        "Attempts": invocation.attempts,
        "MaximumAttempts": invocation.max_attempts,
        "MaximumEventAgeInSeconds": invocation.max_age_seconds,
        "DeadLetterArn": invocation.dead_letter_arn,
        "NextAttemptAt": instant(invocation.next_attempt_at) if pending else None,
        "LastErrorCode": invocation.last_error_code,
        "LastErrorMessage": invocation.last_error_message,
        "CreatedAt": instant(invocation.created_at),
        "FinishedAt": instant(invocation.finished_at),
    }


@router.get(
    "/invocations",
    response_model=InvocationsOut,
    summary="List invocations",
    description="One per (event, rule target), newest first; `state` keeps those in one "
    "state (`PENDING`, `SUCCEEDED`, `FAILED`, `DEAD_LETTERED`). Pass `NextToken` back as "
    "`next-token` (with the same `state`).",
    responses=problems(400, 401, 403),
)
def list_invocations(
    account: AccountDep,
    c: ContainerDep,
    state: Annotated[InvocationState | None, Query()] = None,
    max_items: Annotated[int, Query(alias="max-items", ge=1, le=100)] = 100,
    next_token: Annotated[Text | None, Query(alias="next-token", max_length=512)] = None,
) -> JSON:
    try:
        page = c.delivery.list_invocations(
            account=account, state=state, max_items=max_items, next_token=next_token
        )
    except ValidationError as exc:
        if exc.field == "NextToken":
            exc.field = "next-token"
        raise
    return {
        "Invocations": [invocation_view(i) for i in page.invocations],
        "NextToken": page.next_token,
    }
