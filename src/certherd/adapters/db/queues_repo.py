"""Message queues, their tags and their messages (the QueueRepository port on SQL)."""

from __future__ import annotations

import base64
import builtins
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.integrity import conflict_on_duplicate
from certherd.adapters.db.queue_tables import queue_messages, queue_tags, queues
from certherd.domain.queue_messages import MessageAttributeValue, QueueMessage
from certherd.domain.queues import (
    Queue,
    QueueAttributes,
    QueueCounts,
    RedriveAllowPolicy,
    RedrivePolicy,
)
from certherd.domain.tags import Tag

__all__ = ["SqlQueueRepository"]

_q = queues.c
_m = queue_messages.c
_QUEUE_ID: sa.BindParameter[str] = sa.bindparam("queue_key", type_=sa.String())
_MESSAGE_ID: sa.BindParameter[str] = sa.bindparam("message_key", type_=sa.String())
_TOKEN: sa.BindParameter[str] = sa.bindparam("token_key", type_=sa.String())
_NOW: sa.BindParameter[datetime] = sa.bindparam("now_key")
_CUTOFF: sa.BindParameter[datetime] = sa.bindparam("cutoff_key")

_MESSAGE_STATE = (
    "queue_id",
    "visible_at",
    "receive_count",
    "first_received_at",
    "received_at",
    "receipt_token",
    "dead_letter_source_arn",
)
_UPDATE_MESSAGE = (
    queue_messages.update()
    .where(_m.id == sa.bindparam("message_key"))
    .values({name: sa.bindparam(f"new_{name}") for name in _MESSAGE_STATE})
)
_THIS_MESSAGE = sa.and_(_m.queue_id == _QUEUE_ID, _m.id == _MESSAGE_ID)
_LIVE = sa.and_(_m.queue_id == _QUEUE_ID, _m.sent_at > _CUTOFF)


def _attributes_value(row: sa.Row[Any]) -> QueueAttributes:
    redrive = row.redrive_policy
    allow = row.redrive_allow_policy
    return QueueAttributes(
        visibility_timeout=row.visibility_timeout,
        message_retention_period=row.message_retention_period,
        delay_seconds=row.delay_seconds,
        receive_message_wait_time_seconds=row.receive_message_wait_time_seconds,
        maximum_message_size=row.maximum_message_size,
        redrive_policy=(
            None
            if redrive is None
            else RedrivePolicy(redrive["deadLetterTargetArn"], int(redrive["maxReceiveCount"]))
        ),
        redrive_allow_policy=(
            None
            if allow is None
            else RedriveAllowPolicy(
                allow["redrivePermission"], tuple(allow.get("sourceQueueArns") or ())
            )
        ),
    )


def _queue_values(queue: Queue) -> dict[str, Any]:
    a = queue.attributes
    redrive = a.redrive_policy
    allow = a.redrive_allow_policy
    return {
        "id": queue.id,
        "account": queue.account,
        "name": queue.name,
        "visibility_timeout": a.visibility_timeout,
        "message_retention_period": a.message_retention_period,
        "delay_seconds": a.delay_seconds,
        "receive_message_wait_time_seconds": a.receive_message_wait_time_seconds,
        "maximum_message_size": a.maximum_message_size,
        "redrive_policy": (
            None
            if redrive is None
            else {
                "deadLetterTargetArn": redrive.dead_letter_target_arn,
                "maxReceiveCount": redrive.max_receive_count,
            }
        ),
        "redrive_allow_policy": (
            None
            if allow is None
            else {
                "redrivePermission": allow.redrive_permission,
                "sourceQueueArns": list(allow.source_queue_arns),
            }
        ),
        "created_at": queue.created_at,
        "last_modified_at": queue.last_modified_at,
    }


def _encode_attributes(attributes: Mapping[str, MessageAttributeValue]) -> dict[str, Any] | None:
    if not attributes:
        return None
    encoded: dict[str, Any] = {}
    for name, value in attributes.items():
        item: dict[str, str] = {"DataType": value.data_type}
        if value.binary_value is not None:
            item["BinaryValue"] = base64.b64encode(value.binary_value).decode()
        else:
            item["StringValue"] = value.string_value or ""
        encoded[name] = item
    return encoded


