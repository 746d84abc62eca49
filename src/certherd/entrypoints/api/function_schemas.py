"""Request bodies and answers of ``/v1/functions`` (PascalCase names, as in docs/api.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.entrypoints.api.schemas import Text

__all__ = [
    "CreateFunctionBody",
    "FunctionInvocationListOut",
    "FunctionInvocationOut",
    "FunctionListOut",
    "FunctionOut",
    "InvokeBody",
]


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


class CreateFunctionBody(_Body):
    function_name: Text = Field(max_length=64, description="1-64 of A-Za-z0-9, - and _.")
    kind: Text = Field(max_length=16, description="`command` or `python`.")
    command: list[str] | None = Field(
        default=None,
        max_length=256,
        description="For `command`: the argv, run without a shell (the event on stdin).",
    )
    entry_point: Text | None = Field(
        default=None,
        max_length=128,
        description="For `python`: an entry point of the group `certherd.functions`.",
    )
    environment: dict[str, str] | None = Field(
        default=None,
        description="Variables set for the function (4 KiB in all). Stored sealed; only "
        "their names are shown.",
    )
    working_directory: Text | None = Field(default=None, max_length=4096)
    timeout: int | None = Field(default=None, description="Seconds, 1-900 (default 30).")
    run_as: Text | None = Field(
        default=None, max_length=32, description="The user it runs as (needs certherd as root)."
    )
    description: Text | None = Field(default=None, max_length=256)


class InvokeBody(_Body):
    payload: Any = Field(default=None, description="The event (any JSON; default `{}`).")


class FunctionOut(_Out):
    function_name: str
    function_arn: str
    kind: str
    command: list[str] | None = None
    entry_point: str | None = None
    environment_keys: list[str]
    working_directory: str | None = None
    timeout: int
    run_as: str | None = None
    description: str | None = None
    created_at: str


class FunctionListOut(_Out):
    functions: list[FunctionOut]


class FunctionInvocationOut(_Out):
    invocation_id: str
    function_name: str
    source: str
    state: str
    started_at: str
    duration_ms: float
    exit_status: int | None = None
    timed_out: bool
    error: str | None = None
    output_tail: str
    rule_arn: str | None = None
    event_id: str | None = None
    target_invocation_id: str | None = None
    subscription_arn: str | None = None
    message_id: str | None = None


class FunctionInvocationListOut(_Out):
    invocations: list[FunctionInvocationOut]
    next_token: str | None = None
