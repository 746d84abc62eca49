"""Invocations: one event handed to one rule target, with its delivery state.

The router creates them (``PENDING``, due at once); the delivery workers attempt them,
retry them within the target's RetryPolicy and finish them ``SUCCEEDED``, ``FAILED`` or
``DEAD_LETTERED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Invocation", "InvocationState"]


class InvocationState(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    DEAD_LETTERED = "DEAD_LETTERED"


@dataclass(frozen=True)
class Invocation:
    """One (event, rule, target) delivery.

    ``payload`` is what the target receives (the target's input options applied when the
    event was routed). ``max_attempts`` is the total number of attempts allowed (the
    target's MaximumRetryAttempts + 1) and ``max_age_seconds`` its
    MaximumEventAgeInSeconds, counted from ``event_time``, when the event was ingested.
    Both, and ``dead_letter_arn``, are the target's as they were at routing time.
    """

    id: str
    event_id: str
    account: str
    rule_id: str
    rule_arn: str
    target_id: str
    target_arn: str
    payload: str
    state: InvocationState
    attempts: int
    next_attempt_at: datetime
    max_attempts: int
    max_age_seconds: int
    event_time: datetime
    created_at: datetime
    dead_letter_arn: str | None = None
    lease_until: datetime | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
    finished_at: datetime | None = None
