"""``certherd function ...``: functions rules can target, run by hand, and their runs."""

from __future__ import annotations

import re
import shlex
from typing import Annotated, Any, Final

import typer

from certherd.domain.functions import MAX_TIMEOUT_SECONDS
from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.json_input import json_value
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "function_name"]

#: How much longer than the longest run the CLI waits for the server's answer.
_ANSWER_MARGIN_SECONDS: Final = 30.0

app = typer.Typer(
    help="Functions (what Lambda functions are to EventBridge): commands or Python entry "
    "points that rules can target.",
    no_args_is_help=True,
)

_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VARIABLE_RE: Final = re.compile(r"(?P<key>[^=]+)=(?P<value>.*)", re.S)
#: The exit status of ``invoke`` when the run did not succeed.
RUN_FAILED: Final = 1

FunctionArgument = Annotated[str, typer.Argument(help="Function name or ARN.")]


def function_name(value: str) -> str:
    """The function's name from a name or an ARN (``...:function:<name>``); CliError with
    exit code 2 for anything else."""
    text = value.strip()
    if text.startswith("arn:"):
        text = text.rsplit(":", 1)[-1]
    if not _NAME_RE.fullmatch(text):
        raise CliError(f"{value!r} is not a function name or ARN", exit_code=2)
    return text


def _path(value: str, *rest: str) -> str:
    return path("functions", function_name(value), *rest)


def _environment(values: list[str] | None) -> dict[str, str]:
    environment: dict[str, str] = {}
    for raw in values or []:
        match = _VARIABLE_RE.fullmatch(raw)
        if match is None or not match["key"].strip():
            raise typer.BadParameter(f"{raw!r}: give NAME=VALUE", param_hint="--env")
        environment[match["key"].strip()] = match["value"]
    return environment


def _argv(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise typer.BadParameter(
            f"cannot be split into words: {exc}", param_hint="--command"
        ) from None
    if not argv:
        raise typer.BadParameter("is empty", param_hint="--command")
    return argv


def _show(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="1-64 letters, digits, - and _.")],
    command: Annotated[
        str | None,
        typer.Option(
            metavar="COMMAND LINE",
            help="A command function: its command line, split into words as a shell would "
            "(nothing expanded, no shell); it gets the event on stdin.",
        ),
    ] = None,
    python: Annotated[
        str | None,
        typer.Option(
            metavar="ENTRY_POINT",
            help="A python function: an entry point of the group certherd.functions "
            "(e.g. log-event); it gets the event as its argument.",
        ),
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME=VALUE",
            help="An environment variable (stored sealed, never shown); repeatable.",
        ),
    ] = None,
    workdir: Annotated[
        str | None, typer.Option(metavar="DIR", help="Working directory (absolute).")
    ] = None,
    timeout: Annotated[
        int, typer.Option(min=1, max=900, metavar="SECONDS", help="Killed after this long.")
    ] = 30,
    run_as: Annotated[
        str | None,
        typer.Option(metavar="USER", help="Run as this user (needs the server to run as root)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="Up to 256 characters.")] = None,
    output: OutputOption = None,
) -> None:
    """Create a function (needs an admin token: functions run code on the server)."""
    if (command is None) == (python is None):
        raise typer.BadParameter("give exactly one of --command and --python")
    body: dict[str, Any] = {"FunctionName": function_name(name), "Timeout": timeout}
    if command is not None:
        body.update(Kind="command", Command=_argv(command))
    else:
        body.update(Kind="python", EntryPoint=python)
    environment = _environment(env)
    if environment:
        body["Environment"] = environment
    for key, value in (("WorkingDirectory", workdir), ("RunAs", run_as)):
        if value is not None:
            body[key] = value
    if description is not None:
        body["Description"] = description
    _show(ctx, state_of(ctx).client(ctx).post(path("functions"), body), output)


@app.command("list")
def list_(ctx: typer.Context, output: OutputOption = None) -> None:
    """List functions by name."""
    answer = state_of(ctx).client(ctx).get(path("functions"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    functions = answer.get("Functions") or []
    if not functions:
        typer.echo("no functions", err=True)
        return
    rows = [
        (
            f.get("FunctionName"),
            f.get("Kind"),
            shlex.join(f["Command"]) if f.get("Command") else f.get("EntryPoint"),
            f.get("Timeout"),
            f.get("FunctionArn"),
        )
        for f in functions
    ]
    console().print(table(("Name", "Kind", "Runs", "Timeout", "ARN"), rows, fold=("Runs", "ARN")))


@app.command("describe")
def describe_(ctx: typer.Context, function: FunctionArgument, output: OutputOption = None) -> None:
    """Show a function (the names of its environment variables, never their values)."""
    _show(ctx, state_of(ctx).client(ctx).get(_path(function)), output)


@app.command()
def delete(ctx: typer.Context, function: FunctionArgument, output: OutputOption = None) -> None:
    """Delete a function and the record of its runs (needs an admin token)."""
    state_of(ctx).client(ctx).delete(_path(function))
    if state_of(ctx).json(output):
        emit_json({"Deleted": function_name(function)})
    else:
        typer.echo(f"deleted function {function_name(function)}")


@app.command()
def invoke(
    ctx: typer.Context,
    function: FunctionArgument,
    payload: Annotated[
        str,
        typer.Option(
            metavar="JSON|@FILE|-",
            help="The event: inline JSON, @FILE (or FILE) for a file, - for stdin.",
        ),
    ] = "{}",
    output: OutputOption = None,
) -> None:
    """Run a function now and wait for it; exit status 1 when the run did not succeed."""
    source = payload[1:] if payload.startswith("@") else payload
    event = json_value(source, what="payload")
    # The server answers when the run ends: within the function's timeout (900 s at most).
    answer = (
        state_of(ctx)
        .client(ctx)
        .post(
            _path(function, "invocations"),
            {"Payload": event},
            wait_seconds=MAX_TIMEOUT_SECONDS + _ANSWER_MARGIN_SECONDS,
        )
    )
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        shown = {k: v for k, v in answer.items() if k != "OutputTail" and v is not None}
        console().print(describe(shown))
        tail = answer.get("OutputTail") or ""
        if tail:
            typer.echo("--- output (last 4 KiB) ---")
            typer.echo(tail.rstrip("\n"))
    if answer.get("State") != "SUCCEEDED":
        raise typer.Exit(RUN_FAILED)


@app.command()
def invocations(
    ctx: typer.Context,
    function: FunctionArgument,
    max_items: Annotated[int, typer.Option(min=1, max=100, help="Runs per page.")] = 25,
    next_token: Annotated[str | None, typer.Option(help="The page after a previous one.")] = None,
    output: OutputOption = None,
) -> None:
    """List a function's runs, newest first: state, exit status, duration, who asked."""
    params = {"MaxItems": max_items, "NextToken": next_token}
    answer = state_of(ctx).client(ctx).get(_path(function, "invocations"), params=params)
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    runs = answer.get("Invocations") or []
    if not runs:
        typer.echo("no runs", err=True)
    else:
        rows = [
            (
                r.get("StartedAt"),
                r.get("State"),
                r.get("ExitStatus"),
                f"{r.get('DurationMs', 0):.0f} ms",
                r.get("Source"),
                r.get("InvocationId"),
            )
            for r in runs
        ]
        console().print(
            table(("Started", "State", "Exit", "Duration", "Source", "Invocation"), rows)
        )
    if answer.get("NextToken"):
        typer.echo(f"more: --next-token {answer['NextToken']}", err=True)
