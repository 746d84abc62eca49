"""``/v1/findings``: security findings in the AWS Security Finding Format (ASFF), made by
rules whose target is the account's hub (``arn:<p>:securityhub:<r>:<account>:hub/default``).

Listing and describing answer ASFF documents as Security Hub's GetFindings does; the export
is every matching finding in one ``{"Findings": [...]}`` document. ``PATCH`` sets the
workflow status with a note, as BatchUpdateFindings does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.domain.findings import RecordState, SeverityLabel, WorkflowStatus
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.services.finding_ports import FindingFilter
from certherd.services.findings import MAX_FINDINGS_PAGE

__all__ = ["router"]

router = APIRouter(prefix="/v1/findings", tags=["findings"])

JSON = dict[str, Any]
_ANY = problems(400, 401, 403, 404)


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class WorkflowBody(_Body):
    status: WorkflowStatus


class NoteBody(_Body):
    text: Text = Field(max_length=512)
    updated_by: Text | None = Field(default=None, max_length=512)


class UpdateFindingBody(_Body):
    workflow: WorkflowBody
    note: NoteBody | None = None


class ExportOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)

    findings: list[JSON] = Field(description="ASFF documents, newest first.")


class FindingsOut(ExportOut):
    next_token: str | None = None


def _where(
    workflow_status: WorkflowStatus | None,
    severity: SeverityLabel | None,
    record_state: RecordState | None,
    resource_id: str | None,
    generator_id: str | None,
) -> FindingFilter:
    return FindingFilter(
        workflow_status=workflow_status,
        severity=severity,
        record_state=record_state,
        resource_arn=resource_id or None,
        generator_id=generator_id or None,
    )


WorkflowQuery = Annotated[WorkflowStatus | None, Query(alias="WorkflowStatus")]
SeverityQuery = Annotated[SeverityLabel | None, Query(alias="SeverityLabel")]
RecordQuery = Annotated[RecordState | None, Query(alias="RecordState")]
ResourceQuery = Annotated[Text | None, Query(alias="ResourceId", max_length=2048)]
GeneratorQuery = Annotated[Text | None, Query(alias="GeneratorId", max_length=512)]
_FILTERS = (
    "Filters: `WorkflowStatus` (NEW, NOTIFIED, RESOLVED, SUPPRESSED), `SeverityLabel`, "
    "`RecordState` (ACTIVE, ARCHIVED), `ResourceId` (a certificate ARN), `GeneratorId`."
)


@router.get(
    "",
    response_model=FindingsOut,
    summary="List findings",
    description=f"ASFF documents, newest first, a page at a time. {_FILTERS}",
    responses=_ANY,
)
def list_findings(
    account: AccountDep,
    c: ContainerDep,
    workflow_status: WorkflowQuery = None,
    severity: SeverityQuery = None,
    record_state: RecordQuery = None,
    resource_id: ResourceQuery = None,
    generator_id: GeneratorQuery = None,
    max_items: Annotated[int, Query(alias="MaxItems")] = MAX_FINDINGS_PAGE,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=512)] = None,
) -> JSON:
    page = c.findings.list_findings(
        account=account,
        where=_where(workflow_status, severity, record_state, resource_id, generator_id),
        max_items=max_items,
        next_token=next_token,
    )
    return {
        "Findings": [c.findings.document(f) for f in page.findings],
        "NextToken": page.next_token,
    }


@router.get(
    "/export",
    response_model=ExportOut,
    summary="Export findings as ASFF",
    description=f"Every matching finding in one document, as GetFindings answers. {_FILTERS}",
    responses=_ANY,
)
def export_findings(
    account: AccountDep,
    c: ContainerDep,
    workflow_status: WorkflowQuery = None,
    severity: SeverityQuery = None,
    record_state: RecordQuery = None,
    resource_id: ResourceQuery = None,
    generator_id: GeneratorQuery = None,
) -> JSON:
    where = _where(workflow_status, severity, record_state, resource_id, generator_id)
    return c.findings.export(account=account, where=where)


@router.get(
    "/{finding_id}",
    summary="Describe a finding (ASFF)",
    description="By its id (the last part of its ASFF `Id`).",
    responses=_ANY,
)
def describe_finding(finding_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    return c.findings.document(c.findings.get(account=account, finding_id=finding_id))


@router.patch(
    "/{finding_id}",
    summary="Set a finding's workflow status",
    description="`Workflow.Status` NEW, NOTIFIED, RESOLVED or SUPPRESSED, with an optional "
    "`Note` (`Text`, `UpdatedBy`; up to 512 characters each). Answers the finding.",
    responses=_ANY,
)
def update_finding(
    finding_id: str, body: UpdateFindingBody, account: AccountDep, c: ContainerDep
) -> JSON:
    note = body.note
    [finding] = c.findings.update_workflow(
        account=account,
        finding_ids=[finding_id],
        status=body.workflow.status,
        note=None if note is None else note.text,
        updated_by=(note.updated_by if note is not None and note.updated_by else "certherd"),
    )
    return c.findings.document(finding)
