"""Resolving a certificate's findings in the transaction that fixed or removed it.

The certificate service calls :func:`resolve_findings` where a certificate is renewed or
re-imported (RESOLVED, the record stays ACTIVE) and where it is deleted (RESOLVED and
ARCHIVED), so a finding is never left open about a problem that is gone, whatever rule or
target the remedy's own event goes to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from certherd.domain.findings import resolve
from certherd.services.ports import UnitOfWork

__all__ = ["DELETED", "RENEWED", "REPLACED", "resolve_findings"]

RENEWED: Final = "Resolved by certherd: the certificate was renewed."
REPLACED: Final = "Resolved by certherd: the certificate was re-imported (replaced)."
DELETED: Final = "Resolved and archived by certherd: the certificate was deleted."


def resolve_findings(
    uow: UnitOfWork,
    *,
    account: str,
    resource_arn: str,
    reason: str,
    now: datetime,
    archive: bool = False,
    observed_before: datetime | None = None,
) -> int:
    """Resolve the findings about ``resource_arn`` in ``uow`` (only those last observed
    before ``observed_before``, if given); return how many changed."""
    changed = 0
    for finding in uow.findings.for_resource(account, resource_arn):
        if observed_before is not None and finding.last_observed_at >= observed_before:
            continue
        resolved = resolve(finding, reason=reason, now=now, archive=archive)
        if resolved is not None:
            uow.findings.update(resolved)
            changed += 1
    return changed
