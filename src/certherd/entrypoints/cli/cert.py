"""``certherd cert ...``: certificates (AWS Certificate Manager semantics)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli import cert_batch, cert_list
from certherd.entrypoints.cli.cert_access import in_use_app, tag_app
from certherd.entrypoints.cli.client import authority_arn, cert_path, path, resource_id
from certherd.entrypoints.cli.files import read_text, write_file
from certherd.entrypoints.cli.options import CertificateArn, OutputOption, TagOption, parse_tags
from certherd.entrypoints.cli.output import (
    console,
    describe,
    emit_json,
    event_history_table,
    table,
)
from certherd.entrypoints.cli.secrets_input import read_passphrase
from certherd.entrypoints.cli.state import state_of

app = typer.Typer(
    help="Certificates: request, import, list, export, renew, revoke.", no_args_is_help=True
)
app.command("list", help=cert_list.LIST_HELP)(cert_list.list_)
app.command("count")(cert_list.count)
app.command("request-batch", help=cert_batch.REQUEST_BATCH_HELP)(cert_batch.request_batch)
app.add_typer(tag_app, name="tag")
app.add_typer(in_use_app, name="in-use-by")

ACM_REASONS = (
    "UNSPECIFIED, KEY_COMPROMISE, CA_COMPROMISE, AFFILIATION_CHANGED, SUPERSEDED, "
    "CESSATION_OF_OPERATION, CERTIFICATE_HOLD, REMOVE_FROM_CRL, PRIVILEGE_WITHDRAWN, "
    "A_A_COMPROMISE"
)


class KeyAlgorithm(StrEnum):
    RSA_2048 = "RSA_2048"
    EC_prime256v1 = "EC_prime256v1"
    EC_secp384r1 = "EC_secp384r1"


def _print_arn(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("CertificateArn", ""))


@app.command()
def request(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="The DomainName (subject CN and first SAN).")],
    ca: Annotated[
        str, typer.Option("--ca", metavar="ARN", help="ARN (or id) of the issuing private CA.")
    ],
    san: Annotated[
        list[str] | None,
        typer.Option("--san", metavar="NAME", help="A further subject alternative name."),
    ] = None,
    key_algorithm: Annotated[
        KeyAlgorithm | None, typer.Option(help="Key algorithm (server default RSA_2048).")
    ] = None,
    validity_days: Annotated[
        int | None,
        typer.Option(min=1, metavar="DAYS", help="Validity in days (server default 395)."),
    ] = None,
    idempotency_token: Annotated[
        str | None,
        typer.Option(
            metavar="TOKEN", help="Repeat a request safely: the same token, the same ARN."
        ),
    ] = None,
    tag: TagOption = None,
    output: OutputOption = None,
) -> None:
    """Request a private certificate from one of our CAs; prints its ARN."""
    client = state_of(ctx).client(ctx)
    body: dict[str, Any] = {
        "DomainName": domain,
        "CertificateAuthorityArn": authority_arn(client, ca),
    }
    if san:
        body["SubjectAlternativeNames"] = san
    if key_algorithm is not None:
        body["KeyAlgorithm"] = key_algorithm.value
    if validity_days is not None:
        body["ValidityInDays"] = validity_days
    if idempotency_token:
        body["IdempotencyToken"] = idempotency_token
    tags = parse_tags(tag)
    if tags:
        body["Tags"] = tags
    _print_arn(ctx, client.post(path("certificates"), body), output)


@app.command("import")
def import_(
    ctx: typer.Context,
    certificate: Annotated[
        Path, typer.Option(dir_okay=False, metavar="FILE", help="The certificate (PEM).")
    ],
    private_key: Annotated[
        Path,
        typer.Option(dir_okay=False, metavar="FILE", help="Its private key (PEM, unencrypted)."),
    ],
    chain: Annotated[
        Path | None, typer.Option(dir_okay=False, metavar="FILE", help="The chain (PEM).")
    ] = None,
    arn: Annotated[
        str | None,
        typer.Option(
            "--arn", metavar="ARN", help="Re-import over this certificate (a new version)."
        ),
    ] = None,
    tag: TagOption = None,
    output: OutputOption = None,
) -> None:
    """Import a certificate with its key; prints its ARN."""
    body: dict[str, Any] = {
        "Certificate": read_text(certificate, what="certificate file"),
        "PrivateKey": read_text(private_key, what="private key file"),
    }
    if chain is not None:
        body["CertificateChain"] = read_text(chain, what="chain file")
    if arn:
        resource_id(arn, kind="certificate")  # a usage error before anything is sent
        body["CertificateArn"] = arn
    tags = parse_tags(tag)
    if tags:
        body["Tags"] = tags
    _print_arn(ctx, state_of(ctx).client(ctx).post(path("certificates", "import"), body), output)


@app.command("describe")
def describe_(ctx: typer.Context, arn: CertificateArn, output: OutputOption = None) -> None:
    """Show one certificate, and its latest events (newest first)."""
    client = state_of(ctx).client(ctx)
    answer = client.get(cert_path(arn))
    detail = answer.get("Certificate") or {}
    history = client.get(
        path("events"), params={"resource": detail.get("CertificateArn", arn), "max-items": 20}
    )
    events = history.get("Events") or []
    if state_of(ctx).json(output):
        emit_json({**answer, "Events": events})
        return
    console().print(describe(detail))
    if events:
        console().print()
        console().print(event_history_table(events))


@app.command()
def get(
    ctx: typer.Context,
    arn: CertificateArn,
    version: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="An earlier version (default: current).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the certificate here.")
    ] = None,
    chain_out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the chain here.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Get the certificate and chain (PEM); printed unless written with --out/--chain-out."""
    answer = state_of(ctx).client(ctx).get(cert_path(arn, "pem"), params={"version": version})
    certificate, chain = answer.get("Certificate") or "", answer.get("CertificateChain") or ""
    if out is not None:
        write_file(out, certificate)
    if chain_out is not None:
        write_file(chain_out, chain)
    if state_of(ctx).json(output):
        emit_json(answer)
    elif out is None and chain_out is None:
        typer.echo(certificate + chain, nl=False)
    else:
        written = ", ".join(str(p) for p in (out, chain_out) if p is not None)
        typer.echo(f"wrote {written}", err=True)


