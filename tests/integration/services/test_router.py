"""The router: outbox -> invocations, on SQLite and PostgreSQL (two routers at once too)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.event_tables import events as events_table
from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.events import PutEventsEntry
from certherd.domain.invocations import Invocation, InvocationState
from certherd.domain.rules import RuleState
from certherd.services.router import Router


def _put(container: Container, account: str, n: int = 1, **detail: Any) -> list[str]:
    entries = [
        PutEventsEntry(
            source="my.app",
            detail_type="Certificate Checked",
            detail=json.dumps({"n": i, **detail}),
            resources=(f"arn:aws:acm:us-east-1:{account}:certificate/c{i}",),
        )
        for i in range(n)
    ]
    ids = []
    for start in range(0, n, 10):
        results = container.event_bus.put_events(
            account=account, entries=entries[start : start + 10]
        )
        ids += [r.event_id or "" for r in results]
    return ids


def _invocations(container: Container, event_id: str) -> list[Invocation]:
    return container.event_bus.describe_event(
        account=container.settings.account_id, event_id=event_id
    )[1]


def _queue(account: str, name: str = "q") -> str:
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def test_matching_rules_get_one_invocation_per_target(
    container: Container, account: str, clock: FixedClock
) -> None:
    rules = container.rules
    rules.put_rule(account=account, name="all", event_pattern='{"source": ["my.app"]}')
    rules.put_rule(
        account=account, name="big", event_pattern='{"detail": {"n": [{"numeric": [">", 0]}]}}'
    )
    rules.put_rule(account=account, name="none", event_pattern='{"source": ["other"]}')
    rules.put_targets(
        account=account,
        rule="all",
        targets=[
            {"Id": "whole", "Arn": _queue(account), "RetryPolicy": {"MaximumRetryAttempts": 2}},
            {"Id": "const", "Arn": _queue(account), "Input": '{"fixed": true}'},
        ],
    )
    rules.put_targets(
        account=account,
        rule="big",
        targets=[{"Id": "path", "Arn": _queue(account), "InputPath": "$.detail"}],
    )
    rules.put_targets(account=account, rule="none", targets=[{"Id": "x", "Arn": _queue(account)}])
    small, large = _put(container, account, 2)
    clock.advance(timedelta(seconds=5))
    assert container.router.route_batch(clock.now()) == 2
    assert container.router.route_batch(clock.now()) == 0

    first = _invocations(container, small)
    assert [(i.rule_arn.rsplit("/", 1)[1], i.target_id) for i in first] == [
        ("all", "const"),
        ("all", "whole"),
    ]
    const, whole = first
    assert const.payload == '{"fixed": true}'
    stored, _ = container.event_bus.describe_event(account=account, event_id=small)
    assert json.loads(whole.payload) == json.loads(stored.envelope)
    assert stored.routed_at == clock.now()
    assert whole.state is InvocationState.PENDING
    assert whole.next_attempt_at == clock.now()
    assert whole.attempts == 0
    assert whole.max_attempts == 3
    assert whole.max_age_seconds == 86400
    assert whole.event_time == clock.now() - timedelta(seconds=5)
    second = _invocations(container, large)
    assert sorted(i.target_id for i in second) == ["const", "path", "whole"]
    path = next(i for i in second if i.target_id == "path")
    assert json.loads(path.payload) == {"n": 1}


def test_input_transformer_with_reserved_variables(
    container: Container, account: str, clock: FixedClock
) -> None:
    rule = container.rules.put_rule(
        account=account, name="t", event_pattern='{"source": ["my.app"]}'
    )
    container.rules.put_targets(
        account=account,
        rule="t",
        targets=[
            {
                "Id": "x",
                "Arn": _queue(account),
                "InputTransformer": {
                    "InputPathsMap": {"n": "$.detail.n", "cert": "$.resources[0]"},
                    "InputTemplate": '{"n": <n>, "cert": <cert>, "rule": <aws.events.rule-arn>, '
                    '"name": "<aws.events.rule-name>", "at": <aws.events.event.ingestion-time>}',
                },
            }
        ],
    )
    [event_id] = _put(container, account)
    container.router.route_all(clock.now() + timedelta(minutes=1))
    [invocation] = _invocations(container, event_id)
    assert json.loads(invocation.payload) == {
        "n": 0,
        "cert": f"arn:aws:acm:us-east-1:{account}:certificate/c0",
        "rule": rule.arn,
        "name": "t",
        "at": "2026-01-01T00:00:00Z",
    }


def test_disabled_rules_and_other_buses_do_not_match(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.event_bus.create_bus(account=account, name="ops")
    rules = container.rules
    for name, bus in (("off", None), ("elsewhere", "ops")):
        rules.put_rule(account=account, name=name, bus=bus, event_pattern='{"source": ["my.app"]}')
        rules.put_targets(
            account=account, rule=name, bus=bus, targets=[{"Id": "t", "Arn": _queue(account)}]
        )
    rules.set_state(account=account, name="off", state=RuleState.DISABLED)
    [event_id] = _put(container, account)
    assert container.router.route_all(clock.now()) == 1
    assert _invocations(container, event_id) == []


def test_the_index_follows_rule_changes(
    container: Container, account: str, clock: FixedClock
) -> None:
    rules = container.rules
    router = container.router
    rules.put_rule(account=account, name="r", event_pattern='{"source": ["nothing"]}')
    rules.put_targets(account=account, rule="r", targets=[{"Id": "t", "Arn": _queue(account)}])
    [before] = _put(container, account)
    router.route_all(clock.now())  # caches the index
    assert _invocations(container, before) == []

    rules.put_rule(account=account, name="r", event_pattern='{"source": ["my.app"]}')
    [after_pattern] = _put(container, account)
    router.route_all(clock.now())
    assert len(_invocations(container, after_pattern)) == 1

    rules.put_targets(account=account, rule="r", targets=[{"Id": "u", "Arn": _queue(account)}])
    [after_target] = _put(container, account)
    router.route_all(clock.now())
    assert [i.target_id for i in _invocations(container, after_target)] == ["t", "u"]

    rules.set_state(account=account, name="r", state=RuleState.DISABLED)
    [after_disable] = _put(container, account)
    router.route_all(clock.now())
    assert _invocations(container, after_disable) == []

    rules.set_state(account=account, name="r", state=RuleState.ENABLED)
    rules.delete_rule(account=account, name="r", force=True)
    [after_delete] = _put(container, account)
    router.route_all(clock.now())
    assert _invocations(container, after_delete) == []


def test_routing_again_adds_nothing(container: Container, account: str, clock: FixedClock) -> None:
    container.rules.put_rule(account=account, name="r", event_pattern='{"source": ["my.app"]}')
    container.rules.put_targets(
        account=account, rule="r", targets=[{"Id": "t", "Arn": _queue(account)}]
    )
    ids = _put(container, account, 3)
    assert container.router.route_all(clock.now()) == 3
    # As if a router had crashed after writing invocations but before marking events routed.
    with container.engine.begin() as connection:
        connection.execute(sa.update(events_table).values(routed_at=None))
    fresh = Router(uow=container.uow)
    assert fresh.route_all(clock.now(), limit=2) == 3
    assert [len(_invocations(container, i)) for i in ids] == [1, 1, 1]


def test_two_routers_at_once_route_everything_once(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.rules.put_rule(account=account, name="r", event_pattern='{"source": ["my.app"]}')
    container.rules.put_targets(
        account=account,
        rule="r",
        targets=[{"Id": "a", "Arn": _queue(account)}, {"Id": "b", "Arn": _queue(account)}],
    )
    ids = _put(container, account, 60)
    routed: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        router = Router(uow=container.uow)
        try:
            start.wait()
            routed.append(router.route_all(clock.now(), limit=7))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(routed) == 60
    with container.engine.connect() as connection:
        unrouted = connection.execute(
            sa.select(sa.func.count()).where(events_table.c.routed_at.is_(None))
        ).scalar_one()
    assert unrouted == 0
    assert all(sorted(i.target_id for i in _invocations(container, e)) == ["a", "b"] for e in ids)


def test_prepare_builds_the_indexes_of_buses_with_enabled_rules(
    container: Container, account: str, clock: FixedClock
) -> None:
    rules = container.rules
    container.event_bus.create_bus(account=account, name="ops")
    rules.put_rule(account=account, name="a", event_pattern='{"source": ["my.app"]}')
    rules.put_rule(account=account, name="b", event_pattern='{"source": ["my.app"]}', bus="ops")
    rules.put_rule(
        account="111122223333",
        name="off",
        event_pattern='{"source": ["my.app"]}',
        state=RuleState.DISABLED,
    )
    rules.put_targets(account=account, rule="a", targets=[{"Id": "q", "Arn": _queue(account)}])
    router = Router(uow=container.uow)
    assert router.prepare() == 2  # the disabled rule's bus has nothing to index
    [event_id] = _put(container, account)
    assert router.route_batch(clock.now()) == 1
    assert [i.target_id for i in _invocations(container, event_id)] == ["q"]
