"""Whole lifecycles, day by day: the decisions driven by an in-memory worker, and forecasts.

The worker here applies the decisions with a set for the ledger, as the lifecycle worker
applies them with the database.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifecycle_support import ACCOUNT, GRANT, REGION, authority, certificate

from certherd.domain import lifecycle
from certherd.domain.authority import (
    CertificateAuthority,
)
from certherd.domain.certificate import (
    Certificate,
    CertificateType,
    FailureReason,
    RenewalStatus,
)
from certherd.domain.forecast import ForecastEntry, explain_failure, forecast
from certherd.domain.lifecycle import LedgerKey, StepKind
from certherd.domain.records import AccountConfig


def ids() -> Callable[[], str]:
    counter: Iterator[int] = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


@dataclass
class Worker:
    """Ticks one certificate as the lifecycle worker would, with a set for a ledger."""

    cert: Certificate
    ca: CertificateAuthority | None
    config: AccountConfig = field(default_factory=lambda: AccountConfig(ACCOUNT))
    ledger: set[LedgerKey] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    new_id: Callable[[], str] = field(default_factory=ids)

    def tick(self, now: datetime) -> list[dict[str, Any]]:
        """Run one tick at ``now``; return the events it sent."""
        sent: list[dict[str, Any]] = []
        steps = lifecycle.due_steps(self.cert, config=self.config, now=now)
        while steps:
            step = steps.pop(0)
            if step.ledger_key in self.ledger:
                continue
            self.ledger.add(step.ledger_key)
            if step.kind is not StepKind.RENEWAL_ATTEMPT:
                sent.append(
                    lifecycle.step_envelope(
                        step, self.cert, now=now, region=REGION, new_id=self.new_id
                    )
                )
                continue
            failure = lifecycle.renewal_failure(self.cert, authority=self.ca, now=now)
            after = self.cert if failure is not None else lifecycle.simulate_renewal(self.cert, now)
            outcome = lifecycle.apply_renewal_outcome(
                step, after, failure=failure, now=now, region=REGION, new_id=self.new_id
            )
            self.cert = replace(after, renewal=outcome.summary)
            if outcome.envelope is not None:
                sent.append(outcome.envelope)
            if failure is None:
                steps = lifecycle.due_steps(self.cert, config=self.config, now=now)
        self.events.extend(sent)
        return sent


def of_type(events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["detail-type"] == detail_type]


START = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)  # 00:00 UTC plus some hours
CONFIG = AccountConfig(ACCOUNT)
APPROACHING = "ACM Certificate Approaching Expiration"
ACTION_REQUIRED = "ACM Certificate Renewal Action Required"
AVAILABLE = "ACM Certificate Available"
EXPIRED = "ACM Certificate Expired"


def test_after_downtime_only_the_latest_window_is_tried() -> None:
    worker = Worker(certificate(START, not_after=START + timedelta(days=50, hours=1)), None)
    worker.tick(START)  # window 60, fails silently (no CA)
    assert worker.cert.renewal is not None
    assert worker.cert.renewal.status is RenewalStatus.FAILED
    later = START + timedelta(days=30)  # 20 days left: windows 45 and 30 were missed
    sent = worker.tick(later)
    worker.tick(later + timedelta(hours=6))
    attempts = sorted(k.occasion for k in worker.ledger if k.kind == "renewal-attempt")
    assert [a.rsplit("/", 1)[1] for a in attempts] == ["30", "60"]
    (required,) = of_type(sent, ACTION_REQUIRED)
    assert required["detail"]["DaysToExpiry"] == 20
    assert required["detail"]["RenewalStatusReason"] == "PCA_RESOURCE_NOT_FOUND"


def test_imported_certificate_ticked_daily_approaches_on_five_days() -> None:
    """NotAfter = start + 50 days; ticks on days 0..9 see 45, 44, 43, 42, 41 days left."""
    imported = certificate(
        START,
        type=CertificateType.IMPORTED,
        not_after=START + timedelta(days=50),
        exported_at=None,
        authority_arn=None,
    )
    worker = Worker(imported, None)
    for day in range(10):
        worker.tick(START + timedelta(days=day))
    approaching = of_type(worker.events, APPROACHING)
    assert len(worker.events) == len(approaching) == 5
    assert [e["detail"]["DaysToExpiry"] for e in approaching] == [45, 44, 43, 42, 41]
    assert [e["time"] for e in approaching] == [
        f"2026-03-{d}T07:30:00Z" for d in (15, 16, 17, 18, 19)
    ]
    assert all(e["detail"]["CertificateKeyPairOrigin"] == "CUSTOMER_PROVIDED" for e in approaching)


def test_ticking_often_sends_one_approaching_event_per_utc_day() -> None:
    imported = certificate(
        START, type=CertificateType.IMPORTED, not_after=START + timedelta(days=5)
    )
    worker = Worker(imported, None)
    for hour in range(0, 24 * 7, 1):
        worker.tick(START + timedelta(hours=hour))
    approaching = of_type(worker.events, APPROACHING)
    days = [e["time"][:10] for e in approaching]
    assert days == sorted(set(days))
    assert days[0] == "2026-03-10" and days[-1] == "2026-03-15"
    (expired,) = of_type(worker.events, "Imported Certificate Expired")
    assert expired["time"] == "2026-03-15T07:30:00Z"


def denied_worker() -> Worker:
    cert = certificate(START, not_after=START + timedelta(days=70, hours=5))
    return Worker(cert, authority(START, permissions=()))


def test_a_ca_without_permission_leads_to_action_required_then_expired() -> None:
    worker = denied_worker()
    for day in range(73):
        worker.tick(START + timedelta(days=day))
    required = of_type(worker.events, ACTION_REQUIRED)
    assert [e["detail"]["DaysToExpiry"] for e in required] == [45, 30, 15, 3, 1]
    assert {e["detail"]["RenewalStatusReason"] for e in required} == {"PCA_ACCESS_DENIED"}
    approaching = of_type(worker.events, APPROACHING)
    assert [e["detail"]["DaysToExpiry"] for e in approaching] == list(range(45, -1, -1))
    (expired,) = of_type(worker.events, EXPIRED)
    assert expired["time"] == "2026-05-20T07:30:00Z"
    assert worker.events[-1] is expired
    assert of_type(worker.events, AVAILABLE) == []
    attempts = [k for k in worker.ledger if k.kind == "renewal-attempt"]
    assert len(attempts) == 6  # the 60-day attempt failed without an event


def test_permission_granted_after_the_30_day_event_renews_at_15_days() -> None:
    worker = denied_worker()
    for day in range(73):
        now = START + timedelta(days=day)
        sent = worker.tick(now)
        if any(e["detail"].get("DaysToExpiry") == 30 for e in of_type(sent, ACTION_REQUIRED)):
            assert worker.ca is not None
            worker.ca = replace(worker.ca, permissions=(GRANT,))
    required = of_type(worker.events, ACTION_REQUIRED)
    assert [e["detail"]["DaysToExpiry"] for e in required] == [45, 30]
    (renewal,) = of_type(worker.events, AVAILABLE)
    assert renewal["detail"]["Action"] == "RENEWAL"
    assert renewal["time"] == "2026-05-04T07:30:00Z"  # day 55: 15 days before the old NotAfter
    assert renewal["detail"]["CertificateExpirationDate"] == "2027-06-03T07:30:00Z"  # +395 days
    assert worker.cert.not_after == START + timedelta(days=55 + 395)
    assert worker.cert.renewal is not None
    assert worker.cert.renewal.status is RenewalStatus.SUCCESS
    assert of_type(worker.events, EXPIRED) == []
    # Nothing about the old version after the renewal.
    assert all(e["time"] <= renewal["time"] for e in worker.events)


@given(
    offset=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=23, minutes=59)),
    days_before=st.integers(min_value=1, max_value=45),
)
def test_daily_ticks_count_down_without_gaps(offset: timedelta, days_before: int) -> None:
    imported = certificate(
        START, type=CertificateType.IMPORTED, not_after=START + timedelta(days=60) + offset
    )
    worker = Worker(imported, None, config=AccountConfig(ACCOUNT, days_before))
    for day in range(62):
        worker.tick(START + timedelta(days=day))
    counted = [e["detail"]["DaysToExpiry"] for e in of_type(worker.events, APPROACHING)]
    last = 0 if offset > timedelta(0) else 1
    assert counted == list(range(days_before, last - 1, -1))
    assert len(of_type(worker.events, "Imported Certificate Expired")) == 1


def test_forecast_of_a_certificate_whose_ca_denies_permission() -> None:
    cert = certificate(START, not_after=START + timedelta(days=70, hours=5))
    entries = forecast(
        [cert],
        authorities=[authority(START, permissions=())],
        config=CONFIG,
        start=START,
        days=80,
    )
    required = [e for e in entries if e.detail_type == ACTION_REQUIRED]
    assert [e.days_to_expiry for e in required] == [45, 30, 15, 3, 1]
    assert required[0].date == date(2026, 4, 4)
    assert required[0].why == (
        "renewal attempt 2 of 6 (45 days before expiry) will fail: the CA does not allow "
        "the certificate manager to issue (PCA_ACCESS_DENIED)"
    )
    assert required[-1].why.startswith("renewal attempt 6 of 6 (1 days before expiry) will fail")
    approaching = [e for e in entries if e.detail_type == APPROACHING]
    assert [e.days_to_expiry for e in approaching] == list(range(45, -1, -1))
    assert "45-day DaysBeforeExpiry window" in approaching[0].why
    last = entries[-1]
    assert (last.detail_type, last.date) == (EXPIRED, date(2026, 5, 20))
    assert last.why == "NotAfter 2026-05-19T12:30:00Z has passed"
    assert {e.arn for e in entries} == {cert.arn}


def test_forecast_of_a_certificate_that_can_renew() -> None:
    cert = certificate(START, not_after=START + timedelta(days=70, hours=5))
    entries = forecast([cert], authorities=[authority(START)], config=CONFIG, start=START, days=120)
    assert entries == [
        ForecastEntry(
            date=date(2026, 3, 20),
            arn=cert.arn,
            detail_type=AVAILABLE,
            why=(
                "renewal attempt 1 of 6 (60 days before expiry) will succeed: the renewed "
                "certificate is valid until 2027-04-19"
            ),
            days_to_expiry=395,
        )
    ]


def test_forecast_of_an_imported_certificate_and_of_a_ca() -> None:
    imported = certificate(
        START,
        type=CertificateType.IMPORTED,
        not_after=START + timedelta(days=3),
        exported_at=None,
        authority_arn=None,
    )
    ca = authority(START, not_after=START + timedelta(days=91, hours=1))
    entries = forecast(
        [imported], authorities=[ca], config=CONFIG, start=START, days=5, ca_days_before=90
    )
    assert [(e.date.day, e.detail_type, e.days_to_expiry) for e in entries] == [
        (10, APPROACHING, 3),
        (11, "Certificate Authority Approaching Expiration", 90),
        (11, APPROACHING, 2),
        (12, "Certificate Authority Approaching Expiration", 89),
        (12, APPROACHING, 1),
        (13, "Certificate Authority Approaching Expiration", 88),
        (13, "Imported Certificate Expired", 0),
        (14, "Certificate Authority Approaching Expiration", 87),
    ]
    assert entries[0].why.endswith("imported certificates are not renewed: re-import a new one")
    assert entries[1].why == (
        "the CA's own certificate ends in 90 days (2026-06-09); certificates it issues "
        "cannot outlive it"
    )
    assert entries[6].why.startswith("NotAfter 2026-03-13T07:30:00Z has passed")


def test_forecast_explains_a_ca_that_ends_too_soon() -> None:
    cert = certificate(START, not_after=START + timedelta(days=45, hours=5))
    short_ca = authority(START, not_after=START + timedelta(days=200))
    (required, *_rest) = [
        e
        for e in forecast([cert], authorities=[short_ca], config=CONFIG, start=START, days=1)
        if e.detail_type == ACTION_REQUIRED
    ]
    assert required.why.endswith(
        "the CA's own certificate ends before the renewed certificate would (PCA_INVALID_DURATION)"
    )
    assert explain_failure(FailureReason.SLR_NOT_FOUND) == (
        "the CA refused to issue (SLR_NOT_FOUND)"
    )


def test_forecast_bounds() -> None:
    assert forecast([certificate(START)], authorities=[], config=CONFIG, start=START, days=0) == []
    for days in (-1, 3661):
        with pytest.raises(ValueError, match="forecast covers"):
            forecast([], authorities=[], config=CONFIG, start=START, days=days)
    with pytest.raises(ValueError, match="naive"):
        forecast([], authorities=[], config=CONFIG, start=datetime(2026, 1, 1), days=1)


@settings(max_examples=40, deadline=None)
@given(
    left=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=75)),
    allowed=st.booleans(),
    in_use=st.booleans(),
    days_before=st.integers(min_value=1, max_value=45),
)
def test_forecast_agrees_with_the_worker(
    left: timedelta, allowed: bool, in_use: bool, days_before: int
) -> None:
    cert = certificate(START, not_after=START + left, in_use_by=("arn:lb",) if in_use else ())
    ca = authority(START, permissions=(GRANT,) if allowed else ())
    config = AccountConfig(ACCOUNT, days_before)
    entries = forecast([cert], authorities=[ca], config=config, start=START, days=80)
    worker = Worker(cert, ca, config=config)
    for day in range(80):
        worker.tick(START + timedelta(days=day))
    assert [(e.date.isoformat(), e.detail_type) for e in entries] == [
        (event["time"][:10], event["detail-type"]) for event in worker.events
    ]
