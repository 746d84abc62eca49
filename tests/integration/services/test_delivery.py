"""The delivery workers on SQLite and PostgreSQL: queue targets exactly once, retries with
backoff, dead-letter queues, certherd's dead-letter event, leases and concurrent workers."""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from certherd.bootstrap import Container, build
from certherd.config import Settings
from certherd.domain.clock import FixedClock
from certherd.domain.invocations import InvocationState

sys.path.insert(0, str(Path(__file__).parent))

from delivery_support import (
    FLAKY_ARN,
    FlakyTarget,
    delivery_with,
    invocations,
    put_event,
    queue_arn,
    receive_all,
    rule_to,
)


def test_a_queue_target_gets_the_payload_exactly_once(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="q")
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")})
    event_id = put_event(container, account, n=1)
    assert container.router.route_batch(clock.now()) == 1

    assert container.delivery.deliver_due(clock.now()) == 1
    assert container.delivery.deliver_due(clock.now()) == 0
    clock.advance(timedelta(hours=1))
    assert container.delivery.deliver_due(clock.now()) == 0

    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.SUCCEEDED
    assert invocation.attempts == 1
    assert invocation.finished_at == clock.now() - timedelta(hours=1)
    assert invocation.lease_until is None
    [message] = receive_all(container, account, "q")
    assert message.body == invocation.payload
    assert json.loads(message.body)["id"] == event_id
    assert message.message_attributes == {}


def test_retries_back_off_then_succeed(
    container: Container, account: str, clock: FixedClock
) -> None:
    flaky = FlakyTarget(failures=2)
    delivery = delivery_with(container, flaky, random=lambda: 0.5)
    rule_to(container, account, {"Id": "f", "Arn": FLAKY_ARN})
    event_id = put_event(container, account)
    container.router.route_batch(clock.now())
    start = clock.now()

    assert delivery.deliver_due(clock.now()) == 1
    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.PENDING
    assert invocation.attempts == 1
    assert invocation.last_error_code == "THROTTLING"
    assert invocation.last_error_message == "attempt 1 failed"
    assert invocation.next_attempt_at == start + timedelta(seconds=0.5)  # half of 1 s
    assert invocation.lease_until is None
    assert delivery.deliver_due(clock.now()) == 0  # not due yet

    clock.set(invocation.next_attempt_at)
    assert delivery.deliver_due(clock.now()) == 1
    [invocation] = invocations(container, account, event_id)
    assert invocation.attempts == 2
    assert invocation.next_attempt_at == clock.now() + timedelta(seconds=1)  # half of 2 s

    clock.set(invocation.next_attempt_at)
    assert delivery.deliver_due(clock.now()) == 1
    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.SUCCEEDED
    assert invocation.attempts == 3
    assert flaky.delivered == [(invocation.payload, clock.now())]


def _run_until_settled(
    container: Container, account: str, event_id: str, clock: FixedClock, flaky: FlakyTarget
) -> None:
    delivery = delivery_with(container, flaky, random=lambda: 0.99)
    for _ in range(400):
        delivery.deliver_due(clock.now())
        [invocation] = invocations(container, account, event_id)
        if invocation.state is not InvocationState.PENDING:
            return
        clock.set(invocation.next_attempt_at)
    pytest.fail("the invocation never settled")


def test_running_out_of_retry_attempts_dead_letters_with_all_attributes(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="dlq")
    rule_arn = rule_to(
        container,
        account,
        {
            "Id": "f",
            "Arn": FLAKY_ARN,
            "RetryPolicy": {"MaximumRetryAttempts": 2},
            "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")},
        },
    )
    event_id = put_event(container, account)
    container.router.route_batch(clock.now())
    flaky = FlakyTarget()
    _run_until_settled(container, account, event_id, clock, flaky)

    assert flaky.attempts == 3
    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.DEAD_LETTERED
    assert invocation.attempts == 3
    assert invocation.finished_at == clock.now()
    [message] = receive_all(container, account, "dlq")
    assert message.body == invocation.payload
    attributes = {k: (v.data_type, v.string_value) for k, v in message.message_attributes.items()}
    assert attributes == {
        "RULE_ARN": ("String", rule_arn),
        "TARGET_ARN": ("String", FLAKY_ARN),
        "ERROR_CODE": ("String", "THROTTLING"),
        "ERROR_MESSAGE": ("String", "attempt 3 failed"),
        "EXHAUSTED_RETRY_CONDITION": ("String", "MaximumRetryAttempts"),
        "RETRY_ATTEMPTS": ("Number", "2"),
    }


def test_running_out_of_event_age_dead_letters(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="dlq")
    rule_to(
        container,
        account,
        {
            "Id": "f",
            "Arn": FLAKY_ARN,
            "RetryPolicy": {"MaximumEventAgeInSeconds": 60},
            "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")},
        },
    )
    ingested = clock.now()
    event_id = put_event(container, account)
    clock.advance(timedelta(seconds=2))
    container.router.route_batch(clock.now())
    flaky = FlakyTarget()
    _run_until_settled(container, account, event_id, clock, flaky)

    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.DEAD_LETTERED
    # The last retry was made at the age limit, not after it.
    assert clock.now() == ingested + timedelta(seconds=60)
    [message] = receive_all(container, account, "dlq")
    attributes = {k: v.string_value for k, v in message.message_attributes.items()}
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert attributes["RETRY_ATTEMPTS"] == str(flaky.attempts - 1)


