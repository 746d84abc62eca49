"""``certherd config get|set``: the account's configuration (ACM's account configuration)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json
from certherd.entrypoints.cli.state import state_of

app = typer.Typer(
    help="Account configuration: how many days before expiry expiry events start.",
    no_args_is_help=True,
)


def _show(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def get(ctx: typer.Context, output: OutputOption = None) -> None:
    """Show the account configuration (ExpiryEvents.DaysBeforeExpiry)."""
    _show(ctx, state_of(ctx).client(ctx).get(path("account-configuration")), output)


@app.command("set")
def set_(
    ctx: typer.Context,
    days_before_expiry: Annotated[
        int,
        typer.Option(
            min=1, max=45, help="Days before expiry that daily expiry events start (1-45)."
        ),
    ],
    output: OutputOption = None,
) -> None:
    """Change the account configuration."""
    body = {"ExpiryEvents": {"DaysBeforeExpiry": days_before_expiry}}
    answer = state_of(ctx).client(ctx).put(path("account-configuration"), body)
    # The API may answer 204 or echo the configuration: show what is now in force.
    _show(ctx, answer if answer is not None else body, output)
