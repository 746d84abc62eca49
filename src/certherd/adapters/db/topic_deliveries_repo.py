"""Published messages, their deliveries and the attempts at them, on SQL."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.topic_tables import (
    delivery_attempts,
    topic_deliveries,
    topic_messages,
    topics,
)
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.topic_deliveries import (
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    TopicDelivery,
    TopicMessage,
)
from certherd.services.topic_ports import DeliveryFilter

__all__ = ["SqlTopicDeliveryRepository", "SqlTopicMessageRepository"]

_m = topic_messages.c
_d = topic_deliveries.c
_a = delivery_attempts.c
_PENDING = DeliveryState.PENDING.value


class SqlTopicMessageRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, message: TopicMessage) -> None:
        attributes = {name: _attribute_json(value) for name, value in message.attributes.items()}
        self._conn.execute(
            topic_messages.insert().values(
                id=message.id,
                account=message.account,
                topic_id=message.topic_id,
                subject=message.subject,
                body=message.body,
                body_sealed=message.sealed_body,
                structure=message.structure,
                attributes=attributes or None,
                published_at=message.published_at,
            )
        )

    def get(self, message_id: str) -> TopicMessage | None:
        return self.get_many([message_id]).get(message_id)

    def get_many(self, message_ids: Sequence[str]) -> dict[str, TopicMessage]:
        if not message_ids:
            return {}
        query = (
            sa.select(topic_messages, topics.c.arn.label("topic_arn"))
            .join(topics, topics.c.id == _m.topic_id)
            .where(_m.id.in_(list(set(message_ids))))
        )
        return {row.id: _message(row) for row in self._conn.execute(query)}


def _attribute_json(value: MessageAttributeValue) -> dict[str, str]:
    if value.binary_value is not None:
        return {
            "DataType": value.data_type,
            "BinaryValue": base64.b64encode(value.binary_value).decode(),
        }
    return {"DataType": value.data_type, "StringValue": value.string_value or ""}


def _attribute_value(stored: dict[str, str]) -> MessageAttributeValue:
    if "BinaryValue" in stored:
        return MessageAttributeValue(
            stored["DataType"], binary_value=base64.b64decode(stored["BinaryValue"])
        )
    return MessageAttributeValue(stored["DataType"], string_value=stored["StringValue"])


def _message(row: sa.Row[Any]) -> TopicMessage:
    attributes = {name: _attribute_value(value) for name, value in (row.attributes or {}).items()}
    return TopicMessage(
        id=row.id,
        account=row.account,
        topic_id=row.topic_id,
        topic_arn=row.topic_arn,
        subject=row.subject,
        body=row.body,
        structure=row.structure,
        attributes=attributes,
        published_at=row.published_at,
        sealed_body=row.body_sealed,
    )


def _delivery_values(delivery: TopicDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "account": delivery.account,
        "kind": delivery.kind.value,
        "message_id": delivery.message_id,
        "topic_arn": delivery.topic_arn,
        "subscription_id": delivery.subscription_id,
        "subscription_arn": delivery.subscription_arn,
        "protocol": delivery.protocol,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "lease_until": delivery.lease_until,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "finished_at": delivery.finished_at,
    }


def _delivery(row: sa.Row[Any]) -> TopicDelivery:
    return TopicDelivery(
        id=row.id,
        account=row.account,
        kind=DeliveryKind(row.kind),
        message_id=row.message_id,
        topic_arn=row.topic_arn,
        subscription_id=row.subscription_id,
        subscription_arn=row.subscription_arn,
        protocol=row.protocol,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        lease_until=row.lease_until,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        finished_at=row.finished_at,
    )


_UPDATE_CLAIMED = (
    topic_deliveries.update()
    .where(
        _d.id == sa.bindparam("b_id"),
        _d.state == _PENDING,
        _d.lease_until == sa.bindparam("b_lease"),
    )
    .values(
        state=sa.bindparam("b_state"),
        attempts=sa.bindparam("b_attempts"),
        next_attempt_at=sa.bindparam("b_next_attempt_at"),
        lease_until=sa.bindparam("b_lease_until"),
        last_status_code=sa.bindparam("b_last_status_code"),
        last_error=sa.bindparam("b_last_error"),
        finished_at=sa.bindparam("b_finished_at"),
    )
)


def _update_params(delivery: TopicDelivery, lease: datetime) -> dict[str, Any]:
    return {
        "b_id": delivery.id,
        "b_lease": lease,
        "b_state": delivery.state.value,
        "b_attempts": delivery.attempts,
        "b_next_attempt_at": delivery.next_attempt_at,
        "b_lease_until": delivery.lease_until,
        "b_last_status_code": delivery.last_status_code,
        "b_last_error": delivery.last_error,
        "b_finished_at": delivery.finished_at,
    }


class SqlTopicDeliveryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add_many(self, deliveries: Sequence[TopicDelivery]) -> None:
        if deliveries:
            self._conn.execute(topic_deliveries.insert(), [_delivery_values(d) for d in deliveries])

    def claim_due(self, now: datetime, *, lease_until: datetime, limit: int) -> list[TopicDelivery]:
        query = (
            sa.select(topic_deliveries)
            .where(
                _d.state == _PENDING,
                _d.next_attempt_at <= now,
                sa.or_(_d.lease_until.is_(None), _d.lease_until <= now),
            )
            .order_by(_d.next_attempt_at, _d.id)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            # Concurrent workers take different rows instead of queueing on each other's.
            query = query.with_for_update(skip_locked=True)
        found = [_delivery(row) for row in self._conn.execute(query)]
        if found:
            self._conn.execute(
                topic_deliveries.update()
                .where(_d.id.in_([d.id for d in found]))
                .values(lease_until=lease_until)
            )
        return [replace(d, lease_until=lease_until) for d in found]

    def update_claimed(self, delivery: TopicDelivery, *, lease_until: datetime) -> bool:
        return not self.update_many_claimed([(delivery, lease_until)])

    def update_many_claimed(
        self, deliveries: Sequence[tuple[TopicDelivery, datetime]]
    ) -> list[str]:
        lost: list[str] = []
        for delivery, lease in deliveries:
            result = self._conn.execute(_UPDATE_CLAIMED, _update_params(delivery, lease))
            if result.rowcount != 1:
                lost.append(delivery.id)
        return lost

    def add_attempts(self, attempts: Sequence[DeliveryAttempt]) -> None:
        if attempts:
            self._conn.execute(
                delivery_attempts.insert(),
                [
                    {
                        "delivery_id": a.delivery_id,
                        "number": a.number,
                        "account": a.account,
                        "at": a.at,
                        "succeeded": a.succeeded,
                        "status_code": a.status_code,
                        "latency_ms": a.latency_ms,
                        "error": a.error,
                    }
                    for a in attempts
                ],
            )

    def get(self, delivery_id: str) -> TopicDelivery | None:
        row = self._conn.execute(sa.select(topic_deliveries).where(_d.id == delivery_id)).first()
        return None if row is None else _delivery(row)

    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]:
        query = (
            sa.select(delivery_attempts).where(_a.delivery_id == delivery_id).order_by(_a.number)
        )
        return [
            DeliveryAttempt(
                delivery_id=row.delivery_id,
                number=row.number,
                account=row.account,
                at=row.at,
                succeeded=row.succeeded,
                latency_ms=row.latency_ms,
                status_code=row.status_code,
                error=row.error,
            )
            for row in self._conn.execute(query)
        ]

    def page(
        self, query: DeliveryFilter, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[TopicDelivery]:
        select = sa.select(topic_deliveries).where(_d.account == query.account)
        if query.states:
            select = select.where(_d.state.in_([s.value for s in query.states]))
        if query.topic_arn is not None:
            select = select.where(_d.topic_arn == query.topic_arn)
        if query.subscription_arn is not None:
            select = select.where(_d.subscription_arn == query.subscription_arn)
        if before is not None:
            created, delivery_id = before
            select = select.where(
                sa.or_(
                    _d.created_at < created,
                    sa.and_(_d.created_at == created, _d.id < delivery_id),
                )
            )
        select = select.order_by(_d.created_at.desc(), _d.id.desc()).limit(limit)
        return [_delivery(row) for row in self._conn.execute(select)]

    def requeue(self, delivery_ids: Sequence[str], *, now: datetime) -> int:
        if not delivery_ids:
            return 0
        result = self._conn.execute(
            topic_deliveries.update()
            .where(
                _d.id.in_(list(delivery_ids)),
                _d.state.in_([DeliveryState.DEAD_LETTERED.value, DeliveryState.FAILED.value]),
            )
            .values(
                state=_PENDING,
                next_attempt_at=now,
                lease_until=None,
                finished_at=None,
            )
        )
        return result.rowcount
