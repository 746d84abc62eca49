"""``certherd findings ...``: security findings (ASFF) raised by rules targeting the hub."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="Findings: what rules sent to the account's hub, in AWS Security Finding Format.",
    no_args_is_help=True,
)


class StatusChoice(StrEnum):
    NEW = "NEW"
    NOTIFIED = "NOTIFIED"
    RESOLVED = "RESOLVED"
    SUPPRESSED = "SUPPRESSED"


class SeverityChoice(StrEnum):
    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class RecordChoice(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


FindingId = Annotated[str, typer.Argument(help="The finding's id, or its whole ASFF Id.")]
StatusOption = Annotated[
    StatusChoice | None, typer.Option(case_sensitive=False, help="Only this workflow status.")
]
SeverityOption = Annotated[
    SeverityChoice | None, typer.Option(case_sensitive=False, help="Only this severity.")
]
RecordOption = Annotated[
    RecordChoice | None, typer.Option(case_sensitive=False, help="Only this record state.")
]
ResourceOption = Annotated[
    str | None, typer.Option(metavar="ARN", help="Only findings about this certificate.")
]


def finding_key(value: str) -> str:
    """The id in the path of a finding: an ASFF Id's last part, or ``value`` itself."""
    text = value.strip()
    return text.rsplit("finding/", 1)[-1] if text.startswith("arn:") else text


def _filters(
    status: StatusChoice | None,
    severity: SeverityChoice | None,
    record_state: RecordChoice | None,
    resource: str | None,
) -> dict[str, str | None]:
    return {
        "WorkflowStatus": None if status is None else status.value,
        "SeverityLabel": None if severity is None else severity.value,
        "RecordState": None if record_state is None else record_state.value,
        "ResourceId": resource,
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    status: StatusOption = None,
    severity: SeverityOption = None,
    record_state: RecordOption = None,
    resource: ResourceOption = None,
    output: OutputOption = None,
) -> None:
    """List findings, newest first (every page)."""
    client = state_of(ctx).client(ctx)
    params: dict[str, Any] = _filters(status, severity, record_state, resource)
    found: list[Any] = []
    token: str | None = None
    while True:
        answer = client.get(path("findings"), params={**params, "NextToken": token})
        found += answer.get("Findings", [])
        token = answer.get("NextToken")
        if not token:
            break
    if state_of(ctx).json(output):
        emit_json({"Findings": found})
        return
    rows = [
        (
            finding_key(str(f.get("Id", ""))),
            (f.get("Severity") or {}).get("Label"),
            (f.get("Workflow") or {}).get("Status"),
            f.get("RecordState"),
            f.get("UpdatedAt"),
            f.get("Title"),
            ", ".join(str(r.get("Id")) for r in f.get("Resources", [])),
        )
        for f in found
    ]
    headers = ("Id", "Severity", "Workflow", "Record", "Updated", "Title", "Resource")
    console().print(table(headers, rows, fold=("Title", "Resource")))


@app.command("describe")
def describe_(ctx: typer.Context, finding: FindingId, output: OutputOption = None) -> None:
    """Show one finding (its ASFF document)."""
    answer = state_of(ctx).client(ctx).get(path("findings", finding_key(finding)))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def export(
    ctx: typer.Context,
    output_file: Annotated[
        Path | None,
        typer.Option("--output-file", "-f", help="Write the document here, not to stdout."),
    ] = None,
    status: StatusOption = None,
    severity: SeverityOption = None,
    record_state: RecordOption = None,
    resource: ResourceOption = None,
) -> None:
    """Export findings as ASFF JSON (``{"Findings": [...]}``, as GetFindings answers)."""
    params = _filters(status, severity, record_state, resource)
    answer = state_of(ctx).client(ctx).get(path("findings", "export"), params=params)
    if output_file is None:
        emit_json(answer)
        return
    try:
        output_file.write_text(json.dumps(answer, indent=2) + "\n")
    except OSError as exc:
        raise CliError(f"cannot write {output_file}: {exc.strerror}") from None
    typer.echo(f"exported {len(answer.get('Findings', []))} finding(s) to {output_file}")


@app.command()
def update(
    ctx: typer.Context,
    finding: FindingId,
    status: Annotated[
        StatusChoice,
        typer.Option("--status", "-s", case_sensitive=False, help="The new workflow status."),
    ],
    note: Annotated[str | None, typer.Option(help="Why (up to 512 characters).")] = None,
    updated_by: Annotated[
        str | None, typer.Option(help="Who sets it (the note's UpdatedBy).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Set a finding's workflow status (NEW, NOTIFIED, RESOLVED, SUPPRESSED), with a note."""
    body: dict[str, Any] = {"Workflow": {"Status": status.value}}
    if note is not None:
        body["Note"] = {"Text": note}
        if updated_by is not None:
            body["Note"]["UpdatedBy"] = updated_by
    elif updated_by is not None:
        raise CliError("--updated-by goes with --note", exit_code=2)
    answer = state_of(ctx).client(ctx).patch(path("findings", finding_key(finding)), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"finding {finding_key(finding)} is {status.value}")
