"""``/v1/functions``: functions rules can target (``lambda`` ARNs), run by hand, and the
record of their runs. Functions run code on the server: only an admin token may create or
delete one."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from certherd.bootstrap import Container
from certherd.domain.functions import Function, FunctionInvocation, FunctionKind
from certherd.entrypoints.api.auth import Caller, CallerDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.function_schemas import (
    CreateFunctionBody,
    FunctionInvocationListOut,
    FunctionInvocationOut,
    FunctionListOut,
    FunctionOut,
    InvokeBody,
)
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.views import instant
from certherd.errors import PermissionDeniedError

router = APIRouter(prefix="/v1/functions", tags=["functions"])

_ANY = problems(400, 401, 403, 404)
JSON = dict[str, Any]


def _admin(caller: Caller, doing: str) -> None:
    if not caller.is_admin:
        raise PermissionDeniedError(f"{doing} runs code on the server: an admin token is needed")


def _view(c: Container, function: Function) -> JSON:
    return {
        "FunctionName": function.name,
        "FunctionArn": c.functions.arn(function),
        "Kind": function.kind.value,
        "Command": list(function.command) if function.kind is FunctionKind.COMMAND else None,
        "EntryPoint": function.entry_point,
        "EnvironmentKeys": list(function.environment_keys),
        "WorkingDirectory": function.working_directory,
        "Timeout": function.timeout_seconds,
        "RunAs": function.run_as,
        "Description": function.description,
        "CreatedAt": instant(function.created_at),
    }


def _run(record: FunctionInvocation) -> JSON:
    return {
        "InvocationId": record.id,
        "FunctionName": record.function_name,
        "Source": record.source.value,
        "State": record.state.value,
        "StartedAt": instant(record.started_at),
        "DurationMs": round(record.duration_ms, 3),
        "ExitStatus": record.exit_status,
        "TimedOut": record.timed_out,
        "Error": record.error,
        "OutputTail": record.output_tail,
        "RuleArn": record.rule_arn,
        "EventId": record.event_id,
        "TargetInvocationId": record.target_invocation_id,
        "SubscriptionArn": record.subscription_arn,
        "MessageId": record.message_id,
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FunctionOut,
    summary="Create a function",
    description="A `command` (argv, the event on stdin) or a `python` entry point of the "
    "group `certherd.functions`. Admin only. 409 when the name is taken.",
    responses=problems(400, 401, 403, 409),
)
def create_function(body: CreateFunctionBody, caller: CallerDep, c: ContainerDep) -> JSON:
    _admin(caller, "creating a function")
    function = c.functions.create(
        account=caller.account,
        name=body.function_name,
        kind=body.kind,
        command=body.command,
        entry_point=body.entry_point,
        environment=body.environment,
        working_directory=body.working_directory,
        timeout_seconds=body.timeout,
        run_as=body.run_as,
        description=body.description,
    )
    return _view(c, function)


@router.get(
    "", response_model=FunctionListOut, summary="List functions", responses=problems(401, 403)
)
def list_functions(caller: CallerDep, c: ContainerDep) -> JSON:
    return {"Functions": [_view(c, f) for f in c.functions.list(account=caller.account)]}


@router.get("/{name}", response_model=FunctionOut, summary="Describe a function", responses=_ANY)
def describe_function(name: str, caller: CallerDep, c: ContainerDep) -> JSON:
    return _view(c, c.functions.get(account=caller.account, name=name))


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a function and the record of its runs",
    description="Admin only.",
    responses=_ANY,
)
def delete_function(name: str, caller: CallerDep, c: ContainerDep) -> Response:
    _admin(caller, "deleting a function")
    c.functions.delete(account=caller.account, name=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{name}/invocations",
    response_model=FunctionInvocationOut,
    summary="Run a function now",
    description="Runs it with `Payload` (default `{}`) and answers when it is over, with "
    "the record of the run (whatever its outcome).",
    responses=_ANY,
)
def invoke_function(name: str, body: InvokeBody, caller: CallerDep, c: ContainerDep) -> JSON:
    payload = json.dumps({} if body.payload is None else body.payload)
    return _run(c.functions.invoke(account=caller.account, name=name, payload=payload))


@router.get(
    "/{name}/invocations",
    response_model=FunctionInvocationListOut,
    summary="List a function's runs",
    description="Newest first; `MaxItems` 1-100 (default 50).",
    responses=_ANY,
)
def list_function_invocations(
    name: str,
    caller: CallerDep,
    c: ContainerDep,
    max_items: Annotated[int, Query(alias="MaxItems")] = 50,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=64)] = None,
) -> JSON:
    page = c.functions.invocations(
        account=caller.account, name=name, max_items=max_items, next_token=next_token
    )
    return {"Invocations": [_run(r) for r in page.invocations], "NextToken": page.next_token}