def test_a_retry_picked_up_past_the_age_limit_is_not_made(
    container: Container, account: str, clock: FixedClock
) -> None:
    rule_to(
        container,
        account,
        {"Id": "f", "Arn": FLAKY_ARN, "RetryPolicy": {"MaximumEventAgeInSeconds": 60}},
    )
    event_id = put_event(container, account)
    container.router.route_batch(clock.now())
    flaky = FlakyTarget()
    delivery = delivery_with(container, flaky)
    delivery.deliver_due(clock.now())
    clock.advance(timedelta(hours=2))  # the workers were stopped meanwhile
    assert delivery.deliver_due(clock.now()) == 1

    assert flaky.attempts == 1
    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.FAILED  # no dead-letter queue
    assert invocation.attempts == 1
    assert invocation.last_error_code == "THROTTLING"


def test_a_missing_target_queue_goes_straight_to_the_dead_letter_queue(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="dlq")
    rule_to(
        container,
        account,
        {
            "Id": "q",
            "Arn": queue_arn(account, "gone"),
            "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")},
        },
    )
    event_id = put_event(container, account)
    container.router.route_batch(clock.now())
    assert container.delivery.deliver_due(clock.now()) == 1

    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.DEAD_LETTERED
    assert invocation.attempts == 1
    assert invocation.last_error_code == "NO_RESOURCE"
    [message] = receive_all(container, account, "dlq")
    attributes = {k: v.string_value for k, v in message.message_attributes.items()}
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes  # nothing ran out


def test_a_missing_dead_letter_queue_fails_the_invocation(
    container: Container, account: str, clock: FixedClock
) -> None:
    rule_to(
        container,
        account,
        {
            "Id": "q",
            "Arn": queue_arn(account, "gone"),
            "DeadLetterConfig": {"Arn": queue_arn(account, "no-dlq")},
        },
    )
    event_id = put_event(container, account)
    container.router.route_batch(clock.now())
    container.delivery.deliver_due(clock.now())

    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.FAILED
    assert invocation.last_error_code == "NO_RESOURCE"
    assert "dead-letter queue" in (invocation.last_error_message or "")
    assert "no-dlq" in (invocation.last_error_message or "")
    assert invocation.finished_at == clock.now()


def test_the_dead_letter_event_is_on_the_default_bus_and_never_loops(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="dlq")
    rule_arn = rule_to(
        container,
        account,
        {
            "Id": "q",
            "Arn": queue_arn(account, "gone"),
            "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")},
        },
        name="app",
    )
    # A rule on certherd's own events whose target fails too.
    rule_to(
        container,
        account,
        {"Id": "q", "Arn": queue_arn(account, "also-gone")},
        name="watch",
        event_pattern='{"source": ["certherd"]}',
    )
    event_id = put_event(container, account)
    for _ in range(5):
        container.router.route_all(clock.now())
        container.delivery.deliver_due(clock.now())

    page = container.event_bus.list_events(account=account)
    certherd = [s.event for s in page.events if s.event.source == "certherd"]
    assert len(certherd) == 1
    [dead] = certherd
    assert dead.bus == "default"
    assert dead.detail_type == "Event Delivery Dead-Lettered"
    assert dead.resources == (rule_arn,)
    assert dead.detail["EventId"] == event_id
    assert dead.detail["ErrorCode"] == "NO_RESOURCE"
    assert dead.detail["RetryAttempts"] == 0
    assert "ExhaustedRetryCondition" not in dead.detail
    [watched] = invocations(container, account, dead.id)
    assert watched.state is InvocationState.FAILED  # and no second certherd event


def test_an_expired_lease_makes_the_invocation_due_again(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="q")
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")})
    event_id = put_event(container, account)
    container.router.route_batch(clock.now())
    # A worker claims the invocation and dies before recording anything.
    lease = clock.now() + timedelta(seconds=300)
    with container.uow() as uow:
        [claimed] = uow.invocations.claim_due(clock.now(), lease_until=lease, limit=10)
        uow.commit()
    assert claimed.lease_until == lease

    assert container.delivery.deliver_due(clock.now()) == 0  # leased
    clock.advance(timedelta(seconds=299))
    assert container.delivery.deliver_due(clock.now()) == 0
    clock.advance(timedelta(seconds=1))
    assert container.delivery.deliver_due(clock.now()) == 1

    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.SUCCEEDED
    assert len(receive_all(container, account, "q")) == 1
    # The dead worker's lease no longer counts: it cannot record an outcome now.
    with container.uow() as uow:
        assert not uow.invocations.update_claimed(invocation, lease_until=lease)


def test_two_workers_deliver_each_invocation_once(
    container: Container, settings: Settings, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="q")
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")})
    events = [put_event(container, account, n=n) for n in range(30)]
    container.router.route_all(clock.now())
    other = build(settings, clock=clock)
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(worker: Container) -> None:
        try:
            start.wait()
            total = 0
            while done := worker.delivery.deliver_due(clock.now(), limit=3):
                total += done
            counts.append(total)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in (container, other)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        other.close()
    assert not errors
    assert sum(counts) == 30
    bodies = [json.loads(m.body)["detail"]["n"] for m in receive_all(container, account, "q")]
    assert sorted(bodies) == list(range(30))
    for event_id in events:
        [invocation] = invocations(container, account, event_id)
        assert (invocation.state, invocation.attempts) == (InvocationState.SUCCEEDED, 1)
