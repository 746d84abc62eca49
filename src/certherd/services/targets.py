"""The kinds of rule target the delivery workers can deliver to, chosen by the ARN's service.

A kind implements :class:`Target`. ``deliver`` hands one invocation's payload to its
target or raises :class:`DeliveryError` (an EventBridge dead-letter ``ERROR_CODE``, a
message fit to show, and whether a retry could help). A kind that only writes to
certherd's own database is *local*: it is given the unit of work that records the
invocation's outcome, so the delivery and the outcome commit together (exactly once).
Any other kind is called outside every transaction and is delivered at least once.

:class:`TargetRegistry` maps an ARN's service (``sqs``, ``events`` ...) to its kind; an
ARN of any other service gets :data:`UNSUPPORTED`, which fails without retries so that
such events go to the dead-letter queue instead of looping. Kinds to come (topics,
functions, HTTP destinations, deployments, findings) are registered the same way.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Final, Protocol

from certherd.domain.arns import ArnFactory, parse_arn
from certherd.domain.bus_policy import PUT_EVENTS, bus_policy_allows
from certherd.domain.events import DEFAULT_BUS
from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode, Failure
from certherd.errors import NotFoundError, ValidationError
from certherd.services.event_ports import OutboxRow
from certherd.services.ports import UnitOfWork
from certherd.services.queues import QueueService

__all__ = [
    "UNSUPPORTED",
    "AfterCommit",
    "BusTarget",
    "DeliveryError",
    "QueueTarget",
    "Target",
    "TargetRegistry",
    "forwarded_event_id",
]

#: What to do once the outcome has committed (wake queue receivers, say), if anything.
AfterCommit = Callable[[], None] | None

#: Namespace of the ids of events forwarded to another bus (see :class:`BusTarget`).
_FORWARDED: Final = uuid.UUID("6f2c61d4-9a55-4b8e-8f0e-3d1c2b7a9e10")


class DeliveryError(Exception):
    """A delivery failed: ``code`` (an :class:`~certherd.domain.retry.ErrorCode` value),
    a message fit to show (never a secret), and whether a retry could help."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable

    @property
    def failure(self) -> Failure:
        return Failure(self.code, self.message, self.retryable)


class Target(Protocol):
    """One kind of target (see the module docstring)."""

    @property
    def local(self) -> bool:
        """Whether :meth:`deliver` only writes to certherd's database (it then gets the
        outcome's unit of work and must not commit it)."""

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        """Deliver ``invocation.payload`` to ``invocation.target_arn`` at ``now``; return
        what to run after the commit. Raises DeliveryError, having written nothing."""


def _require(uow: UnitOfWork | None) -> UnitOfWork:
    if uow is None:
        raise RuntimeError("a local target is delivered within a unit of work")
    return uow


class _Unsupported:
    """Targets of a service no kind is registered for: NO_RESOURCE, not retryable."""

    @property
    def local(self) -> bool:
        return False

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        del now, uow
        try:
            service = parse_arn(invocation.target_arn, field="TargetArn").service
        except ValidationError:
            service = "unknown"
        raise DeliveryError(
            ErrorCode.NO_RESOURCE,
            f"target kind {service!r} is not supported yet",
            retryable=False,
        )


UNSUPPORTED: Final[Target] = _Unsupported()


class QueueTarget:
    """A certherd queue (``sqs`` ARN): the payload becomes the body of one message, sent
    in the outcome's unit of work.

    Only queues of the invocation's own account are delivered to: another account's queue
    would need a queue policy allowing it, which certherd does not have yet
    (NO_PERMISSIONS). A queue that does not exist is NO_RESOURCE, and a payload SQS would
    refuse (too large for the queue, characters it does not allow) INVALID_PARAMETER;
    neither is retryable.
    """

    def __init__(self, *, queues: QueueService, arns: ArnFactory) -> None:
        self._queues = queues
        self._arns = arns

    @property
    def local(self) -> bool:
        return True

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        arn = invocation.target_arn
        try:
            account, _ = self._arns.queue_name(arn, field="TargetArn")
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.NO_RESOURCE, str(exc), retryable=False) from None
        if account != invocation.account:
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS,
                f"{arn} belongs to another account; queue policies are not supported yet",
                retryable=False,
            )
        try:
            self._queues.send_in(_require(uow), arn, invocation.payload, None, now)
        except NotFoundError:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE, f"queue {arn} does not exist", retryable=False
            ) from None
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.INVALID_PARAMETER, str(exc), retryable=False) from None
        return lambda: self._queues.notify(queue_arn=arn)


def forwarded_event_id(invocation_id: str) -> str:
    """The id of the event an invocation forwards to another bus (a v5 UUID of the
    invocation's id: the same invocation can never forward two events)."""
    return str(uuid.uuid5(_FORWARDED, invocation_id))


