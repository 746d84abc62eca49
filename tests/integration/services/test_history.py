"""The history sweep on SQLite and PostgreSQL: what is finished and older than the
retention goes, what is pending or recent stays, a deployment's latest run always stays."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.deployment_tables import deployment_runs, deployments
from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.entrypoints.worker import build_worker
from certherd.services.history import HistoryRetention
from certherd.services.topics import Caller

from .delivery_support import put_event, queue_arn, rule_to


def _ids(container: Container, table: str) -> set[Any]:
    with container.engine.connect() as conn:
        return set(conn.execute(sa.text(f"SELECT id FROM {table}")).scalars())


def _count(container: Container, query: str) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(sa.text(query)).scalar_one())


def _deliveries_of(container: Container, message_id: str) -> dict[str, str]:
    with container.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT protocol, state FROM topic_deliveries WHERE message_id = :m"),
            {"m": message_id},
        ).all()
    return {protocol: state for protocol, state in rows}


def _deliver(container: Container, clock: FixedClock) -> None:
    while container.topic_delivery.deliver_due(clock.now()):
        pass
    container.router.route_all(clock.now())
    while container.delivery.deliver_due(clock.now()):
        pass


def test_finished_history_older_than_the_retention_goes_and_the_rest_stays(
    container: Container, account: str, clock: FixedClock
) -> None:
    caller = Caller.of_account(account)
    container.queues.create(account=account, name="q")
    alerts = container.topics.create(account, "alerts").arn
    other = container.topics.create(account, "other").arn
    container.subscriptions.subscribe(caller, alerts, "sqs", queue_arn(account, "q"))
    missing = f"arn:aws:lambda:us-east-1:{account}:function:not-yet"
    container.subscriptions.subscribe(caller, alerts, "lambda", missing)  # retried for days
    container.subscriptions.subscribe(caller, other, "sqs", queue_arn(account, "q"))
    container.subscriptions.subscribe(caller, other, "email", "ops@example.com")  # a mail
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")})
    container.functions.create(
        account=account, name="noop", kind="command", command=[sys.executable, "-c", "pass"]
    )

    # 31 days ago: a message with a delivery still being retried, one all delivered, an
    # event and its invocation, a mail, a function run.
    pending_message = container.publisher.publish(caller, alerts, "old, still retried")
    done_message = container.publisher.publish(caller, other, "old, delivered")
    old_event = put_event(container, account, age="old")
    container.functions.invoke(account=account, name="noop", payload="{}")
    _deliver(container, clock)
    assert _deliveries_of(container, pending_message) == {"sqs": "DELIVERED", "lambda": "PENDING"}
    assert _count(container, "SELECT count(*) FROM mailbox") == 1

    clock.advance(timedelta(days=31))
    recent_message = container.publisher.publish(caller, other, "recent")
    recent_event = put_event(container, account, age="recent")
    _deliver(container, clock)
    assert _deliveries_of(container, recent_message) == {"sqs": "DELIVERED"}
    events_before = _ids(container, "events")
    invocations_before = _ids(container, "invocations")

    history = HistoryRetention(uow=container.uow, days=30)
    removed = history.sweep(clock.now())

    # Deliveries: the finished old ones went, with their attempts; the one being retried
    # (kept alive by today's retries) and today's stayed.
    assert _deliveries_of(container, pending_message) == {"lambda": "PENDING"}
    assert _deliveries_of(container, done_message) == {}
    assert _deliveries_of(container, recent_message) == {"sqs": "DELIVERED"}
    orphans = "SELECT count(*) FROM delivery_attempts WHERE delivery_id NOT IN "
    assert _count(container, orphans + "(SELECT id FROM topic_deliveries)") == 0
    # Messages: the one with a delivery left stays.
    assert _ids(container, "topic_messages") == {pending_message, recent_message}
    # Events and invocations: the old ones went, today's stayed.
    assert old_event in events_before and recent_event in events_before
    event_ids = _ids(container, "events")
    assert old_event not in event_ids and recent_event in event_ids
    assert len(_ids(container, "invocations")) == len(invocations_before) - 1
    # The mailbox and the function's runs: the old went.
    assert _count(container, "SELECT count(*) FROM mailbox") == 0
    assert _count(container, "SELECT count(*) FROM function_invocations") == 0
    assert removed > 0
    assert history.sweep(clock.now()) == 0


def test_a_sweep_is_bounded_and_zero_days_keeps_everything(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="q")
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")})
    for n in range(3):
        put_event(container, account, n=n)
    _deliver(container, clock)
    clock.advance(timedelta(days=100))

    assert HistoryRetention(uow=container.uow, days=0).sweep(clock.now()) == 0
    assert len(_ids(container, "events")) == 3
    bounded = HistoryRetention(uow=container.uow, days=30)
    # One invocation, then (its event having none left) one event: two rows.
    assert bounded.sweep(clock.now(), limit=1) == 2
    assert len(_ids(container, "events")) == 2

    # The worker's retention job sweeps with the settings' retention (90 days by default).
    assert container.history.days == 90
    [job] = [job for job in build_worker(container).jobs if job.name == "retention"]
    assert job.run() == 4  # two invocations, then their two events
    assert job.run() == 0
    assert _ids(container, "events") == set()


def _deployment(container: Container, account: str, name: str, at: datetime) -> str:
    deployment_id = str(uuid.uuid4())
    with container.engine.begin() as conn:
        conn.execute(
            deployments.insert().values(
                id=deployment_id,
                account=account,
                name=name,
                arn=f"arn:aws:certherd:us-east-1:{account}:deployment/{name}",
                directory="/etc/ssl/x",
                files={},
                mode=0o644,
                key_mode=0o600,
                command=[],
                command_timeout_seconds=30.0,
                created_at=at,
            )
        )
    return deployment_id


def _run(container: Container, account: str, deployment_id: str, at: datetime) -> str:
    run_id = str(uuid.uuid4())
    with container.engine.begin() as conn:
        conn.execute(
            deployment_runs.insert().values(
                id=run_id,
                account=account,
                deployment_id=deployment_id,
                deployment="d",
                trigger="MANUAL",
                started_at=at,
                finished_at=at,
                outcome="SUCCEEDED",
                files=[],
            )
        )
    return run_id


def test_each_deployments_latest_run_stays(
    container: Container, account: str, clock: FixedClock
) -> None:
    start = clock.now()
    busy = _deployment(container, account, "busy", start)
    quiet = _deployment(container, account, "quiet", start)
    first = _run(container, account, busy, start)
    second = _run(container, account, busy, start + timedelta(hours=1))
    latest = _run(container, account, busy, start + timedelta(hours=2))
    only = _run(container, account, quiet, start)
    clock.advance(timedelta(days=31))

    HistoryRetention(uow=container.uow, days=30).sweep(clock.now())

    remaining = _ids(container, "deployment_runs")
    assert first not in remaining and second not in remaining
    assert remaining == {latest, only}
