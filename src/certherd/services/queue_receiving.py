"""Receiving messages with SQS's semantics: ReceiveMessage (with long polling),
DeleteMessage(Batch) and ChangeMessageVisibility. The base of :class:`~.queues.QueueService`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.queue_messages import (
    SYSTEM_ATTRIBUTE_NAMES,
    MessageAttributeValue,
    QueueMessage,
    md5_of_attributes,
    parse_receipt_handle,
    receipt_handle,
    select_message_attributes,
    select_system_attributes,
    validate_batch_ids,
)
from certherd.domain.queues import MAX_VISIBILITY_TIMEOUT, Queue
from certherd.errors import InvalidStateError, ValidationError
from certherd.services.ports import UnitOfWorkFactory
from certherd.services.queue_messaging import find_queue, receive_batch
from certherd.services.queue_wakeups import Arrivals, wait_for

__all__ = ["MAX_WAIT_SECONDS", "QueueReceiving", "ReceivedMessage"]

MAX_WAIT_SECONDS = 20


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as ReceiveMessage answers it."""

    message_id: str
    receipt_handle: str
    md5_of_body: str
    body: str
    attributes: dict[str, str] = field(default_factory=dict)
    md5_of_message_attributes: str | None = None
    message_attributes: dict[str, MessageAttributeValue] = field(default_factory=dict)


def _whole(value: int | None, low: int, high: int, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"must be a whole number from {low} to {high}", field=name)
    return value


