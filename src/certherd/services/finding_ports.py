"""What the findings need from storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from certherd.domain.findings import Finding, RecordState, SeverityLabel, WorkflowStatus

__all__ = ["FindingFilter", "FindingRepository"]


@dataclass(frozen=True)
class FindingFilter:
    """Which findings to list; None matches any value."""

    workflow_status: WorkflowStatus | None = None
    severity: SeverityLabel | None = None
    record_state: RecordState | None = None
    resource_arn: str | None = None
    generator_id: str | None = None


class FindingRepository(Protocol):
    def get(self, account: str, finding_id: str) -> Finding | None: ...

    def add(self, finding: Finding) -> None:
        """Store a new finding; ConflictError when its id is taken."""

    def update(self, finding: Finding) -> None:
        """Store the finding's new state (NotFoundError when it is not stored)."""

    def for_resource(self, account: str, resource_arn: str) -> list[Finding]:
        """Every finding about ``resource_arn`` (whatever its state)."""

    def page(
        self,
        account: str,
        where: FindingFilter,
        *,
        limit: int,
        before: tuple[datetime, str] | None,
    ) -> Sequence[Finding]:
        """Up to ``limit`` matching findings, newest first (by creation, then id), those
        after ``before`` (the last of the previous page) only."""
