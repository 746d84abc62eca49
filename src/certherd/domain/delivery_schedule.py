"""When a topic delivery is tried again (spec 3.5), and how fast one subscription is sent to.

A :class:`RetryPolicy` is SNS's ``healthyRetryPolicy``: after the first attempt fails it
allows ``num_retries`` retries in four phases, in this order:

1. ``num_no_delay_retries`` retries at once (no delay);
2. ``num_min_delay_retries`` retries ``min_delay_target`` seconds apart (pre-backoff);
3. the backoff phase: the retries left over (``num_retries`` minus the three other
   counts), whose delays rise from ``min_delay_target`` to ``max_delay_target``;
4. ``num_max_delay_retries`` retries ``max_delay_target`` seconds apart (post-backoff).

AWS documents what the backoff phase starts and ends with, not the shape of its four
curves. certherd uses these, for backoff retry ``i`` of ``n`` (``f = (i - 1) / (n - 1)``,
0 for the first and 1 for the last; a lone backoff retry has ``f = 0``), ``min`` and
``max`` the two targets and ``r = max / min``:

* ``linear``:      ``min + (max - min) * f``  -- evenly spaced;
* ``arithmetic``:  ``min + (max - min) * f**2`` -- the steps grow by a constant amount;
* ``geometric``:   ``min * r**f`` -- each delay a constant multiple of the one before;
* ``exponential``: ``min * r**(f**2)`` -- multiplicative with a growing factor.

Every curve starts at exactly ``min`` and ends at exactly ``max``, and never falls. At
every retry ``exponential`` waits the least of the four and so rises the steepest at the
end (``r**(f*f) <= r**f`` and, by convexity, ``r**x <= 1 + (r - 1) * x``); ``linear``
waits the most.

AWS applies jitter to retries; certherd moves each nominal delay by up to 10 % either
way (``random() == 0.5`` gives the nominal delay), never below zero nor above
``max_delay_target``. The random source is passed in, so that tests choose the jitter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

__all__ = [
    "JITTER",
    "BackoffFunction",
    "RandomSource",
    "RetryPolicy",
    "Throttle",
    "nominal_delay",
    "nominal_schedule",
    "retry_delay",
    "total_retry_seconds",
]

#: Returns a float in [0, 1): the jitter of one delay.
RandomSource = Callable[[], float]

#: The largest share of a nominal delay that jitter adds or takes away.
JITTER: Final = 0.10


class BackoffFunction(StrEnum):
    """How delays rise during the backoff phase (see the module docstring)."""

    LINEAR = "linear"
    ARITHMETIC = "arithmetic"
    GEOMETRIC = "geometric"
    EXPONENTIAL = "exponential"


@dataclass(frozen=True)
class RetryPolicy:
    """The retries after a failed first attempt, in four phases (see the module docstring).

    Only the shape is checked here (ValueError): counts not negative, the three phase
    counts within ``num_retries``, ``1 <= min_delay_target <= max_delay_target``. The
    bounds AWS puts on a customer's HTTP/S policy (at most 100 retries, 3,600 seconds)
    are checked where such a policy is parsed, since SNS's own policies exceed them.
    """

    min_delay_target: int
    max_delay_target: int
    num_retries: int
    num_no_delay_retries: int = 0
    num_min_delay_retries: int = 0
    num_max_delay_retries: int = 0
    backoff_function: BackoffFunction = BackoffFunction.LINEAR

    def __post_init__(self) -> None:
        counts = (
            self.num_retries,
            self.num_no_delay_retries,
            self.num_min_delay_retries,
            self.num_max_delay_retries,
        )
        if min(counts) < 0:
            raise ValueError("retry counts cannot be negative")
        if self.num_backoff_retries < 0:
            raise ValueError("the phase counts exceed num_retries")
        if not 1 <= self.min_delay_target <= self.max_delay_target:
            raise ValueError("a retry policy needs 1 <= min_delay_target <= max_delay_target")

    @property
    def num_backoff_retries(self) -> int:
        """The retries of the backoff phase: what the three other phases leave over."""
        return (
            self.num_retries
            - self.num_no_delay_retries
            - self.num_min_delay_retries
            - self.num_max_delay_retries
        )


def _backoff_delay(policy: RetryPolicy, index: int, count: int) -> float:
    """The nominal delay of backoff retry ``index`` (1-based) of ``count``."""
    low, high = float(policy.min_delay_target), float(policy.max_delay_target)
    if index >= count and count > 1:
        return high  # exactly the target, whatever the rounding of the curve
    fraction = (index - 1) / (count - 1) if count > 1 else 0.0
    ratio = high / low
    function = policy.backoff_function
    if function is BackoffFunction.LINEAR:
        return low + (high - low) * fraction
    if function is BackoffFunction.ARITHMETIC:
        return low + (high - low) * fraction * fraction
    if function is BackoffFunction.GEOMETRIC:
        return low * math.pow(ratio, fraction)
    return low * math.pow(ratio, fraction * fraction)


def nominal_delay(policy: RetryPolicy, retry: int) -> float | None:
    """The delay in seconds before retry ``retry`` (1 for the retry after the first
    attempt) without jitter, or None when the policy allows no such retry.

    Raises ValueError when ``retry`` is below 1.
    """
    if retry < 1:
        raise ValueError("retries are numbered from 1")
    if retry > policy.num_retries:
        return None
    step = retry
    if step <= policy.num_no_delay_retries:
        return 0.0
    step -= policy.num_no_delay_retries
    if step <= policy.num_min_delay_retries:
        return float(policy.min_delay_target)
    step -= policy.num_min_delay_retries
    if step <= policy.num_backoff_retries:
        return _backoff_delay(policy, step, policy.num_backoff_retries)
    return float(policy.max_delay_target)


def nominal_schedule(policy: RetryPolicy) -> list[float]:
    """The delays in seconds before each retry, in order, without jitter."""
    schedule = [0.0] * policy.num_no_delay_retries
    schedule += [float(policy.min_delay_target)] * policy.num_min_delay_retries
    count = policy.num_backoff_retries
    schedule += [_backoff_delay(policy, index, count) for index in range(1, count + 1)]
    schedule += [float(policy.max_delay_target)] * policy.num_max_delay_retries
    return schedule


def total_retry_seconds(policy: RetryPolicy) -> float:
    """The time all retries of the policy wait together, without jitter: what AWS's
    3,600-second limit on HTTP/S policies is checked against."""
    count = policy.num_backoff_retries
    backoff = sum(_backoff_delay(policy, index, count) for index in range(1, count + 1))
    return (
        policy.num_min_delay_retries * policy.min_delay_target
        + backoff
        + policy.num_max_delay_retries * policy.max_delay_target
    )


def retry_delay(policy: RetryPolicy, retry: int, random: RandomSource) -> timedelta | None:
    """The wait before retry ``retry`` (1 for the retry after the first attempt), with
    jitter; None when the retries are exhausted.

    The nominal delay moves by ``(random() - 0.5) * 2 * JITTER`` of itself (a value of
    ``random()`` outside ``[0, 1]`` is clamped into it), then is held within
    ``[0, max_delay_target]``. Raises ValueError when ``retry`` is below 1.
    """
    nominal = nominal_delay(policy, retry)
    if nominal is None:
        return None
    fraction = min(max(random(), 0.0), 1.0)
    jittered = nominal * (1.0 + (fraction - 0.5) * 2.0 * JITTER)
    return timedelta(seconds=min(max(jittered, 0.0), float(policy.max_delay_target)))


class Throttle:
    """Spaces the sends to one subscription so that at most ``max_per_second`` go in any
    second (``throttlePolicy.maxReceivesPerSecond``): consecutive sends are at least
    ``1 / max_per_second`` seconds apart. Time is passed in; nothing here reads a clock.
    """

    def __init__(self, max_per_second: int) -> None:
        if max_per_second < 1:
            raise ValueError("a throttle allows at least one send per second")
        self.max_per_second = max_per_second
        # Rounded up to the microsecond: rounding down would let one send too many
        # into some second.
        self._spacing = timedelta(microseconds=-(-1_000_000 // max_per_second))
        self._next_free: datetime | None = None

    def admit(self, now: datetime) -> datetime:
        """The earliest instant a send asked for at ``now`` may happen (``now`` itself
        when it may go at once), recorded as taken: the next send is spaced after it."""
        at = now if self._next_free is None else max(now, self._next_free)
        self._next_free = at + self._spacing
        return at
