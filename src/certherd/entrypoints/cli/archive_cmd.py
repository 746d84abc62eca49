"""``certherd archive ...``: event archives (EventBridge semantics)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.bus_cmd import bus_name
from certherd.entrypoints.cli.client import ApiClient, path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.json_input import json_text
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "bus_arn"]

app = typer.Typer(
    help="Archives: keep a bus's events (all, or those a pattern matches) to replay later.",
    no_args_is_help=True,
)

ArchiveName = Annotated[str, typer.Argument(help="Archive name (1-48 of A-Za-z0-9._-).")]
_JSON_HELP = "inline JSON, a file, or - for standard input"
PatternOption = Annotated[
    str | None,
    typer.Option(
        "--pattern", "-p", metavar="JSON|FILE", help=f"Which events to keep: {_JSON_HELP}."
    ),
]
RetentionOption = Annotated[
    int | None, typer.Option(metavar="DAYS", help="Days to keep events; 0 keeps them for ever.")
]


def bus_arn(client: ApiClient, value: str) -> str:
    """The ARN of the bus ``value`` names (an ARN is taken as it is; a name is looked up)."""
    if value.strip().startswith("arn:"):
        return value.strip()
    found = client.get(path("buses", bus_name(value)))
    arn = found.get("Arn") if isinstance(found, dict) else None
    if not isinstance(arn, str):
        raise CliError(f"the server did not describe the event bus {value!r}")
    return arn


def archive_name(value: str) -> str:
    """The name in an archive ARN, or ``value`` itself."""
    text = value.strip()
    if text.startswith("arn:") and ":archive/" in text:
        return text.split(":archive/", 1)[1]
    return text


@app.command()
def create(
    ctx: typer.Context,
    name: ArchiveName,
    bus: Annotated[
        str, typer.Option("--bus", "-b", metavar="NAME", help="The bus to archive (name or ARN).")
    ] = "default",
    pattern: PatternOption = None,
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    retention_days: RetentionOption = None,
    output: OutputOption = None,
) -> None:
    """Create an archive of a bus; prints its ARN."""
    client = state_of(ctx).client(ctx)
    body: dict[str, Any] = {"ArchiveName": name, "EventSourceArn": bus_arn(client, bus)}
    if pattern is not None:
        body["EventPattern"] = json_text(pattern, what="pattern")
    if description is not None:
        body["Description"] = description
    if retention_days is not None:
        body["RetentionDays"] = retention_days
    answer = client.post(path("archives"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("ArchiveArn", ""))


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Option(help="Names starting with this.")] = None,
    bus: Annotated[
        str | None, typer.Option("--bus", "-b", metavar="NAME", help="Archives of this bus.")
    ] = None,
    state: Annotated[str | None, typer.Option(help="ENABLED, DISABLED, ...")] = None,
    output: OutputOption = None,
) -> None:
    """List the archives, by name (every page)."""
    client = state_of(ctx).client(ctx)
    source = None if bus is None else bus_arn(client, bus)
    archives: list[Any] = []
    token: str | None = None
    while True:
        answer = client.get(
            path("archives"),
            params={
                "name-prefix": prefix,
                "event-source-arn": source,
                "state": state,
                "next-token": token,
            },
        )
        archives += answer.get("Archives", [])
        token = answer.get("NextToken")
        if not token:
            break
    if state_of(ctx).json(output):
        emit_json({"Archives": archives})
        return
    rows = [
        (
            a.get("ArchiveName"),
            a.get("State"),
            a.get("EventCount"),
            a.get("SizeBytes"),
            a.get("RetentionDays") or "for ever",
            a.get("EventSourceArn"),
        )
        for a in archives
    ]
    headers = ("Name", "State", "Events", "Bytes", "Retention", "Bus")
    console().print(table(headers, rows, fold=("Bus",)))


@app.command("describe")
def describe_(ctx: typer.Context, name: ArchiveName, output: OutputOption = None) -> None:
    """Show one archive with its event count and size."""
    answer = state_of(ctx).client(ctx).get(path("archives", archive_name(name)))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def update(
    ctx: typer.Context,
    name: ArchiveName,
    pattern: PatternOption = None,
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    retention_days: RetentionOption = None,
    output: OutputOption = None,
) -> None:
    """Change an archive's pattern, description or retention (the rest stays)."""
    body: dict[str, Any] = {}
    if pattern is not None:
        body["EventPattern"] = json_text(pattern, what="pattern")
    if description is not None:
        body["Description"] = description
    if retention_days is not None:
        body["RetentionDays"] = retention_days
    if not body:
        raise CliError(
            "nothing to change: give --pattern, --description or --retention-days", exit_code=2
        )
    answer = state_of(ctx).client(ctx).patch(path("archives", archive_name(name)), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"updated archive {archive_name(name)}")


@app.command()
def delete(ctx: typer.Context, name: ArchiveName, output: OutputOption = None) -> None:
    """Delete an archive and the events it holds."""
    state_of(ctx).client(ctx).delete(path("archives", archive_name(name)))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"deleted archive {archive_name(name)}")