def _decode_attributes(data: Mapping[str, Any] | None) -> dict[str, MessageAttributeValue]:
    if not data:
        return {}
    return {
        name: MessageAttributeValue(
            data_type=item["DataType"],
            string_value=item.get("StringValue"),
            binary_value=(base64.b64decode(item["BinaryValue"]) if "BinaryValue" in item else None),
        )
        for name, item in data.items()
    }


def _message(row: sa.Row[Any]) -> QueueMessage:
    return QueueMessage(
        id=row.id,
        queue_id=row.queue_id,
        body=row.body,
        attributes=_decode_attributes(row.attributes),
        md5_of_body=row.md5_of_body,
        md5_of_message_attributes=row.md5_of_message_attributes,
        sent_at=row.sent_at,
        visible_at=row.visible_at,
        receive_count=row.receive_count,
        first_received_at=row.first_received_at,
        received_at=row.received_at,
        receipt_token=row.receipt_token,
        dead_letter_source_arn=row.dead_letter_source_arn,
    )


def _message_values(message: QueueMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "queue_id": message.queue_id,
        "body": message.body,
        "attributes": _encode_attributes(message.attributes),
        "md5_of_body": message.md5_of_body,
        "md5_of_message_attributes": message.md5_of_message_attributes,
        "sent_at": message.sent_at,
        "visible_at": message.visible_at,
        "receive_count": message.receive_count,
        "first_received_at": message.first_received_at,
        "received_at": message.received_at,
        "receipt_token": message.receipt_token,
        "dead_letter_source_arn": message.dead_letter_source_arn,
    }


