"""Giving up on an invocation, within the caller's unit of work: the dead-letter queue's
message (EventBridge's attributes, spec §2.6) and certherd's ``Event Delivery
Dead-Lettered`` event on the account's default bus."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from certherd.domain.certherd_events import (
    CERTHERD_SOURCE,
    CertherdDetailType,
    delivery_dead_lettered,
)
from certherd.domain.events import DEFAULT_BUS, Event
from certherd.domain.invocations import Invocation
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.retry import ErrorCode, ExhaustedRetryCondition, Failure
from certherd.errors import NotFoundError, ValidationError
from certherd.services.ports import UnitOfWork
from certherd.services.queues import QueueService

__all__ = ["dead_letter_attributes", "record_dead_letter_event", "send_to_dead_letter_queue"]

#: SQS refuses empty string attributes; an error without a message gets this one.
_NO_MESSAGE: Final = "(no message)"


def _text(value: str) -> MessageAttributeValue:
    return MessageAttributeValue("String", string_value=value or _NO_MESSAGE)


def dead_letter_attributes(
    invocation: Invocation,
    failure: Failure,
    *,
    retry_attempts: int,
    exhausted: ExhaustedRetryCondition | None,
) -> dict[str, MessageAttributeValue]:
    """The message attributes EventBridge puts on a dead-letter message: RULE_ARN,
    TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS (a Number: the retries made, not
    counting the first attempt) and, when retries ran out, EXHAUSTED_RETRY_CONDITION
    (an error that is not retryable exhausts nothing, so it has none)."""
    attributes = {
        "RULE_ARN": _text(invocation.rule_arn),
        "TARGET_ARN": _text(invocation.target_arn),
        "ERROR_CODE": _text(failure.code),
        "ERROR_MESSAGE": _text(failure.message),
        "RETRY_ATTEMPTS": MessageAttributeValue("Number", string_value=str(retry_attempts)),
    }
    if exhausted is not None:
        attributes["EXHAUSTED_RETRY_CONDITION"] = _text(exhausted.value)
    return attributes


def send_to_dead_letter_queue(
    uow: UnitOfWork,
    queues: QueueService,
    invocation: Invocation,
    attributes: dict[str, MessageAttributeValue],
    now: datetime,
) -> Failure | None:
    """Put the invocation's payload on its dead-letter queue within ``uow``. Returns None,
    or why it could not be sent (the queue does not exist, or refuses the message), having
    written nothing."""
    arn = invocation.dead_letter_arn
    if arn is None:
        raise ValueError("the invocation has no dead-letter queue")
    try:
        queues.send_in(uow, arn, invocation.payload, attributes, now)
    except NotFoundError:
        return Failure(
            ErrorCode.NO_RESOURCE, f"the dead-letter queue {arn} does not exist", retryable=False
        )
    except ValidationError as exc:
        return Failure(
            ErrorCode.INVALID_PARAMETER,
            f"the dead-letter queue {arn} refused the event: {exc}",
            retryable=False,
        )
    return None


def record_dead_letter_event(
    uow: UnitOfWork,
    invocation: Invocation,
    failure: Failure,
    *,
    region: str,
    retry_attempts: int,
    exhausted: ExhaustedRetryCondition | None,
    now: datetime,
) -> Event | None:
    """Append ``Event Delivery Dead-Lettered`` for the invocation to the outbox of its
    account's default bus and return it, unless the undelivered event is itself one of
    those (a rule on them whose target fails would otherwise feed itself forever)."""
    original = uow.events.get(invocation.account, invocation.event_id)
    if original is not None and (
        original.event.source == CERTHERD_SOURCE
        and original.event.detail_type == CertherdDetailType.DELIVERY_DEAD_LETTERED
    ):
        return None
    envelope = delivery_dead_lettered(
        account=invocation.account,
        region=region,
        rule_arn=invocation.rule_arn,
        target_arn=invocation.target_arn,
        failed_event_id=invocation.event_id,
        error_code=failure.code,
        error_message=failure.message,
        retry_attempts=retry_attempts,
        exhausted_retry_condition=None if exhausted is None else exhausted.value,
        now=now,
    )
    event = Event.from_envelope(envelope, now=now, bus=DEFAULT_BUS)
    uow.events.append(event)
    return event
