"""The topic delivery workers: from deliveries to subscribers, with SNS's delivery policies
(spec §3.5), throttles and dead-letter queues.

:meth:`TopicDelivery.deliver_due` works as the rule delivery does:

1. **Claim** due PENDING deliveries in one short transaction (a lease; ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL).
2. **Prepare** each: the subscriptions, topics and messages of the batch are read in bulk,
   in the claim's transaction (bodies of encrypted topics and sealed endpoints opened once
   per batch); a delivery whose subscription is gone, or no longer in the state the
   delivery was made for, is DROPPED; one over its subscription's throttle is put off.
3. **Attempt** them, several at once: the http(s) deliveries together through the HTTP
   sender's event loop, the others in threads (their channels wait on the network).
4. **Record** every attempt and every outcome in one transaction: DELIVERED; PENDING again
   at the time the delivery policy sets; or, retries exhausted or the failure final,
   DEAD_LETTERED (the message on the subscription's RedrivePolicy queue, with SNS's
   ``ErrorCode``/``ErrorMessage``/``RequestID`` attributes) or FAILED.

Delivery is at least once: a worker that dies between attempting and recording leaves the
lease to expire and the delivery is made again, with the same MessageId.
"""

from __future__ import annotations

import logging
import random as random_module
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from certherd.domain.delivery_policy import (
    EffectiveDeliveryPolicy,
    effective_policy,
    parse_subscription_delivery_policy,
    parse_topic_delivery_policy,
)
from certherd.domain.delivery_schedule import RandomSource, Throttle, retry_delay
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.subscriptions import Subscription, SubscriptionState
from certherd.domain.topic_deliveries import (
    MAX_ERROR,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    TopicDelivery,
    TopicMessage,
)
from certherd.domain.topics import Topic
from certherd.errors import NotFoundError, ValidationError
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.publishing import message_context
from certherd.services.queues import QueueService
from certherd.services.subscriptions import SubscriptionService
from certherd.services.topic_channels import AttemptResult, DeliveryJob, TopicChannels

__all__ = ["DEFAULT_BATCH", "DEFAULT_PARALLEL", "TopicDeliveryWorker"]

DEFAULT_BATCH: Final = 100
#: How many deliveries of a batch are attempted at once.
DEFAULT_PARALLEL: Final = 16
DEFAULT_LEASE_SECONDS: Final = 60

_log = logging.getLogger("certherd.topic_delivery")


#: Effective delivery policies kept, by (protocol, topic policy, subscription policy).
_POLICY_CACHE: Final = 1024
#: The state a subscription must be in for a delivery of each kind to be made.
_WANTED: Final = {
    DeliveryKind.NOTIFICATION: SubscriptionState.CONFIRMED,
    DeliveryKind.SUBSCRIPTION_CONFIRMATION: SubscriptionState.PENDING_CONFIRMATION,
    DeliveryKind.UNSUBSCRIBE_CONFIRMATION: SubscriptionState.DELETED,
}


@dataclass(frozen=True)
class _Loaded:
    """What a batch of deliveries needs from storage, read in bulk."""

    messages: dict[str, TopicMessage]
    subscriptions: dict[str, Subscription]
    topics: dict[str, Topic]


def _load(uow: UnitOfWork, claimed: Sequence[TopicDelivery]) -> _Loaded:
    messages = uow.topic_messages.get_many(
        [d.message_id for d in claimed if d.kind is DeliveryKind.NOTIFICATION]
    )
    subscriptions = uow.subscriptions.get_many({d.subscription_id for d in claimed})
    topics = uow.topics.get_many_by_id({s.topic_id for s in subscriptions.values()})
    return _Loaded(messages, subscriptions, topics)


@dataclass(frozen=True)
class _Outcome:
    job: DeliveryJob
    result: AttemptResult