@app.command()
def export(
    ctx: typer.Context,
    arn: CertificateArn,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            metavar="DIR",
            help="Write cert.pem, chain.pem and key.pem (0600) here. Needed unless --output json.",
        ),
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(dir_okay=False, metavar="FILE", help="Read the passphrase from this file."),
    ] = None,
    passphrase_env: Annotated[
        str | None,
        typer.Option(metavar="VARIABLE", help="Read the passphrase from this variable."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Export a private certificate with its key, encrypted (PKCS#8) under a passphrase.

    The passphrase comes from --passphrase-file, --passphrase-env or a hidden prompt (asked
    twice); never from the command line.
    """
    json_output = state_of(ctx).json(output)
    if out_dir is None and not json_output:
        raise typer.BadParameter("give a directory to write to", param_hint="--out-dir")
    if out_dir is not None and not out_dir.is_dir():
        raise typer.BadParameter(f"{out_dir} is not a directory", param_hint="--out-dir")
    passphrase = read_passphrase(passphrase_file=passphrase_file, passphrase_env=passphrase_env)
    answer = state_of(ctx).client(ctx).post(cert_path(arn, "export"), {"Passphrase": passphrase})
    if out_dir is not None:
        write_file(out_dir / "cert.pem", answer.get("Certificate") or "")
        write_file(out_dir / "chain.pem", answer.get("CertificateChain") or "")
        write_file(out_dir / "key.pem", answer.get("PrivateKey") or "", private=True)
    if json_output:
        emit_json(answer)
    else:
        typer.echo(f"wrote cert.pem, chain.pem and key.pem (encrypted PKCS#8, 0600) to {out_dir}")


@app.command()
def renew(ctx: typer.Context, arn: CertificateArn, output: OutputOption = None) -> None:
    """Renew a private certificate now (a new version under the same ARN)."""
    answer = state_of(ctx).client(ctx).post(cert_path(arn, "renew"))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer.get("Certificate") or {}))


@app.command()
def revoke(
    ctx: typer.Context,
    arn: CertificateArn,
    reason: Annotated[str, typer.Option(metavar="REASON", help=f"One of {ACM_REASONS}.")],
    output: OutputOption = None,
) -> None:
    """Revoke a private certificate; its CA lists it on the next CRL."""
    body = {"RevocationReason": reason.upper()}
    answer = state_of(ctx).client(ctx).post(cert_path(arn, "revoke"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"revoked {answer.get('CertificateArn', arn)} ({reason.upper()})")


@app.command()
def delete(ctx: typer.Context, arn: CertificateArn, output: OutputOption = None) -> None:
    """Delete a certificate (refused while it is in use)."""
    state_of(ctx).client(ctx).delete(cert_path(arn))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"deleted {arn}")


@app.command()
def versions(ctx: typer.Context, arn: CertificateArn, output: OutputOption = None) -> None:
    """List a certificate's versions (issuance, renewals, re-imports)."""
    answer = state_of(ctx).client(ctx).get(cert_path(arn, "versions"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    columns = ("Version", "Action", "Serial", "NotBefore", "NotAfter", "CreatedAt", "Exported")
    rows = [[item.get(column) for column in columns] for item in answer.get("Versions") or []]
    console().print(table(columns, rows, fold=("Serial",)))
