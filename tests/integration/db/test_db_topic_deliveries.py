"""Topic deliveries in storage: topics and subscriptions read in bulk, deliveries claimed
under a lease and updated only while the lease is held."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from dbtest_support import ACCOUNT, T0

from certherd.adapters.db.unit_of_work import SqlUnitOfWork
from certherd.domain.subscriptions import (
    Subscription,
    SubscriptionProtocol,
    SubscriptionSettings,
    SubscriptionState,
)
from certherd.domain.tags import Tag
from certherd.domain.topic_deliveries import (
    DeliveryKind,
    DeliveryState,
    TopicDelivery,
    TopicMessage,
)
from certherd.domain.topics import Topic, TopicSettings

LEASE = T0 + timedelta(seconds=60)


def topic(name: str, **settings: str) -> Topic:
    return Topic(
        id=f"topic-{name}",
        account=ACCOUNT,
        name=name,
        arn=f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}",
        settings=TopicSettings(**settings),
        created_at=T0,
    )


def subscription(of: Topic, number: int, state: SubscriptionState) -> Subscription:
    sid = f"{of.name}-sub-{number}"
    return Subscription(
        id=sid,
        arn=f"{of.arn}:{sid}",
        account=ACCOUNT,
        topic_id=of.id,
        topic_arn=of.arn,
        protocol=SubscriptionProtocol.HTTPS,
        endpoint=f"https://hooks.example.com/{number}",
        state=state,
        settings=SubscriptionSettings(raw_message_delivery=number % 2 == 0),
        created_at=T0,
        updated_at=T0,
    )


def delivery(of: Subscription, number: int, *, due: timedelta = timedelta(0)) -> TopicDelivery:
    return TopicDelivery(
        id=f"delivery-{number:03d}",
        account=ACCOUNT,
        kind=DeliveryKind.NOTIFICATION,
        message_id="message-1",
        topic_arn=of.topic_arn,
        subscription_id=of.id,
        subscription_arn=of.arn,
        protocol=of.protocol.value,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=T0 + due,
        created_at=T0,
    )


def seed(engine: sa.Engine, deliveries: int) -> tuple[Topic, Subscription]:
    alerts = topic("alerts")
    confirmed = subscription(alerts, 1, SubscriptionState.CONFIRMED)
    with SqlUnitOfWork(engine) as uow:
        uow.topics.add(alerts)
        uow.subscriptions.add(confirmed)
        uow.topic_messages.add(
            TopicMessage(
                id="message-1",
                account=ACCOUNT,
                topic_id=alerts.id,
                topic_arn=alerts.arn,
                subject=None,
                body="hello",
                structure=None,
                attributes={},
                published_at=T0,
            )
        )
        uow.topic_deliveries.add_many([delivery(confirmed, n) for n in range(deliveries)])
        uow.commit()
    return alerts, confirmed


def test_topics_and_subscriptions_are_read_in_bulk(engine: sa.Engine) -> None:
    alerts = replace(topic("alerts", delivery_policy='{"http": {}}'), tags=(Tag("team", "pki"),))
    audit = topic("audit", signature_version="2")
    subscriptions = [
        subscription(alerts, 1, SubscriptionState.CONFIRMED),
        subscription(alerts, 2, SubscriptionState.PENDING_CONFIRMATION),
        subscription(audit, 3, SubscriptionState.DELETED),
    ]
    with SqlUnitOfWork(engine) as uow:
        uow.topics.add(alerts)
        uow.topics.add(audit)
        for each in subscriptions:
            uow.subscriptions.add(each)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        found = uow.topics.get_many_by_id([alerts.id, audit.id, alerts.id, "topic-missing"])
        assert found == {alerts.id: alerts, audit.id: audit}
        assert uow.topics.get_many_by_id([]) == {}
        by_id = uow.subscriptions.get_many([s.id for s in subscriptions] + ["sub-missing"])
        assert by_id == {s.id: s for s in subscriptions}
        assert by_id == {s.id: uow.subscriptions.get(s.id) for s in subscriptions}
        assert uow.subscriptions.get_many(set()) == {}


def test_claimed_deliveries_carry_their_lease_and_are_not_claimed_twice(
    engine: sa.Engine,
) -> None:
    seed(engine, 5)
    with SqlUnitOfWork(engine) as uow:
        first = uow.topic_deliveries.claim_due(T0, lease_until=LEASE, limit=3)
        uow.commit()
    assert [d.id for d in first] == ["delivery-000", "delivery-001", "delivery-002"]
    assert {d.lease_until for d in first} == {LEASE}
    with SqlUnitOfWork(engine) as uow:
        second = uow.topic_deliveries.claim_due(T0, lease_until=LEASE, limit=10)
        assert [d.id for d in second] == ["delivery-003", "delivery-004"]
        stored = uow.topic_deliveries.get("delivery-000")
        assert stored is not None and stored.lease_until == LEASE
        # Once the leases run out, the deliveries are due again.
        renewed = LEASE + timedelta(seconds=60)
        later = uow.topic_deliveries.claim_due(LEASE, lease_until=renewed, limit=10)
        assert len(later) == 5 and {d.lease_until for d in later} == {renewed}


def test_updates_land_only_where_the_lease_is_still_held(engine: sa.Engine) -> None:
    seed(engine, 6)
    with SqlUnitOfWork(engine) as uow:
        claimed = uow.topic_deliveries.claim_due(T0, lease_until=LEASE, limit=6)
        uow.commit()
    # Another worker took two of them over after the lease ran out.
    takeover = LEASE + timedelta(seconds=60)
    with SqlUnitOfWork(engine) as uow:
        taken = uow.topic_deliveries.claim_due(LEASE, lease_until=takeover, limit=2)
        uow.commit()
    assert [d.id for d in taken] == ["delivery-000", "delivery-001"]
    done = T0 + timedelta(seconds=1)
    delivered = [
        replace(d, state=DeliveryState.DELIVERED, attempts=1, lease_until=None, finished_at=done)
        for d in claimed[:4]
    ]
    retried = replace(
        claimed[4],
        attempts=1,
        next_attempt_at=T0 + timedelta(seconds=20),
        lease_until=None,
        last_status_code=500,
        last_error="the endpoint answered HTTP 500",
    )
    failed = replace(
        claimed[5],
        state=DeliveryState.FAILED,
        attempts=1,
        lease_until=None,
        last_status_code=404,
        last_error="the endpoint answered HTTP 404",
        finished_at=done,
    )
    updates = [(d, LEASE) for d in [*delivered, retried, failed]]
    with SqlUnitOfWork(engine) as uow:
        lost = uow.topic_deliveries.update_many_claimed(updates)
        assert uow.topic_deliveries.update_many_claimed([]) == []
        uow.commit()
    assert lost == ["delivery-000", "delivery-001"]
    with SqlUnitOfWork(engine) as uow:
        stored = {d.id: uow.topic_deliveries.get(d.id) for d in claimed}
        # Another update with the lease given up is refused as well.
        assert not uow.topic_deliveries.update_claimed(delivered[2], lease_until=LEASE)
    assert stored["delivery-000"] == replace(claimed[0], lease_until=takeover)
    assert stored["delivery-001"] == replace(claimed[1], lease_until=takeover)
    assert [stored[d.id] for d in [*delivered[2:], retried, failed]] == [
        *delivered[2:],
        retried,
        failed,
    ]


def test_a_finished_delivery_is_not_updated_again(engine: sa.Engine) -> None:
    seed(engine, 1)
    with SqlUnitOfWork(engine) as uow:
        [claimed] = uow.topic_deliveries.claim_due(T0, lease_until=LEASE, limit=1)
        uow.commit()
    done = replace(claimed, state=DeliveryState.DELIVERED, attempts=1, lease_until=None)
    with SqlUnitOfWork(engine) as uow:
        assert uow.topic_deliveries.update_claimed(done, lease_until=LEASE)
        uow.commit()
    # A second outcome for the same lease (a worker recording twice) is refused.
    with SqlUnitOfWork(engine) as uow:
        dropped = replace(claimed, state=DeliveryState.DROPPED, lease_until=None)
        assert uow.topic_deliveries.update_many_claimed([(dropped, LEASE)]) == [claimed.id]
        assert uow.topic_deliveries.get(claimed.id) == done
