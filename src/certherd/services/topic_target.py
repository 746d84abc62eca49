"""Rule targets of kind ``topic`` (an ``sns`` ARN): the invocation's payload is published to
the topic, in the transaction that records the invocation's outcome (so each invocation is
published once).

The event bus publishes as the service principal ``events.amazonaws.com`` acting for the
rule (``aws:SourceArn`` the rule's ARN, ``aws:SourceAccount`` its account), as EventBridge
does. A topic's default policy admits only its own account's principals, so until the
topic's policy allows the event bus the delivery fails with NO_PERMISSIONS: recorded,
retried by the target's retry policy (a policy may be fixed meanwhile) and then
dead-lettered. A topic that does not exist is NO_RESOURCE, not retried.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode
from certherd.domain.topic_policy import EVENTS_SERVICE
from certherd.errors import NotFoundError, PermissionDeniedError, ValidationError
from certherd.services.ports import UnitOfWork
from certherd.services.publishing import Publisher
from certherd.services.targets import AfterCommit, DeliveryError
from certherd.services.topics import Caller

__all__ = ["TopicTarget", "published_message_id"]

#: Namespace of the MessageIds of events published to topics by rules.
_PUBLISHED: Final = uuid.UUID("0b7c3f5e-2f1d-4c59-9a0e-6d4b8e2c1a77")


def published_message_id(invocation_id: str) -> str:
    """The MessageId an invocation publishes under (a v5 UUID of the invocation's id)."""
    return str(uuid.uuid5(_PUBLISHED, invocation_id))


class TopicTarget:
    def __init__(self, *, publisher: Publisher) -> None:
        self._publisher = publisher

    @property
    def local(self) -> bool:
        return True

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        if uow is None:
            raise RuntimeError("a local target is delivered within a unit of work")
        caller = Caller(
            service=EVENTS_SERVICE,
            source_arn=invocation.rule_arn,
            source_account=invocation.account,
        )
        try:
            self._publisher.publish_in(
                uow,
                caller,
                invocation.target_arn,
                invocation.payload,
                now=now,
                message_id=published_message_id(invocation.id),
            )
        except NotFoundError:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE,
                f"topic {invocation.target_arn} does not exist",
                retryable=False,
            ) from None
        except PermissionDeniedError:
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS,
                f"the policy of topic {invocation.target_arn} does not allow "
                f"{EVENTS_SERVICE} to publish for rule {invocation.rule_arn}",
                retryable=True,
            ) from None
        except ValidationError as exc:
            raise DeliveryError(ErrorCode.INVALID_PARAMETER, str(exc), retryable=False) from None
        return None
