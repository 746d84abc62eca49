"""Security findings in the AWS Security Finding Format (ASFF), as Security Hub keeps them.

A finding is what one *generator* (a kind of event, see
:mod:`certherd.domain.finding_events`) says about one *resource*: there is at most one per
(account, generator, resource), and its id is derived from those three
(:func:`finding_id`), so a later event of the same kind updates it instead of adding
another. What the event says (Types, Title, Description, Severity, Resources, Remediation,
ProductFields) is kept as the finding's ``body``; the investigation state (Workflow.Status,
RecordState, Note) and the times are kept beside it, and :func:`asff_document` puts both
together in ASFF (SchemaVersion ``2018-10-08``).

Workflow and record state follow Security Hub:

* A new finding is ``NEW`` and ``ACTIVE``.
* A later observation updates it (LastObservedAt, UpdatedAt, what the event says). A
  finding that was ``RESOLVED``, or ``ARCHIVED``, is reopened as ``NEW``/``ACTIVE`` (Security
  Hub resets NOTIFIED and RESOLVED to NEW when the record goes from ARCHIVED to ACTIVE);
  ``SUPPRESSED`` stays suppressed. An observation no later than the last one, or no later
  than the resolution of a resolved finding, changes nothing: redelivered, replayed and
  late events cannot reopen what was fixed after them.
* When the certificate is renewed or replaced, its ``NEW`` and ``NOTIFIED`` findings become
  ``RESOLVED`` and stay ``ACTIVE`` (the record is still current: it says the problem was
  fixed). When the certificate is deleted its findings are also ``ARCHIVED`` (the resource
  is gone), as a finding provider archives findings that no longer apply.
* A person may set any workflow status, with a note (BatchUpdateFindings).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from certherd.domain.acm_events import format_time

__all__ = [
    "CERTHERD",
    "NORMALIZED",
    "SCHEMA_VERSION",
    "Finding",
    "Note",
    "Observation",
    "RecordState",
    "SeverityLabel",
    "WorkflowStatus",
    "asff_document",
    "finding_asff_id",
    "finding_id",
    "observe",
    "product_arn",
    "resolve",
    "set_workflow",
]

SCHEMA_VERSION: Final = "2018-10-08"
#: Who certherd's own notes are from.
CERTHERD: Final = "certherd"

_IDS: Final = uuid.UUID("2d7e1f0a-5b3c-4e8d-9f61-7a0c4b2e8d13")


class WorkflowStatus(StrEnum):
    NEW = "NEW"
    NOTIFIED = "NOTIFIED"
    RESOLVED = "RESOLVED"
    SUPPRESSED = "SUPPRESSED"


class RecordState(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class SeverityLabel(StrEnum):
    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


#: Severity.Normalized for each label, as Security Hub fills it in from the label.
NORMALIZED: Final[Mapping[SeverityLabel, int]] = {
    SeverityLabel.INFORMATIONAL: 0,
    SeverityLabel.LOW: 1,
    SeverityLabel.MEDIUM: 40,
    SeverityLabel.HIGH: 70,
    SeverityLabel.CRITICAL: 90,
}

#: What resolving leaves alone: a suppressed finding was judged to need no action.
_OPEN: Final = frozenset({WorkflowStatus.NEW, WorkflowStatus.NOTIFIED})


@dataclass(frozen=True)
class Note:
    """A finding's note (ASFF ``Note``): text, who wrote it, when."""

    text: str
    updated_by: str
    updated_at: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "Text": self.text,
            "UpdatedBy": self.updated_by,
            "UpdatedAt": format_time(self.updated_at),
        }


@dataclass(frozen=True)
class Observation:
    """What one event says about one resource: the body of its finding, and when.

    ``body`` holds the ASFF fields the event decides (Types, Title, Description, Severity,
    Resources, Remediation, ProductFields).
    """

    generator_id: str
    resource_arn: str
    severity: SeverityLabel
    title: str
    body: Mapping[str, Any]
    observed_at: datetime


@dataclass(frozen=True)
class Finding:
    id: str
    account: str
    generator_id: str
    resource_arn: str
    severity: SeverityLabel
    title: str
    workflow_status: WorkflowStatus
    record_state: RecordState
    body: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime
    first_observed_at: datetime
    last_observed_at: datetime
    note: Note | None = None

    @property
    def open(self) -> bool:
        """Active and waiting for someone (NEW or NOTIFIED)."""
        return self.record_state is RecordState.ACTIVE and self.workflow_status in _OPEN


