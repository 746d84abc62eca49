"""SNS delivery retries: the four phases, the backoff curves, jitter, and the throttle."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from certherd.domain.delivery_schedule import (
    JITTER,
    BackoffFunction,
    RetryPolicy,
    Throttle,
    nominal_delay,
    nominal_schedule,
    retry_delay,
    total_retry_seconds,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def middle() -> float:
    return 0.5


@st.composite
def policies(draw: st.DrawFn, function: BackoffFunction | None = None) -> RetryPolicy:
    low = draw(st.integers(min_value=1, max_value=3600))
    high = draw(st.integers(min_value=low, max_value=3600))
    phases = draw(st.lists(st.integers(min_value=0, max_value=10), min_size=4, max_size=4))
    return RetryPolicy(
        low,
        high,
        sum(phases),
        phases[0],
        phases[1],
        phases[2],
        function or draw(st.sampled_from(BackoffFunction)),
    )


def backoff_part(policy: RetryPolicy) -> list[float]:
    start = policy.num_no_delay_retries + policy.num_min_delay_retries
    return nominal_schedule(policy)[start : start + policy.num_backoff_retries]


def backoff_of(function: BackoffFunction, low: int, high: int, count: int) -> list[float]:
    return nominal_schedule(RetryPolicy(low, high, count, backoff_function=function))


def test_the_default_http_policy_waits_twenty_seconds_three_times() -> None:
    policy = RetryPolicy(20, 20, 3)
    delays = [retry_delay(policy, n, middle) for n in (1, 2, 3, 4)]
    assert delays == [timedelta(seconds=20)] * 3 + [None]


def test_the_phases_come_in_order() -> None:
    policy = RetryPolicy(5, 50, 10, 2, 3, 1, BackoffFunction.LINEAR)
    assert nominal_schedule(policy) == [0, 0, 5, 5, 5, 5, 20, 35, 50, 50]
    assert policy.num_backoff_retries == 4


def test_retries_run_out() -> None:
    policy = RetryPolicy(1, 60, 5, 1, 1, 1)
    assert retry_delay(policy, 5, middle) is not None
    assert retry_delay(policy, 6, middle) is None
    assert retry_delay(RetryPolicy(1, 1, 0), 1, middle) is None
    assert nominal_delay(policy, 1_000) is None


def test_retries_are_numbered_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        retry_delay(RetryPolicy(1, 1, 3), 0, middle)


@pytest.mark.parametrize(
    ("function", "low", "high", "count", "expected"),
    [
        (BackoffFunction.LINEAR, 5, 50, 4, [5, 20, 35, 50]),
        (BackoffFunction.ARITHMETIC, 1, 10, 4, [1, 2, 5, 10]),  # steps of 1, 3, 5
        (BackoffFunction.GEOMETRIC, 1, 8, 4, [1, 2, 4, 8]),  # doubling
        (BackoffFunction.EXPONENTIAL, 1, 16, 3, [1, 2, 16]),  # 16 ** (f * f)
    ],
)
def test_each_backoff_function_has_its_shape(
    function: BackoffFunction, low: int, high: int, count: int, expected: list[float]
) -> None:
    assert backoff_of(function, low, high, count) == pytest.approx(expected)


@pytest.mark.parametrize("function", list(BackoffFunction))
def test_a_lone_backoff_retry_waits_the_minimum(function: BackoffFunction) -> None:
    assert backoff_of(function, 3, 300, 1) == [3.0]


@given(policies())
def test_the_backoff_phase_rises_from_exactly_min_to_exactly_max(policy: RetryPolicy) -> None:
    part = backoff_part(policy)
    assume(len(part) >= 2)
    assert part[0] == policy.min_delay_target
    assert part[-1] == policy.max_delay_target
    assert all(a <= b for a, b in itertools.pairwise(part))


@given(st.integers(1, 3600), st.integers(0, 3599), st.integers(2, 100))
def test_exponential_waits_least_and_linear_most(low: int, extra: int, count: int) -> None:
    high = min(low + extra, 3600)
    linear, arithmetic, geometric, exponential = (
        backoff_of(function, low, high, count) for function in BackoffFunction
    )
    for index in range(count):
        slack = 1e-9 * high
        assert exponential[index] <= geometric[index] + slack
        assert exponential[index] <= arithmetic[index] + slack
        assert geometric[index] <= linear[index] + slack
        assert arithmetic[index] <= linear[index] + slack


@given(policies())
def test_the_schedule_matches_delay_by_delay(policy: RetryPolicy) -> None:
    schedule = nominal_schedule(policy)
    assert len(schedule) == policy.num_retries
    assert [nominal_delay(policy, n) for n in range(1, policy.num_retries + 1)] == schedule
    assert total_retry_seconds(policy) == pytest.approx(sum(schedule))
    assert all(0 <= delay <= policy.max_delay_target for delay in schedule)


@given(policies(), st.floats(min_value=0.0, max_value=1.0, exclude_max=True), st.data())
def test_jitter_stays_within_ten_percent_and_the_maximum(
    policy: RetryPolicy, fraction: float, data: st.DataObject
) -> None:
    assume(policy.num_retries > 0)
    retry = data.draw(st.integers(1, policy.num_retries))
    nominal = nominal_delay(policy, retry)
    delay = retry_delay(policy, retry, lambda: fraction)
    assert nominal is not None and delay is not None
    seconds = delay.total_seconds()
    assert 0.0 <= seconds <= policy.max_delay_target
    assert nominal * (1 - JITTER) - 1e-6 <= seconds <= nominal * (1 + JITTER) + 1e-6


@given(policies(), st.floats(allow_nan=False))
def test_jitter_is_exact_at_one_half_and_clamps_odd_random_values(
    policy: RetryPolicy, value: float
) -> None:
    assume(policy.num_retries > 0)
    for retry in range(1, policy.num_retries + 1):
        nominal = nominal_delay(policy, retry)
        assert nominal is not None
        assert retry_delay(policy, retry, middle) == timedelta(seconds=nominal)
        odd = retry_delay(policy, retry, lambda: value)
        assert odd is not None
        assert 0.0 <= odd.total_seconds() <= policy.max_delay_target


def test_jitter_moves_the_delay_both_ways() -> None:
    policy = RetryPolicy(10, 100, 2, 0, 1, 1)  # 10 s, then 100 s
    assert retry_delay(policy, 1, lambda: 0.0) == timedelta(seconds=9)
    assert retry_delay(policy, 1, lambda: 0.99) == timedelta(seconds=10 * 1.098)
    assert retry_delay(policy, 2, lambda: 0.0) == timedelta(seconds=90)
    assert retry_delay(policy, 2, lambda: 0.99) == timedelta(seconds=100)  # held at max
    assert retry_delay(RetryPolicy(1, 1, 1, 1), 1, lambda: 0.99) == timedelta(0)


@pytest.mark.parametrize(
    "arguments",
    [
        (1, 1, -1),
        (1, 1, 2, -1),
        (1, 1, 2, 1, 1, 1),
        (0, 1, 1),
        (5, 4, 1),
    ],
)
def test_a_retry_policy_of_impossible_shape_is_refused(arguments: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"retr|delay"):
        RetryPolicy(*arguments)


# -- the throttle --------------------------------------------------------------------------


def test_the_throttle_spaces_sends() -> None:
    throttle = Throttle(2)
    assert [throttle.admit(T0) for _ in range(3)] == [
        T0,
        T0 + timedelta(seconds=0.5),
        T0 + timedelta(seconds=1),
    ]
    later = T0 + timedelta(seconds=5)
    assert throttle.admit(later) == later
    assert throttle.admit(later + timedelta(seconds=0.2)) == later + timedelta(seconds=0.5)


def test_a_throttle_allows_at_least_one_send_a_second() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Throttle(0)


@given(
    st.integers(1, 50),
    st.lists(st.integers(0, 3_000_000), min_size=1, max_size=60),
)
def test_no_second_holds_more_sends_than_the_rate(rate: int, offsets: list[int]) -> None:
    throttle = Throttle(rate)
    asked = [T0 + timedelta(microseconds=offset) for offset in sorted(offsets)]
    admitted = [throttle.admit(moment) for moment in asked]
    assert all(got >= want for got, want in zip(admitted, asked, strict=True))
    assert admitted == sorted(admitted)
    for index, start in enumerate(admitted):
        window = [moment for moment in admitted[index:] if moment < start + timedelta(seconds=1)]
        assert len(window) <= rate
