"""Security findings on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.finding_tables import findings
from certherd.adapters.db.integrity import conflict_on_duplicate, require_one
from certherd.domain.findings import (
    Finding,
    Note,
    RecordState,
    SeverityLabel,
    WorkflowStatus,
)
from certherd.services.finding_ports import FindingFilter

__all__ = ["SqlFindingRepository"]


def _note(note: Note | None) -> dict[str, str] | None:
    if note is None:
        return None
    return {
        "Text": note.text,
        "UpdatedBy": note.updated_by,
        "UpdatedAt": note.updated_at.isoformat(),
    }


def _values(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "account": finding.account,
        "generator_id": finding.generator_id,
        "resource_arn": finding.resource_arn,
        "severity": finding.severity.value,
        "title": finding.title,
        "workflow_status": finding.workflow_status.value,
        "record_state": finding.record_state.value,
        "body": dict(finding.body),
        "note": _note(finding.note),
        "created_at": finding.created_at,
        "updated_at": finding.updated_at,
        "first_observed_at": finding.first_observed_at,
        "last_observed_at": finding.last_observed_at,
    }


def _finding(row: sa.Row[Any]) -> Finding:
    note = row.note
    return Finding(
        id=row.id,
        account=row.account,
        generator_id=row.generator_id,
        resource_arn=row.resource_arn,
        severity=SeverityLabel(row.severity),
        title=row.title,
        workflow_status=WorkflowStatus(row.workflow_status),
        record_state=RecordState(row.record_state),
        body=row.body,
        created_at=row.created_at,
        updated_at=row.updated_at,
        first_observed_at=row.first_observed_at,
        last_observed_at=row.last_observed_at,
        note=None
        if note is None
        else Note(note["Text"], note["UpdatedBy"], datetime.fromisoformat(note["UpdatedAt"])),
    )


class SqlFindingRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def get(self, account: str, finding_id: str) -> Finding | None:
        row = self._c.execute(
            sa.select(findings).where(findings.c.account == account, findings.c.id == finding_id)
        ).first()
        return None if row is None else _finding(row)

    def add(self, finding: Finding) -> None:
        with conflict_on_duplicate(f"finding {finding.id}"):
            self._c.execute(findings.insert().values(**_values(finding)))

    def update(self, finding: Finding) -> None:
        values = _values(finding)
        for key in ("id", "account", "generator_id", "resource_arn", "created_at"):
            del values[key]
        result = self._c.execute(
            findings.update()
            .where(findings.c.account == finding.account, findings.c.id == finding.id)
            .values(**values)
        )
        require_one(result.rowcount, f"finding {finding.id}")

    def for_resource(self, account: str, resource_arn: str) -> list[Finding]:
        rows = self._c.execute(
            sa.select(findings)
            .where(findings.c.account == account, findings.c.resource_arn == resource_arn)
            .order_by(findings.c.created_at, findings.c.id)
        )
        return [_finding(r) for r in rows]

    def page(
        self,
        account: str,
        where: FindingFilter,
        *,
        limit: int,
        before: tuple[datetime, str] | None,
    ) -> Sequence[Finding]:
        query = sa.select(findings).where(findings.c.account == account)
        for column, value in (
            (findings.c.workflow_status, where.workflow_status),
            (findings.c.severity, where.severity),
            (findings.c.record_state, where.record_state),
            (findings.c.resource_arn, where.resource_arn),
            (findings.c.generator_id, where.generator_id),
        ):
            if value is not None:
                query = query.where(column == str(value))
        if before is not None:
            at, last_id = before
            query = query.where(
                sa.or_(
                    findings.c.created_at < at,
                    sa.and_(findings.c.created_at == at, findings.c.id < last_id),
                )
            )
        query = query.order_by(findings.c.created_at.desc(), findings.c.id.desc()).limit(limit)
        return [_finding(r) for r in self._c.execute(query)]
