"""``certherd connection ...``: the connections of HTTP destinations (EventBridge
connections): how certherd authorizes against an endpoint.

The secret (the API key's value, the Basic password, the OAuth client secret) is read from
a file (``--secret-file``), an environment variable (``--secret-env``) or a hidden prompt,
never from a command-line argument: arguments show in ``ps`` and shell history.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.files import read_text
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import OutputFormat, console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "name_values", "read_secret"]

app = typer.Typer(
    help="Connections of HTTP destinations: API key, Basic or OAuth client credentials.",
    no_args_is_help=True,
)

Prompt = Callable[[str], str]

NameArgument = Annotated[str, typer.Argument(help="Connection name (1-64 of A-Za-z0-9._-).")]
SecretFile = Annotated[
    Path | None,
    typer.Option(dir_okay=False, metavar="FILE", help="Read the secret from FILE's first line."),
]
SecretEnv = Annotated[
    str | None, typer.Option(metavar="VARIABLE", help="Read the secret from VARIABLE.")
]
Pairs = Annotated[list[str] | None, typer.Option(metavar="KEY=VALUE", show_default=False)]


class Auth(StrEnum):
    api_key = "api-key"
    basic = "basic"
    oauth = "oauth"


_TYPES = {
    Auth.api_key: "API_KEY",
    Auth.basic: "BASIC",
    Auth.oauth: "OAUTH_CLIENT_CREDENTIALS",
}
_SECRET_NAMES = {
    "API_KEY": "API key value",
    "BASIC": "password",
    "OAUTH_CLIENT_CREDENTIALS": "OAuth client secret",
}


def _ask(question: str) -> str:
    value: str = typer.prompt(question, hide_input=True, confirmation_prompt=True)
    return value


def read_secret(
    what: str,
    *,
    secret_file: Path | None,
    secret_env: str | None,
    env: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    prompt: Prompt = _ask,
) -> str:
    """The secret ``what`` from ``secret_file`` (its first line), the variable
    ``secret_env``, or asked twice at the terminal.

    Raises CliError: both sources given (exit code 2), the file unreadable, the variable
    unset, the value empty, or no source and no terminal."""
    if secret_file is not None and secret_env:
        raise CliError("give --secret-file or --secret-env, not both", exit_code=2)
    if secret_file is not None:
        text = read_text(secret_file, what="secret file", not_text="is not UTF-8 text")
        value = text.splitlines()[0] if text else ""
        origin = f"the secret file {secret_file}"
    elif secret_env:
        environ = os.environ if env is None else env
        if secret_env not in environ:
            raise CliError(f"the environment variable {secret_env} (--secret-env) is unset")
        value = environ[secret_env]
        origin = f"the environment variable {secret_env}"
    else:
        if not (sys.stdin.isatty() if interactive is None else interactive):
            raise CliError(
                f"the {what} is needed and there is no terminal to ask for it: "
                "use --secret-file FILE or --secret-env VARIABLE"
            )
        value = prompt(f"The {what}")
        origin = "the prompt"
    if not value:
        raise CliError(f"the {what} from {origin} is empty")
    return value


def name_values(values: list[str] | None, option: str) -> list[dict[str, Any]]:
    """``KEY=VALUE`` strings as EventBridge's parameter list."""
    out: list[dict[str, Any]] = []
    for raw in values or []:
        key, sep, value = raw.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{raw!r}: give KEY=VALUE", param_hint=option)
        out.append({"Key": key.strip(), "Value": value, "IsValueSecret": False})
    return out


def _parameters(
    headers: list[str] | None, query: list[str] | None, body: list[str] | None, prefix: str
) -> dict[str, Any] | None:
    found = {
        "HeaderParameters": name_values(headers, f"--{prefix}header"),
        "QueryStringParameters": name_values(query, f"--{prefix}query"),
        "BodyParameters": name_values(body, f"--{prefix}body"),
    }
    return found if any(found.values()) else None


