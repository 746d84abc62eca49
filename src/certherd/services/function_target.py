"""Rule targets of kind ``lambda``: a function of the invocation's own account
(``arn:<partition>:lambda:<region>:<account>:function:<name>``), run with the invocation's
payload (a command on its standard input, a python callable as its argument).

A function runs outside every transaction, so it is run at least once per invocation (a
worker that dies before recording the outcome leaves it to run again). Every run is
recorded. Exit status 0 is a delivery; another status (TIMEOUT when it was killed at its
timeout, else INTERNAL_ERROR) fails retryably, so the target's RetryPolicy retries it and
its dead-letter queue gets the event in the end. A function that does not exist is
NO_RESOURCE and one that could not be started (no such program, user or entry point)
INTERNAL_ERROR, neither retried; another account's function is NO_PERMISSIONS (functions
have no resource policies).
"""

from __future__ import annotations

from datetime import datetime

from certherd.domain.arns import ArnFactory
from certherd.domain.functions import RunState
from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode
from certherd.errors import NotFoundError, ValidationError
from certherd.services.functions import FunctionService
from certherd.services.ports import UnitOfWork
from certherd.services.targets import AfterCommit, DeliveryError

__all__ = ["FunctionTarget"]


class FunctionTarget:
    def __init__(self, *, functions: FunctionService, arns: ArnFactory) -> None:
        self._functions = functions
        self._arns = arns

    @property
    def local(self) -> bool:
        return False

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        del now, uow
        arn = invocation.target_arn
        try:
            account, name = self._arns.function_name(arn, field="TargetArn")
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.NO_RESOURCE, str(exc), retryable=False) from None
        if account != invocation.account:
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS,
                f"{arn} belongs to another account; function policies are not supported",
                retryable=False,
            )
        try:
            record = self._functions.run_for_target(invocation, account=account, name=name)
        except NotFoundError:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE, f"function {name} does not exist", retryable=False
            ) from None
        if record.state is RunState.SUCCEEDED:
            return None
        if record.state is RunState.TIMED_OUT:
            raise DeliveryError(
                ErrorCode.TIMEOUT,
                f"function {name} was killed at its timeout (run {record.id})",
                retryable=True,
            )
        if record.state is RunState.FAILED:
            raise DeliveryError(
                ErrorCode.INTERNAL_ERROR,
                f"function {name} exited with status {record.exit_status} (run {record.id})",
                retryable=True,
            )
        raise DeliveryError(
            ErrorCode.INTERNAL_ERROR,
            f"function {name} could not be started: {record.error} (run {record.id})",
            retryable=False,
        )
