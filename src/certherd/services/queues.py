"""Message queues with Amazon SQS's semantics: the QueueService use cases.

Queues are addressed by account and name (their ARN is
``arn:<partition>:sqs:<region>:<account>:<name>``, their URL
``<public_url>/queues/<account>/<name>``). Visibility, delays and retention follow the
Clock; long polling waits in real time (see :mod:`.queue_wakeups`).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.queue_messages import (
    MessageAttributeValue,
    message_size,
    validate_batch_ids,
)
from certherd.domain.queues import (
    ATTRIBUTE_NAMES,
    Queue,
    attribute_strings,
    differing_attributes,
    parse_attributes,
    queue_url,
    retention_cutoff,
    validate_queue_name,
)
from certherd.domain.tags import Tag, merge_tags, remove_tags, validate_tags
from certherd.errors import ConflictError, NotFoundError, ValidationError
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory
from certherd.services.queue_messaging import Outgoing, find_queue, move_back, new_message
from certherd.services.queue_receiving import QueueReceiving
from certherd.services.queue_wakeups import Arrivals

__all__ = ["BatchFailure", "BatchResult", "Outgoing", "QueueService", "SentMessage"]

MAX_LIST_RESULTS = 1000
#: Sum of the message sizes of one SendMessageBatch [SQS API: 1 MiB].
MAX_BATCH_BYTES = 1_048_576


@dataclass(frozen=True)
class SentMessage:
    """What SendMessage answers."""

    message_id: str
    md5_of_message_body: str
    md5_of_message_attributes: str | None


@dataclass(frozen=True)
class BatchFailure:
    """One entry of a batch that failed (SQS's BatchResultErrorEntry)."""

    id: str
    code: str
    message: str
    sender_fault: bool = True


T = TypeVar("T")
_TagChange = Callable[[tuple[Tag, ...]], tuple[Tag, ...]]


@dataclass(frozen=True)
class BatchResult(Generic[T]):
    """What a batch call answers: ``(entry id, result)`` per success, and the failures."""

    successful: list[tuple[str, T]]
    failed: list[BatchFailure]


class QueueService(QueueReceiving):
    """Creating, configuring and deleting queues, sending to them (receiving, deleting
    and redriving messages are in :class:`~.queue_receiving.QueueReceiving`)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        public_url: str,
        read_uow: UnitOfWorkFactory | None = None,
        arrivals: Arrivals | None = None,
        recheck_seconds: float = 1.0,
    ) -> None:
        super().__init__(
            uow=uow,
            clock=clock,
            arns=arns,
            arrivals=arrivals or Arrivals(),
            recheck_seconds=recheck_seconds,
            # Reads go through ``read_uow`` (read-only transactions: on SQLite they never
            # wait for the write lock); it defaults to ``uow``.
            read_uow=read_uow,
        )
        self._public_url = public_url

    # -- queues ----------------------------------------------------------------------------

    def arn(self, queue: Queue) -> str:
        return self._arns.queue(queue.account, queue.name)

    def url(self, queue: Queue) -> str:
        return queue_url(self._public_url, queue.account, queue.name)

    def create(
        self,
        *,
        account: str,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Sequence[Tag] = (),
    ) -> Queue:
        """Create a queue, or return the existing one of that name when every attribute
        given has the value it already has (tags are then left as they are).

        Raises ValidationError for a bad name, attribute or tag (a RedrivePolicy must name
        an existing queue of the same account that allows it) and ConflictError
        (QueueNameExists) when the queue exists with other values.
        """
        validate_account_id(account)
        validate_queue_name(name)
        wanted, given = parse_attributes(attributes or {})
        tags = validate_tags(tags)
        now = self._clock.now()
        with self._uow() as uow:
            existing = uow.queues.get(account, name)
            if existing is not None:
                differing = differing_attributes(existing.attributes, wanted, given)
                if differing:
                    raise ConflictError(
                        f"queue {name!r} already exists with other values of "
                        + ", ".join(differing),
                        field="QueueName",
                    )
                return existing
            queue = Queue(str(uuid.uuid4()), account, name, wanted, now, now, tags)
            self._check_redrive(uow, queue)
            uow.queues.add(queue)
            uow.commit()
        return queue

    def get(self, *, account: str, name: str) -> Queue:
        """The queue (GetQueueUrl); NotFoundError when there is none of that name."""
        validate_account_id(account)
        with self._read_uow() as uow:
            return find_queue(uow, account, name)

    def attributes(
        self, *, account: str, name: str, names: Iterable[str] = ("All",)
    ) -> dict[str, str]:
        """GetQueueAttributes: the attributes asked for (``All`` for every one) as SQS
        writes them, counts and timestamps included. ValidationError for an unknown name."""
        wanted = set(names)
        unknown = wanted - set(ATTRIBUTE_NAMES) - {"All", "Policy", "FifoQueue"}
        if unknown:
            raise ValidationError(
                f"unknown attribute name {sorted(unknown)[0]!r}", field="AttributeNames"
            )
        validate_account_id(account)
        now = self._clock.now()
        with self._read_uow() as uow:
            queue = find_queue(uow, account, name)
            counts = uow.queues.counts(queue.id, now, retention_cutoff(queue.attributes, now))
        every = {
            "QueueArn": self.arn(queue),
            "ApproximateNumberOfMessages": str(counts.visible),
            "ApproximateNumberOfMessagesNotVisible": str(counts.not_visible),
            "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
            "CreatedTimestamp": str(int(queue.created_at.timestamp())),
            "LastModifiedTimestamp": str(int(queue.last_modified_at.timestamp())),
            **attribute_strings(queue.attributes),
        }
        if "All" in wanted:
            return {key: every[key] for key in ATTRIBUTE_NAMES if key in every}
        return {key: every[key] for key in ATTRIBUTE_NAMES if key in wanted and key in every}

    def set_attributes(self, *, account: str, name: str, attributes: Mapping[str, str]) -> Queue:
        """SetQueueAttributes: change the attributes given (an empty RedrivePolicy or
        RedriveAllowPolicy removes it). ValidationError as for :meth:`create`."""
        validate_account_id(account)
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            updated, _ = parse_attributes(attributes, base=queue.attributes)
            queue = replace(queue, attributes=updated, last_modified_at=self._clock.now())
            self._check_redrive(uow, queue)
            uow.queues.update(queue)
            uow.commit()
        return queue

    def _check_redrive(self, uow: UnitOfWork, queue: Queue) -> None:
        field = "Attributes.RedrivePolicy"
        allow = queue.attributes.redrive_allow_policy
        for source in allow.source_queue_arns if allow else ():
            self._arns.queue_name(source, field="Attributes.RedriveAllowPolicy")
        policy = queue.attributes.redrive_policy
        if policy is None:
            return
        account, name = self._arns.queue_name(policy.dead_letter_target_arn, field=field)
        if account != queue.account:
            raise ValidationError("the dead-letter queue must be of the same account", field=field)
        if name == queue.name:
            raise ValidationError("a queue cannot be its own dead-letter queue", field=field)
        target = uow.queues.get(account, name)
        if target is None:
            raise ValidationError(f"the dead-letter queue {name!r} does not exist", field=field)
        target_allow = target.attributes.redrive_allow_policy
        if target_allow is not None and not target_allow.allows(self.arn(queue)):
            raise ValidationError(
                f"the RedriveAllowPolicy of {name!r} does not allow this queue", field=field
            )

    def list(
        self,
        *,
        account: str,
        prefix: str = "",
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[Queue], str | None]:
        """ListQueues: queues by name, those starting with ``prefix``; up to
        ``max_results`` (1-1000, default 1000) and a token for the next page when
        ``max_results`` was given and more remain."""
        validate_account_id(account)
        if prefix:
            validate_queue_name(prefix, field="QueueNamePrefix")
        if max_results is not None and not 1 <= max_results <= MAX_LIST_RESULTS:
            raise ValidationError(f"must be from 1 to {MAX_LIST_RESULTS}", field="MaxResults")
        after = _decode_token(next_token) if next_token else None
        limit = max_results or MAX_LIST_RESULTS
        with self._read_uow() as uow:
            found = uow.queues.list(account, prefix, after, limit + 1)
        page = found[:limit]
        more = len(found) > limit and max_results is not None
        return page, (_encode_token(page[-1].name) if more else None)

    def delete(self, *, account: str, name: str) -> None:
        """DeleteQueue: the queue and its messages go; NotFoundError if there is none."""
        validate_account_id(account)
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            uow.queues.delete(queue.id)
            uow.commit()

    def purge(self, *, account: str, name: str) -> int:
        """PurgeQueue: delete every message of the queue; how many there were."""
        validate_account_id(account)
        with self._uow() as uow:
            count = uow.queues.purge(find_queue(uow, account, name).id)
            uow.commit()
        return count

    def tag(self, *, account: str, name: str, tags: Sequence[Tag]) -> tuple[Tag, ...]:
        """TagQueue: add tags (a key present takes the new value); the tags now."""
        return self._retag(account, name, lambda existing: merge_tags(existing, tags))

    def untag(self, *, account: str, name: str, tags: Sequence[Tag]) -> tuple[Tag, ...]:
        """UntagQueue: remove tags (without a value: whatever its value); the tags now."""
        return self._retag(account, name, lambda existing: remove_tags(existing, tags))

    def _retag(self, account: str, name: str, change: _TagChange) -> tuple[Tag, ...]:
        validate_account_id(account)
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            queue = replace(queue, tags=change(queue.tags))
            uow.queues.update(queue)
            uow.commit()
        return queue.tags

    # -- sending ---------------------------------------------------------------------------

    def send(self, *, account: str, name: str, message: Outgoing) -> SentMessage:
        """SendMessage. ValidationError for a body or attribute SQS would refuse, a message
        over the queue's MaximumMessageSize or a delay outside 0-900; NotFoundError."""
        validate_account_id(account)
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            stored = new_message(queue, message, self._clock.now(), field="")
            uow.queues.add_messages([stored])
            uow.commit()
        self._arrivals.notify(self.arn(queue))
        return SentMessage(stored.id, stored.md5_of_body, stored.md5_of_message_attributes)

    def send_batch(
        self, *, account: str, name: str, entries: Sequence[tuple[str, Outgoing]]
    ) -> BatchResult[SentMessage]:
        """SendMessageBatch: up to 10 entries with distinct ids; an entry SQS would refuse
        is reported in ``failed`` and the others are sent. ValidationError for the batch
        itself (no entries, more than 10, bad or repeated ids, over 1 MiB in all)."""
        validate_account_id(account)
        validate_batch_ids([entry_id for entry_id, _ in entries])
        total = sum(
            message_size(m.body if isinstance(m.body, str) else "", m.attributes or {})
            for _, m in entries
        )
        if total > MAX_BATCH_BYTES:
            raise ValidationError(
                f"the batch is {total} bytes; at most {MAX_BATCH_BYTES} in all", field="Entries"
            )
        now = self._clock.now()
        sent: list[tuple[str, SentMessage]] = []
        failed: list[BatchFailure] = []
        with self._uow() as uow:
            queue = find_queue(uow, account, name)
            stored = []
            for index, (entry_id, outgoing) in enumerate(entries):
                try:
                    message = new_message(queue, outgoing, now, field=f"Entries[{index}].")
                except ValidationError as exc:
                    failed.append(BatchFailure(entry_id, exc.code, str(exc)))
                    continue
                stored.append(message)
                sent.append(
                    (
                        entry_id,
                        SentMessage(
                            message.id, message.md5_of_body, message.md5_of_message_attributes
                        ),
                    )
                )
            uow.queues.add_messages(stored)
            uow.commit()
        self._arrivals.notify(self.arn(queue))
        return BatchResult(sent, failed)

    def send_in(
        self,
        uow: UnitOfWork,
        queue_arn: str,
        body: str,
        attributes: Mapping[str, MessageAttributeValue] | None,
        now: datetime,
        *,
        delay_seconds: int | None = None,
    ) -> str:
        """Put a message on the queue ``queue_arn`` within the caller's unit of work (it
        commits with the caller's other changes); return the message id.

        Raises NotFoundError when there is no such queue and ValidationError for an ARN
        that is not a queue of this deployment or a message SQS would refuse. Waiting
        receivers are woken now, and again by :meth:`notify` after the commit (without it,
        one that looked before the commit finds the message within ``recheck_seconds``).
        """
        account, name = self._arns.queue_name(queue_arn)
        queue = uow.queues.get(account, name)
        if queue is None:
            raise NotFoundError(f"queue {queue_arn} does not exist", field="QueueArn")
        message = new_message(queue, Outgoing(body, attributes, delay_seconds), now, field="")
        uow.queues.add_messages([message])
        self._arrivals.notify(self.arn(queue))
        return message.id

    def notify(self, *, queue_arn: str) -> None:
        """Wake receivers long-polling ``queue_arn`` in this process: for callers of
        :meth:`send_in`, once their unit of work has committed."""
        self._arrivals.notify(queue_arn)

    # -- dead-letter queues ----------------------------------------------------------------

    def move_messages(self, *, account: str, name: str, destination_arn: str | None = None) -> int:
        """StartMessageMoveTask, synchronously: move the available messages of the
        dead-letter queue ``name`` back to the queues they came from (or all of them to
        ``destination_arn``, a queue of the same account); how many moved, in one
        transaction. NotFoundError for a missing queue; InvalidStateError when a source
        queue no longer exists and no destination was given."""
        validate_account_id(account)
        with self._uow() as uow:
            source = find_queue(uow, account, name)
            destination = None
            if destination_arn is not None:
                dest_account, dest_name = self._arns.queue_name(
                    destination_arn, field="DestinationArn"
                )
                if dest_account != account:
                    raise ValidationError(
                        "must be a queue of the same account", field="DestinationArn"
                    )
                destination = find_queue(uow, dest_account, dest_name)
            count, moved_to = move_back(
                uow, source, arns=self._arns, now=self._clock.now(), destination=destination
            )
            uow.commit()
        for queue_arn in moved_to:
            self._arrivals.notify(queue_arn)
        return count

    def sweep_expired(self) -> int:
        """Delete every message past its queue's retention period (for a worker to call
        now and then; receiving also does it for the queue it reads). How many went."""
        now = self._clock.now()
        with self._uow() as uow:
            removed = sum(
                uow.queues.delete_expired(queue.id, retention_cutoff(queue.attributes, now))
                for queue in uow.queues.all()
            )
            uow.commit()
        return removed


def _encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        name = base64.urlsafe_b64decode(token.encode()).decode()
        return validate_queue_name(name, field="NextToken")
    except (binascii.Error, UnicodeError, ValueError, ValidationError):
        raise ValidationError("is not a token this server gave", field="NextToken") from None
