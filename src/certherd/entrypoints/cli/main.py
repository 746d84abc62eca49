"""The ``certherd`` command: the root app, its global options and :func:`main`.

Commands are a noun then a verb (``certherd cert list``). ``ca``, ``cert`` and ``config``
talk to a running server over its HTTP API; ``serve``, ``db``, ``keys`` and ``token`` work on
the server's machine, and ``pattern`` needs no server at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from certherd import __version__
from certherd.entrypoints.cli import (
    admin,
    archive_cmd,
    bus_cmd,
    bus_permission_cmd,
    ca,
    cert,
    config_cmd,
    connection_cmd,
    deliveries_cmd,
    demo_cmd,
    deploy_cmd,
    destination_cmd,
    events_cmd,
    findings_cmd,
    function_cmd,
    invocations_cmd,
    lifecycle_cmd,
    mail_cmd,
    pattern_cmd,
    queue_cmd,
    replay_cmd,
    rule_cmd,
    subscription_cmd,
    tokens_cmd,
    topic_cmd,
    worker_cmd,
)
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.output import OutputFormat
from certherd.entrypoints.cli.state import State

__all__ = ["app", "main"]


class CertherdGroup(TyperGroup):
    """The root group: an expected error anywhere below becomes one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="certherd",
    cls=CertherdGroup,
    help="certherd: certificate lifecycle manager (private CAs and certificates).",
    no_args_is_help=True,
    # Locals can hold tokens and passphrases: never print them with a traceback.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(ca.app, name="ca")
app.add_typer(cert.app, name="cert")
app.add_typer(config_cmd.app, name="config")
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.keys_app, name="keys")
app.add_typer(pattern_cmd.app, name="pattern")
app.add_typer(tokens_cmd.app, name="token")
app.add_typer(bus_cmd.app, name="bus")
app.add_typer(events_cmd.app, name="events")
events_cmd.app.command("invocations")(invocations_cmd.invocations)
app.add_typer(rule_cmd.app, name="rule")
app.add_typer(queue_cmd.app, name="queue")
app.add_typer(lifecycle_cmd.app, name="lifecycle")
bus_cmd.app.add_typer(bus_permission_cmd.app, name="permission")
app.add_typer(archive_cmd.app, name="archive")
app.add_typer(findings_cmd.app, name="findings")
app.add_typer(replay_cmd.app, name="replay")
app.add_typer(topic_cmd.app, name="topic")
app.add_typer(subscription_cmd.app, name="subscription")
app.add_typer(deliveries_cmd.app, name="deliveries")
app.add_typer(mail_cmd.mailbox_app, name="mailbox")
app.add_typer(mail_cmd.app, name="mail")
app.add_typer(function_cmd.app, name="function")
app.add_typer(deploy_cmd.app, name="deploy")
app.add_typer(connection_cmd.app, name="connection")
app.add_typer(destination_cmd.app, name="destination")
app.command("serve")(admin.serve)
app.command("worker")(worker_cmd.worker)
app.command("demo")(demo_cmd.demo)

_ACCOUNT_RE = re.compile(r"[0-9]{12}")


def _account(value: str | None) -> str | None:
    if value is not None and not _ACCOUNT_RE.fullmatch(value):
        raise typer.BadParameter("an account id is exactly 12 digits")
    return value


def _version(value: bool) -> None:
    if value:
        typer.echo(f"certherd {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            envvar="CERTHERD_URL",
            help="Server URL (default: the credentials file's, else http://127.0.0.1:8600).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CERTHERD_TOKEN",
            help="API token (default: the credentials file's).",
            show_default=False,
            show_envvar=True,
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="CERTHERD_DATA_DIR",
            file_okay=False,
            help="Data directory; the credentials file is <data dir>/credentials.json "
            "(default ~/.local/share/certherd).",
            show_default=False,
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            callback=_account,
            help="Act for this account (12 digits; needs an admin token).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--output",
            "-o",
            envvar="CERTHERD_OUTPUT",
            case_sensitive=False,
            help="table (readable) or json (the API's JSON, for scripts).",
        ),
    ] = OutputFormat.table,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """certherd: certificate lifecycle manager (private CAs and certificates).

    Connection: --url / CERTHERD_URL and --token / CERTHERD_TOKEN, else the credentials
    file the server wrote on its first start (<data dir>/credentials.json).
    """
    del version
    ctx.obj = State(
        url=url,
        token=token,
        token_source=_source(ctx, "token", "--token", "CERTHERD_TOKEN"),
        data_dir=data_dir,
        account=account,
        output=output,
    )


def _source(ctx: typer.Context, name: str, option: str, variable: str) -> str:
    source = ctx.get_parameter_source(name)
    return variable if source is not None and source.name == "ENVIRONMENT" else option


def main() -> None:
    """The console script's entry point."""
    app(prog_name="certherd")


if __name__ == "__main__":
    main()
