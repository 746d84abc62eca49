"""``certherd replay ...``: replays of archived events (EventBridge semantics)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.archive_cmd import archive_name
from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "rule_arn"]

app = typer.Typer(
    help="Replays: send an archive's events of a time window to its bus again.",
    no_args_is_help=True,
)

ReplayName = Annotated[str, typer.Argument(help="Replay name (1-64 of A-Za-z0-9._-).")]


def rule_arn(bus_arn: str, rule: str) -> str:
    """The ARN of the rule ``rule`` (a name, or an ARN taken as it is) of the bus ``bus_arn``."""
    if rule.startswith("arn:"):
        return rule
    prefix, marker, bus = bus_arn.partition(":event-bus/")
    if not marker:
        raise CliError(f"{bus_arn!r} is not an event bus ARN")
    return f"{prefix}:rule/{rule if bus == 'default' else f'{bus}/{rule}'}"


@app.command()
def start(
    ctx: typer.Context,
    name: ReplayName,
    archive: Annotated[str, typer.Option(metavar="NAME|ARN", help="The archive to replay.")],
    start_time: Annotated[
        str,
        typer.Option("--start", metavar="TIME", help="Events from this event time (ISO 8601)."),
    ],
    end_time: Annotated[
        str,
        typer.Option("--end", metavar="TIME", help="... to this one (not in the future)."),
    ],
    rule: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME|ARN",
            help="Send to this rule of the bus only; repeat for more (default: every rule).",
            show_default=False,
        ),
    ] = None,
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    output: OutputOption = None,
) -> None:
    """Start a replay onto the archive's bus; prints its ARN."""
    client = state_of(ctx).client(ctx)
    found = client.get(path("archives", archive_name(archive)))
    bus = found.get("EventSourceArn") if isinstance(found, dict) else None
    if not isinstance(bus, str):
        raise CliError(f"the server did not describe the archive {archive!r}")
    destination: dict[str, Any] = {"Arn": bus}
    if rule:
        destination["FilterArns"] = [rule_arn(bus, r) for r in rule]
    body: dict[str, Any] = {
        "ReplayName": name,
        "EventSourceArn": found["ArchiveArn"],
        "EventStartTime": start_time,
        "EventEndTime": end_time,
        "Destination": destination,
    }
    if description is not None:
        body["Description"] = description
    answer = client.post(path("replays"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("ReplayArn", ""))


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Option(help="Names starting with this.")] = None,
    state: Annotated[str | None, typer.Option(help="RUNNING, COMPLETED, ...")] = None,
    archive: Annotated[
        str | None, typer.Option(metavar="ARN", help="Replays of this archive (its ARN).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """List the replays, by name (every page)."""
    client = state_of(ctx).client(ctx)
    replays: list[Any] = []
    token: str | None = None
    while True:
        answer = client.get(
            path("replays"),
            params={
                "name-prefix": prefix,
                "state": state,
                "event-source-arn": archive,
                "next-token": token,
            },
        )
        replays += answer.get("Replays", [])
        token = answer.get("NextToken")
        if not token:
            break
    if state_of(ctx).json(output):
        emit_json({"Replays": replays})
        return
    rows = [
        (
            r.get("ReplayName"),
            r.get("State"),
            r.get("EventStartTime"),
            r.get("EventEndTime"),
            r.get("EventLastReplayedTime"),
            r.get("EventSourceArn"),
        )
        for r in replays
    ]
    headers = ("Name", "State", "From", "To", "Last replayed", "Archive")
    console().print(table(headers, rows, fold=("Archive",)))


@app.command("describe")
def describe_(ctx: typer.Context, name: ReplayName, output: OutputOption = None) -> None:
    """Show one replay and how far it got."""
    answer = state_of(ctx).client(ctx).get(path("replays", name))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def cancel(ctx: typer.Context, name: ReplayName, output: OutputOption = None) -> None:
    """Cancel a STARTING or RUNNING replay."""
    answer = state_of(ctx).client(ctx).post(path("replays", name, "cancel"))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"{name}: {answer.get('State')}")
