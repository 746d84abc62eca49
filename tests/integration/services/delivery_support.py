"""Helpers of the delivery tests: rules, events, a flaky target kind, queue contents."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from certherd.bootstrap import Container
from certherd.domain.events import PutEventsEntry
from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode
from certherd.services.delivery import Delivery
from certherd.services.ports import UnitOfWork
from certherd.services.queue_receiving import ReceivedMessage
from certherd.services.targets import AfterCommit, DeliveryError, TargetRegistry

#: The ARN of a target of the flaky kind (registered for ``lambda`` in these tests).
FLAKY_ARN = "arn:aws:lambda:us-east-1:000000000000:function:flaky"


def queue_arn(account: str, name: str) -> str:
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def rule_to(container: Container, account: str, target: dict[str, Any], **rule: Any) -> str:
    """A rule matching ``source: my.app`` (unless ``event_pattern`` says otherwise) with one
    target; its ARN."""
    name = rule.pop("name", "r")
    pattern = rule.pop("event_pattern", '{"source": ["my.app"]}')
    made = container.rules.put_rule(account=account, name=name, event_pattern=pattern, **rule)
    failed = container.rules.put_targets(
        account=account, rule=name, targets=[target], bus=rule.get("bus")
    )
    assert not failed
    return made.arn


def put_event(container: Container, account: str, **detail: Any) -> str:
    [result] = container.event_bus.put_events(
        account=account,
        entries=[PutEventsEntry(source="my.app", detail_type="Checked", detail=json.dumps(detail))],
    )
    assert result.event_id is not None
    return result.event_id


def invocations(container: Container, account: str, event_id: str) -> list[Invocation]:
    return container.event_bus.describe_event(account=account, event_id=event_id)[1]


def receive_all(container: Container, account: str, name: str) -> list[ReceivedMessage]:
    """Every message on the queue (each received once, hidden for an hour)."""
    found: list[ReceivedMessage] = []
    while batch := container.queues.receive(
        account=account,
        name=name,
        max_messages=10,
        visibility_timeout=3600,
        message_attribute_names=["All"],
    ):
        found.extend(batch)
    return found


@dataclass
class FlakyTarget:
    """Fails with ``code`` for its first ``failures`` attempts, then succeeds."""

    failures: int = 1_000_000
    code: str = ErrorCode.THROTTLING
    retryable: bool = True
    delivered: list[tuple[str, datetime]] = field(default_factory=list)
    attempts: int = 0

    @property
    def local(self) -> bool:
        return False

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        assert uow is None
        self.attempts += 1
        if self.attempts <= self.failures:
            raise DeliveryError(self.code, f"attempt {self.attempts} failed", retryable=True)
        self.delivered.append((invocation.payload, now))
        return None


def delivery_with(
    container: Container, flaky: FlakyTarget, random: Callable[[], float] = lambda: 0.5
) -> Delivery:
    """A delivery worker on ``container`` that also knows the flaky kind (for ``lambda``)."""
    registry = TargetRegistry.standard(queues=container.queues, arns=container.arns)
    return Delivery(
        uow=container.uow,
        targets=registry.with_kind("lambda", flaky),
        queues=container.queues,
        arns=container.arns,
        random=random,
    )
