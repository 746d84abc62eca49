"""``/v1/lifecycle``: the calendar of coming lifecycle events, and simulated days.

``GET /v1/lifecycle/clock`` tells the server's time. ``GET /v1/lifecycle/forecast`` lists
what the lifecycle will send for the account over the next days and why, without sending
anything. ``POST /v1/lifecycle/run`` runs the real lifecycle day by day up to a date on a
server that runs on simulated time; it moves the server's clock, so it needs an admin
token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal
from starlette.concurrency import run_in_threadpool

from certherd.domain.clock import parse_instant
from certherd.entrypoints.api.auth import AccountDep, CallerDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.views import instant
from certherd.errors import PermissionDeniedError

router = APIRouter(prefix="/v1/lifecycle", tags=["lifecycle"])

JSON = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="forbid")


class RunBody(_Model):
    until: str = Field(
        max_length=64,
        description="Run through this date or date-time (ISO 8601; a date means 00:00 UTC).",
    )


class ForecastEntryOut(_Model):
    date: str
    certificate_arn: str
    detail_type: str
    days_to_expiry: int
    why: str


class ForecastOut(_Model):
    start: str
    days: int
    entries: list[ForecastEntryOut]


class SimulatedDayOut(_Model):
    at: str
    events: int
    by_detail_type: dict[str, int]
    renewals_attempted: int
    renewals_succeeded: int
    expired: int
    worked: int


class RunOut(_Model):
    now: str
    days: list[SimulatedDayOut]


class ClockOut(_Model):
    now: str
    simulated: bool


@router.get(
    "/clock",
    response_model=ClockOut,
    response_model_by_alias=True,
    summary="The server's current time",
    description="`Simulated` is true when the server runs on simulated time, which "
    "`POST /v1/lifecycle/run` can move forward.",
    responses=problems(401, 403),
)
def clock(_account: AccountDep, c: ContainerDep) -> JSON:
    return {"Now": instant(c.clock.now()), "Simulated": c.simulation.simulated}


@router.get(
    "/forecast",
    response_model=ForecastOut,
    response_model_by_alias=True,
    summary="Forecast the lifecycle events of the coming days",
    description="Which events (approaching expiration, renewal action required, expired, "
    "renewals, CA expiry) the lifecycle will send on which day, for which certificate and "
    "why, assuming renewals go as the CAs stand today. Nothing is sent.",
    responses=problems(400, 401, 403),
)
def forecast(
    account: AccountDep,
    c: ContainerDep,
    days: Annotated[int, Query(alias="Days", ge=1, le=3660)] = 30,
) -> JSON:
    entries = c.forecaster.forecast(account=account, days=days)
    return {
        "Start": instant(c.clock.now()),
        "Days": days,
        "Entries": [
            {
                "Date": entry.date.isoformat(),
                "CertificateArn": entry.arn,
                "DetailType": entry.detail_type,
                "DaysToExpiry": entry.days_to_expiry,
                "Why": entry.why,
            }
            for entry in entries
        ],
    }


@router.post(
    "/run",
    response_model=RunOut,
    response_model_by_alias=True,
    summary="Run the lifecycle through simulated days",
    description="Moves the server's simulated clock a day at a time up to `Until`; each day "
    "runs the lifecycle tick, routes its events and makes the due deliveries. Needs an "
    "admin token and a server started on simulated time (`--now` / `CERTHERD_NOW`); a "
    "server on the system clock answers 409.",
    responses=problems(400, 401, 403, 409),
)
async def run(body: RunBody, caller: CallerDep, c: ContainerDep) -> JSON:
    if not caller.is_admin:
        raise PermissionDeniedError("moving the server's clock needs an admin token")
    until = parse_instant(body.until, field="Until")
    days = await run_in_threadpool(c.simulation.run_until, until)
    return {
        "Now": instant(c.clock.now()),
        "Days": [
            {
                "At": instant(day.at),
                "Events": day.tick.events,
                "ByDetailType": day.tick.by_detail_type,
                "RenewalsAttempted": day.tick.renewals_attempted,
                "RenewalsSucceeded": day.tick.renewals_succeeded,
                "Expired": day.tick.expired,
                "Worked": day.worked,
            }
            for day in days
        ],
    }
