"""``certherd rule ...`` and ``certherd rule target ...``: rules of a bus and their targets."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from certherd.entrypoints.cli.bus_cmd import bus_name
from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.json_input import json_text, json_value
from certherd.entrypoints.cli.options import OutputOption, TagOption, parse_tags
from certherd.entrypoints.cli.output import console, describe, emit_json, status_style, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "target_app"]

app = typer.Typer(
    help="Rules: match events on a bus and send them to targets.", no_args_is_help=True
)
target_app = typer.Typer(help="A rule's targets (at most 5).", no_args_is_help=True)
app.add_typer(target_app, name="target")

RuleName = Annotated[str, typer.Argument(help="Rule name.")]
BusOption = Annotated[
    str, typer.Option("--bus", "-b", metavar="NAME", help="The event bus (name or ARN).")
]
_JSON_HELP = "inline JSON, a file, or - for standard input"


def _rule_path(bus: str, name: str, *rest: str) -> str:
    return path("buses", bus_name(bus), "rules", name, *rest)


def _print_failed(answer: Any, as_json: bool, done: str) -> None:
    if as_json:
        emit_json(answer)
        return
    failed = answer.get("FailedEntries") or []
    for entry in failed:
        typer.echo(
            f"failed: {entry.get('TargetId')}: {entry.get('ErrorCode')}: "
            f"{entry.get('ErrorMessage')}",
            err=True,
        )
    typer.echo(done)
    if failed:
        raise typer.Exit(1)


@app.command()
def create(
    ctx: typer.Context,
    name: RuleName,
    pattern: Annotated[
        str,
        typer.Option("--pattern", "-p", metavar="JSON|FILE", help=f"Event pattern: {_JSON_HELP}."),
    ],
    bus: BusOption = "default",
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it DISABLED.")] = False,
    tag: TagOption = None,
    output: OutputOption = None,
) -> None:
    """Create a rule, or replace the one of that name (PutRule); prints its ARN."""
    body: dict[str, Any] = {"EventPattern": json_text(pattern, what="pattern")}
    if disabled:
        body["State"] = "DISABLED"
    if description is not None:
        body["Description"] = description
    tags = parse_tags(tag)
    if tags:
        body["Tags"] = tags
    answer = state_of(ctx).client(ctx).put(_rule_path(bus, name), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("RuleArn", ""))


@app.command("list")
def list_(
    ctx: typer.Context,
    bus: BusOption = "default",
    prefix: Annotated[str | None, typer.Option(help="Names starting with this.")] = None,
    output: OutputOption = None,
) -> None:
    """List the rules of a bus, by name (every page)."""
    client = state_of(ctx).client(ctx)
    rules: list[Any] = []
    token: str | None = None
    while True:
        answer = client.get(
            path("buses", bus_name(bus), "rules"),
            params={"name-prefix": prefix, "next-token": token},
        )
        rules += answer.get("Rules", [])
        token = answer.get("NextToken")
        if not token:
            break
    if state_of(ctx).json(output):
        emit_json({"Rules": rules})
        return
    rows = [
        (
            r.get("Name"),
            _state(r.get("State")),
            r.get("EventPattern"),
            r.get("Arn"),
        )
        for r in rules
    ]
    console().print(table(("Name", "State", "Pattern", "ARN"), rows, fold=("Pattern", "ARN")))


def _state(value: str | None) -> Text:
    text = value or "-"
    return Text(text, style="green" if text == "ENABLED" else status_style(text) or "dim")


@app.command("describe")
def describe_(
    ctx: typer.Context, name: RuleName, bus: BusOption = "default", output: OutputOption = None
) -> None:
    """Show one rule."""
    answer = state_of(ctx).client(ctx).get(_rule_path(bus, name))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


def _set_state(ctx: typer.Context, name: str, bus: str, verb: str, output: Any) -> None:
    answer = state_of(ctx).client(ctx).post(_rule_path(bus, name, verb))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"{answer.get('Name')}: {answer.get('State')}")


@app.command()
def enable(
    ctx: typer.Context, name: RuleName, bus: BusOption = "default", output: OutputOption = None
) -> None:
    """Enable a rule."""
    _set_state(ctx, name, bus, "enable", output)


@app.command()
def disable(
    ctx: typer.Context, name: RuleName, bus: BusOption = "default", output: OutputOption = None
) -> None:
    """Disable a rule: its events are no longer routed to its targets."""
    _set_state(ctx, name, bus, "disable", output)


@app.command()
def delete(
    ctx: typer.Context,
    name: RuleName,
    bus: BusOption = "default",
    force: Annotated[bool, typer.Option("--force", help="Remove its targets too.")] = False,
    output: OutputOption = None,
) -> None:
    """Delete a rule (refused while it has targets, unless --force)."""
    state_of(ctx).client(ctx).delete(
        _rule_path(bus, name), params={"force": "true" if force else None}
    )
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"deleted rule {name}")


# -- targets --------------------------------------------------------------------------------


@target_app.command("add")
def add_target(
    ctx: typer.Context,
    rule: RuleName,
    target_id: Annotated[str, typer.Option("--id", help="Target Id (1-64 of A-Za-z0-9._-).")],
    arn: Annotated[str, typer.Option("--arn", help="ARN of a queue, topic, bus or function.")],
    bus: BusOption = "default",
    input_: Annotated[
        str | None,
        typer.Option("--input", metavar="JSON|FILE", help=f"Constant input: {_JSON_HELP}."),
    ] = None,
    input_path: Annotated[
        str | None,
        typer.Option(metavar="PATH", help="JSON path of the part to send, e.g. $.detail."),
    ] = None,
    input_transformer: Annotated[
        str | None,
        typer.Option(
            metavar="JSON|FILE",
            help='{"InputPathsMap": {...}, "InputTemplate": "..."}: ' + _JSON_HELP + ".",
        ),
    ] = None,
    max_retries: Annotated[
        int | None, typer.Option(metavar="N", help="MaximumRetryAttempts, 0-185 (default 185).")
    ] = None,
    max_age: Annotated[
        int | None,
        typer.Option(metavar="SECONDS", help="MaximumEventAgeInSeconds, 60-86400 (default 86400)."),
    ] = None,
    dead_letter_arn: Annotated[
        str | None, typer.Option("--dlq", metavar="ARN", help="Dead-letter queue (SQS ARN).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Add a target to a rule, or replace the one with this Id (PutTargets)."""
    target: dict[str, Any] = {"Id": target_id, "Arn": arn}
    if input_ is not None:
        target["Input"] = json_text(input_, what="input")
    if input_path is not None:
        target["InputPath"] = input_path
    if input_transformer is not None:
        transformer = json_value(input_transformer, what="input transformer")
        if not isinstance(transformer, dict):
            raise CliError("the input transformer must be a JSON object", exit_code=2)
        target["InputTransformer"] = transformer
    retry = {
        key: value
        for key, value in (
            ("MaximumRetryAttempts", max_retries),
            ("MaximumEventAgeInSeconds", max_age),
        )
        if value is not None
    }
    if retry:
        target["RetryPolicy"] = retry
    if dead_letter_arn is not None:
        target["DeadLetterConfig"] = {"Arn": dead_letter_arn}
    answer = state_of(ctx).client(ctx).post(_rule_path(bus, rule, "targets"), {"Targets": [target]})
    _print_failed(answer, state_of(ctx).json(output), f"target {target_id} added to {rule}")


