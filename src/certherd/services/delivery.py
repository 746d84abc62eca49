"""The delivery workers: from invocations to targets, with EventBridge's retry policy and
dead-letter queues (spec §2.6).

:meth:`Delivery.deliver_due` works in three steps:

1. **Claim.** One short transaction leases the due PENDING invocations (next attempt at or
   before ``now``, lease free or expired): ``lease_until = now + lease``. On PostgreSQL the
   claim skips rows other workers hold (``FOR UPDATE SKIP LOCKED``); on SQLite the write
   lock serialises claims.
2. **Deliver** each one, outside the claim's transaction, to the kind of target its ARN
   names (:mod:`.targets`).
3. **Record** the outcome in a transaction of its own, only if the lease is still this
   worker's: SUCCEEDED; or, after a failure, the retry decision of
   :mod:`certherd.domain.retry` — PENDING again with the next attempt's time, or given up:
   DEAD_LETTERED (the payload on the target's dead-letter queue with EventBridge's
   attributes) or FAILED (no dead-letter queue, or one that does not exist). Giving up also
   puts certherd's ``Event Delivery Dead-Lettered`` on the account's default bus.

Local targets (certherd's own queues and buses) are delivered inside the outcome's
transaction: the message and the SUCCEEDED row commit together, so each invocation reaches
such a target exactly once. Other targets are delivered at least once: a worker that dies
after delivering and before recording leaves the lease to expire, and the invocation is
delivered again. The lease must outlast delivering a whole batch.
"""

from __future__ import annotations

import base64
import binascii
import logging
import random as random_module
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import require_utc
from certherd.domain.invocations import Invocation, InvocationState
from certherd.domain.retry import (
    DEFAULT_BACKOFF,
    Backoff,
    ErrorCode,
    ExhaustedRetryCondition,
    Failure,
    RandomSource,
    RetryOutcome,
    decide,
    past_age_limit,
)
from certherd.errors import ValidationError
from certherd.services.dead_letters import (
    dead_letter_attributes,
    record_dead_letter_event,
    send_to_dead_letter_queue,
)
from certherd.services.ports import UnitOfWorkFactory
from certherd.services.queues import QueueService
from certherd.services.targets import AfterCommit, DeliveryError, TargetRegistry

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_LEASE_SECONDS",
    "MAX_INVOCATIONS_PAGE",
    "Delivery",
    "InvocationPage",
]

DEFAULT_BATCH: Final = 100
#: How long a claim lasts; a worker that has not recorded an outcome by then loses it, and
#: what a worker that died (or was killed) mid-batch had claimed is delivered again after it.
DEFAULT_LEASE_SECONDS: Final = 60
MAX_INVOCATIONS_PAGE: Final = 100

_log = logging.getLogger("certherd.delivery")


@dataclass(frozen=True)
class InvocationPage:
    invocations: list[Invocation]
    next_token: str | None


