"""What the lifecycle will do over the next days, simulated without I/O.

:func:`forecast` runs the decisions of :mod:`certherd.domain.lifecycle` once a day from
``start`` (at ``start``'s time of day) with a ledger of its own, as the lifecycle worker
would. A renewal attempt is assumed to go as the CA's facts say it would at that moment
(:func:`certherd.domain.lifecycle.renewal_failure`, the CAs as they are now): a certificate
whose CA does not let the certificate manager issue forecasts Renewal Action Required at
45, 30, 15, 3 and 1 days and then Expired; one that can renew forecasts a RENEWAL at 60
days and then nothing more for that version.

The worker ticks more often than daily, so an event forecast for a day can come a few hours
earlier than the tick time used here; never on another UTC day than forecast, when ``start``
is at midnight UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from certherd.domain import lifecycle
from certherd.domain.acm_events import AcmDetailType
from certherd.domain.authority import CertificateAuthority
from certherd.domain.certificate import (
    Certificate,
    CertificateType,
    FailureReason,
    RenewalStatus,
    RenewalSummary,
    days_to_expiry,
)
from certherd.domain.clock import require_utc
from certherd.domain.lifecycle import LedgerKey, LifecycleStep, StepKind
from certherd.domain.records import AccountConfig

#: Longest forecast, in days (ten years; certificates rarely outlive that).
MAX_FORECAST_DAYS = 3660

_EXPLANATIONS: Mapping[FailureReason, str] = {
    FailureReason.PCA_ACCESS_DENIED: "the CA does not allow the certificate manager to issue",
    FailureReason.PCA_RESOURCE_NOT_FOUND: "the CA does not exist",
    FailureReason.PCA_INVALID_STATE: "the CA is not ACTIVE",
    FailureReason.PCA_INVALID_DURATION: (
        "the CA's own certificate ends before the renewed certificate would"
    ),
}


@dataclass(frozen=True)
class ForecastEntry:
    """One event the lifecycle is expected to send: on which day, about what, and why."""

    date: date
    arn: str
    detail_type: str
    why: str
    days_to_expiry: int


def explain_failure(reason: FailureReason) -> str:
    """A sentence for people about why a renewal fails, ending with the ACM reason code."""
    text = _EXPLANATIONS.get(reason, "the CA refused to issue")
    return f"{text} ({reason.value})"


def forecast(
    certificates: Iterable[Certificate],
    *,
    authorities: Iterable[CertificateAuthority],
    config: AccountConfig,
    start: datetime,
    days: int,
    ca_days_before: int = lifecycle.DEFAULT_CA_DAYS_BEFORE_EXPIRY,
) -> list[ForecastEntry]:
    """The events of ``days`` daily ticks from ``start`` (``start``, ``start + 1 day``, ...).

    ``config`` (DaysBeforeExpiry) applies to every certificate given; ``authorities`` are
    the CAs the certificates' renewals go through and whose own expiry is watched. Entries
    come day by day, CAs first, then the certificates in the order given. Raises
    ValueError when ``days`` is not within 0..3660 or ``start`` is naive.
    """
    if not 0 <= days <= MAX_FORECAST_DAYS:
        raise ValueError(f"a forecast covers 0..{MAX_FORECAST_DAYS} days, not {days}")
    start = require_utc(start)
    cas = list(authorities)
    by_arn = {ca.arn: ca for ca in cas}
    current = list(certificates)
    ledger: set[LedgerKey] = set()
    entries: list[ForecastEntry] = []
    for offset in range(days):
        now = start + timedelta(days=offset)
        for ca in cas:
            for step in lifecycle.authority_due_steps(ca, now=now, days_before=ca_days_before):
                if _claim(ledger, step):
                    entries.append(_entry(now, step, _ca_why(step)))
        for index, cert in enumerate(current):
            current[index] = _tick(cert, by_arn, config, now, ledger, entries)
    return entries


def _claim(ledger: set[LedgerKey], step: LifecycleStep) -> bool:
    if step.ledger_key in ledger:
        return False
    ledger.add(step.ledger_key)
    return True


def _tick(
    cert: Certificate,
    cas: Mapping[str, CertificateAuthority],
    config: AccountConfig,
    now: datetime,
    ledger: set[LedgerKey],
    entries: list[ForecastEntry],
) -> Certificate:
    """One tick for one certificate; returns the certificate as the tick leaves it."""
    steps = lifecycle.due_steps(cert, config=config, now=now)
    while steps:
        step = steps.pop(0)
        if not _claim(ledger, step):
            continue
        if step.kind is not StepKind.RENEWAL_ATTEMPT:
            entries.append(_entry(now, step, _why(step, cert, config)))
            continue
        authority = cas.get(cert.authority_arn) if cert.authority_arn else None
        failure = lifecycle.renewal_failure(cert, authority=authority, now=now)
        attempt = _attempt(step)
        if failure is None:
            cert = lifecycle.simulate_renewal(cert, now)
            why = (
                f"{attempt} will succeed: the renewed certificate is valid until "
                f"{cert.not_after:%Y-%m-%d}"
            )
            left = days_to_expiry(cert.not_after, now)
            entries.append(_entry(now, step, why, AcmDetailType.AVAILABLE.value, left))
            # The old version's remaining steps are void; the renewed one has its own.
            steps = lifecycle.due_steps(cert, config=config, now=now)
            continue
        cert = replace(cert, renewal=RenewalSummary(RenewalStatus.FAILED, now, failure))
        if step.window is not None and step.window <= lifecycle.ACTION_REQUIRED_FROM_DAYS:
            why = f"{attempt} will fail: {explain_failure(failure)}"
            entries.append(_entry(now, step, why, AcmDetailType.RENEWAL_ACTION_REQUIRED.value))
    return cert


def _attempt(step: LifecycleStep) -> str:
    return (
        f"renewal attempt {step.attempt} of {len(lifecycle.RENEWAL_WINDOWS)} "
        f"({step.window} days before expiry)"
    )


def _why(step: LifecycleStep, cert: Certificate, config: AccountConfig) -> str:
    if step.kind is StepKind.APPROACHING_EXPIRATION:
        why = (
            f"{step.days_to_expiry} days to expiry, within the account's "
            f"{config.days_before_expiry}-day DaysBeforeExpiry window"
        )
        if cert.type is CertificateType.IMPORTED:
            why += "; imported certificates are not renewed: re-import a new one"
        return why
    why = f"NotAfter {step.not_after:%Y-%m-%dT%H:%M:%SZ} has passed"
    if cert.type is CertificateType.IMPORTED:
        why += " (ACM sends no event for imported certificates; certherd does)"
    return why


def _ca_why(step: LifecycleStep) -> str:
    return (
        f"the CA's own certificate ends in {step.days_to_expiry} days "
        f"({step.not_after:%Y-%m-%d}); certificates it issues cannot outlive it"
    )


def _entry(
    now: datetime,
    step: LifecycleStep,
    why: str,
    detail_type: str | None = None,
    left: int | None = None,
) -> ForecastEntry:
    kind = detail_type or step.detail_type
    if kind is None:  # pragma: no cover - every step with no outcome has a detail type
        raise ValueError(f"a {step.kind.value} step needs an outcome to be forecast")
    return ForecastEntry(
        date=now.date(),
        arn=step.arn,
        detail_type=kind,
        why=why,
        days_to_expiry=step.days_to_expiry if left is None else left,
    )