class SqlQueueRepository:
    """Queues by (account, name) and the messages on them."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    # -- queues ----------------------------------------------------------------------------

    def add(self, queue: Queue) -> None:
        """Raises ConflictError when the account already has a queue of that name."""
        with conflict_on_duplicate(f"queue {queue.name}"):
            self._conn.execute(queues.insert(), _queue_values(queue))
            self._write_tags(queue)

    def get(self, account: str, name: str) -> Queue | None:
        row = self._conn.execute(
            sa.select(queues).where(_q.account == account, _q.name == name)
        ).first()
        if row is None:
            return None
        return self._with_tags([row])[0]

    def update(self, queue: Queue) -> None:
        values = _queue_values(queue)
        del values["id"]
        self._conn.execute(queues.update().where(_q.id == queue.id).values(values))
        self._conn.execute(queue_tags.delete().where(queue_tags.c.queue_id == queue.id))
        self._write_tags(queue)

    def delete(self, queue_id: str) -> None:
        # Explicitly, rather than trusting ON DELETE CASCADE to be enabled on the connection.
        self._conn.execute(queue_messages.delete().where(_m.queue_id == queue_id))
        self._conn.execute(queue_tags.delete().where(queue_tags.c.queue_id == queue_id))
        self._conn.execute(queues.delete().where(_q.id == queue_id))

    def list(self, account: str, prefix: str, after: str | None, limit: int) -> list[Queue]:
        query = sa.select(queues).where(_q.account == account)
        if prefix:
            # A range, not LIKE: names hold "_", which LIKE would read as a wildcard.
            query = query.where(_q.name >= prefix, _q.name < prefix + "\U0010ffff")
        if after is not None:
            query = query.where(_q.name > after)
        rows = self._conn.execute(query.order_by(_q.name).limit(limit)).all()
        return self._with_tags(rows)

    def all(self) -> builtins.list[Queue]:
        rows = self._conn.execute(sa.select(queues).order_by(_q.account, _q.name)).all()
        return self._with_tags(rows)

    def _write_tags(self, queue: Queue) -> None:
        if queue.tags:
            self._conn.execute(
                queue_tags.insert(),
                [{"queue_id": queue.id, "key": t.key, "value": t.value} for t in queue.tags],
            )

    def _with_tags(self, rows: Sequence[sa.Row[Any]]) -> builtins.list[Queue]:
        if not rows:
            return []
        tags: dict[str, builtins.list[Tag]] = defaultdict(builtins.list)
        ids = [row.id for row in rows]
        for tag in self._conn.execute(
            sa.select(queue_tags)
            .where(queue_tags.c.queue_id.in_(ids))
            .order_by(queue_tags.c.queue_id, queue_tags.c.key)
        ):
            tags[tag.queue_id].append(Tag(tag.key, tag.value))
        return [
            Queue(
                id=row.id,
                account=row.account,
                name=row.name,
                attributes=_attributes_value(row),
                created_at=row.created_at,
                last_modified_at=row.last_modified_at,
                tags=tuple(tags.get(row.id, ())),
            )
            for row in rows
        ]

    # -- messages --------------------------------------------------------------------------

    def counts(self, queue_id: str, now: datetime, cutoff: datetime) -> QueueCounts:
        waiting = _m.visible_at > _NOW
        query = sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((_m.visible_at <= _NOW, 1), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(waiting, _m.receive_count > 0), 1), else_=0)), 0
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(waiting, _m.receive_count == 0), 1), else_=0)), 0
            ),
        ).where(_LIVE)
        row = self._conn.execute(
            query, {"queue_key": queue_id, "now_key": now, "cutoff_key": cutoff}
        ).one()
        return QueueCounts(visible=int(row[0]), not_visible=int(row[1]), delayed=int(row[2]))

    def add_messages(self, messages: Sequence[QueueMessage]) -> None:
        if messages:
            with conflict_on_duplicate("message"):
                self._conn.execute(queue_messages.insert(), [_message_values(m) for m in messages])

    def _claim(
        self,
        where: sa.ColumnElement[bool],
        queue_id: str,
        now: datetime,
        cutoff: datetime,
        limit: int,
    ) -> builtins.list[QueueMessage]:
        query = (
            sa.select(queue_messages)
            .where(_LIVE, _m.visible_at <= _NOW, where)
            .order_by(_m.visible_at, _m.seq)
            .limit(limit)
            # PostgreSQL: concurrent receivers skip each other's rows. SQLite renders no
            # FOR UPDATE; its write lock (BEGIN IMMEDIATE) serialises receivers instead.
            .with_for_update(skip_locked=True)
        )
        rows = self._conn.execute(
            query, {"queue_key": queue_id, "now_key": now, "cutoff_key": cutoff}
        ).all()
        return [_message(row) for row in rows]

    def visible(
        self, queue_id: str, now: datetime, cutoff: datetime, limit: int
    ) -> builtins.list[QueueMessage]:
        return self._claim(sa.true(), queue_id, now, cutoff, limit)

    def dead_lettered(
        self, queue_id: str, now: datetime, cutoff: datetime, limit: int
    ) -> builtins.list[QueueMessage]:
        return self._claim(_m.dead_letter_source_arn.is_not(None), queue_id, now, cutoff, limit)

    def update_messages(self, messages: Sequence[QueueMessage]) -> None:
        if not messages:
            return
        self._conn.execute(
            _UPDATE_MESSAGE,
            [
                {
                    "message_key": m.id,
                    **{f"new_{name}": getattr(m, name) for name in _MESSAGE_STATE},
                }
                for m in messages
            ],
        )

    def get_message(self, queue_id: str, message_id: str) -> QueueMessage | None:
        row = self._conn.execute(
            sa.select(queue_messages).where(_THIS_MESSAGE),
            {"queue_key": queue_id, "message_key": message_id},
        ).first()
        return None if row is None else _message(row)

    def delete_message(self, queue_id: str, message_id: str, token: str) -> bool:
        result = self._conn.execute(
            queue_messages.delete().where(_THIS_MESSAGE, _m.receipt_token == _TOKEN),
            {"queue_key": queue_id, "message_key": message_id, "token_key": token},
        )
        return result.rowcount > 0

    def set_visible_at(
        self, queue_id: str, message_id: str, token: str, visible_at: datetime
    ) -> bool:
        result = self._conn.execute(
            queue_messages.update()
            .where(_THIS_MESSAGE, _m.receipt_token == _TOKEN)
            .values(visible_at=visible_at),
            {"queue_key": queue_id, "message_key": message_id, "token_key": token},
        )
        return result.rowcount > 0

    def purge(self, queue_id: str) -> int:
        result = self._conn.execute(queue_messages.delete().where(_m.queue_id == queue_id))
        return result.rowcount

    def delete_expired(self, queue_id: str, cutoff: datetime) -> int:
        result = self._conn.execute(
            queue_messages.delete().where(_m.queue_id == queue_id, _m.sent_at <= cutoff)
        )
        return result.rowcount