class TopicDeliveryWorker:
    """Delivers due topic deliveries; safe to run in several threads and processes."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        channels: TopicChannels,
        subscriptions: SubscriptionService,
        queues: QueueService,
        secrets: SecretBox,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        parallel: int = DEFAULT_PARALLEL,
        random: RandomSource | None = None,
    ) -> None:
        if lease_seconds <= 0 or parallel <= 0:
            raise ValueError("the lease and the parallelism must be positive")
        self._uow = uow
        self._channels = channels
        self._subscriptions = subscriptions
        self._queues = queues
        self._secrets = secrets
        self._lease = timedelta(seconds=lease_seconds)
        self._random: RandomSource = random or random_module.Random().random
        self._parallel = parallel
        self._pool = ThreadPoolExecutor(parallel, thread_name_prefix="certherd-topic-delivery")
        self._throttles: dict[str, Throttle] = {}
        self._policies: dict[tuple[str, str | None, str | None], EffectiveDeliveryPolicy] = {}

    @property
    def parallel(self) -> int:
        """How many deliveries of a batch are attempted at once."""
        return self._parallel

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def deliver_due(self, now: datetime, limit: int = DEFAULT_BATCH) -> int:
        """Claim up to ``limit`` deliveries due at ``now``, attempt them and record the
        outcomes; return how many were claimed."""
        with self._uow() as uow:
            claimed = uow.topic_deliveries.claim_due(
                now, lease_until=now + self._lease, limit=limit
            )
            # What the deliveries need is read in the claim's transaction: one fewer.
            loaded = _load(uow, claimed) if claimed else None
            uow.commit()
        if loaded is None:
            return 0
        jobs, settled = self._prepare(claimed, loaded, now)
        self._channels.new_batch()
        web = [job for job in jobs if job.subscription.protocol.is_http]
        others = [job for job in jobs if not job.subscription.protocol.is_http]
        futures = [self._pool.submit(self._attempt, job, now) for job in others]
        # The http(s) deliveries go out together from here, the others in the pool's threads.
        outcomes = [
            _Outcome(job, result) for job, result in zip(web, self._attempt_http(web), strict=True)
        ]
        # Woken once, when all are done: a wake-up per attempt would take the GIL from the
        # threads still sending.
        wait(futures)
        outcomes += [
            _Outcome(job, future.result()) for job, future in zip(others, futures, strict=True)
        ]
        self._record(outcomes, settled, now)
        return len(claimed)

    def _attempt(self, job: DeliveryJob, now: datetime) -> AttemptResult:
        try:
            return self._channels.send(job, now)
        except Exception as exc:  # a bug must not lose the batch's other outcomes
            _log.exception("delivery %s failed unexpectedly", job.delivery.id)
            return _internal_error(exc)

    def _attempt_http(self, jobs: Sequence[DeliveryJob]) -> list[AttemptResult]:
        if not jobs:
            return []
        try:
            return self._channels.send_http_many(jobs)
        except Exception as exc:  # a bug must not lose the batch's other outcomes
            _log.exception("%d http deliveries failed unexpectedly", len(jobs))
            return [_internal_error(exc)] * len(jobs)

    # -- preparing -----------------------------------------------------------------------------

    def _prepare(
        self, claimed: Sequence[TopicDelivery], loaded: _Loaded, now: datetime
    ) -> tuple[list[DeliveryJob], list[tuple[TopicDelivery, datetime]]]:
        """The jobs to attempt, and the deliveries settled without an attempt (dropped, or
        put off by a throttle) in their new state, each with its lease."""
        jobs: list[DeliveryJob] = []
        settled: list[tuple[TopicDelivery, datetime]] = []
        opened: dict[tuple[str, str], str] = {}
        for delivery in claimed:
            subscription = loaded.subscriptions.get(delivery.subscription_id)
            topic = None if subscription is None else loaded.topics.get(subscription.topic_id)
            job = self._job(delivery, subscription, topic, loaded.messages, opened)
            lease = _lease_of(delivery)
            if job is None:
                settled.append((_finished(delivery, DeliveryState.DROPPED, now, None), lease))
                continue
            later = self._throttled(job, now)
            if later is not None:
                settled.append((replace(delivery, next_attempt_at=later, lease_until=None), lease))
                continue
            jobs.append(job)
        return jobs, settled

    def _job(
        self,
        delivery: TopicDelivery,
        subscription: Subscription | None,
        topic: Topic | None,
        messages: dict[str, TopicMessage],
        opened: dict[tuple[str, str], str],
    ) -> DeliveryJob | None:
        """The job of ``delivery``, or None when it is not to be made. ``opened``: the
        endpoints and bodies of this batch opened so far (each costs a decryption when
        sealed)."""
        if subscription is None or topic is None:
            return None
        if subscription.state is not _WANTED[delivery.kind]:
            return None
        policy = self._policy(subscription, topic)
        endpoint = opened.get(("endpoint", subscription.id))
        if endpoint is None:
            endpoint = self._subscriptions.endpoint_of(subscription)
            opened["endpoint", subscription.id] = endpoint
        if delivery.kind is not DeliveryKind.NOTIFICATION:
            token = self._subscriptions.token_of(subscription)
            if token is None:
                return None
            return DeliveryJob(delivery, subscription, topic, policy, endpoint, token=token)
        message = messages.get(delivery.message_id)
        if message is None:
            return None
        body = message.body
        if body is None and message.sealed_body is not None:
            body = opened.get(("body", message.id))
            if body is None:
                body = self._secrets.open(
                    message.sealed_body, context=message_context(message.id)
                ).decode()
                opened["body", message.id] = body
        return DeliveryJob(delivery, subscription, topic, policy, endpoint, message, body)

    def _policy(self, subscription: Subscription, topic: Topic) -> EffectiveDeliveryPolicy:
        """The subscription's effective delivery policy, parsed once per distinct text."""
        key = (
            subscription.protocol.value,
            topic.settings.delivery_policy,
            subscription.settings.delivery_policy,
        )
        policy = self._policies.get(key)
        if policy is None:
            if len(self._policies) >= _POLICY_CACHE:
                self._policies.clear()
            policy = self._policies[key] = _policy(subscription, topic)
        return policy

    def _throttled(self, job: DeliveryJob, now: datetime) -> datetime | None:
        rate = job.policy.throttle.max_receives_per_second
        if rate is None:
            return None
        key = job.subscription.id
        throttle = self._throttles.get(key)
        if throttle is None or throttle.max_per_second != rate:
            throttle = self._throttles[key] = Throttle(rate)
        at = throttle.admit(now)
        return at if at > now else None

    # -- recording -----------------------------------------------------------------------------

    def _record(
        self,
        outcomes: Sequence[_Outcome],
        settled: Sequence[tuple[TopicDelivery, datetime]],
        now: datetime,
    ) -> None:
        attempts: list[DeliveryAttempt] = []
        updates: list[tuple[TopicDelivery, datetime]] = list(settled)
        dead_letters: list[tuple[_Outcome, str]] = []
        for outcome in outcomes:
            delivery = outcome.job.delivery
            result = outcome.result
            number = delivery.attempts + 1
            attempts.append(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    number=number,
                    account=delivery.account,
                    at=now,
                    succeeded=result.succeeded,
                    latency_ms=round(result.latency_ms, 3),
                    status_code=result.status_code,
                    error=result.error,
                )
            )
            lease = _lease_of(delivery)
            if result.succeeded:
                updates.append((_finished(delivery, DeliveryState.DELIVERED, now, result), lease))
                continue
            delay = (
                retry_delay(outcome.job.policy.retry, number, self._random)
                if result.retryable
                else None
            )
            if delay is not None:
                retry = replace(
                    delivery,
                    attempts=number,
                    next_attempt_at=now + delay,
                    lease_until=None,
                    last_status_code=result.status_code,
                    last_error=result.error,
                )
                updates.append((retry, lease))
                continue
            dead_letter = outcome.job.subscription.settings.dead_letter_arn
            if dead_letter is not None and delivery.kind is DeliveryKind.NOTIFICATION:
                dead_letters.append((outcome, dead_letter))
                state = DeliveryState.DEAD_LETTERED
            else:
                state = DeliveryState.FAILED
            updates.append((_finished(delivery, state, now, result), lease))
        notify: list[str] = []
        with self._uow() as uow:
            uow.topic_deliveries.add_attempts(attempts)
            for outcome, queue_arn in dead_letters:
                refused = self._dead_letter(uow, outcome, queue_arn, now)
                if refused is None:
                    notify.append(queue_arn)
                    continue
                delivery = outcome.job.delivery
                for index, (update, lease) in enumerate(updates):
                    if update.id == delivery.id:
                        updates[index] = (
                            replace(
                                update,
                                state=DeliveryState.FAILED,
                                last_error=f"{refused} (after: {update.last_error})"[:MAX_ERROR],
                            ),
                            lease,
                        )
            lost = uow.topic_deliveries.update_many_claimed(updates)
            if lost:
                _log.info("%d deliveries were taken over by another worker", len(lost))
            uow.commit()
        for queue_arn in notify:
            self._queues.notify(queue_arn=queue_arn)

    def _dead_letter(
        self, uow: UnitOfWork, outcome: _Outcome, queue_arn: str, now: datetime
    ) -> str | None:
        """Put the message on the dead-letter queue; return why it was refused, if it was."""
        job = outcome.job
        attributes = {
            "ErrorCode": MessageAttributeValue(
                "String", string_value=str(outcome.result.status_code or "DeliveryFailed")
            ),
            "ErrorMessage": MessageAttributeValue(
                "String", string_value=(outcome.result.error or "delivery failed")[:MAX_ERROR]
            ),
            "RequestID": MessageAttributeValue("String", string_value=job.delivery.id),
        }
        try:
            self._queues.send_in(
                uow, queue_arn, self._channels.dead_letter_body(job), attributes, now
            )
        except NotFoundError:
            return f"the dead-letter queue {queue_arn} does not exist"
        except ValidationError as exc:
            return f"the dead-letter queue refused the message: {exc}"
        return None


