"""The retry policy: backoff with full jitter, and the decision after a failed attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certherd.domain.retry import (
    DEFAULT_BACKOFF,
    Backoff,
    ErrorCode,
    ExhaustedRetryCondition,
    Failure,
    RetryOutcome,
    decide,
    past_age_limit,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
THROTTLED = Failure(ErrorCode.THROTTLING, "slow down", retryable=True)
GONE = Failure(ErrorCode.NO_RESOURCE, "no such queue", retryable=False)

fractions = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
retries = st.integers(min_value=1, max_value=10_000)
backoffs = st.builds(
    lambda base, factor: Backoff(base, base * factor),
    st.floats(min_value=0.001, max_value=60.0),
    st.floats(min_value=1.0, max_value=10_000.0),
)


@given(backoffs, retries, fractions)
def test_delays_stay_within_zero_and_the_ceiling(
    backoff: Backoff, retry: int, fraction: float
) -> None:
    delay = backoff.delay(retry, lambda: fraction).total_seconds()
    ceiling = backoff.ceiling(retry)
    assert 0.0 <= delay <= ceiling + 1e-6
    assert ceiling <= backoff.cap_seconds


@given(backoffs, retries)
def test_ceilings_never_shrink_and_reach_the_cap(backoff: Backoff, retry: int) -> None:
    assert backoff.ceiling(retry) <= backoff.ceiling(retry + 1)
    assert backoff.ceiling(retry) >= min(backoff.base_seconds, backoff.cap_seconds)
    assert backoff.ceiling(10_000) == backoff.cap_seconds


@given(retries, st.floats(allow_nan=False))
def test_a_random_source_out_of_range_is_clamped(retry: int, value: float) -> None:
    delay = DEFAULT_BACKOFF.delay(retry, lambda: value).total_seconds()
    assert 0.0 <= delay <= DEFAULT_BACKOFF.ceiling(retry) + 1e-6


def test_the_default_backoff_doubles_from_one_second_to_fifteen_minutes() -> None:
    assert [DEFAULT_BACKOFF.ceiling(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert DEFAULT_BACKOFF.ceiling(10) == 512
    assert DEFAULT_BACKOFF.ceiling(11) == 900
    assert DEFAULT_BACKOFF.delay(3, lambda: 0.5) == timedelta(seconds=2)


def test_the_default_policy_spans_about_a_day() -> None:
    mean = sum(DEFAULT_BACKOFF.ceiling(n) / 2 for n in range(1, 186))
    assert timedelta(hours=18) < timedelta(seconds=mean) < timedelta(hours=24)


def test_a_backoff_needs_a_positive_base_below_its_cap() -> None:
    with pytest.raises(ValueError):
        Backoff(0, 10)
    with pytest.raises(ValueError):
        Backoff(10, 5)


def _decide(
    failure: Failure = THROTTLED,
    *,
    attempts: int = 1,
    max_attempts: int = 186,
    now: datetime = T0,
    max_age: int = 86400,
    dlq: bool = True,
    fraction: float = 0.5,
) -> tuple[RetryOutcome, datetime | None, ExhaustedRetryCondition | None]:
    decision = decide(
        failure,
        attempts=attempts,
        max_attempts=max_attempts,
        event_time=T0,
        max_age_seconds=max_age,
        now=now,
        has_dead_letter_queue=dlq,
        random=lambda: fraction,
    )
    return decision.outcome, decision.retry_at, decision.exhausted


def test_a_retryable_error_is_retried_after_the_backoff() -> None:
    now = T0 + timedelta(seconds=10)
    assert _decide(now=now, attempts=3) == (
        RetryOutcome.RETRY,
        now + timedelta(seconds=2),  # half of the third retry's 4 s
        None,
    )


def test_an_error_that_is_not_retryable_gives_up_at_once() -> None:
    assert _decide(GONE) == (RetryOutcome.DEAD_LETTER, None, None)
    assert _decide(GONE, dlq=False) == (RetryOutcome.FAIL, None, None)


def test_running_out_of_attempts() -> None:
    # MaximumRetryAttempts 2: three attempts in all.
    assert _decide(attempts=2, max_attempts=3)[0] is RetryOutcome.RETRY
    assert _decide(attempts=3, max_attempts=3) == (
        RetryOutcome.DEAD_LETTER,
        None,
        ExhaustedRetryCondition.MAXIMUM_RETRY_ATTEMPTS,
    )
    assert _decide(attempts=1, max_attempts=1, dlq=False) == (
        RetryOutcome.FAIL,
        None,
        ExhaustedRetryCondition.MAXIMUM_RETRY_ATTEMPTS,
    )


def test_running_out_of_event_age() -> None:
    limit = T0 + timedelta(seconds=60)
    assert _decide(now=limit, max_age=60) == (
        RetryOutcome.DEAD_LETTER,
        None,
        ExhaustedRetryCondition.MAXIMUM_EVENT_AGE,
    )
    # A retry that would come after the limit is made at the limit.
    almost = limit - timedelta(seconds=1)
    assert _decide(now=almost, max_age=60, attempts=20, fraction=0.9) == (
        RetryOutcome.RETRY,
        limit,
        None,
    )
    assert not past_age_limit(T0, 60, limit)
    assert past_age_limit(T0, 60, limit + timedelta(microseconds=1))


@given(
    attempts=st.integers(min_value=1, max_value=200),
    max_attempts=st.integers(min_value=1, max_value=186),
    elapsed=st.integers(min_value=0, max_value=100_000),
    max_age=st.integers(min_value=60, max_value=86400),
    fraction=fractions,
    retryable=st.booleans(),
)
def test_every_retry_is_in_the_future_and_within_the_age_limit(
    attempts: int, max_attempts: int, elapsed: int, max_age: int, fraction: float, retryable: bool
) -> None:
    now = T0 + timedelta(seconds=elapsed)
    failure = Failure(ErrorCode.TIMEOUT, "timed out", retryable=retryable)
    outcome, retry_at, exhausted = _decide(
        failure,
        attempts=attempts,
        max_attempts=max_attempts,
        now=now,
        max_age=max_age,
        fraction=fraction,
    )
    if outcome is RetryOutcome.RETRY:
        assert retry_at is not None
        assert now <= retry_at <= T0 + timedelta(seconds=max_age)
        assert retryable and attempts < max_attempts
    else:
        assert outcome is RetryOutcome.DEAD_LETTER
        assert (exhausted is None) == (not retryable)


def test_a_decision_follows_an_attempt() -> None:
    with pytest.raises(ValueError):
        _decide(attempts=0)
