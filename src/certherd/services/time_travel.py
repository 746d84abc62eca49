"""Looking ahead: the lifecycle calendar of an account, and simulated days run for real.

:class:`Forecaster` lists, without emitting anything, which lifecycle events will fire on
which day, for which certificate and why (``domain.forecast`` on the stored facts).

:class:`Simulation` moves a simulated clock day by day and, on each day, runs the real
lifecycle tick and then drains the workers (routing, delivery) at that instant, so that a
month of lifecycle runs in seconds and leaves exactly what a month of real time would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from certherd.domain.arns import validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.forecast import MAX_FORECAST_DAYS, ForecastEntry, forecast
from certherd.domain.lifecycle import DEFAULT_CA_DAYS_BEFORE_EXPIRY
from certherd.domain.records import AccountConfig
from certherd.errors import InvalidStateError, ValidationError
from certherd.services.lifecycle import HORIZON, LifecycleEngine, TickReport
from certherd.services.ports import UnitOfWorkFactory

__all__ = ["Forecaster", "SettableClock", "SimulatedDay", "Simulation"]

#: Longest simulated run, in days.
MAX_SIMULATED_DAYS = 3660
_PAGE = 5000


class Forecaster:
    """The calendar of what the lifecycle will send for an account."""

    def __init__(
        self,
        *,
        read_uow: UnitOfWorkFactory,
        clock: Clock,
        ca_days_before: int = DEFAULT_CA_DAYS_BEFORE_EXPIRY,
    ) -> None:
        self._read_uow = read_uow
        self._clock = clock
        self._ca_days_before = ca_days_before

    def forecast(self, *, account: str, days: int) -> list[ForecastEntry]:
        """Events the next ``days`` daily ticks (from now) are expected to send, day by day.

        Raises ValidationError when ``days`` is not within 1..3660.
        """
        validate_account_id(account)
        if not 1 <= days <= MAX_FORECAST_DAYS:
            raise ValidationError(f"must be between 1 and {MAX_FORECAST_DAYS}", field="Days")
        now = self._clock.now()
        horizon = now + timedelta(days=days) + HORIZON
        with self._read_uow() as uow:
            config = uow.accounts.get(account) or AccountConfig(account=account)
            certificates = []
            after: tuple[datetime, str] | None = None
            while True:
                page = uow.lifecycle.certificates_due(
                    horizon, after=after, limit=_PAGE, account=account
                )
                certificates.extend(page)
                if len(page) < _PAGE:
                    break
                after = (page[-1].not_after, page[-1].id)
            authorities = uow.authorities.list(account)
        return forecast(
            certificates,
            authorities=authorities,
            config=config,
            start=now,
            days=days,
            ca_days_before=self._ca_days_before,
        )


@dataclass(frozen=True)
class SimulatedDay:
    """One simulated day: the instant it ran at, its tick, and what the workers then did."""

    at: datetime
    tick: TickReport
    worked: int


class Simulation:
    """Runs the lifecycle through simulated days (see the module docstring).

    ``drains`` are worker batches (routing, delivery) called with the simulated instant;
    each is called again while it reports work done, so every day ends with the outbox
    routed and every due delivery made.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        lifecycle: LifecycleEngine,
        drains: Sequence[Callable[[datetime], int]] = (),
    ) -> None:
        self._clock = clock
        self._lifecycle = lifecycle
        self._drains = tuple(drains)

    @property
    def simulated(self) -> bool:
        """Whether the clock can be moved (the server runs on simulated time)."""
        return isinstance(self._clock, SettableClock)

    def run_until(self, until: datetime) -> list[SimulatedDay]:
        """Tick once a day, at the clock's time of day, from today through ``until``; leave
        the clock at ``until``.

        Raises InvalidStateError when the clock is the system clock (a server must run on
        simulated time, ``CERTHERD_NOW`` or ``--now``, for this), and ValidationError when
        ``until`` is before now or more than 3660 days ahead.
        """
        clock = self._clock
        if not isinstance(clock, SettableClock):
            raise InvalidStateError(
                "this server runs on the system clock; start it on simulated time "
                "(CERTHERD_NOW or --now) to run the lifecycle ahead",
                field="Until",
            )
        start = clock.now()
        if until < start:
            raise ValidationError(f"must not be before now ({start.isoformat()})", field="Until")
        if until - start > timedelta(days=MAX_SIMULATED_DAYS):
            raise ValidationError(f"must be at most {MAX_SIMULATED_DAYS} days ahead", field="Until")
        days: list[SimulatedDay] = []
        at = start
        while True:
            clock.set(at)
            report = self._lifecycle.tick(at)
            days.append(SimulatedDay(at=at, tick=report, worked=self._drain(at)))
            if at >= until:
                break
            at = min(at + timedelta(days=1), until)
        return days

    def _drain(self, at: datetime) -> int:
        total = 0
        for drain in self._drains:
            while (done := drain(at)) > 0:
                total += done
        return total


@runtime_checkable
class SettableClock(Protocol):
    """A simulated clock that can be moved (``domain.clock.FixedClock``)."""

    def now(self) -> datetime: ...

    def set(self, at: datetime) -> datetime: ...
