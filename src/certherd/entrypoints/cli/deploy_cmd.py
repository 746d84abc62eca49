"""``certherd deploy ...``: write certificates where servers read them, reload, verify."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.secrets_input import read_passphrase
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="Deployments: write certificates and keys for a server, reload it, verify, roll back.",
    no_args_is_help=True,
)

KINDS: Final = ("certificate", "chain", "fullchain", "key", "bundle", "pkcs12")
NameArgument = Annotated[str, typer.Argument(help="The deployment's name.")]


def _files(values: list[str]) -> list[dict[str, str]]:
    files = []
    for raw in values:
        kind, sep, name = raw.partition("=")
        if not sep or kind not in KINDS or not name:
            raise typer.BadParameter(
                f"{raw!r}: give KIND=FILENAME with KIND one of {', '.join(KINDS)}",
                param_hint="--file",
            )
        files.append({"Kind": kind, "Name": name})
    return files


def _is_terminal() -> bool:
    return sys.stdin.isatty()


def _prompt_password() -> str:
    value: str = typer.prompt(
        "Password of the PKCS#12 file", hide_input=True, confirmation_prompt=True
    )
    return value


def _runs_table(runs: list[dict[str, Any]]) -> None:
    rows = [
        (
            r["StartedAt"],
            r["Trigger"],
            r["Outcome"],
            r.get("SerialNumber") or "-",
            r.get("Reason") or "",
        )
        for r in runs
    ]
    console().print(
        table(["STARTED", "TRIGGER", "OUTCOME", "SERIAL", "REASON"], rows, fold=["REASON"])
    )


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="1-64 letters, digits, '.', '-' and '_'.")],
    directory: Annotated[Path, typer.Option(help="Absolute destination directory.")],
    file: Annotated[
        list[str],
        typer.Option(
            metavar="KIND=FILENAME",
            help=f"A file to write ({', '.join(KINDS)}); repeatable.",
        ),
    ],
    certificate: Annotated[
        str | None, typer.Option(metavar="ARN", help="Deploy this certificate.")
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option(metavar="KEY=VALUE", help="Deploy every certificate with this tag."),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="User owning the files.")] = None,
    group: Annotated[str | None, typer.Option(help="Group owning the files.")] = None,
    mode: Annotated[str, typer.Option(help="Mode of certificate files (octal).")] = "0644",
    key_mode: Annotated[
        str, typer.Option(help="Mode of key, bundle and PKCS#12 files (octal; never for others).")
    ] = "0600",
    command: Annotated[
        list[str] | None,
        typer.Option(
            "--command",
            metavar="ARG",
            help="The post-deploy command, one --command per argument (no shell).",
        ),
    ] = None,
    command_timeout: Annotated[float, typer.Option(help="Seconds the command may take.")] = 30.0,
    verify_host: Annotated[
        str | None, typer.Option(help="Check the served certificate at this host.")
    ] = None,
    verify_port: Annotated[int, typer.Option(help="Port of --verify-host.")] = 443,
    server_name: Annotated[
        str | None, typer.Option(help="SNI name to ask for (default: the certificate's).")
    ] = None,
    verify_timeout: Annotated[float, typer.Option(help="Seconds to wait for it.")] = 5.0,
    passphrase_file: Annotated[
        Path | None, typer.Option(help="File holding the PKCS#12 password (first line).")
    ] = None,
    passphrase_env: Annotated[
        str | None, typer.Option(metavar="VARIABLE", help="Variable holding the PKCS#12 password.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Create a deployment. The PKCS#12 password comes from --passphrase-file, --passphrase-env
    or a hidden prompt, never from the command line."""
    if (certificate is None) == (tag is None):
        raise typer.BadParameter("give --certificate or --tag (one of them)")
    selector: dict[str, Any]
    if certificate is not None:
        selector = {"CertificateArn": certificate}
    else:
        key, sep, value = (tag or "").partition("=")
        if not key or not sep:
            raise typer.BadParameter(f"{tag!r}: give the tag as KEY=VALUE", param_hint="--tag")
        selector = {"Tag": {"Key": key, "Value": value}}
    files = _files(file)
    body: dict[str, Any] = {
        "Name": name,
        "Selector": selector,
        "Directory": str(directory),
        "Files": files,
        "Mode": mode,
        "KeyMode": key_mode,
        "Command": list(command or []),
        "CommandTimeoutSeconds": command_timeout,
    }
    if owner is not None:
        body["Owner"] = owner
    if group is not None:
        body["Group"] = group
    if verify_host is not None:
        body["Verify"] = {
            "Host": verify_host,
            "Port": verify_port,
            "TimeoutSeconds": verify_timeout,
            **({"ServerName": server_name} if server_name else {}),
        }
    if any(f["Kind"] == "pkcs12" for f in files):
        body["Pkcs12Password"] = read_passphrase(
            passphrase_file=passphrase_file,
            passphrase_env=passphrase_env,
            interactive=_is_terminal(),
            prompt=_prompt_password,
        )
    elif passphrase_file is not None or passphrase_env:
        raise typer.BadParameter("a password is only for a pkcs12 file")
    answer = state_of(ctx).client(ctx).post(path("deployments"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer["DeploymentArn"])


@app.command("list")
def list_(ctx: typer.Context, output: OutputOption = None) -> None:
    """List the deployments."""
    answer = state_of(ctx).client(ctx).get(path("deployments"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    rows = []
    for d in answer["Deployments"]:
        selector = d["Selector"]
        selected = selector.get("CertificateArn") or "tag {Key}={Value}".format(**selector["Tag"])
        rows.append((d["Name"], selected, d["Directory"]))
    console().print(table(["NAME", "SELECTS", "DIRECTORY"], rows, fold=["SELECTS"]))


@app.command("describe")
def describe_(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Show a deployment."""
    answer = state_of(ctx).client(ctx).get(path("deployments", name))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def delete(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Delete a deployment (the deployed files stay where they are)."""
    state_of(ctx).client(ctx).delete(path("deployments", name))
    if state_of(ctx).json(output):
        emit_json({})
    else:
        typer.echo(f"deleted deployment {name}")


@app.command()
def run(
    ctx: typer.Context,
    name: NameArgument,
    certificate: Annotated[
        str | None, typer.Option(metavar="ARN", help="Only this certificate.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Deploy now: write the files, run the post-deploy command, verify. Exits 1 when a
    run failed."""
    body = {"CertificateArn": certificate} if certificate else {}
    answer = state_of(ctx).client(ctx).post(path("deployments", name, "run"), body)
    runs = answer["Runs"]
    if state_of(ctx).json(output):
        emit_json(answer)
    elif runs:
        _runs_table(runs)
    else:
        typer.echo("the deployment selects no certificate")
    failed = [r for r in runs if r["Outcome"] == "FAILED"]
    if failed:
        raise CliError(f"{len(failed)} of {len(runs)} deployment runs failed")


@app.command()
def rollback(ctx: typer.Context, name: NameArgument, output: OutputOption = None) -> None:
    """Put the previous files back and run the post-deploy command. Exits 1 when it failed."""
    answer = state_of(ctx).client(ctx).post(path("deployments", name, "rollback"))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        _runs_table([answer])
    if answer["Outcome"] == "FAILED":
        raise CliError(f"the rollback failed: {answer.get('Reason')}")


@app.command()
def history(
    ctx: typer.Context,
    name: NameArgument,
    max_items: Annotated[int, typer.Option(help="How many runs (1-100).")] = 20,
    output: OutputOption = None,
) -> None:
    """A deployment's runs, newest first."""
    answer = (
        state_of(ctx)
        .client(ctx)
        .get(path("deployments", name, "history"), params={"MaxItems": max_items})
    )
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        _runs_table(answer["Runs"])
