"""``/v1/buses/{bus}/permissions``: PutPermission and RemovePermission on an event bus.

The policy they edit is shown as ``Policy`` by ``GET /v1/buses/{bus}``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response, status

from certherd.entrypoints.api.archive_schemas import PutPermissionBody
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.event_schemas import BusOut
from certherd.entrypoints.api.events import bus_view
from certherd.entrypoints.api.responses import problems

router = APIRouter(prefix="/v1/buses/{bus}/permissions", tags=["event buses"])

JSON = dict[str, Any]
_ANY = problems(400, 401, 403, 404, 409)


@router.post(
    "",
    response_model=BusOut,
    summary="Grant a permission on a bus (PutPermission)",
    description="`Action` (`events:PutEvents`), `Principal` (a 12-digit account id or `*`), "
    "`StatementId` (unique) and optionally `Condition` `{Type: StringEquals, Key: "
    "aws:PrincipalOrgID, Value}` add a statement to the bus's policy; or `Policy` replaces "
    "the whole policy. Answers the bus with its policy.",
    responses=_ANY,
)
def put_permission(bus: str, body: PutPermissionBody, account: AccountDep, c: ContainerDep) -> JSON:
    policy = body.policy
    condition = None if body.condition is None else body.condition.model_dump(by_alias=True)
    updated = c.bus_permissions.put_permission(
        account=account,
        bus=bus,
        action=body.action,
        principal=body.principal,
        statement_id=body.statement_id,
        condition=condition,
        policy=policy if policy is None or isinstance(policy, str) else json.dumps(policy),
    )
    return bus_view(updated)


@router.delete(
    "/{statement_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a statement of the bus's policy (RemovePermission)",
    responses=_ANY,
)
def remove_permission(
    bus: str, statement_id: str, account: AccountDep, c: ContainerDep
) -> Response:
    c.bus_permissions.remove_permission(account=account, bus=bus, statement_id=statement_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove the bus's whole policy (RemovePermission RemoveAllPermissions)",
    responses=_ANY,
)
def remove_all_permissions(bus: str, account: AccountDep, c: ContainerDep) -> Response:
    c.bus_permissions.remove_permission(account=account, bus=bus, remove_all=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