class Delivery:
    """Delivers due invocations; safe to share between threads and to run in several
    processes on one database."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        targets: TargetRegistry,
        queues: QueueService,
        arns: ArnFactory,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        backoff: Backoff = DEFAULT_BACKOFF,
        random: RandomSource | None = None,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError("the lease must be positive")
        self._uow = uow
        # Listing goes through ``read_uow`` (on SQLite it never waits for the write lock).
        self._read_uow = read_uow or uow
        self._targets = targets
        self._queues = queues
        self._region = arns.region
        self._lease = timedelta(seconds=lease_seconds)
        self._backoff = backoff
        self._random: RandomSource = random or random_module.Random().random

    def deliver_due(self, now: datetime, limit: int = DEFAULT_BATCH) -> int:
        """Claim up to ``limit`` invocations due at ``now``, attempt each and record the
        outcomes; return how many were claimed (0: nothing due that this worker could
        claim). An invocation whose outcome could not be recorded (a database error) keeps
        its lease and is attempted again once the lease has expired."""
        with self._uow() as uow:
            claimed = uow.invocations.claim_due(now, lease_until=now + self._lease, limit=limit)
            uow.commit()
        for invocation in claimed:
            try:
                self._attempt(invocation, now)
            except Exception:
                # One invocation must not hold up the rest of the batch; its lease brings
                # it back. Messages of certherd's errors name no secret.
                _log.exception("delivering invocation %s failed", invocation.id)
        return len(claimed)

    def list_invocations(
        self,
        *,
        account: str,
        state: InvocationState | None = None,
        max_items: int = MAX_INVOCATIONS_PAGE,
        next_token: str | None = None,
    ) -> InvocationPage:
        """The account's invocations (in ``state``, if given), newest first, a page at a
        time. Raises ValidationError for ``max_items`` outside 1-100 (MaxItems) or a token
        not from a previous page (NextToken)."""
        validate_account_id(account)
        if not 1 <= max_items <= MAX_INVOCATIONS_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_INVOCATIONS_PAGE}", field="MaxItems")
        before = _decode_token(next_token) if next_token else None
        with self._read_uow() as uow:
            found = uow.invocations.page(account, state=state, limit=max_items + 1, before=before)
        page = found[:max_items]
        more = len(found) > max_items and page
        return InvocationPage(page, _encode_token(page[-1]) if more else None)

    # -- one invocation -----------------------------------------------------------------------

    def _attempt(self, invocation: Invocation, now: datetime) -> None:
        if invocation.attempts > 0 and past_age_limit(
            invocation.event_time, invocation.max_age_seconds, now
        ):
            # A retry picked up after the event's age limit (the workers were stopped) is
            # not made: the event is given up with the error of its last attempt.
            last = Failure(
                invocation.last_error_code or ErrorCode.INTERNAL_ERROR,
                invocation.last_error_message or "",
                retryable=True,
            )
            self._give_up(
                invocation,
                now,
                last,
                attempts=invocation.attempts,
                dead_letter=invocation.dead_letter_arn is not None,
                exhausted=ExhaustedRetryCondition.MAXIMUM_EVENT_AGE,
            )
            return
        target = self._targets.for_arn(invocation.target_arn)
        succeeded = _succeeded(invocation, now)
        lease = _lease_of(invocation)
        after: AfterCommit = None
        try:
            if target.local:
                with self._uow() as uow:
                    # The row first: on PostgreSQL this locks it, so a worker that took
                    # over an expired lease cannot deliver the same invocation meanwhile.
                    if not uow.invocations.update_claimed(succeeded, lease_until=lease):
                        return
                    after = target.deliver(invocation, now=now, uow=uow)
                    uow.commit()
            else:
                after = target.deliver(invocation, now=now, uow=None)
                with self._uow() as uow:
                    uow.invocations.update_claimed(succeeded, lease_until=lease)
                    uow.commit()
        except DeliveryError as exc:
            self._failed(invocation, now, exc.failure)
            return
        if after is not None:
            after()

    def _failed(self, invocation: Invocation, now: datetime, failure: Failure) -> None:
        attempts = invocation.attempts + 1
        decision = decide(
            failure,
            attempts=attempts,
            max_attempts=invocation.max_attempts,
            event_time=invocation.event_time,
            max_age_seconds=invocation.max_age_seconds,
            now=now,
            has_dead_letter_queue=invocation.dead_letter_arn is not None,
            random=self._random,
            backoff=self._backoff,
        )
        if decision.outcome is RetryOutcome.RETRY and decision.retry_at is not None:
            retry = replace(
                invocation,
                attempts=attempts,
                next_attempt_at=decision.retry_at,
                lease_until=None,
                last_error_code=failure.code,
                last_error_message=failure.message,
            )
            with self._uow() as uow:
                uow.invocations.update_claimed(retry, lease_until=_lease_of(invocation))
                uow.commit()
            return
        self._give_up(
            invocation,
            now,
            failure,
            attempts=attempts,
            dead_letter=decision.outcome is RetryOutcome.DEAD_LETTER,
            exhausted=decision.exhausted,
        )

    def _give_up(
        self,
        invocation: Invocation,
        now: datetime,
        failure: Failure,
        *,
        attempts: int,
        dead_letter: bool,
        exhausted: ExhaustedRetryCondition | None,
    ) -> None:
        retries = max(attempts - 1, 0)
        state = InvocationState.DEAD_LETTERED if dead_letter else InvocationState.FAILED
        recorded = failure
        with self._uow() as uow:
            if dead_letter:
                attributes = dead_letter_attributes(
                    invocation, failure, retry_attempts=retries, exhausted=exhausted
                )
                refused = send_to_dead_letter_queue(uow, self._queues, invocation, attributes, now)
                if refused is not None:
                    state = InvocationState.FAILED
                    recorded = Failure(
                        refused.code,
                        f"{refused.message} (delivery failed with {failure.code}: "
                        f"{failure.message})",
                        retryable=False,
                    )
            finished = replace(
                invocation,
                state=state,
                attempts=attempts,
                lease_until=None,
                last_error_code=recorded.code,
                last_error_message=recorded.message,
                finished_at=now,
            )
            if not uow.invocations.update_claimed(finished, lease_until=_lease_of(invocation)):
                return  # another worker has it now; the message above is rolled back
            record_dead_letter_event(
                uow,
                invocation,
                failure,
                region=self._region,
                retry_attempts=retries,
                exhausted=exhausted,
                now=now,
            )
            uow.commit()
        if state is InvocationState.DEAD_LETTERED and invocation.dead_letter_arn is not None:
            self._queues.notify(queue_arn=invocation.dead_letter_arn)


def _lease_of(invocation: Invocation) -> datetime:
    if invocation.lease_until is None:
        raise ValueError(f"invocation {invocation.id} was not claimed")
    return invocation.lease_until


def _succeeded(invocation: Invocation, now: datetime) -> Invocation:
    return replace(
        invocation,
        state=InvocationState.SUCCEEDED,
        attempts=invocation.attempts + 1,
        lease_until=None,
        finished_at=now,
    )


def _encode_token(last: Invocation) -> str:
    raw = f"{last.created_at.isoformat()}|{last.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        created, separator, invocation_id = raw.partition("|")
        if separator and invocation_id:
            return require_utc(datetime.fromisoformat(created)), invocation_id
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise ValidationError("is not a token returned by a previous list call", field="NextToken")
