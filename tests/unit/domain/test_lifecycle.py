"""The lifecycle tick's decisions: expiry events, managed renewal windows, day arithmetic."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifecycle_support import ACCOUNT, REGION, authority, certificate

from certherd.domain import lifecycle
from certherd.domain.authority import (
    AuthorityStatus,
)
from certherd.domain.certificate import (
    CertificateStatus,
    CertificateType,
    FailureReason,
    RenewalStatus,
)
from certherd.domain.lifecycle import LedgerKey, StepKind, due_steps, due_window
from certherd.domain.records import AccountConfig

START = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)  # 00:00 UTC plus some hours
CONFIG = AccountConfig(ACCOUNT)
APPROACHING = "ACM Certificate Approaching Expiration"
ACTION_REQUIRED = "ACM Certificate Renewal Action Required"
AVAILABLE = "ACM Certificate Available"
EXPIRED = "ACM Certificate Expired"


def kinds(steps: list[lifecycle.LifecycleStep]) -> list[StepKind]:
    return [s.kind for s in steps]


@pytest.mark.parametrize(
    ("days_left", "window"),
    [
        (400, None),
        (61, None),
        (60, 60),
        (59, 60),
        (46, 60),
        (45, 45),
        (44, 45),
        (31, 45),
        (30, 30),
        (16, 30),
        (15, 15),
        (4, 15),
        (3, 3),
        (2, 3),
        (1, 1),
        (0, 1),
        (-1, None),
    ],
)
def test_due_window_is_the_smallest_window_not_below_the_days_left(
    days_left: int, window: int | None
) -> None:
    assert due_window(days_left) == window


def test_windows_not_shorter_than_the_validity_are_left_out() -> None:
    assert due_window(44, validity_days=45) is None
    assert due_window(30, validity_days=45) == 30
    assert due_window(10, validity_days=10) is None
    assert due_window(3, validity_days=10) == 3


@pytest.mark.parametrize(
    ("left", "due"),
    [
        (timedelta(days=46), False),
        (timedelta(days=46) - timedelta(seconds=1), True),  # 45 whole days
        (timedelta(days=45), True),
        (timedelta(seconds=1), True),  # 0 whole days, still ISSUED
        (timedelta(0), False),  # NotAfter reached: expired, not approaching
    ],
)
def test_approaching_expiration_boundaries(left: timedelta, due: bool) -> None:
    imported = certificate(START, type=CertificateType.IMPORTED, not_after=START + left)
    steps = due_steps(imported, config=CONFIG, now=START)
    assert (StepKind.APPROACHING_EXPIRATION in kinds(steps)) is due


def test_approaching_expiration_step_and_ledger_key() -> None:
    cert = certificate(START, not_after=START + timedelta(days=20, hours=3))
    (step,) = [s for s in due_steps(cert, config=CONFIG, now=START) if s.window is None]
    assert step.kind is StepKind.APPROACHING_EXPIRATION
    assert step.ledger_key == LedgerKey("cert-1", "approaching-expiration", "2026-03-10")
    assert step.ledger_key == ("cert-1", "approaching-expiration", "2026-03-10")
    assert step.days_to_expiry == 20
    assert step.detail_type == APPROACHING
    assert step.arn == cert.arn and step.account == ACCOUNT


@pytest.mark.parametrize("days_before", [1, 10, 45])
def test_the_account_window_decides_when_approaching_starts(days_before: int) -> None:
    config = AccountConfig(ACCOUNT, days_before_expiry=days_before)
    for extra in (0, 1):
        cert = certificate(START, not_after=START + timedelta(days=days_before + extra, hours=1))
        due = StepKind.APPROACHING_EXPIRATION in kinds(due_steps(cert, config=config, now=START))
        assert due is (extra == 0)


@pytest.mark.parametrize("days_before", [0, 46, -3])
def test_days_before_expiry_outside_1_to_45_is_a_bug(days_before: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.45"):
        due_steps(
            certificate(START),
            config=AccountConfig(ACCOUNT, days_before_expiry=days_before),
            now=START,
        )


@pytest.mark.parametrize(
    "status",
    [CertificateStatus.REVOKED, CertificateStatus.PENDING_VALIDATION, CertificateStatus.EXPIRED],
)
def test_only_issued_certificates_approach_expiration(status: CertificateStatus) -> None:
    cert = certificate(START, status=status, not_after=START + timedelta(days=5))
    assert due_steps(cert, config=CONFIG, now=START) == []


@pytest.mark.parametrize(
    ("kind", "detail_type"),
    [
        (CertificateType.PRIVATE, EXPIRED),
        (CertificateType.AMAZON_ISSUED, EXPIRED),
        (CertificateType.IMPORTED, "Imported Certificate Expired"),
    ],
)
def test_expired_once_per_version(kind: CertificateType, detail_type: str) -> None:
    not_after = START + timedelta(days=1)
    cert = certificate(START, type=kind, not_after=not_after)
    assert StepKind.EXPIRED not in kinds(
        due_steps(cert, config=CONFIG, now=not_after - timedelta(seconds=1))
    )
    (step,) = due_steps(cert, config=CONFIG, now=not_after)
    assert step.kind is StepKind.EXPIRED
    assert step.detail_type == detail_type
    assert step.ledger_key == ("cert-1", "expired", "2026-03-11T07:30:00+00:00")
    later = due_steps(cert, config=CONFIG, now=not_after + timedelta(days=3))
    assert [s.ledger_key for s in later] == [step.ledger_key]
    stored_expired = replace(cert, status=CertificateStatus.EXPIRED)
    assert due_steps(stored_expired, config=CONFIG, now=not_after) == []
    envelope = lifecycle.step_envelope(step, cert, now=not_after, region=REGION)
    assert envelope["detail-type"] == detail_type


def test_renewal_attempts_need_an_eligible_private_certificate() -> None:
    near = START + timedelta(days=44, hours=2)
    for cert in (
        certificate(START, not_after=near, exported_at=None),
        certificate(START, not_after=near, type=CertificateType.IMPORTED),
        certificate(START, not_after=near, type=CertificateType.AMAZON_ISSUED),
        certificate(START, not_after=near, status=CertificateStatus.REVOKED),
    ):
        assert StepKind.RENEWAL_ATTEMPT not in kinds(due_steps(cert, config=CONFIG, now=START))
    in_use = certificate(START, not_after=near, exported_at=None, in_use_by=("arn:lb",))
    assert StepKind.RENEWAL_ATTEMPT in kinds(due_steps(in_use, config=CONFIG, now=START))


def test_renewal_attempt_step_comes_first_and_is_keyed_by_version_and_window() -> None:
    cert = certificate(START, not_after=START + timedelta(days=44, hours=2))
    steps = due_steps(cert, config=CONFIG, now=START)
    assert kinds(steps) == [StepKind.RENEWAL_ATTEMPT, StepKind.APPROACHING_EXPIRATION]
    attempt = steps[0]
    assert attempt.window == 45
    assert attempt.attempt == 2
    assert attempt.detail_type is None
    assert attempt.ledger_key == (
        "cert-1",
        "renewal-attempt",
        "2026-04-23T09:30:00+00:00/45",
    )


def test_renewal_outcomes() -> None:
    cert = certificate(START, not_after=START + timedelta(days=59, hours=2))
    (early,) = [s for s in due_steps(cert, config=CONFIG, now=START)]
    assert early.window == 60
    silent = lifecycle.apply_renewal_outcome(
        early, cert, failure=FailureReason.PCA_ACCESS_DENIED, now=START, region=REGION
    )
    assert silent.summary.status is RenewalStatus.FAILED
    assert silent.summary.reason is FailureReason.PCA_ACCESS_DENIED
    assert silent.summary.updated_at == START
    assert silent.envelope is None

    renewed = lifecycle.simulate_renewal(cert, START)
    assert renewed.not_after == START + timedelta(days=cert.validity_days)
    assert renewed.version == 2 and renewed.exported_at is None
    success = lifecycle.apply_renewal_outcome(
        early, renewed, failure=None, now=START, region=REGION, event_id="e-1"
    )
    assert success.summary.status is RenewalStatus.SUCCESS
    assert success.envelope is not None
    assert success.envelope["id"] == "e-1"
    assert success.envelope["detail-type"] == AVAILABLE
    assert success.envelope["detail"]["Action"] == "RENEWAL"
    assert success.envelope["detail"]["DaysToExpiry"] == cert.validity_days

    later = START + timedelta(days=14)
    (step, _approaching) = due_steps(cert, config=CONFIG, now=later)
    assert step.window == 45
    loud = lifecycle.apply_renewal_outcome(
        step, cert, failure=FailureReason.PCA_INVALID_STATE, now=later, region=REGION
    )
    assert loud.envelope is not None
    assert loud.envelope["detail-type"] == ACTION_REQUIRED
    assert loud.envelope["detail"]["RenewalStatusReason"] == "PCA_INVALID_STATE"
    assert loud.envelope["detail"]["DaysToExpiry"] == 45
    with pytest.raises(ValueError, match="no renewal outcome"):
        lifecycle.apply_renewal_outcome(_approaching, cert, failure=None, now=later, region=REGION)
    with pytest.raises(ValueError, match="no event of its own"):
        lifecycle.step_envelope(step, cert, now=later, region=REGION)


def test_renewal_failure_asks_the_ca_about_the_renewed_validity() -> None:
    cert = certificate(START)
    assert lifecycle.renewal_failure(cert, authority=authority(START), now=START) is None
    assert (
        lifecycle.renewal_failure(cert, authority=authority(START, permissions=()), now=START)
        is FailureReason.PCA_ACCESS_DENIED
    )
    short_ca = authority(START, not_after=START + timedelta(days=100))
    assert (
        lifecycle.renewal_failure(cert, authority=short_ca, now=START)
        is FailureReason.PCA_INVALID_DURATION
    )
    assert (
        lifecycle.renewal_failure(cert, authority=None, now=START)
        is FailureReason.PCA_RESOURCE_NOT_FOUND
    )


def test_the_ca_warns_daily_before_its_own_expiry() -> None:
    ca = authority(START, not_after=START + timedelta(days=90, hours=2))
    (step,) = lifecycle.authority_due_steps(ca, now=START)
    assert step.kind is StepKind.CA_APPROACHING_EXPIRATION
    assert step.ledger_key == ("ca-1", "ca-approaching-expiration", "2026-03-10")
    assert step.days_to_expiry == 90
    envelope = lifecycle.step_envelope(step, ca, now=START, region=REGION)
    assert envelope["detail-type"] == "Certificate Authority Approaching Expiration"
    assert envelope["detail"]["DaysToExpiry"] == 90
    assert lifecycle.authority_due_steps(ca, now=START - timedelta(days=1)) == []
    assert lifecycle.authority_due_steps(ca, now=START, days_before=30) == []
    disabled = replace(ca, status=AuthorityStatus.DISABLED)
    assert len(lifecycle.authority_due_steps(disabled, now=START)) == 1
    for status in (AuthorityStatus.DELETED, AuthorityStatus.PENDING_CERTIFICATE):
        assert lifecycle.authority_due_steps(replace(ca, status=status), now=START) == []
    assert lifecycle.authority_due_steps(ca, now=ca.not_after or START) == []
    with pytest.raises(ValueError, match="at least 1"):
        lifecycle.authority_due_steps(ca, now=START, days_before=0)
    with pytest.raises(ValueError, match="not about a CA"):
        lifecycle.step_envelope(replace(step, kind=StepKind.EXPIRED), ca, now=START, region=REGION)


@given(
    left=st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=70)),
    days_before=st.integers(min_value=1, max_value=45),
    exported=st.booleans(),
    kind=st.sampled_from(list(CertificateType)),
)
def test_due_steps_invariants(
    left: timedelta, days_before: int, exported: bool, kind: CertificateType
) -> None:
    cert = certificate(
        START,
        not_after=START + left,
        type=kind,
        exported_at=START if exported else None,
    )
    steps = due_steps(cert, config=AccountConfig(ACCOUNT, days_before), now=START)
    whole_days = left.days
    assert len(set(kinds(steps))) == len(steps)
    for step in steps:
        assert step.days_to_expiry == whole_days
        if step.kind is StepKind.APPROACHING_EXPIRATION:
            assert 0 <= whole_days <= days_before and left > timedelta(0)
        if step.kind is StepKind.EXPIRED:
            assert left <= timedelta(0)
        if step.kind is StepKind.RENEWAL_ATTEMPT:
            assert kind is CertificateType.PRIVATE and exported
            assert step.window is not None and step.window >= whole_days >= 0
    assert not {StepKind.EXPIRED, StepKind.RENEWAL_ATTEMPT} <= set(kinds(steps))
