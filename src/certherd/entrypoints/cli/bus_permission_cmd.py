"""``certherd bus permission ...``: which other accounts may put events on a bus."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.bus_cmd import bus_name
from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.json_input import json_text
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import emit_json
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="A bus's policy: let other accounts put events on it (PutPermission).",
    no_args_is_help=True,
)

BusName = Annotated[str, typer.Argument(help="Bus name (or ARN).")]


@app.command()
def add(
    ctx: typer.Context,
    bus: BusName,
    principal: Annotated[
        str | None, typer.Option(metavar="ACCOUNT", help="A 12-digit account id, or *.")
    ] = None,
    statement_id: Annotated[
        str | None, typer.Option(metavar="ID", help="The statement's id (1-64 of a-zA-Z0-9-_).")
    ] = None,
    action: Annotated[str, typer.Option(help="The action allowed.")] = "events:PutEvents",
    org_id: Annotated[
        str | None,
        typer.Option(metavar="ORG", help="Only accounts of this organization (a Condition)."),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            metavar="JSON|FILE",
            help="Replace the whole policy instead: inline JSON, a file, or - for standard input.",
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Add a statement to the bus's policy (or replace the policy); prints the policy."""
    body: dict[str, Any]
    if policy is not None:
        if principal is not None or statement_id is not None or org_id is not None:
            raise CliError(
                "--policy replaces the whole policy: leave out --principal, --statement-id "
                "and --org-id",
                exit_code=2,
            )
        body = {"Policy": json_text(policy, what="policy")}
    else:
        if principal is None or statement_id is None:
            raise CliError("give --principal and --statement-id (or --policy)", exit_code=2)
        body = {"Action": action, "Principal": principal, "StatementId": statement_id}
        if org_id is not None:
            body["Condition"] = {
                "Type": "StringEquals",
                "Key": "aws:PrincipalOrgID",
                "Value": org_id,
            }
    answer = state_of(ctx).client(ctx).post(path("buses", bus_name(bus), "permissions"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("Policy") or "")


@app.command()
def remove(
    ctx: typer.Context,
    bus: BusName,
    statement_id: Annotated[
        str | None, typer.Argument(help="The statement to remove.", show_default=False)
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Remove the whole policy.")] = False,
    output: OutputOption = None,
) -> None:
    """Remove a statement of the bus's policy, or with --all the whole policy."""
    if all_ == (statement_id is not None):
        raise CliError("give a statement id or --all (not both)", exit_code=2)
    segments = ["buses", bus_name(bus), "permissions"]
    if statement_id is not None:
        segments.append(statement_id)
    state_of(ctx).client(ctx).delete(path(*segments))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        what = "every permission" if all_ else f"statement {statement_id}"
        typer.echo(f"removed {what} from {bus_name(bus)}")
