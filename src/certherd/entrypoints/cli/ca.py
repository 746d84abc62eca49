"""``certherd ca ...``: private certificate authorities (AWS Private CA semantics)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli import ca_signing
from certherd.entrypoints.cli.ca_access import permission_app, tag_app
from certherd.entrypoints.cli.client import authority_arn, ca_path, path
from certherd.entrypoints.cli.options import CaArn, OutputOption, TagOption, parse_tags
from certherd.entrypoints.cli.output import (
    EXPIRY_HELP,
    authority_table,
    console,
    describe,
    emit_json,
)
from certherd.entrypoints.cli.state import state_of

app = typer.Typer(
    help="Private certificate authorities: create, sign, revoke, publish CRLs.",
    no_args_is_help=True,
)


class CaType(StrEnum):
    ROOT = "ROOT"
    SUBORDINATE = "SUBORDINATE"


class CaKeyAlgorithm(StrEnum):
    RSA_2048 = "RSA_2048"
    RSA_3072 = "RSA_3072"
    RSA_4096 = "RSA_4096"
    EC_prime256v1 = "EC_prime256v1"
    EC_secp384r1 = "EC_secp384r1"


def _show_ca(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def create(
    ctx: typer.Context,
    common_name: Annotated[str, typer.Option(help="Subject CommonName of the CA.")],
    ca_type: Annotated[CaType, typer.Option("--type", help="ROOT or SUBORDINATE.")] = CaType.ROOT,
    key_algorithm: Annotated[
        CaKeyAlgorithm, typer.Option(help="Key algorithm of the CA's key.")
    ] = CaKeyAlgorithm.RSA_2048,
    signing_algorithm: Annotated[
        str | None, typer.Option(help="e.g. SHA256WITHRSA, SHA384WITHECDSA.")
    ] = None,
    organization: Annotated[str | None, typer.Option(help="Subject Organization.")] = None,
    organizational_unit: Annotated[str | None, typer.Option(help="Subject OU.")] = None,
    country: Annotated[str | None, typer.Option(help="Subject Country (2 letters).")] = None,
    state: Annotated[str | None, typer.Option(help="Subject State or province.")] = None,
    locality: Annotated[str | None, typer.Option(help="Subject Locality.")] = None,
    validity_days: Annotated[
        int | None, typer.Option(min=1, metavar="DAYS", help="Validity in days.")
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(
            metavar="ARN",
            help="ARN (or id) of the CA that signs this SUBORDINATE CA. Without it a "
            "subordinate waits in PENDING_CERTIFICATE for `ca import-certificate`.",
        ),
    ] = None,
    path_length: Annotated[int | None, typer.Option(min=0, help="Path length constraint.")] = None,
    crl: Annotated[
        bool | None, typer.Option("--crl/--no-crl", help="Publish a CRL (server default: on).")
    ] = None,
    crl_days: Annotated[
        int | None,
        typer.Option(min=1, metavar="DAYS", help="Days each published CRL is valid for."),
    ] = None,
    no_certificate_manager_permission: Annotated[
        bool,
        typer.Option(
            "--no-certificate-manager-permission",
            help="Do not let the certificate manager issue and renew through this CA.",
        ),
    ] = False,
    tag: TagOption = None,
    output: OutputOption = None,
) -> None:
    """Create a certificate authority (a ROOT is self-signed and ACTIVE at once)."""
    client = state_of(ctx).client(ctx)
    subject = {
        "CommonName": common_name,
        "Organization": organization,
        "OrganizationalUnit": organizational_unit,
        "Country": country,
        "State": state,
        "Locality": locality,
    }
    body: dict[str, Any] = {
        "Type": ca_type.value,
        "KeyAlgorithm": key_algorithm.value,
        "Subject": {key: value for key, value in subject.items() if value is not None},
    }
    if signing_algorithm:
        body["SigningAlgorithm"] = signing_algorithm
    if validity_days is not None:
        body["ValidityInDays"] = validity_days
    if parent:
        body["ParentArn"] = authority_arn(client, parent)
    if path_length is not None:
        body["PathLength"] = path_length
    if crl is not None or crl_days is not None:
        configuration: dict[str, Any] = {"Enabled": True if crl is None else crl}
        if crl_days is not None:
            configuration["ExpirationInDays"] = crl_days
        body["RevocationConfiguration"] = {"CrlConfiguration": configuration}
    if no_certificate_manager_permission:
        body["AllowCertificateManager"] = False
    tags = parse_tags(tag)
    if tags:
        body["Tags"] = tags
    _show_ca(ctx, client.post(path("certificate-authorities"), body), output)


@app.command("list", help=f"List certificate authorities. {EXPIRY_HELP}")
def list_(ctx: typer.Context, output: OutputOption = None) -> None:
    answer = state_of(ctx).client(ctx).get(path("certificate-authorities"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    authorities = answer.get("CertificateAuthorities") or []
    if not authorities:
        typer.echo("no certificate authorities", err=True)
        return
    console().print(authority_table(authorities, datetime.now(UTC)))


@app.command("describe")
def describe_(ctx: typer.Context, arn: CaArn, output: OutputOption = None) -> None:
    """Show one certificate authority."""
    _show_ca(ctx, state_of(ctx).client(ctx).get(ca_path(arn)), output)


def _set_status(ctx: typer.Context, arn: str, status: str, output: OutputOption) -> None:
    answer = state_of(ctx).client(ctx).patch(ca_path(arn), {"Status": status})
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"{answer.get('Arn', arn)}: {answer.get('Status', status)}")


@app.command()
def disable(ctx: typer.Context, arn: CaArn, output: OutputOption = None) -> None:
    """Stop a CA from issuing (DISABLED); `ca enable` undoes it."""
    _set_status(ctx, arn, "DISABLED", output)


@app.command()
def enable(ctx: typer.Context, arn: CaArn, output: OutputOption = None) -> None:
    """Let a DISABLED CA issue again (ACTIVE)."""
    _set_status(ctx, arn, "ACTIVE", output)


@app.command()
def delete(
    ctx: typer.Context,
    arn: CaArn,
    permanent_deletion_days: Annotated[
        int | None,
        typer.Option(
            min=7, max=30, metavar="DAYS", help="Days the CA stays restorable (default 30)."
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Delete a CA; it stays restorable (`ca restore`) for 7 to 30 days."""
    answer = (
        state_of(ctx)
        .client(ctx)
        .delete(ca_path(arn), params={"PermanentDeletionTimeInDays": permanent_deletion_days})
    )
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        until = answer.get("RestorableUntil") or "-"
        typer.echo(f"{answer.get('Arn', arn)}: {answer.get('Status')} (restorable until {until})")


@app.command()
def restore(ctx: typer.Context, arn: CaArn, output: OutputOption = None) -> None:
    """Restore a deleted CA while it is restorable."""
    answer = state_of(ctx).client(ctx).post(ca_path(arn, "restore"))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"{answer.get('Arn', arn)}: {answer.get('Status')}")


app.command("csr")(ca_signing.csr)
app.command("import-certificate")(ca_signing.import_certificate)
app.command("certificate")(ca_signing.certificate)
app.command("issue")(ca_signing.issue)
app.command("revoke")(ca_signing.revoke)
app.command("crl")(ca_signing.crl)
app.add_typer(permission_app, name="permission")
app.add_typer(tag_app, name="tag")
