"""The lifecycle tick's decisions for one certificate or CA at ``now`` (no I/O).

A lifecycle worker ticks often (every minute or so). At each tick it asks :func:`due_steps`
what is due for each certificate and :func:`authority_due_steps` for each CA, claims each
step's :class:`LedgerKey` in the lifecycle ledger (a key already there means the step
already happened: skip it), and acts on the steps it claimed, in the order given:

* ``renewal-attempt``: try to renew (the CA decides, see :func:`renewal_failure`), then
  :func:`apply_renewal_outcome` says what to store and which event to send. After a
  successful renewal the certificate has a new NotAfter: drop the remaining steps of this
  tick and ask :func:`due_steps` again about the renewed certificate.
* ``approaching-expiration``, ``expired``, ``ca-approaching-expiration``: send the
  event of :func:`step_envelope`.

The schedule (spec §1.1-1.3):

* Approaching Expiration: once per UTC calendar day while ``DaysToExpiry <=
  DaysBeforeExpiry`` (the account's, 1..45, default 45) and the certificate is ISSUED at
  ``now``, for every type. Keyed by the date, so a day the worker was down is not made up.
* Managed renewal of ELIGIBLE private certificates: attempts at 60, 45, 30, 15, 3 and 1
  days before expiry. The attempt due at ``now`` is the smallest window ``w >=
  DaysToExpiry``; keyed by the version's NotAfter and ``w``, so after downtime from 50 to
  20 days left only window 30 is tried (once, not three times) and a renewed certificate
  (new NotAfter) starts a schedule of its own. Windows not shorter than the version's
  validity are left out, so a short-lived certificate is not renewed again straight after
  it was renewed. A failed attempt sends Renewal Action Required from window 45 on (ACM
  sends it for private certificates from 45 days); a successful one sends Available
  (Action RENEWAL).
* Expired: once per version, when the stored status is ISSUED and NotAfter has passed:
  ``ACM Certificate Expired`` for PRIVATE and AMAZON_ISSUED certificates, certherd's
  ``Imported Certificate Expired`` for imported ones.
* A CA approaching its own NotAfter: daily from ``days_before`` (default 90) days before it,
  while the CA is ACTIVE or DISABLED.

Day arithmetic: DaysToExpiry is ``(not_after - now).days`` (whole days, rounded down, as
:func:`certherd.domain.certificate.days_to_expiry`); 44 days and 23 hours left is 44.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from certherd.domain import acm_events, certherd_events
from certherd.domain.acm_events import Envelope, IdFactory, new_event_id
from certherd.domain.authority import AuthorityStatus, CertificateAuthority
from certherd.domain.authority import effective_status as authority_status
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    FailureReason,
    RenewalEligibility,
    RenewalStatus,
    RenewalSummary,
    VersionAction,
    days_to_expiry,
    effective_status,
    renewal_eligibility,
)
from certherd.domain.clock import require_utc
from certherd.domain.records import AccountConfig
from certherd.domain.renewal import renewal_obstacle

#: Days before expiry at which managed renewal is attempted, earliest first.
RENEWAL_WINDOWS: tuple[int, ...] = (60, 45, 30, 15, 3, 1)
#: A failed attempt at this many days or fewer sends Renewal Action Required (private).
ACTION_REQUIRED_FROM_DAYS = 45
MIN_DAYS_BEFORE_EXPIRY, MAX_DAYS_BEFORE_EXPIRY = 1, 45
DEFAULT_CA_DAYS_BEFORE_EXPIRY = 90


class StepKind(StrEnum):
    APPROACHING_EXPIRATION = "approaching-expiration"
    RENEWAL_ATTEMPT = "renewal-attempt"
    EXPIRED = "expired"
    CA_APPROACHING_EXPIRATION = "ca-approaching-expiration"


class LedgerKey(NamedTuple):
    """What makes a step happen once: (certificate or CA id, kind, occasion)."""

    subject_id: str
    kind: str
    occasion: str


@dataclass(frozen=True)
class LifecycleStep:
    """One thing due at a tick for one certificate (or CA).

    ``detail_type`` is the event the step sends; None for a renewal attempt, whose event
    depends on its outcome. ``window`` is set for renewal attempts only.
    """

    kind: StepKind
    ledger_key: LedgerKey
    arn: str
    account: str
    days_to_expiry: int
    not_after: datetime
    detail_type: str | None
    window: int | None = None

    @property
    def attempt(self) -> int | None:
        """The renewal attempt's place in the schedule (1 for 60 days ... 6 for 1 day)."""
        return None if self.window is None else RENEWAL_WINDOWS.index(self.window) + 1


