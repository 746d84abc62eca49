"""Published messages, their deliveries and the attempts at them, on SQL."""

from __future__ import annotations

import base64
from collections.abc import Sequence
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


# Statements built once: building one costs more than running it on SQLite.
_INSERT_MESSAGE = topic_messages.insert()
_MESSAGES = (
    sa.select(topic_messages, topics.c.arn.label("topic_arn"))
    .join(topics, topics.c.id == _m.topic_id)
    .where(_m.id.in_(sa.bindparam("b_ids", expanding=True)))
)
_INSERT_DELIVERY = topic_deliveries.insert()


class SqlTopicMessageRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, message: TopicMessage) -> None:
        attributes = {name: _attribute_json(value) for name, value in message.attributes.items()}
        self._conn.execute(
            _INSERT_MESSAGE,
            {
                "id": message.id,
                "account": message.account,
                "topic_id": message.topic_id,
                "subject": message.subject,
                "body": message.body,
                "body_sealed": message.sealed_body,
                "structure": message.structure,
                "attributes": attributes or None,
                "published_at": message.published_at,
            },
        )

    def get(self, message_id: str) -> TopicMessage | None:
        return self.get_many([message_id]).get(message_id)

    def get_many(self, message_ids: Sequence[str]) -> dict[str, TopicMessage]:
        if not message_ids:
            return {}
        rows = self._conn.execute(_MESSAGES, {"b_ids": list(set(message_ids))})
        return {row.id: _message(row) for row in rows}


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


def _delivery(row: sa.Row[Any], *, lease_until: datetime | None = None) -> TopicDelivery:
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
        lease_until=row.lease_until if lease_until is None else lease_until,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        finished_at=row.finished_at,
    )


_CLAIM = (
    sa.select(topic_deliveries)
    .where(
        _d.state == _PENDING,
        _d.next_attempt_at <= sa.bindparam("b_now"),
        sa.or_(_d.lease_until.is_(None), _d.lease_until <= sa.bindparam("b_now")),
    )
    .order_by(_d.next_attempt_at, _d.id)
    .limit(sa.bindparam("b_limit"))
)
# Concurrent workers take different rows instead of queueing on each other's.
_CLAIM_POSTGRESQL = _CLAIM.with_for_update(skip_locked=True)
_LEASES = sa.select(_d.id, _d.state, _d.lease_until).where(
    _d.id.in_(sa.bindparam("b_ids", expanding=True))
)
_LEASES_POSTGRESQL = _LEASES.with_for_update()
_LEASE = (
    topic_deliveries.update()
    .where(_d.id.in_(sa.bindparam("b_ids", expanding=True)))
    .values(lease_until=sa.bindparam("b_lease_until"))
)

_NEW_VALUES: dict[str, sa.BindParameter[Any]] = {
    "state": sa.bindparam("b_state"),
    "attempts": sa.bindparam("b_attempts"),
    "next_attempt_at": sa.bindparam("b_next_attempt_at"),
    "lease_until": sa.bindparam("b_lease_until"),
    "last_status_code": sa.bindparam("b_last_status_code"),
    "last_error": sa.bindparam("b_last_error"),
    "finished_at": sa.bindparam("b_finished_at"),
}
_UPDATE_KEYS = (
    "b_lease",
    "b_state",
    "b_attempts",
    "b_next_attempt_at",
    "b_lease_until",
    "b_last_status_code",
    "b_last_error",
    "b_finished_at",
)
# The lease is checked again by each update: it can only land on a lease still held. (Not
# the state, checked with the lease when the rows are read and locked: with it SQLite
# would walk the index of every PENDING delivery instead of looking the ids up.)
_HELD = (_d.lease_until == sa.bindparam("b_lease"),)
_UPDATE_CLAIMED = (
    topic_deliveries.update().where(_d.id == sa.bindparam("b_id"), *_HELD).values(_NEW_VALUES)
)
_UPDATE_CLAIMED_ALIKE = (
    topic_deliveries.update()
    .where(_d.id.in_(sa.bindparam("b_ids", expanding=True)), *_HELD)
    .values(_NEW_VALUES)
)


def _new_values(delivery: TopicDelivery, lease: datetime) -> tuple[Any, ...]:
    """The values of :data:`_UPDATE_KEYS` for ``delivery``."""
    return (
        lease,
        delivery.state.value,
        delivery.attempts,
        delivery.next_attempt_at,
        delivery.lease_until,
        delivery.last_status_code,
        delivery.last_error,
        delivery.finished_at,
    )


class SqlTopicDeliveryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection
        self._postgresql = connection.dialect.name == "postgresql"

    def add_many(self, deliveries: Sequence[TopicDelivery]) -> None:
        if deliveries:
            self._conn.execute(_INSERT_DELIVERY, [_delivery_values(d) for d in deliveries])

    def claim_due(self, now: datetime, *, lease_until: datetime, limit: int) -> list[TopicDelivery]:
        query = _CLAIM_POSTGRESQL if self._postgresql else _CLAIM
        rows = self._conn.execute(query, {"b_now": now, "b_limit": limit})
        found = [_delivery(row, lease_until=lease_until) for row in rows]
        if found:
            self._conn.execute(
                _LEASE, {"b_ids": [d.id for d in found], "b_lease_until": lease_until}
            )
        return found

    def update_claimed(self, delivery: TopicDelivery, *, lease_until: datetime) -> bool:
        return not self.update_many_claimed([(delivery, lease_until)])

    def update_many_claimed(
        self, deliveries: Sequence[tuple[TopicDelivery, datetime]]
    ) -> list[str]:
        # The leases still held are read first (locked on PostgreSQL; SQLite's write
        # transaction holds the whole database), so that the updates can go in a few
        # statements: drivers do not say which rows of an executemany matched. The rows
        # are found by id alone, so that SQLite looks them up by primary key rather than
        # walking the index of every PENDING delivery; state and lease are checked here.
        if not deliveries:
            return []
        leases = {delivery.id: lease for delivery, lease in deliveries}
        query = _LEASES_POSTGRESQL if self._postgresql else _LEASES
        held = {
            row.id
            for row in self._conn.execute(query, {"b_ids": list(leases)})
            if row.state == _PENDING and row.lease_until == leases[row.id]
        }
        # Deliveries given the same values (a batch delivered at one instant, say) are
        # updated by one statement.
        alike: dict[tuple[Any, ...], list[str]] = {}
        for delivery, lease in deliveries:
            if delivery.id in held:
                alike.setdefault(_new_values(delivery, lease), []).append(delivery.id)
        singles: list[dict[str, Any]] = []
        for values, ids in alike.items():
            params = dict(zip(_UPDATE_KEYS, values, strict=True))
            if len(ids) == 1:
                singles.append({**params, "b_id": ids[0]})
            else:
                self._conn.execute(_UPDATE_CLAIMED_ALIKE, {**params, "b_ids": ids})
        if singles:
            self._conn.execute(_UPDATE_CLAIMED, singles)
        return [delivery.id for delivery, _ in deliveries if delivery.id not in held]

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