def finding_id(account: str, generator_id: str, resource_arn: str) -> str:
    """The id of the one finding of ``generator_id`` about ``resource_arn`` in ``account``
    (a v5 UUID of the three)."""
    return str(uuid.uuid5(_IDS, f"{account}\n{generator_id}\n{resource_arn}"))


def product_arn(*, partition: str, region: str, account: str) -> str:
    """The ProductArn of findings an account imports itself (Security Hub's custom product)."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def finding_asff_id(*, partition: str, region: str, account: str, id: str) -> str:
    """The ASFF ``Id`` of finding ``id``."""
    return f"arn:{partition}:securityhub:{region}:{account}:finding/{id}"


def observe(
    existing: Finding | None,
    observation: Observation,
    *,
    account: str,
    now: datetime,
    resolved_by: Note | None = None,
) -> Finding | None:
    """The finding after ``observation`` at ``now``, or None when it changes nothing (see the
    module docstring). ``resolved_by`` makes a new finding start RESOLVED with that note
    (the event was already out of date when it arrived)."""
    if existing is None:
        return Finding(
            id=finding_id(account, observation.generator_id, observation.resource_arn),
            account=account,
            generator_id=observation.generator_id,
            resource_arn=observation.resource_arn,
            severity=observation.severity,
            title=observation.title,
            workflow_status=WorkflowStatus.NEW if resolved_by is None else WorkflowStatus.RESOLVED,
            record_state=RecordState.ACTIVE,
            body=observation.body,
            created_at=now,
            updated_at=now,
            first_observed_at=observation.observed_at,
            last_observed_at=observation.observed_at,
            note=resolved_by,
        )
    if observation.observed_at <= existing.last_observed_at:
        return None
    closed = (
        existing.workflow_status is WorkflowStatus.RESOLVED
        or existing.record_state is RecordState.ARCHIVED
    )
    if closed and observation.observed_at <= existing.updated_at:
        return None  # seen before the fix: old news
    status = existing.workflow_status
    if status is not WorkflowStatus.SUPPRESSED and (
        status is WorkflowStatus.RESOLVED or existing.record_state is RecordState.ARCHIVED
    ):
        status = WorkflowStatus.NEW
    return replace(
        existing,
        severity=observation.severity,
        title=observation.title,
        body=observation.body,
        workflow_status=status,
        record_state=RecordState.ACTIVE,
        updated_at=now,
        last_observed_at=observation.observed_at,
    )


def resolve(finding: Finding, *, reason: str, now: datetime, archive: bool) -> Finding | None:
    """``finding`` resolved at ``now`` because of ``reason`` (NEW and NOTIFIED become
    RESOLVED; with ``archive`` the record is ARCHIVED as well); None when nothing changes."""
    status = WorkflowStatus.RESOLVED if finding.open else finding.workflow_status
    state = RecordState.ARCHIVED if archive else finding.record_state
    if (status, state) == (finding.workflow_status, finding.record_state):
        return None
    return replace(
        finding,
        workflow_status=status,
        record_state=state,
        updated_at=now,
        note=Note(reason, CERTHERD, now),
    )


def set_workflow(
    finding: Finding, status: WorkflowStatus, *, note: Note | None, now: datetime
) -> Finding:
    """``finding`` with the workflow status a person set (and their note, if any)."""
    return replace(
        finding,
        workflow_status=status,
        updated_at=now,
        note=note if note is not None else finding.note,
    )


def asff_document(finding: Finding, *, partition: str, region: str) -> dict[str, Any]:
    """``finding`` in ASFF, as Security Hub's GetFindings answers it."""
    document: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_asff_id(
            partition=partition, region=region, account=finding.account, id=finding.id
        ),
        "ProductArn": product_arn(partition=partition, region=region, account=finding.account),
        "GeneratorId": finding.generator_id,
        "AwsAccountId": finding.account,
        "Region": region,
        "CreatedAt": format_time(finding.created_at),
        "UpdatedAt": format_time(finding.updated_at),
        "FirstObservedAt": format_time(finding.first_observed_at),
        "LastObservedAt": format_time(finding.last_observed_at),
        **finding.body,
        "Workflow": {"Status": finding.workflow_status.value},
        "RecordState": finding.record_state.value,
    }
    if finding.note is not None:
        document["Note"] = finding.note.to_json()
    return document
