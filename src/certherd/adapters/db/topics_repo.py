"""Topics and subscriptions on SQL."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.topic_tables import (
    delivery_attempts,
    subscriptions,
    topic_deliveries,
    topic_messages,
    topic_tags,
    topics,
)
from certherd.domain.subscriptions import (
    Subscription,
    SubscriptionProtocol,
    SubscriptionSettings,
    SubscriptionState,
)
from certherd.domain.tags import Tag
from certherd.domain.topics import SubscriptionCounts, Topic, TopicSettings

__all__ = ["SqlSubscriptionRepository", "SqlTopicRepository"]

_t = topics.c
_s = subscriptions.c


def _topic_values(topic: Topic) -> dict[str, Any]:
    settings = topic.settings
    return {
        "display_name": settings.display_name,
        "policy": settings.policy,
        "delivery_policy": settings.delivery_policy,
        "kms_master_key_id": settings.kms_master_key_id,
        "signature_version": settings.signature_version,
    }


# Built once: building a statement costs more than running these on SQLite.
_TOPIC_BY_NAME = sa.select(topics).where(
    _t.account == sa.bindparam("b_account"), _t.name == sa.bindparam("b_name")
)
_TOPIC_BY_ID = sa.select(topics).where(_t.id == sa.bindparam("b_id"))
_TOPICS_BY_ID = sa.select(topics).where(_t.id.in_(sa.bindparam("b_ids", expanding=True)))
_TAGS = (
    sa.select(topic_tags)
    .where(topic_tags.c.topic_id.in_(sa.bindparam("b_ids", expanding=True)))
    .order_by(topic_tags.c.topic_id, topic_tags.c.key)
)


class SqlTopicRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, topic: Topic) -> None:
        self._conn.execute(
            topics.insert().values(
                id=topic.id,
                account=topic.account,
                name=topic.name,
                arn=topic.arn,
                created_at=topic.created_at,
                **_topic_values(topic),
            )
        )
        self._write_tags(topic.id, topic.tags)

    def update(self, topic: Topic) -> None:
        self._conn.execute(topics.update().where(_t.id == topic.id).values(**_topic_values(topic)))

    def get(self, account: str, name: str) -> Topic | None:
        rows = self._conn.execute(_TOPIC_BY_NAME, {"b_account": account, "b_name": name}).all()
        found = self._with_tags(rows)
        return found[0] if found else None

    def get_by_id(self, topic_id: str) -> Topic | None:
        rows = self._conn.execute(_TOPIC_BY_ID, {"b_id": topic_id}).all()
        found = self._with_tags(rows)
        return found[0] if found else None

    def get_many_by_id(self, topic_ids: Iterable[str]) -> dict[str, Topic]:
        wanted = builtins.list(set(topic_ids))
        if not wanted:
            return {}
        rows = self._conn.execute(_TOPICS_BY_ID, {"b_ids": wanted}).all()
        return {topic.id: topic for topic in self._with_tags(rows)}

    def page(self, account: str, *, after: str | None, limit: int) -> builtins.list[Topic]:
        query = sa.select(topics).where(_t.account == account)
        if after is not None:
            query = query.where(_t.name > after)
        return self._with_tags(self._conn.execute(query.order_by(_t.name).limit(limit)).all())

    def delete(self, topic_id: str) -> None:
        # Explicitly, rather than trusting ON DELETE CASCADE to be enabled on the connection.
        subscription_ids = sa.select(_s.id).where(_s.topic_id == topic_id).scalar_subquery()
        pending = topic_deliveries.c.subscription_id.in_(subscription_ids)
        self._conn.execute(
            delivery_attempts.delete().where(
                delivery_attempts.c.delivery_id.in_(
                    sa.select(topic_deliveries.c.id).where(pending).scalar_subquery()
                )
            )
        )
        self._conn.execute(topic_deliveries.delete().where(pending))
        self._conn.execute(topic_messages.delete().where(topic_messages.c.topic_id == topic_id))
        self._conn.execute(subscriptions.delete().where(_s.topic_id == topic_id))
        self._conn.execute(topic_tags.delete().where(topic_tags.c.topic_id == topic_id))
        self._conn.execute(topics.delete().where(_t.id == topic_id))

    def set_tags(self, topic_id: str, tags: Iterable[Tag]) -> None:
        self._conn.execute(topic_tags.delete().where(topic_tags.c.topic_id == topic_id))
        self._write_tags(topic_id, tags)

    def counts(self, topic_id: str) -> SubscriptionCounts:
        return self.counts_many([topic_id])[topic_id]

    def counts_many(self, topic_ids: Sequence[str]) -> dict[str, SubscriptionCounts]:
        found: dict[str, dict[str, int]] = {topic_id: {} for topic_id in topic_ids}
        if topic_ids:
            rows = self._conn.execute(
                sa.select(_s.topic_id, _s.state, sa.func.count())
                .where(_s.topic_id.in_(list(found)))
                .group_by(_s.topic_id, _s.state)
            )
            for topic_id, state, count in rows:
                found[topic_id][state] = count
        return {
            topic_id: SubscriptionCounts(
                confirmed=states.get(SubscriptionState.CONFIRMED.value, 0),
                pending=states.get(SubscriptionState.PENDING_CONFIRMATION.value, 0),
                deleted=states.get(SubscriptionState.DELETED.value, 0),
            )
            for topic_id, states in found.items()
        }

    def _write_tags(self, topic_id: str, tags: Iterable[Tag]) -> None:
        rows = [{"topic_id": topic_id, "key": t.key, "value": t.value} for t in tags]
        if rows:
            self._conn.execute(topic_tags.insert(), rows)

    def _with_tags(self, rows: Sequence[sa.Row[Any]]) -> builtins.list[Topic]:
        if not rows:
            return []
        tags: dict[str, builtins.list[Tag]] = defaultdict(builtins.list)
        for tag in self._conn.execute(_TAGS, {"b_ids": [row.id for row in rows]}):
            tags[tag.topic_id].append(Tag(tag.key, tag.value))
        return [_topic(row, tuple(tags.get(row.id, ()))) for row in rows]


def _topic(row: sa.Row[Any], tags: tuple[Tag, ...]) -> Topic:
    return Topic(
        id=row.id,
        account=row.account,
        name=row.name,
        arn=row.arn,
        settings=TopicSettings(
            display_name=row.display_name,
            policy=row.policy,
            delivery_policy=row.delivery_policy,
            kms_master_key_id=row.kms_master_key_id,
            signature_version=row.signature_version,
        ),
        created_at=row.created_at,
        tags=tags,
    )


def _subscription_values(subscription: Subscription) -> dict[str, Any]:
    settings = subscription.settings
    return {
        "account": subscription.account,
        "topic_id": subscription.topic_id,
        "protocol": subscription.protocol.value,
        "endpoint": subscription.endpoint,
        "endpoint_sealed": subscription.sealed_endpoint,
        "state": subscription.state.value,
        "token_digest": subscription.token_digest,
        "token_sealed": subscription.sealed_token,
        "token_expires_at": subscription.token_expires_at,
        "confirmation_was_authenticated": subscription.confirmation_was_authenticated,
        "filter_policy": settings.filter_policy,
        "filter_policy_scope": settings.filter_policy_scope,
        "raw_message_delivery": settings.raw_message_delivery,
        "redrive_policy": settings.redrive_policy,
        "delivery_policy": settings.delivery_policy,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


_SUBSCRIPTION_QUERY = sa.select(subscriptions, _t.arn.label("topic_arn")).join(
    topics, _t.id == _s.topic_id
)

_SUBSCRIPTIONS_BY_ID = _SUBSCRIPTION_QUERY.where(_s.id.in_(sa.bindparam("b_ids", expanding=True)))
_FOR_TOPIC = _SUBSCRIPTION_QUERY.where(
    _s.topic_id == sa.bindparam("b_topic_id"),
    _s.state.in_(sa.bindparam("b_states", expanding=True)),
).order_by(_s.created_at, _s.id)


class SqlSubscriptionRepository:
    """Subscriptions; ``<topic ARN>:<id>`` is a subscription's ARN."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, subscription: Subscription) -> None:
        self._conn.execute(
            subscriptions.insert().values(id=subscription.id, **_subscription_values(subscription))
        )

    def update(self, subscription: Subscription) -> None:
        self._conn.execute(
            subscriptions.update()
            .where(_s.id == subscription.id)
            .values(**_subscription_values(subscription))
        )

    def get(self, subscription_id: str) -> Subscription | None:
        return self._one(_SUBSCRIPTION_QUERY.where(_s.id == subscription_id))

    def get_many(self, subscription_ids: Iterable[str]) -> dict[str, Subscription]:
        wanted = builtins.list(set(subscription_ids))
        if not wanted:
            return {}
        rows = self._conn.execute(_SUBSCRIPTIONS_BY_ID, {"b_ids": wanted})
        return {row.id: _subscription(row) for row in rows}

    def find_by_token(self, topic_id: str, token_digest: str) -> Subscription | None:
        return self._one(
            _SUBSCRIPTION_QUERY.where(_s.topic_id == topic_id, _s.token_digest == token_digest)
        )

    def matching_endpoint(
        self, topic_id: str, protocol: str, endpoint: str
    ) -> builtins.list[Subscription]:
        query = _SUBSCRIPTION_QUERY.where(
            _s.topic_id == topic_id,
            _s.protocol == protocol,
            _s.endpoint == endpoint,
            _s.state != SubscriptionState.DELETED.value,
        ).order_by(_s.created_at, _s.id)
        return [_subscription(row) for row in self._conn.execute(query)]

    def for_topic(
        self, topic_id: str, *, states: Sequence[SubscriptionState]
    ) -> builtins.list[Subscription]:
        rows = self._conn.execute(
            _FOR_TOPIC, {"b_topic_id": topic_id, "b_states": [state.value for state in states]}
        )
        return [_subscription(row) for row in rows]

    def page(
        self,
        *,
        account: str | None = None,
        topic_id: str | None = None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> builtins.list[Subscription]:
        query = _SUBSCRIPTION_QUERY.where(_s.state != SubscriptionState.DELETED.value)
        if account is not None:
            query = query.where(_s.account == account)
        if topic_id is not None:
            query = query.where(_s.topic_id == topic_id)
        if after is not None:
            created, subscription_id = after
            query = query.where(
                sa.or_(
                    _s.created_at > created,
                    sa.and_(_s.created_at == created, _s.id > subscription_id),
                )
            )
        query = query.order_by(_s.created_at, _s.id).limit(limit)
        return [_subscription(row) for row in self._conn.execute(query)]

    def purge_deleted(self, before: datetime) -> int:
        result = self._conn.execute(
            subscriptions.delete().where(
                _s.state.in_(
                    [
                        SubscriptionState.DELETED.value,
                        SubscriptionState.PENDING_CONFIRMATION.value,
                    ]
                ),
                _s.token_expires_at < before,
            )
        )
        return result.rowcount

    def _one(self, query: sa.Select[Any]) -> Subscription | None:
        row = self._conn.execute(query).first()
        return None if row is None else _subscription(row)


def _subscription(row: sa.Row[Any]) -> Subscription:
    return Subscription(
        id=row.id,
        arn=f"{row.topic_arn}:{row.id}",
        account=row.account,
        topic_id=row.topic_id,
        topic_arn=row.topic_arn,
        protocol=SubscriptionProtocol(row.protocol),
        endpoint=row.endpoint,
        state=SubscriptionState(row.state),
        settings=SubscriptionSettings(
            filter_policy=row.filter_policy,
            filter_policy_scope=row.filter_policy_scope,
            raw_message_delivery=row.raw_message_delivery,
            redrive_policy=row.redrive_policy,
            delivery_policy=row.delivery_policy,
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        confirmation_was_authenticated=row.confirmation_was_authenticated,
        token_expires_at=row.token_expires_at,
        token_digest=row.token_digest,
        sealed_token=row.token_sealed,
        sealed_endpoint=row.endpoint_sealed,
    )