def _policy(subscription: Subscription, topic: Topic) -> EffectiveDeliveryPolicy:
    topic_text = topic.settings.delivery_policy
    text = subscription.settings.delivery_policy
    return effective_policy(
        subscription.protocol.value,
        topic=parse_topic_delivery_policy(topic_text) if topic_text else None,
        subscription=parse_subscription_delivery_policy(text) if text else None,
    )


def _finished(
    delivery: TopicDelivery, state: DeliveryState, now: datetime, result: AttemptResult | None
) -> TopicDelivery:
    error: str | None
    if result is None:
        error = "the subscription was removed or changed before the delivery was made"
        status = delivery.last_status_code
    else:
        error = None if result.succeeded else result.error
        status = result.status_code
    return replace(
        delivery,
        state=state,
        attempts=delivery.attempts + (1 if result is not None else 0),
        lease_until=None,
        last_status_code=status,
        last_error=error,
        finished_at=now,
    )


def _internal_error(error: Exception) -> AttemptResult:
    return AttemptResult(False, 0.0, None, f"internal error: {type(error).__name__}", True)


def _lease_of(delivery: TopicDelivery) -> datetime:
    if delivery.lease_until is None:
        raise ValueError(f"delivery {delivery.id} was not claimed")
    return delivery.lease_until
