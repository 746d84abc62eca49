"""``certherd token create``: mint an API token on the server's machine.

For a second user or a script, and to recover when the first admin token is lost: the
token is shown once (or written to the credentials file) and only its digest is stored.
"""

from __future__ import annotations

from typing import Annotated

import typer

from certherd.entrypoints.cli.admin import DataDirOption
from certherd.entrypoints.cli.connection import settings_for
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import emit_json
from certherd.entrypoints.cli.state import state_of
from certherd.errors import CertherdError

app = typer.Typer(help="API tokens (on the server's machine).", no_args_is_help=True)


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    account: Annotated[
        str | None, typer.Option(help="The token's account (default CERTHERD_ACCOUNT_ID).")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="May act for any account (X-Certherd-Account).")
    ] = False,
    write_credentials: Annotated[
        bool,
        typer.Option(
            "--write-credentials",
            help="Write the token to the credentials file instead of printing it.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
    output: OutputOption = None,
) -> None:
    """Create an API token; it is shown once and cannot be read back later."""
    from certherd.adapters.credentials_file import write_credentials as write_file
    from certherd.bootstrap import build

    settings = settings_for(data_dir or state_of(ctx).data_dir)
    try:
        container = build(settings)
        try:
            token = container.tokens.create(
                name=name, account=account or settings.account_id, is_admin=admin
            )
        finally:
            container.close()
        if write_credentials:
            write_file(settings.credentials_file, url=settings.public_url, token=token)
    except CertherdError as exc:
        raise CliError(str(exc)) from None
    if write_credentials:
        shown = {"CredentialsFile": str(settings.credentials_file)}
        if state_of(ctx).json(output):
            emit_json(shown)
        else:
            typer.echo(f"token written to {settings.credentials_file} (mode 0600)")
    elif state_of(ctx).json(output):
        emit_json({"Token": token})
    else:
        typer.echo(token)
