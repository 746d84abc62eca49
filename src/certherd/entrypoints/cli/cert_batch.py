"""``certherd cert request-batch``: many private certificates in one call, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import ApiClient, authority_arn, path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.files import read_text
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import emit_json
from certherd.entrypoints.cli.state import state_of

__all__ = ["REQUEST_BATCH_HELP", "read_entries", "request_batch"]

REQUEST_BATCH_HELP = """Request many private certificates at once; prints their ARNs in order.

FILE holds JSON: a list of entries, or {"Entries": [...]}. Each entry has the fields of
`POST /v1/certificates`: DomainName, CertificateAuthorityArn (ARN or id; --ca gives the
default), SubjectAlternativeNames, KeyAlgorithm, ValidityInDays, IdempotencyToken, Tags
([{"Key": ..., "Value": ...}]). Up to 1,000 entries. All or nothing: if any entry is
refused, no certificate is issued and the error names the entry (Entries[3].DomainName).
"""

_CA_FIELD = "CertificateAuthorityArn"


def read_entries(file: Path) -> list[dict[str, Any]]:
    """The entries of a batch file (``[...]`` or ``{"Entries": [...]}``).

    Raises CliError when the file cannot be read, is not JSON, or is not a list of
    objects; what each entry holds is the server's to check.
    """
    text = read_text(file, what="batch file", not_text="is not text (JSON expected)")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CliError(f"batch file {file} is not valid JSON: {exc}") from None
    if isinstance(document, dict) and set(document) == {"Entries"}:
        document = document["Entries"]
    if not isinstance(document, list):
        raise CliError(
            f'batch file {file} must hold a JSON list of entries or {{"Entries": [...]}}'
        )
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise CliError(f"batch file {file}: entry {index} is not a JSON object")
    return document


def _with_authorities(
    client: ApiClient, entries: list[dict[str, Any]], default_ca: str | None
) -> list[dict[str, Any]]:
    """Entries whose CA is a full ARN: ``default_ca`` where none is named, ids looked up."""
    resolved: dict[str, str] = {}
    out = []
    for index, item in enumerate(entries):
        value = item.get(_CA_FIELD, default_ca)
        if value is None:
            raise CliError(f"entry {index} names no {_CA_FIELD}; give one or use --ca")
        if isinstance(value, str):
            if value not in resolved:
                resolved[value] = authority_arn(client, value)
            value = resolved[value]
        out.append({**item, _CA_FIELD: value})
    return out


def request_batch(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Option(
            "--file", dir_okay=False, metavar="FILE", help="The entries (JSON, see above)."
        ),
    ],
    ca: Annotated[
        str | None,
        typer.Option("--ca", metavar="ARN", help="CA (ARN or id) of the entries that name none."),
    ] = None,
    output: OutputOption = None,
) -> None:
    entries = read_entries(file)
    client = state_of(ctx).client(ctx)
    body = {"Entries": _with_authorities(client, entries, ca)}
    answer = client.post(path("certificates", "batch"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        for arn in (answer or {}).get("CertificateArns", []):
            typer.echo(arn)
