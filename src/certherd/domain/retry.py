"""EventBridge's retry policy for one invocation: when to try again, and when to give up.

After a failed attempt (spec §2.6):

* an error that is not retryable (missing permissions, a target that is gone) gives up at
  once, without retries;
* a retryable one is tried again after a backoff, until the target's RetryPolicy runs
  out: ``MaximumRetryAttempts`` retries (the invocation's ``max_attempts`` is that plus
  the first attempt) or ``MaximumEventAgeInSeconds`` counted from the event's ingestion;
* giving up sends the event to the target's dead-letter queue (``DEAD_LETTER``) or, when
  it has none, drops it (``FAIL``), naming the condition that ran out, if any.

The backoff is exponential with full jitter: retry ``n`` (1 for the first) waits a time
drawn uniformly from ``[0, min(cap, base * 2**(n - 1)))``. AWS publishes neither base nor
cap; certherd takes a base of 1 second and a cap of 15 minutes, which make the default
policy (185 retries) last about the default 24 hours: the mean wait reaches half the cap,
7.5 minutes, after ten retries, and 185 retries then take some 22 hours. A retry is never
scheduled after the event's age limit: one that would be is moved to the limit itself, so
the last chance is taken rather than lost.

The random source is passed in (a function returning a float in ``[0, 1)``), so that
tests choose the jitter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

__all__ = [
    "DEFAULT_BACKOFF",
    "Backoff",
    "ErrorCode",
    "ExhaustedRetryCondition",
    "Failure",
    "RandomSource",
    "RetryDecision",
    "RetryOutcome",
    "age_limit",
    "decide",
    "past_age_limit",
]

#: Returns a float in [0, 1): the jitter of one delay.
RandomSource = Callable[[], float]

#: Above this exponent the cap has long been reached (and 2**n would only grow).
_MAX_EXPONENT: Final = 62


class ErrorCode(StrEnum):
    """The ``ERROR_CODE`` of EventBridge's dead-letter messages.

    The spec (§2.6) lists NO_PERMISSIONS, NO_RESOURCE, RESOURCE_ALREADY_EXISTS, THROTTLING
    and TIMEOUT as examples; the others are from the same user guide page's list of codes.
    """

    NO_PERMISSIONS = "NO_PERMISSIONS"
    NO_RESOURCE = "NO_RESOURCE"
    RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
    THROTTLING = "THROTTLING"
    TIMEOUT = "TIMEOUT"
    CONNECTION_FAILURE = "CONNECTION_FAILURE"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class ExhaustedRetryCondition(StrEnum):
    """The ``EXHAUSTED_RETRY_CONDITION`` of a dead-letter message: what ran out."""

    MAXIMUM_RETRY_ATTEMPTS = "MaximumRetryAttempts"
    MAXIMUM_EVENT_AGE = "MaximumEventAgeInSeconds"


class RetryOutcome(StrEnum):
    RETRY = "RETRY"
    DEAD_LETTER = "DEAD_LETTER"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Failure:
    """Why one attempt failed: an :class:`ErrorCode` value, a message fit to show (never
    a secret), and whether trying again could help."""

    code: str
    message: str
    retryable: bool


@dataclass(frozen=True)
class RetryDecision:
    """What to do after a failed attempt: ``RETRY`` at ``retry_at``, or give up
    (``DEAD_LETTER`` / ``FAIL``) with the condition that ran out (None for an error that is
    not retryable)."""

    outcome: RetryOutcome
    retry_at: datetime | None = None
    exhausted: ExhaustedRetryCondition | None = None


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (see the module docstring)."""

    base_seconds: float = 1.0
    cap_seconds: float = 900.0

    def __post_init__(self) -> None:
        if not 0 < self.base_seconds <= self.cap_seconds:
            raise ValueError("the backoff needs 0 < base <= cap")

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry ``retry`` (1 for the first), in seconds: never
        shrinking from one retry to the next, never above the cap."""
        exponent = min(max(retry, 1) - 1, _MAX_EXPONENT)
        return min(self.cap_seconds, self.base_seconds * 2.0**exponent)

    def delay(self, retry: int, random: RandomSource) -> timedelta:
        """The wait before retry ``retry``: ``random()`` of its ceiling (a value outside
        ``[0, 1)`` is clamped into it)."""
        fraction = min(max(random(), 0.0), 1.0)
        return timedelta(seconds=self.ceiling(retry) * fraction)


DEFAULT_BACKOFF: Final = Backoff()


def age_limit(event_time: datetime, max_age_seconds: int) -> datetime:
    """The last instant a retry may be made: ingestion plus MaximumEventAgeInSeconds."""
    return event_time + timedelta(seconds=max_age_seconds)


def past_age_limit(event_time: datetime, max_age_seconds: int, now: datetime) -> bool:
    """Whether ``now`` is past the event's age limit (a retry due then is not made)."""
    return now > age_limit(event_time, max_age_seconds)


def decide(
    failure: Failure,
    *,
    attempts: int,
    max_attempts: int,
    event_time: datetime,
    max_age_seconds: int,
    now: datetime,
    has_dead_letter_queue: bool,
    random: RandomSource,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> RetryDecision:
    """The decision after a failed attempt at ``now``.

    ``attempts`` counts the attempts made, the one that just failed included;
    ``max_attempts`` is the total allowed (MaximumRetryAttempts + 1). Raises ValueError
    when ``attempts`` is below 1.
    """
    if attempts < 1:
        raise ValueError("a decision follows an attempt: attempts must be at least 1")
    give_up = RetryOutcome.DEAD_LETTER if has_dead_letter_queue else RetryOutcome.FAIL
    if not failure.retryable:
        return RetryDecision(give_up)
    if attempts >= max_attempts:
        return RetryDecision(give_up, exhausted=ExhaustedRetryCondition.MAXIMUM_RETRY_ATTEMPTS)
    limit = age_limit(event_time, max_age_seconds)
    if now >= limit:
        return RetryDecision(give_up, exhausted=ExhaustedRetryCondition.MAXIMUM_EVENT_AGE)
    retry_at = min(now + backoff.delay(attempts, random), limit)
    return RetryDecision(RetryOutcome.RETRY, retry_at=retry_at)
