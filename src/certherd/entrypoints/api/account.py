"""``/v1/account-configuration``: ACM's account configuration (expiry event lead time)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from certherd.domain.records import AccountConfig
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import AccountConfigurationOut, problems
from certherd.entrypoints.api.schemas import AccountConfigurationBody

router = APIRouter(prefix="/v1/account-configuration", tags=["account"])


def _view(config: AccountConfig) -> dict[str, Any]:
    return {"ExpiryEvents": {"DaysBeforeExpiry": config.days_before_expiry}}


@router.get(
    "",
    response_model=AccountConfigurationOut,
    summary="Get the account configuration",
    description="`DaysBeforeExpiry`: from how many days before expiry the "
    '"approaching expiration" events are sent (default 45).',
    responses=problems(401, 403),
)
def get_configuration(account: AccountDep, c: ContainerDep) -> dict[str, Any]:
    return _view(c.accounts.get(account=account))


@router.put(
    "",
    response_model=AccountConfigurationOut,
    summary="Set the account configuration",
    description="`DaysBeforeExpiry` from 1 to 45.",
    responses=problems(400, 401, 403),
)
def put_configuration(
    body: AccountConfigurationBody, account: AccountDep, c: ContainerDep
) -> dict[str, Any]:
    config = c.accounts.set_days_before_expiry(
        account=account, days=body.expiry_events.days_before_expiry
    )
    return _view(config)