class BusTarget:
    """An event bus of the same account (``events`` ARN ``.../event-bus/<name>``): the
    event is appended to the outbox for that bus, in the outcome's unit of work, and that
    bus's rules route it as any other.

    The forwarded copy keeps the original's envelope (source, detail-type, account, time,
    region, resources, detail) but gets an id of its own: the outbox holds one event per
    id, and the original stays on its bus with its own invocations. The new id is derived
    from the invocation's (:func:`forwarded_event_id`); its ingestion time is the
    delivery's. The spec (§2.8) says nothing of ids on bus-to-bus delivery. Only whole
    events are forwarded: a target whose input options replaced the event fails with
    INVALID_PARAMETER (forwarding a made-up envelope would let a rule put events of any
    source, ``aws.acm`` included, on a bus).

    Another account's bus is a target only when its policy lets this account put events
    (PutPermission; :func:`certherd.domain.bus_policy.bus_policy_allows`), else
    NO_PERMISSIONS (not retryable). The copy is then routed on that account's bus, its
    envelope keeping the sender's account, as EventBridge does. A bus that does not exist
    is NO_RESOURCE.
    """

    def __init__(self, *, arns: ArnFactory) -> None:
        self._arns = arns

    @property
    def local(self) -> bool:
        return True

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        arn = invocation.target_arn
        try:
            parsed = parse_arn(arn, field="TargetArn", service="events")
            name = self._arns.event_bus_name(arn, field="TargetArn")
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.NO_RESOURCE, str(exc), retryable=False) from None
        unit = _require(uow)
        owner = parsed.account
        bus = unit.rules.get_bus(owner, name)
        if owner != invocation.account:
            allowed = bus is not None and bus_policy_allows(
                bus.policy,
                principal_account=invocation.account,
                action=PUT_EVENTS,
                bus_arn=self._arns.event_bus(owner, name),
            )
            if not allowed:
                raise DeliveryError(
                    ErrorCode.NO_PERMISSIONS,
                    f"the policy of {arn} does not let account {invocation.account} put events",
                    retryable=False,
                )
        elif name != DEFAULT_BUS and bus is None:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE, f"event bus {arn} does not exist", retryable=False
            )
        stored = unit.events.get(invocation.account, invocation.event_id)
        if stored is None:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE,
                f"event {invocation.event_id} is no longer stored",
                retryable=False,
            )
        if not _same_json(invocation.payload, stored.envelope):
            raise DeliveryError(
                ErrorCode.INVALID_PARAMETER,
                "an event bus takes whole events; remove the target's Input, InputPath "
                "or InputTransformer",
                retryable=False,
            )
        event = replace(
            stored.event, id=forwarded_event_id(invocation.id), bus=name, ingested_at=now
        )
        if owner == invocation.account:
            unit.events.append(event)
        else:
            # Routed by the bus owner's rules; the envelope still names the sender.
            unit.events.append_rows(
                [OutboxRow(id=event.id, account=owner, event=event, envelope=event.to_json())]
            )
        return None


def _same_json(payload: str, envelope: str) -> bool:
    try:
        return bool(json.loads(payload) == json.loads(envelope))
    except ValueError:
        return False


class TargetRegistry:
    """The kinds of target by the service of their ARN, or by ``<service>:<resource type>``
    (``events:api-destination``) where one service's ARNs name resources of several kinds;
    the more specific key is looked up first."""

    def __init__(self, kinds: Mapping[str, Target]) -> None:
        self._kinds = dict(kinds)

    def with_kind(self, service: str, kind: Target) -> TargetRegistry:
        """A registry that also (or instead) delivers ``service``'s ARNs with ``kind``
        (``service`` may be ``<service>:<resource type>``)."""
        return TargetRegistry({**self._kinds, service: kind})

    def for_arn(self, arn: str) -> Target:
        """The kind delivering to ``arn`` (:data:`UNSUPPORTED` for other services or a
        malformed ARN)."""
        try:
            parsed = parse_arn(arn, field="TargetArn")
        except ValidationError:
            return UNSUPPORTED
        resource_type = parsed.resource.split("/", 1)[0].split(":", 1)[0]
        specific = self._kinds.get(f"{parsed.service}:{resource_type}")
        if specific is not None:
            return specific
        return self._kinds.get(parsed.service, UNSUPPORTED)

    @classmethod
    def standard(cls, *, queues: QueueService, arns: ArnFactory) -> TargetRegistry:
        """Queues (``sqs``) and event buses (``events``)."""
        return cls({"sqs": QueueTarget(queues=queues, arns=arns), "events": BusTarget(arns=arns)})