@target_app.command("remove")
def remove_target(
    ctx: typer.Context,
    rule: RuleName,
    ids: Annotated[list[str], typer.Argument(help="Target Ids.")],
    bus: BusOption = "default",
    output: OutputOption = None,
) -> None:
    """Remove targets from a rule."""
    answer = (
        state_of(ctx).client(ctx).post(_rule_path(bus, rule, "targets", "remove"), {"Ids": ids})
    )
    _print_failed(answer, state_of(ctx).json(output), f"removed {', '.join(ids)} from {rule}")


@target_app.command("list")
def list_targets(
    ctx: typer.Context, rule: RuleName, bus: BusOption = "default", output: OutputOption = None
) -> None:
    """List a rule's targets."""
    answer = state_of(ctx).client(ctx).get(_rule_path(bus, rule, "targets"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    rows = [_target_row(t) for t in answer.get("Targets", [])]
    console().print(table(("Id", "Input", "Retries", "Max age", "DLQ", "ARN"), rows, fold=("ARN",)))


def _target_row(target: dict[str, Any]) -> tuple[object, ...]:
    kind = (
        "Input"
        if "Input" in target
        else f"InputPath {target['InputPath']}"
        if "InputPath" in target
        else "InputTransformer"
        if "InputTransformer" in target
        else "event"
    )
    retry = target.get("RetryPolicy") or {}
    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    return (
        target.get("Id"),
        kind,
        retry.get("MaximumRetryAttempts"),
        retry.get("MaximumEventAgeInSeconds"),
        dlq,
        target.get("Arn"),
    )
