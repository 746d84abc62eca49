"""``certherd bus ...``: event buses (EventBridge semantics)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "bus_name"]

app = typer.Typer(
    help="Event buses: the default bus exists for every account.", no_args_is_help=True
)

BusName = Annotated[str, typer.Argument(help="Bus name (or ARN).")]


def bus_name(value: str) -> str:
    """The name in a bus ARN, or ``value`` itself."""
    text = value.strip()
    if text.startswith("arn:") and ":event-bus/" in text:
        return text.split(":event-bus/", 1)[1]
    return text


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="1-256 of A-Za-z0-9._-/.")],
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    output: OutputOption = None,
) -> None:
    """Create an event bus; prints its ARN."""
    body: dict[str, Any] = {"Name": name}
    if description is not None:
        body["Description"] = description
    answer = state_of(ctx).client(ctx).post(path("buses"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("Arn", ""))


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Option(help="Names starting with this.")] = None,
    output: OutputOption = None,
) -> None:
    """List the event buses (the default bus first)."""
    answer = state_of(ctx).client(ctx).get(path("buses"), params={"name-prefix": prefix})
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    rows = [
        (b.get("Name"), b.get("Description"), b.get("CreationTime"), b.get("Arn"))
        for b in answer.get("EventBuses", [])
    ]
    console().print(table(("Name", "Description", "Created", "ARN"), rows, fold=("ARN",)))


@app.command("describe")
def describe_(ctx: typer.Context, name: BusName, output: OutputOption = None) -> None:
    """Show one event bus."""
    answer = state_of(ctx).client(ctx).get(path("buses", bus_name(name)))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def delete(ctx: typer.Context, name: BusName, output: OutputOption = None) -> None:
    """Delete an event bus (not the default one, and not while it has rules)."""
    state_of(ctx).client(ctx).delete(path("buses", bus_name(name)))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"deleted event bus {bus_name(name)}")
