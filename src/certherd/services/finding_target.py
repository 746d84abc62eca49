"""Rule targets of kind ``finding``: the account's findings hub (a ``securityhub`` ARN,
``arn:<partition>:securityhub:<region>:<account>:hub/default``). The event becomes
findings (:meth:`FindingService.import_in`) in the transaction that records the
invocation's outcome, so each invocation is imported exactly once.

Only the invocation's own account's hub takes events (another account's is
NO_PERMISSIONS); any other ``securityhub`` ARN is NO_RESOURCE. A payload that is not a
whole event (the target's input options replaced it) is INVALID_PARAMETER. None of these
is retried.
"""

from __future__ import annotations

from datetime import datetime

from certherd.domain.arns import parse_arn
from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode
from certherd.errors import ConflictError, ValidationError
from certherd.services.findings import FindingService
from certherd.services.ports import UnitOfWork
from certherd.services.targets import AfterCommit, DeliveryError

__all__ = ["FindingTarget"]

HUB = "hub/default"


class FindingTarget:
    def __init__(self, *, findings: FindingService) -> None:
        self._findings = findings

    @property
    def local(self) -> bool:
        return True

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        if uow is None:
            raise RuntimeError("a local target is delivered within a unit of work")
        arn = invocation.target_arn
        try:
            parsed = parse_arn(arn, field="TargetArn", service="securityhub")
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.NO_RESOURCE, str(exc), retryable=False) from None
        if parsed.resource != HUB:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE,
                f"{arn} is not a findings hub (its resource must be {HUB!r})",
                retryable=False,
            )
        if parsed.account != invocation.account:
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS,
                f"{arn} is the hub of another account",
                retryable=False,
            )
        try:
            self._findings.import_in(
                uow,
                account=invocation.account,
                payload=invocation.payload,
                now=now,
                rule_arn=invocation.rule_arn,
            )
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.INVALID_PARAMETER, str(exc), retryable=False) from None
        except ConflictError:
            # Another worker created the same finding meanwhile: the retry updates it.
            raise DeliveryError(
                ErrorCode.INTERNAL_ERROR, "the finding changed meanwhile", retryable=True
            ) from None
        return None