@dataclass(frozen=True)
class RenewalOutcome:
    """What a renewal attempt leaves: the certificate's RenewalSummary and the event to send."""

    summary: RenewalSummary
    envelope: Envelope | None


def check_days_before_expiry(days: int) -> int:
    """Return ``days`` if it is a DaysBeforeExpiry the account service accepts (1..45).

    Raises ValueError otherwise: a stored configuration outside that range is a bug.
    """
    if not MIN_DAYS_BEFORE_EXPIRY <= days <= MAX_DAYS_BEFORE_EXPIRY:
        raise ValueError(f"DaysBeforeExpiry must be 1..45, not {days}")
    return days


def due_window(days_left: int, *, validity_days: int | None = None) -> int | None:
    """The renewal window due with ``days_left`` whole days left, or None.

    That is the smallest of :data:`RENEWAL_WINDOWS` not below ``days_left`` (44 -> 45,
    45 -> 45, 0 -> 1, 61 -> None). With ``validity_days``, only windows shorter than the
    validity count. Negative ``days_left`` (expired) has no window.
    """
    if days_left < 0:
        return None
    windows = [
        w
        for w in RENEWAL_WINDOWS
        if w >= days_left and (validity_days is None or w < validity_days)
    ]
    return min(windows) if windows else None


def _day(now: datetime) -> str:
    return require_utc(now).date().isoformat()


def _instant(at: datetime) -> str:
    return require_utc(at).isoformat()


def due_steps(cert: Certificate, *, config: AccountConfig, now: datetime) -> list[LifecycleStep]:
    """What is due for ``cert`` at ``now``: renewal attempt first, then the events.

    Depends on nothing but the certificate's stored facts, the account's DaysBeforeExpiry
    and ``now``. Raises ValueError for a DaysBeforeExpiry outside 1..45.
    """
    limit = check_days_before_expiry(config.days_before_expiry)
    left = days_to_expiry(cert.not_after, now)
    steps: list[LifecycleStep] = []
    if renewal_eligibility(cert, now) is RenewalEligibility.ELIGIBLE:
        window = due_window(left, validity_days=acm_events.validity_in_days(cert))
        if window is not None:
            occasion = f"{_instant(cert.not_after)}/{window}"
            steps.append(_step(cert, StepKind.RENEWAL_ATTEMPT, occasion, left, None, window))
    if effective_status(cert, now) is CertificateStatus.ISSUED and left <= limit:
        detail_type = acm_events.AcmDetailType.APPROACHING_EXPIRATION.value
        steps.append(_step(cert, StepKind.APPROACHING_EXPIRATION, _day(now), left, detail_type))
    if cert.status is CertificateStatus.ISSUED and cert.not_after <= now:
        detail_type = (
            certherd_events.CertherdDetailType.IMPORTED_CERTIFICATE_EXPIRED.value
            if cert.type is CertificateType.IMPORTED
            else acm_events.AcmDetailType.EXPIRED.value
        )
        occasion = _instant(cert.not_after)
        steps.append(_step(cert, StepKind.EXPIRED, occasion, left, detail_type))
    return steps


def _step(
    cert: Certificate,
    kind: StepKind,
    occasion: str,
    left: int,
    detail_type: str | None,
    window: int | None = None,
) -> LifecycleStep:
    return LifecycleStep(
        kind=kind,
        ledger_key=LedgerKey(cert.id, kind.value, occasion),
        arn=cert.arn,
        account=cert.account,
        days_to_expiry=left,
        not_after=cert.not_after,
        detail_type=detail_type,
        window=window,
    )


def authority_due_steps(
    ca: CertificateAuthority,
    *,
    now: datetime,
    days_before: int = DEFAULT_CA_DAYS_BEFORE_EXPIRY,
) -> list[LifecycleStep]:
    """The daily warning due for ``ca`` at ``now``: within ``days_before`` days of its
    NotAfter, while ACTIVE or DISABLED. Raises ValueError when ``days_before`` < 1."""
    if days_before < 1:
        raise ValueError(f"days_before must be at least 1, not {days_before}")
    if ca.not_after is None or authority_status(ca, now) not in (
        AuthorityStatus.ACTIVE,
        AuthorityStatus.DISABLED,
    ):
        return []
    left = days_to_expiry(ca.not_after, now)
    if left > days_before:
        return []
    kind = StepKind.CA_APPROACHING_EXPIRATION
    detail_type = certherd_events.CertherdDetailType.AUTHORITY_APPROACHING_EXPIRATION.value
    return [
        LifecycleStep(
            kind=kind,
            ledger_key=LedgerKey(ca.id, kind.value, _day(now)),
            arn=ca.arn,
            account=ca.account,
            days_to_expiry=left,
            not_after=ca.not_after,
            detail_type=detail_type,
        )
    ]


