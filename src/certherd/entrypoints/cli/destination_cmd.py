"""``certherd destination ...``: HTTP destinations (EventBridge API destinations) rules can
target by their ARN."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import ApiClient, path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import OutputFormat, console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="HTTP destinations (EventBridge API destinations): endpoints rules send events to.",
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="Destination name (1-64 of A-Za-z0-9._-).")]
ConnectionOption = Annotated[
    str | None, typer.Option("--connection", metavar="NAME|ARN", help="Its connection.")
]
EndpointOption = Annotated[
    str | None, typer.Option("--endpoint", metavar="URL", help="The invocation endpoint.")
]
MethodOption = Annotated[
    str | None,
    typer.Option("--method", help="POST, GET, HEAD, OPTIONS, PUT, PATCH or DELETE."),
]
RateOption = Annotated[
    int | None,
    typer.Option("--rate", min=1, metavar="PER_SECOND", help="Invocations a second (300)."),
]
DescriptionOption = Annotated[str | None, typer.Option(help="Up to 512 characters.")]


def _connection_arn(client: ApiClient, value: str) -> str:
    if value.startswith("arn:"):
        return value
    arn = client.get(path("connections", value)).get("ConnectionArn")
    if not isinstance(arn, str):
        raise CliError(f"the server did not describe the connection {value!r}")
    return arn


def _show(ctx: typer.Context, answer: Any, output: OutputFormat | None) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def create(
    ctx: typer.Context,
    name: NameArgument,
    connection: ConnectionOption = None,
    endpoint: EndpointOption = None,
    method: MethodOption = "POST",
    rate: RateOption = None,
    description: DescriptionOption = None,
    output: OutputOption = None,
) -> None:
    """Create an HTTP destination; target it from a rule by the ARN shown."""
    if connection is None or endpoint is None:
        raise CliError("give --connection and --endpoint", exit_code=2)
    client = state_of(ctx).client(ctx)
    request: dict[str, Any] = {
        "Name": name,
        "ConnectionArn": _connection_arn(client, connection),
        "InvocationEndpoint": endpoint,
        "HttpMethod": (method or "POST").upper(),
    }
    if rate is not None:
        request["InvocationRateLimitPerSecond"] = rate
    if description is not None:
        request["Description"] = description
    _show(ctx, client.post(path("api-destinations"), request), output)


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Option(help="Only names starting with this.")] = None,
    output: OutputOption = None,
) -> None:
    """List HTTP destinations by name."""
    client = state_of(ctx).client(ctx)
    answer = client.get(path("api-destinations"), params={"NamePrefix": prefix})
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    found = answer.get("ApiDestinations") or []
    if not found:
        typer.echo("no destinations", err=True)
        return
    rows = [
        (
            d.get("Name"),
            d.get("HttpMethod"),
            d.get("InvocationEndpoint"),
            d.get("InvocationRateLimitPerSecond"),
            d.get("ApiDestinationArn"),
        )
        for d in found
    ]
    console().print(
        table(("Name", "Method", "Endpoint", "Rate/s", "ARN"), rows, fold=("Endpoint", "ARN"))
    )


@app.command("describe")
def describe_(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Show an HTTP destination."""
    _show(ctx, state_of(ctx).client(ctx).get(path("api-destinations", name)), output)


@app.command()
def update(
    ctx: typer.Context,
    name: NameArgument,
    connection: ConnectionOption = None,
    endpoint: EndpointOption = None,
    method: MethodOption = None,
    rate: RateOption = None,
    description: DescriptionOption = None,
    output: OutputOption = None,
) -> None:
    """Change what is given."""
    client = state_of(ctx).client(ctx)
    request: dict[str, Any] = {}
    if connection is not None:
        request["ConnectionArn"] = _connection_arn(client, connection)
    if endpoint is not None:
        request["InvocationEndpoint"] = endpoint
    if method is not None:
        request["HttpMethod"] = method.upper()
    if rate is not None:
        request["InvocationRateLimitPerSecond"] = rate
    if description is not None:
        request["Description"] = description
    if not request:
        raise CliError("nothing to change", exit_code=2)
    _show(ctx, client.patch(path("api-destinations", name), request), output)


@app.command()
def delete(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Delete an HTTP destination (rules still targeting it then fail with NO_RESOURCE)."""
    answer = state_of(ctx).client(ctx).delete(path("api-destinations", name))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"deleted destination {name}")