def _show(ctx: typer.Context, answer: Any, output: OutputFormat | None) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def create(
    ctx: typer.Context,
    name: NameArgument,
    auth: Annotated[Auth, typer.Option("--auth", help="How to authorize.")],
    api_key_name: Annotated[
        str | None, typer.Option(metavar="HEADER", help="api-key: the header carrying the key.")
    ] = None,
    username: Annotated[str | None, typer.Option(help="basic: the user name.")] = None,
    token_endpoint: Annotated[
        str | None, typer.Option(metavar="URL", help="oauth: the authorization endpoint.")
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="oauth: the client id.")] = None,
    oauth_method: Annotated[
        str, typer.Option(metavar="METHOD", help="oauth: GET, POST or PUT.")
    ] = "POST",
    oauth_header: Pairs = None,
    oauth_query: Pairs = None,
    oauth_body: Pairs = None,
    header: Pairs = None,
    query: Pairs = None,
    body: Pairs = None,
    secret_file: SecretFile = None,
    secret_env: SecretEnv = None,
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    output: OutputOption = None,
) -> None:
    """Create a connection. The secret (API key value, password or client secret) is read
    from --secret-file, --secret-env or a hidden prompt. --header/--query/--body add
    parameters to every invocation; --oauth-header/--oauth-query/--oauth-body to the token
    request (KEY=VALUE, repeatable)."""
    kind = _TYPES[auth]
    secret = read_secret(_SECRET_NAMES[kind], secret_file=secret_file, secret_env=secret_env)
    params: dict[str, Any] = {}
    if auth is Auth.api_key:
        params["ApiKeyAuthParameters"] = {"ApiKeyName": api_key_name, "ApiKeyValue": secret}
    elif auth is Auth.basic:
        params["BasicAuthParameters"] = {"Username": username, "Password": secret}
    else:
        oauth: dict[str, Any] = {
            "AuthorizationEndpoint": token_endpoint,
            "HttpMethod": oauth_method.upper(),
            "ClientParameters": {"ClientID": client_id, "ClientSecret": secret},
        }
        extra = _parameters(oauth_header, oauth_query, oauth_body, "oauth-")
        if extra:
            oauth["OAuthHttpParameters"] = extra
        params["OAuthParameters"] = oauth
    invocation = _parameters(header, query, body, "")
    if invocation:
        params["InvocationHttpParameters"] = invocation
    request: dict[str, Any] = {"Name": name, "AuthorizationType": kind, "AuthParameters": params}
    if description is not None:
        request["Description"] = description
    _show(ctx, state_of(ctx).client(ctx).post(path("connections"), request), output)


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Option(help="Only names starting with this.")] = None,
    output: OutputOption = None,
) -> None:
    """List connections by name."""
    client = state_of(ctx).client(ctx)
    answer = client.get(path("connections"), params={"NamePrefix": prefix})
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    found = answer.get("Connections") or []
    if not found:
        typer.echo("no connections", err=True)
        return
    rows = [
        (
            c.get("Name"),
            c.get("AuthorizationType"),
            c.get("ConnectionState"),
            c.get("ConnectionArn"),
        )
        for c in found
    ]
    console().print(table(("Name", "Authorization", "State", "ARN"), rows, fold=("ARN",)))


@app.command("describe")
def describe_(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Show a connection (never its secrets)."""
    _show(ctx, state_of(ctx).client(ctx).get(path("connections", name)), output)


@app.command()
def update(
    ctx: typer.Context,
    name: NameArgument,
    new_secret: Annotated[
        bool,
        typer.Option(
            "--new-secret",
            help="Replace the secret (from --secret-file, --secret-env or a prompt).",
        ),
    ] = False,
    secret_file: SecretFile = None,
    secret_env: SecretEnv = None,
    description: Annotated[str | None, typer.Option(help="Up to 512 characters.")] = None,
    output: OutputOption = None,
) -> None:
    """Change a connection's description or secret (a new secret forgets a cached OAuth
    token)."""
    client = state_of(ctx).client(ctx)
    request: dict[str, Any] = {}
    if description is not None:
        request["Description"] = description
    if new_secret or secret_file is not None or secret_env:
        kind = client.get(path("connections", name)).get("AuthorizationType", "")
        secret = read_secret(
            _SECRET_NAMES.get(kind, "secret"), secret_file=secret_file, secret_env=secret_env
        )
        request["AuthParameters"] = {
            "API_KEY": {"ApiKeyAuthParameters": {"ApiKeyValue": secret}},
            "BASIC": {"BasicAuthParameters": {"Password": secret}},
            "OAUTH_CLIENT_CREDENTIALS": {
                "OAuthParameters": {"ClientParameters": {"ClientSecret": secret}}
            },
        }.get(kind, {})
    if not request:
        raise CliError("nothing to change: give --description or --new-secret", exit_code=2)
    _show(ctx, client.patch(path("connections", name), request), output)


@app.command()
def delete(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Delete a connection (refused while an API destination uses it)."""
    answer = state_of(ctx).client(ctx).delete(path("connections", name))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"deleted connection {name}")
