"""``certherd ca csr|import-certificate|certificate|issue|revoke|crl``: what a CA signs and
publishes, as PEM or DER files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import ca_path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.files import der_to_pem, read_text, write_file
from certherd.entrypoints.cli.options import CaArn, OutputOption
from certherd.entrypoints.cli.output import emit_json
from certherd.entrypoints.cli.state import state_of

__all__ = ["certificate", "crl", "csr", "import_certificate", "issue", "revoke"]

PCA_REASONS = (
    "UNSPECIFIED, KEY_COMPROMISE, CERTIFICATE_AUTHORITY_COMPROMISE, AFFILIATION_CHANGED, "
    "SUPERSEDED, CESSATION_OF_OPERATION, PRIVILEGE_WITHDRAWN, A_A_COMPROMISE"
)


def crl(
    ctx: typer.Context,
    arn: CaArn,
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the CRL here (default: stdout).")
    ] = None,
    pem: Annotated[bool, typer.Option("--pem", help="PEM instead of DER.")] = False,
    output: OutputOption = None,
) -> None:
    """Get the CA's current CRL (DER, or PEM with --pem).

    With --output json the CRL is written to --out as usual and a JSON object describing it
    is printed (the API answers this call with DER, not JSON).
    """
    der = state_of(ctx).client(ctx).get_bytes(ca_path(arn, "crl"))
    data: str | bytes = der_to_pem(der, "X509 CRL") if pem else der
    if out is not None:
        write_file(out, data)
    if state_of(ctx).json(output):
        emit_json(
            {
                "Crl": der_to_pem(der, "X509 CRL"),
                "Path": str(out) if out else None,
                "Bytes": len(der),
            }
        )
    elif out is not None:
        typer.echo(f"wrote {'PEM' if pem else 'DER'} CRL ({len(der)} bytes DER) to {out}", err=True)
    elif isinstance(data, str):
        typer.echo(data, nl=False)
    elif sys.stdout.isatty():
        raise CliError("the CRL is binary DER: give --out FILE, or --pem to print it")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _pem_out(answer: Any, key: str, out: Path | None, json_: bool) -> None:
    """Write ``answer[key]`` to ``out`` or print it; print the JSON instead with --output json."""
    pem = answer.get(key) or ""
    if out is not None:
        write_file(out, pem)
    if json_:
        emit_json(answer)
    elif out is not None:
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(pem, nl=not pem.endswith("\n"))


def csr(
    ctx: typer.Context,
    arn: CaArn,
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the CSR here (default: stdout).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Get the CSR of a CA waiting for its certificate (PENDING_CERTIFICATE)."""
    answer = state_of(ctx).client(ctx).get(ca_path(arn, "csr"))
    _pem_out(answer, "Csr", out, state_of(ctx).json(output))


def import_certificate(
    ctx: typer.Context,
    arn: CaArn,
    certificate: Annotated[
        Path,
        typer.Option(dir_okay=False, metavar="FILE", help="The CA's signed certificate (PEM)."),
    ],
    chain: Annotated[
        Path | None,
        typer.Option(dir_okay=False, metavar="FILE", help="Its chain up to the root (PEM)."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Install the signed certificate of a CA made from `ca csr` (it becomes ACTIVE)."""
    body: dict[str, Any] = {"Certificate": read_text(certificate, what="certificate file")}
    if chain is not None:
        body["CertificateChain"] = read_text(chain, what="chain file")
    answer = state_of(ctx).client(ctx).put(ca_path(arn, "certificate"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"{answer.get('Arn', arn)}: {answer.get('Status')}")


def certificate(
    ctx: typer.Context,
    arn: Annotated[
        str,
        typer.Argument(
            help="CA ARN (or id), or the ARN `ca issue` printed for a certificate it issued."
        ),
    ],
    serial: Annotated[
        str | None,
        typer.Option(metavar="HEX", help="Get the certificate the CA issued with this serial."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the certificate here.")
    ] = None,
    chain_out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the chain here.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Get the CA's own certificate and chain, or one it issued (--serial)."""
    marker = "/certificate/"
    if arn.startswith("arn:") and marker in arn and serial is None:
        arn, serial = arn.rsplit(marker, 1)
    location = ca_path(arn, "certificates", serial) if serial else ca_path(arn, "certificate")
    answer = state_of(ctx).client(ctx).get(location)
    if chain_out is not None:
        write_file(chain_out, answer.get("CertificateChain") or "")
    _pem_out(answer, "Certificate", out, state_of(ctx).json(output))


def issue(
    ctx: typer.Context,
    arn: CaArn,
    csr: Annotated[
        Path, typer.Option(dir_okay=False, metavar="FILE", help="The CSR to sign (PEM).")
    ],
    validity_days: Annotated[int, typer.Option(min=1, metavar="DAYS", help="Validity in days.")],
    template: Annotated[
        str | None, typer.Option(metavar="ARN", help="Template ARN (e.g. EndEntityCertificate/V1).")
    ] = None,
    signing_algorithm: Annotated[str | None, typer.Option(help="e.g. SHA256WITHRSA.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Also fetch the issued certificate and write it here."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Sign a CSR directly with the CA (AWS Private CA IssueCertificate); prints its ARN."""
    body: dict[str, Any] = {
        "Csr": read_text(csr, what="CSR file"),
        "ValidityInDays": validity_days,
    }
    if template:
        body["TemplateArn"] = template
    if signing_algorithm:
        body["SigningAlgorithm"] = signing_algorithm
    client = state_of(ctx).client(ctx)
    answer = client.post(ca_path(arn, "issue"), body)
    issued = str(answer.get("CertificateArn", ""))
    if out is not None and "/certificate/" in issued:
        serial = issued.rsplit("/certificate/", 1)[1]
        write_file(out, client.get(ca_path(arn, "certificates", serial))["Certificate"])
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(issued)


def revoke(
    ctx: typer.Context,
    arn: CaArn,
    serial: Annotated[
        str, typer.Option(metavar="HEX", help="Serial number (hex) of the certificate.")
    ],
    reason: Annotated[
        str, typer.Option(metavar="REASON", help=f"One of {PCA_REASONS}.")
    ] = "UNSPECIFIED",
    output: OutputOption = None,
) -> None:
    """Revoke a certificate the CA issued; it is listed on the next CRL."""
    body = {"CertificateSerial": serial, "RevocationReason": reason.upper()}
    state_of(ctx).client(ctx).post(ca_path(arn, "revocations"), body)
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"revoked serial {serial} ({reason.upper()})")
