"""Rule targets of kind ``deployment`` (``arn:<p>:certherd:<r>:<account>:deployment/<name>``).

The payload is an event naming certificates in ``resources`` (``ACM Certificate
Available`` as a rule passes it on): the deployment runs for each of them it selects, and
does nothing (successfully) for a certificate it does not select.

As with a Lambda function invoked asynchronously, the invocation succeeds once the target
ran: a run that failed (files not writable, the reload command failing, the server not
serving the new certificate) is recorded as a FAILED run with its ``Certificate Deployment
Failed`` event, and is not retried by the rule (a retry would repeat the same failure;
``deploy run`` or ``deploy rollback`` is the way on). The invocation itself fails only when
the target could not run: a deployment that does not exist or an ARN that names none
(NO_RESOURCE), another account's deployment (NO_PERMISSIONS), a payload naming no
certificate (INVALID_PARAMETER); none of these is retryable.

The kind is not local: files and commands are outside every transaction, so an invocation
whose outcome could not be recorded may run again (at least once).
"""

from __future__ import annotations

import json
from datetime import datetime

from certherd.domain.arns import ArnFactory, parse_arn
from certherd.domain.deployments import RunTrigger
from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode
from certherd.errors import NotFoundError, ValidationError
from certherd.services.deployment_runs import Deployer
from certherd.services.ports import UnitOfWork
from certherd.services.targets import AfterCommit, DeliveryError

__all__ = ["DeploymentTarget", "certificate_arns"]


def certificate_arns(payload: str) -> list[str]:
    """The ACM certificate ARNs among the ``resources`` of an event; ValueError when the
    payload is not an event naming any."""
    event = json.loads(payload)
    resources = event.get("resources") if isinstance(event, dict) else None
    found = []
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, str):
            try:
                parsed = parse_arn(resource, field="resources")
            except ValidationError:
                continue
            if parsed.service == "acm" and parsed.resource.startswith("certificate/"):
                found.append(resource)
    if not found:
        raise ValueError("the event names no certificate in its resources")
    return found


class DeploymentTarget:
    def __init__(self, *, deployer: Deployer, arns: ArnFactory) -> None:
        self._deployer = deployer
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
            account, name = self._arns.deployment_name(arn, field="TargetArn")
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.NO_RESOURCE, str(exc), retryable=False) from None
        if account != invocation.account:
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS,
                f"{arn} belongs to another account",
                retryable=False,
            )
        try:
            certificates = certificate_arns(invocation.payload)
        except ValueError as exc:
            raise DeliveryError(
                ErrorCode.INVALID_PARAMETER,
                f"a deployment takes an event naming certificates: {exc}",
                retryable=False,
            ) from None
        try:
            for certificate_arn in certificates:
                self._deployer.run(
                    account, name, certificate_arn=certificate_arn, trigger=RunTrigger.EVENT
                )
        except NotFoundError:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE, f"deployment {arn} does not exist", retryable=False
            ) from None
        return None