class QueueReceiving:
    """The receiving side of the queue service."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        arrivals: Arrivals,
        recheck_seconds: float,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._clock = clock
        self._arns = arns
        self._arrivals = arrivals
        self._recheck_seconds = recheck_seconds

    def receive(
        self,
        *,
        account: str,
        name: str,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_seconds: int | None = None,
        attribute_names: Iterable[str] = (),
        message_attribute_names: Iterable[str] = (),
    ) -> list[ReceivedMessage]:
        """ReceiveMessage: up to ``max_messages`` (1-10) visible messages, each hidden for
        ``visibility_timeout`` seconds (0-43200; default the queue's) and given a new
        receipt handle. With nothing visible, wait up to ``wait_seconds`` (0-20; default
        the queue's ReceiveMessageWaitTimeSeconds) of real time for a message to arrive.

        ``attribute_names`` picks system attributes (SentTimestamp,
        ApproximateReceiveCount, ApproximateFirstReceiveTimestamp,
        DeadLetterQueueSourceArn or All); ``message_attribute_names`` message attributes
        (names, ``prefix.*``, ``All`` or ``.*``). Raises ValidationError and NotFoundError.
        """
        validate_account_id(account)
        count = _whole(max_messages, 1, 10, "MaxNumberOfMessages") or 1
        timeout = _whole(visibility_timeout, 0, MAX_VISIBILITY_TIMEOUT, "VisibilityTimeout")
        wait = _whole(wait_seconds, 0, MAX_WAIT_SECONDS, "WaitTimeSeconds")
        system_names = list(attribute_names)
        unknown = set(system_names) - SYSTEM_ATTRIBUTE_NAMES
        if unknown:
            raise ValidationError(
                f"unknown attribute name {sorted(unknown)[0]!r}", field="AttributeNames"
            )
        message_names = list(message_attribute_names)
        with self._read_uow() as uow:
            queue = find_queue(uow, account, name)
        if wait is None:
            wait = queue.attributes.receive_message_wait_time_seconds

        def attempt() -> list[ReceivedMessage]:
            found = self._receive_once(account, name, count, timeout)
            return [_answer(m, system_names, message_names) for m in found]

        if wait == 0:
            return attempt()
        return wait_for(
            attempt,
            arrivals=self._arrivals,
            queue_arn=self._arns.queue(queue.account, queue.name),
            wait_seconds=wait,
            recheck_seconds=self._recheck_seconds,
        )

    def _receive_once(
        self, account: str, name: str, count: int, timeout: int | None
    ) -> list[QueueMessage]:
        with self._uow() as uow:
            # Looked up in every attempt: a long poll outlives changes to the queue.
            queue = find_queue(uow, account, name)
            received, moved_to = receive_batch(
                uow,
                queue,
                arns=self._arns,
                now=self._clock.now(),
                max_messages=count,
                visibility_timeout=(
                    queue.attributes.visibility_timeout if timeout is None else timeout
                ),
            )
            uow.commit()
        for queue_arn in moved_to:
            self._arrivals.notify(queue_arn)
        return received

    def delete_message(self, *, account: str, name: str, receipt_handle: str) -> bool:
        """DeleteMessage: delete the message received with ``receipt_handle``. As in SQS,
        a handle from an earlier receive of a message received again since (or of a
        message already deleted) deletes nothing and is no error; the answer says
        whether a message was deleted. ValidationError for a malformed handle."""
        message_id, token = parse_receipt_handle(receipt_handle)
        validate_account_id(account)
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            deleted = uow.queues.delete_message(queue.id, message_id, token)
            uow.commit()
        return deleted

    def delete_message_batch(
        self, *, account: str, name: str, entries: Sequence[tuple[str, str]]
    ) -> tuple[list[tuple[str, bool]], list[tuple[str, str, str]]]:
        """DeleteMessageBatch over ``(entry id, receipt handle)`` pairs: ``(id, deleted)``
        for each handled entry and ``(id, code, message)`` for each malformed handle."""
        validate_account_id(account)
        validate_batch_ids([entry_id for entry_id, _ in entries])
        done: list[tuple[str, bool]] = []
        failed: list[tuple[str, str, str]] = []
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            for index, (entry_id, handle) in enumerate(entries):
                try:
                    message_id, token = parse_receipt_handle(
                        handle, field=f"Entries[{index}].ReceiptHandle"
                    )
                except ValidationError as exc:
                    failed.append((entry_id, "ReceiptHandleIsInvalid", str(exc)))
                    continue
                done.append((entry_id, uow.queues.delete_message(queue.id, message_id, token)))
            uow.commit()
        return done, failed

    def change_visibility(
        self, *, account: str, name: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        """ChangeMessageVisibility: the message received with ``receipt_handle`` becomes
        visible ``visibility_timeout`` seconds (0-43200) from now; 0 makes it visible at
        once. The total since that receive may not exceed 12 hours (ValidationError).
        InvalidStateError (SQS's MessageNotInflight) when the handle is not the latest
        receive of a message still on the queue."""
        validate_account_id(account)
        timeout = _whole(visibility_timeout, 0, MAX_VISIBILITY_TIMEOUT, "VisibilityTimeout")
        assert timeout is not None
        message_id, token = parse_receipt_handle(receipt_handle)
        now = self._clock.now()
        with self._uow() as uow:
            queue: Queue = find_queue(uow, account, name)
            message = uow.queues.get_message(queue.id, message_id)
            if message is None or message.receipt_token != token:
                raise InvalidStateError(
                    "the message is not in flight under this receipt handle "
                    "(deleted, received again since, or moved)",
                    field="ReceiptHandle",
                )
            visible_at = now + timedelta(seconds=timeout)
            received_at = message.received_at or now
            if (visible_at - received_at).total_seconds() > MAX_VISIBILITY_TIMEOUT:
                raise ValidationError(
                    "a message can stay invisible for at most 12 hours after it was received",
                    field="VisibilityTimeout",
                )
            uow.queues.set_visible_at(queue.id, message_id, token, visible_at)
            uow.commit()
        if timeout == 0:
            self._arrivals.notify(self._arns.queue(queue.account, queue.name))


def _answer(
    message: QueueMessage, system_names: list[str], message_names: list[str]
) -> ReceivedMessage:
    chosen = select_message_attributes(message.attributes, message_names)
    return ReceivedMessage(
        message_id=message.id,
        receipt_handle=receipt_handle(message.id, message.receipt_token or ""),
        md5_of_body=message.md5_of_body,
        body=message.body,
        attributes=select_system_attributes(message, system_names),
        md5_of_message_attributes=md5_of_attributes(chosen),
        message_attributes=chosen,
    )
