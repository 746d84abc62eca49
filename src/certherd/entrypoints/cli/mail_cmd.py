"""``certherd mailbox ...`` and ``certherd mail relay ...``: where email notifications go.

Without a relay, email is kept in the account's mailbox on the server (read it with
``mailbox list`` and ``mailbox show``); with one, it is sent through that SMTP server. The
relay's password is read from a file, an environment variable or a hidden prompt, never
from a command-line argument (arguments show in ``ps`` and in shell history).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import ApiError, CliError
from certherd.entrypoints.cli.files import read_text
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.sns_output import described, instant
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "mailbox_app", "read_password", "relay_app"]

mailbox_app = typer.Typer(
    help="Email notifications kept on the server while no mail relay is set.",
    no_args_is_help=True,
)
app = typer.Typer(help="Email delivery settings.", no_args_is_help=True)
relay_app = typer.Typer(
    help="The SMTP server email notifications are sent through.", no_args_is_help=True
)
app.add_typer(relay_app, name="relay")

MAX_PAGE: Final = 100
_NO_RELAY: Final = (
    "no mail relay is set: email notifications go to the mailbox (certherd mailbox list)"
)

Prompt = Callable[[str], str]


class Security(StrEnum):
    starttls = "starttls"
    tls = "tls"
    none = "none"


# -- the mailbox -----------------------------------------------------------------------------


@mailbox_app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_PAGE, metavar="N", help=f"At most N (1-{MAX_PAGE}).")
    ] = 20,
    next_token: Annotated[str | None, typer.Option(help="Continue a previous listing.")] = None,
    output: OutputOption = None,
) -> None:
    """List the mail in your mailbox, newest first."""
    answer = (
        state_of(ctx)
        .client(ctx)
        .get(path("mailbox"), params={"MaxItems": limit, "NextToken": next_token})
    )
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    mails = answer.get("Mails") or []
    if not mails:
        typer.echo("the mailbox is empty", err=True)
    else:
        rows = [
            (
                instant(m.get("CreatedAt")),
                m.get("From"),
                ", ".join(m.get("To") or []),
                m.get("Subject"),
                m.get("MailId"),
            )
            for m in mails
        ]
        console().print(table(("Created", "From", "To", "Subject", "Id"), rows, fold=("Subject",)))
    if answer.get("NextToken"):
        typer.echo(f"more: --next-token {answer['NextToken']}", err=True)


@mailbox_app.command()
def show(
    ctx: typer.Context,
    mail_id: Annotated[str, typer.Argument(metavar="ID", help="The MailId.")],
    html: Annotated[bool, typer.Option("--html", help="Print the HTML part alone.")] = False,
    output: OutputOption = None,
) -> None:
    """Print a mail: its headers and text part, or with --html its HTML part alone (to
    save it and open it in a browser)."""
    answer = state_of(ctx).client(ctx).get(path("mailbox", mail_id.strip()))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    part = answer.get("Html" if html else "Text")
    if not isinstance(part, str) or not part:
        raise CliError(f"the mail {mail_id} has no {'HTML' if html else 'text'} part")
    if not html:
        typer.echo(f"From: {answer.get('From', '')}")
        typer.echo(f"To: {', '.join(answer.get('To') or [])}")
        typer.echo(f"Subject: {answer.get('Subject', '')}")
        typer.echo(f"Date: {answer.get('CreatedAt', '')}")
        typer.echo("")
    typer.echo(part, nl=not part.endswith("\n"))


# -- the relay -------------------------------------------------------------------------------


def _ask(question: str) -> str:
    value: str = typer.prompt(question, hide_input=True, confirmation_prompt=True)
    return value


def read_password(
    *,
    password_file: Path | None,
    password_env: str | None,
    username: str | None,
    env: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    prompt: Prompt = _ask,
) -> str | None:
    """The relay's password: from ``password_file`` (its first line), the variable
    ``password_env``, or asked twice at the terminal when there is a ``username`` and
    neither is given. None when there is no username and no source.

    Raises:
        CliError: both sources given or a source without a username (exit code 2), the
            file cannot be read, the variable is unset, the value is empty, or a prompt is
            needed and there is no terminal.
    """
    if password_file is not None and password_env:
        raise CliError("give --password-file or --password-env, not both", exit_code=2)
    if username is None:
        if password_file is not None or password_env:
            raise CliError("a password needs --username", exit_code=2)
        return None
    if password_file is not None:
        text = read_text(password_file, what="password file", not_text="is not UTF-8 text")
        value = text.splitlines()[0] if text else ""
        origin = f"the password file {password_file}"
    elif password_env:
        environ = os.environ if env is None else env
        if password_env not in environ:
            raise CliError(f"the environment variable {password_env} (--password-env) is unset")
        value = environ[password_env]
        origin = f"the environment variable {password_env}"
    else:
        if not (sys.stdin.isatty() if interactive is None else interactive):
            raise CliError(
                f"a password for {username} is needed and there is no terminal to ask for "
                "it: use --password-file FILE or --password-env VARIABLE"
            )
        value = prompt(f"SMTP password for {username}")
        origin = "the prompt"
    if not value:
        raise CliError(f"the password from {origin} is empty")
    return value


def _show_relay(answer: dict[str, Any]) -> None:
    sender = answer.get("Sender")
    name = answer.get("SenderName")
    fields = {
        "Host": answer.get("Host"),
        "Port": answer.get("Port"),
        "Security": answer.get("Security"),
        "Username": answer.get("Username"),
        "Password": "set" if answer.get("HasPassword") else "not set",
        "Sender": f"{name} <{sender}>" if name else sender,
        "TimeoutSeconds": answer.get("TimeoutSeconds"),
        "UpdatedAt": answer.get("UpdatedAt"),
    }
    console().print(described(fields))


@relay_app.command("set")
def set_(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="The SMTP server's host name or IP address.")],
    sender: Annotated[str, typer.Option(metavar="ADDR", help="The From address.")],
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Default: 587 starttls, 465 tls, 25 none."),
    ] = None,
    security: Annotated[
        Security | None, typer.Option(help="How the connection is protected (default starttls).")
    ] = None,
    username: Annotated[
        str | None, typer.Option(help="Log in as this user (the password is asked for).")
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False, metavar="FILE", help="Read the password from FILE's first line."
        ),
    ] = None,
    password_env: Annotated[
        str | None, typer.Option(metavar="VARIABLE", help="Read the password from VARIABLE.")
    ] = None,
    sender_name: Annotated[str | None, typer.Option(metavar="NAME", help="The From name.")] = None,
    timeout: Annotated[
        float | None,
        typer.Option(min=1, max=300, metavar="SECONDS", help="Per connection (default 30)."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Send email notifications through an SMTP server (replacing any relay set before:
    give every setting, and the password, again). Needs an administrator's token."""
    password = read_password(
        password_file=password_file, password_env=password_env, username=username
    )
    body: dict[str, Any] = {"Host": host, "Sender": sender}
    optional = {
        "Port": port,
        "Security": security.value if security else None,
        "Username": username,
        "Password": password,
        "SenderName": sender_name,
        "TimeoutSeconds": timeout,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    answer = state_of(ctx).client(ctx).put(path("mail-relay"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        _show_relay(answer)


@relay_app.command("show")
def show_relay(ctx: typer.Context, output: OutputOption = None) -> None:
    """Show the relay (never its password: only whether one is set)."""
    try:
        answer = state_of(ctx).client(ctx).get(path("mail-relay"))
    except ApiError as exc:
        if exc.status != 404:
            raise
        if state_of(ctx).json(output):
            emit_json({})
        else:
            typer.echo(_NO_RELAY, err=True)
        return
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        _show_relay(answer)


@relay_app.command()
def clear(ctx: typer.Context, output: OutputOption = None) -> None:
    """Remove the relay: email notifications go to the mailbox again. Needs an
    administrator's token."""
    state_of(ctx).client(ctx).delete(path("mail-relay"))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo("mail relay removed: email notifications go to the mailbox")