def renewed_not_after(cert: Certificate, now: datetime) -> datetime:
    """The NotAfter a renewal at ``now`` gives: the certificate's validity from ``now``."""
    return now + timedelta(days=cert.validity_days)


def renewal_failure(
    cert: Certificate, *, authority: CertificateAuthority | None, now: datetime
) -> FailureReason | None:
    """Why renewing ``cert`` through ``authority`` at ``now`` would fail, or None if it can
    succeed (see :func:`certherd.domain.renewal.renewal_obstacle`)."""
    return renewal_obstacle(
        authority=authority,
        account=cert.account,
        new_not_after=renewed_not_after(cert, now),
        now=now,
    )


def apply_renewal_outcome(
    step: LifecycleStep,
    cert: Certificate,
    *,
    failure: FailureReason | None,
    now: datetime,
    region: str,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> RenewalOutcome:
    """What the renewal attempt ``step`` leaves, given how it went.

    ``cert`` is the certificate after the attempt: the renewed one when ``failure`` is
    None, the one as it was otherwise. Success: RenewalSummary(SUCCESS) and ``ACM
    Certificate Available`` with Action RENEWAL. Failure with reason R: RenewalSummary
    (FAILED, R) and, when the attempt's window is 45 days or fewer, ``ACM Certificate
    Renewal Action Required`` with RenewalStatusReason R. Raises ValueError when ``step``
    is not a renewal attempt.
    """
    if step.kind is not StepKind.RENEWAL_ATTEMPT or step.window is None:
        raise ValueError(f"a {step.kind.value} step has no renewal outcome")
    if failure is None:
        envelope = acm_events.available(
            cert,
            action=VersionAction.RENEWAL,
            now=now,
            region=region,
            event_id=event_id,
            new_id=new_id,
        )
        return RenewalOutcome(RenewalSummary(RenewalStatus.SUCCESS, now), envelope)
    summary = RenewalSummary(RenewalStatus.FAILED, now, failure)
    if step.window > ACTION_REQUIRED_FROM_DAYS:
        return RenewalOutcome(summary, None)
    envelope = acm_events.renewal_action_required(
        cert, reason=failure, now=now, region=region, event_id=event_id, new_id=new_id
    )
    return RenewalOutcome(summary, envelope)


def step_envelope(
    step: LifecycleStep,
    subject: Certificate | CertificateAuthority,
    *,
    now: datetime,
    region: str,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """The event of an approaching-expiration, expired or CA step about ``subject``.

    Raises ValueError for a renewal attempt (see :func:`apply_renewal_outcome`) or a
    subject of the wrong kind.
    """
    if isinstance(subject, CertificateAuthority):
        if step.kind is not StepKind.CA_APPROACHING_EXPIRATION:
            raise ValueError(f"a {step.kind.value} step is not about a CA")
        return certherd_events.authority_approaching_expiration(
            subject, now=now, region=region, event_id=event_id, new_id=new_id
        )
    if step.kind is StepKind.APPROACHING_EXPIRATION:
        return acm_events.approaching_expiration(
            subject, now=now, region=region, event_id=event_id, new_id=new_id
        )
    if step.kind is StepKind.EXPIRED:
        if subject.type is CertificateType.IMPORTED:
            return certherd_events.imported_expired(
                subject, now=now, region=region, event_id=event_id, new_id=new_id
            )
        return acm_events.expired(subject, now=now, region=region, event_id=event_id, new_id=new_id)
    raise ValueError(f"a {step.kind.value} step has no event of its own")


def simulate_renewal(cert: Certificate, now: datetime) -> Certificate:
    """``cert`` as a successful renewal at ``now`` would leave it, for forecasts and tests:
    a new version from ``now`` for its validity, not exported yet, RenewalSummary SUCCESS."""
    return replace(
        cert,
        status=CertificateStatus.ISSUED,
        version=cert.version + 1,
        not_before=now,
        not_after=renewed_not_after(cert, now),
        issued_at=now,
        exported_at=None,
        renewal=RenewalSummary(RenewalStatus.SUCCESS, now),
    )
