"""What happens to messages inside one unit of work: sending, receiving (and moving to the
dead-letter queue), and moving dead-lettered messages back. :class:`QueueService` opens
the units of work; the event bus calls :func:`send_message` within its own."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from certherd.domain.arns import ArnFactory
from certherd.domain.queue_messages import (
    MessageAttributeValue,
    QueueMessage,
    check_size,
    due_for_dead_letter,
    md5_of_attributes,
    md5_of_body,
    message_size,
    validate_body,
    validate_message_attributes,
)
from certherd.domain.queues import Queue, retention_cutoff
from certherd.errors import InvalidStateError, NotFoundError, ValidationError
from certherd.services.ports import UnitOfWork

__all__ = [
    "MAX_DELAY_SECONDS",
    "Outgoing",
    "find_queue",
    "move_back",
    "new_message",
    "receive_batch",
]

MAX_DELAY_SECONDS = 900
#: Rows read per statement while moving messages back from a dead-letter queue.
_MOVE_CHUNK = 500
#: Messages moved to the dead-letter queue do not count against MaxNumberOfMessages, so a
#: receive looks again; this bounds how often (each look moves at least one message).
_MAX_LOOKS = 20


@dataclass(frozen=True)
class Outgoing:
    """A message to send: its body, attributes and, optionally, its own delay."""

    body: str
    attributes: Mapping[str, MessageAttributeValue] | None = None
    delay_seconds: int | None = None


def find_queue(uow: UnitOfWork, account: str, name: str) -> Queue:
    """The queue ``name`` of ``account``; NotFoundError (SQS's QueueDoesNotExist) if none."""
    queue = uow.queues.get(account, name)
    if queue is None:
        raise NotFoundError(f"queue {name!r} does not exist", field="QueueName")
    return queue


def new_message(queue: Queue, outgoing: Outgoing, now: datetime, *, field: str) -> QueueMessage:
    """A message for ``queue`` sent at ``now``, validated as SQS does (ValidationError
    naming ``field``'s member otherwise): body characters, attributes, size, delay."""
    body = validate_body(outgoing.body, field=f"{field}MessageBody")
    attributes = validate_message_attributes(outgoing.attributes, field=f"{field}MessageAttributes")
    check_size(
        message_size(body, attributes),
        queue.attributes.maximum_message_size,
        field=f"{field}MessageBody",
    )
    delay = outgoing.delay_seconds
    if delay is None:
        delay = queue.attributes.delay_seconds
    elif isinstance(delay, bool) or not 0 <= delay <= MAX_DELAY_SECONDS:
        raise ValidationError(
            f"must be from 0 to {MAX_DELAY_SECONDS} seconds", field=f"{field}DelaySeconds"
        )
    return QueueMessage(
        id=str(uuid.uuid4()),
        queue_id=queue.id,
        body=body,
        attributes=attributes,
        md5_of_body=md5_of_body(body),
        md5_of_message_attributes=md5_of_attributes(attributes),
        sent_at=now,
        visible_at=now + timedelta(seconds=delay),
    )


def _dead_letter_queue(uow: UnitOfWork, queue: Queue, arns: ArnFactory) -> Queue | None:
    policy = queue.attributes.redrive_policy
    if policy is None:
        return None
    account, name = arns.queue_name(policy.dead_letter_target_arn)
    # A dead-letter queue deleted since: messages stay where they are rather than vanish.
    return uow.queues.get(account, name)


def receive_batch(
    uow: UnitOfWork,
    queue: Queue,
    *,
    arns: ArnFactory,
    now: datetime,
    max_messages: int,
    visibility_timeout: int,
) -> tuple[list[QueueMessage], set[str]]:
    """Receive up to ``max_messages`` visible messages of ``queue`` at ``now``: each gets a
    new receipt token, one more receive and stays invisible for ``visibility_timeout``
    seconds. A message whose receive would exceed the queue's maxReceiveCount moves to
    the dead-letter queue instead (keeping its id, SentTimestamp and receive count, and
    remembering the queue it came from). Messages past retention are deleted on the way.

    Returns the received messages and the ARNs of the queues messages were moved to.
    """
    attributes = queue.attributes
    cutoff = retention_cutoff(attributes, now)
    uow.queues.delete_expired(queue.id, cutoff)
    dead_letter_queue = _dead_letter_queue(uow, queue, arns)
    policy = attributes.redrive_policy if dead_letter_queue is not None else None
    source_arn = arns.queue(queue.account, queue.name)
    received: list[QueueMessage] = []
    moved_to: set[str] = set()
    for _ in range(_MAX_LOOKS):
        found = uow.queues.visible(queue.id, now, cutoff, max_messages - len(received))
        moved: list[QueueMessage] = []
        taken: list[QueueMessage] = []
        for message in found:
            if dead_letter_queue is not None and due_for_dead_letter(message, policy):
                moved.append(
                    replace(
                        message,
                        queue_id=dead_letter_queue.id,
                        visible_at=now,
                        receipt_token=None,
                        dead_letter_source_arn=source_arn,
                    )
                )
            else:
                taken.append(
                    replace(
                        message,
                        receive_count=message.receive_count + 1,
                        first_received_at=message.first_received_at or now,
                        received_at=now,
                        visible_at=now + timedelta(seconds=visibility_timeout),
                        receipt_token=secrets.token_hex(16),
                    )
                )
        uow.queues.update_messages(moved + taken)
        received.extend(taken)
        if moved and dead_letter_queue is not None:
            moved_to.add(arns.queue(dead_letter_queue.account, dead_letter_queue.name))
        if not moved or len(received) >= max_messages:
            break
    return received, moved_to


def move_back(
    uow: UnitOfWork,
    source: Queue,
    *,
    arns: ArnFactory,
    now: datetime,
    destination: Queue | None,
) -> tuple[int, set[str]]:
    """Move the available messages of the dead-letter queue ``source`` to ``destination``,
    or (without one) each dead-lettered message back to the queue it came from, as SQS's
    StartMessageMoveTask does, within this unit of work. Moved messages are new to their
    queue (receive count 0, visible at once) and keep their id and SentTimestamp.

    Returns how many moved and the ARNs of the queues they went to. Raises
    InvalidStateError when a message's source queue no longer exists (the caller rolls
    back: nothing is moved).
    """
    cutoff = retention_cutoff(source.attributes, now)
    targets: dict[str, Queue | None] = {}
    moved_count = 0
    moved_to: set[str] = set()
    while True:
        if destination is not None:
            found = uow.queues.visible(source.id, now, cutoff, _MOVE_CHUNK)
        else:
            found = uow.queues.dead_lettered(source.id, now, cutoff, _MOVE_CHUNK)
        if not found:
            return moved_count, moved_to
        moved: list[QueueMessage] = []
        for message in found:
            target = destination or _source_queue(uow, arns, message, targets)
            moved.append(
                replace(
                    message,
                    queue_id=target.id,
                    visible_at=now,
                    receive_count=0,
                    first_received_at=None,
                    received_at=None,
                    receipt_token=None,
                    dead_letter_source_arn=None,
                )
            )
            moved_to.add(arns.queue(target.account, target.name))
        uow.queues.update_messages(moved)
        moved_count += len(moved)


def _source_queue(
    uow: UnitOfWork, arns: ArnFactory, message: QueueMessage, known: dict[str, Queue | None]
) -> Queue:
    arn = message.dead_letter_source_arn or ""
    if arn not in known:
        account, name = arns.queue_name(arn, field="SourceArn")
        known[arn] = uow.queues.get(account, name)
    queue = known[arn]
    if queue is None:
        raise InvalidStateError(
            f"messages came from {arn}, which no longer exists; give DestinationArn",
            field="DestinationArn",
        )
    return queue
