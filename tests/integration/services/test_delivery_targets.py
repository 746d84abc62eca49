"""Kinds of target on SQLite and PostgreSQL: event buses, kinds not supported yet, other
accounts' resources; and the invocation listing."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.invocations import InvocationState
from certherd.errors import ValidationError
from certherd.services.targets import forwarded_event_id

sys.path.insert(0, str(Path(__file__).parent))

from delivery_support import invocations, put_event, queue_arn, receive_all, rule_to

OTHER_ACCOUNT = "111122223333"


def _bus_arn(account: str, name: str) -> str:
    return f"arn:aws:events:us-east-1:{account}:event-bus/{name}"


def _drain(container: Container, clock: FixedClock) -> None:
    for _ in range(4):
        container.router.route_all(clock.now())
        container.delivery.deliver_due(clock.now())


def test_an_event_bus_target_forwards_the_event(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.event_bus.create_bus(account=account, name="ops")
    container.queues.create(account=account, name="q")
    rule_to(container, account, {"Id": "ops", "Arn": _bus_arn(account, "ops")}, name="fwd")
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")}, name="r", bus="ops")
    event_id = put_event(container, account, level=3)
    _drain(container, clock)

    [forward] = invocations(container, account, event_id)
    assert forward.state is InvocationState.SUCCEEDED
    copies = container.event_bus.list_events(account=account, where=None).events
    [copy] = [s for s in copies if s.event.bus == "ops"]
    original = next(s for s in copies if s.event.id == event_id)
    assert copy.event.id == forwarded_event_id(forward.id) != event_id
    assert copy.event.detail == {"level": 3}
    assert (copy.event.source, copy.event.time) == (original.event.source, original.event.time)
    [message] = receive_all(container, account, "q")
    [delivered] = invocations(container, account, copy.event.id)
    assert message.body == delivered.payload
    assert delivered.state is InvocationState.SUCCEEDED


def test_another_accounts_bus_takes_events_its_policy_allows(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.event_bus.create_bus(account=OTHER_ACCOUNT, name="central")
    container.bus_permissions.put_permission(
        account=OTHER_ACCOUNT,
        bus="central",
        action="events:PutEvents",
        principal=account,
        statement_id="from-app",
    )
    container.queues.create(account=OTHER_ACCOUNT, name="inbox")
    rule_to(container, account, {"Id": "c", "Arn": _bus_arn(OTHER_ACCOUNT, "central")})
    rule_to(
        container,
        OTHER_ACCOUNT,
        {"Id": "q", "Arn": queue_arn(OTHER_ACCOUNT, "inbox")},
        name="in",
        bus="central",
    )
    event_id = put_event(container, account, level=7)
    _drain(container, clock)

    [forward] = invocations(container, account, event_id)
    assert forward.state is InvocationState.SUCCEEDED
    [message] = receive_all(container, OTHER_ACCOUNT, "inbox")
    # Routed by the owner's rules; the envelope still names the sender, as in EventBridge.
    envelope = json.loads(message.body)
    assert envelope["account"] == account
    assert envelope["detail"] == {"level": 7}
    [copy] = container.event_bus.list_events(account=OTHER_ACCOUNT, where=None).events
    assert copy.event.bus == "central"


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        (
            {"Id": "b", "Arn": _bus_arn(OTHER_ACCOUNT, "default")},
            "NO_PERMISSIONS",
            "does not let account 000000000000 put events",
        ),
        (
            {"Id": "b", "Arn": _bus_arn("000000000000", "nowhere")},
            "NO_RESOURCE",
            "does not exist",
        ),
        (
            {"Id": "b", "Arn": _bus_arn("000000000000", "default"), "InputPath": "$.detail"},
            "INVALID_PARAMETER",
            "an event bus takes whole events",
        ),
        (
            {"Id": "q", "Arn": queue_arn(OTHER_ACCOUNT, "q")},
            "NO_PERMISSIONS",
            "queue policies are not supported yet",
        ),
        (
            {"Id": "q", "Arn": "arn:aws:sqs:eu-west-1:000000000000:q"},
            "NO_RESOURCE",
            "this server serves",
        ),
        (
            {"Id": "t", "Arn": "arn:aws:sns:us-east-1:000000000000:alerts"},
            "NO_RESOURCE",
            "topic arn:aws:sns:us-east-1:000000000000:alerts does not exist",
        ),
        (
            {"Id": "f", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:deploy"},
            "NO_RESOURCE",
            "function deploy does not exist",
        ),
    ],
)
def test_targets_that_cannot_be_reached_dead_letter_without_retries(
    container: Container,
    account: str,
    clock: FixedClock,
    target: dict[str, object],
    code: str,
    message: str,
) -> None:
    assert account == "000000000000"
    container.queues.create(account=account, name="dlq")
    rule_to(container, account, {**target, "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")}})
    event_id = put_event(container, account)
    container.router.route_all(clock.now())
    assert container.delivery.deliver_due(clock.now()) == 1

    [invocation] = invocations(container, account, event_id)
    assert (invocation.state, invocation.attempts) == (InvocationState.DEAD_LETTERED, 1)
    assert invocation.last_error_code == code
    assert message in (invocation.last_error_message or "")
    [dead] = receive_all(container, account, "dlq")
    assert dead.message_attributes["ERROR_CODE"].string_value == code


def test_invocations_are_listed_newest_first_by_state(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="q")
    rule_to(container, account, {"Id": "q", "Arn": queue_arn(account, "q")}, name="ok")
    rule_to(container, account, {"Id": "x", "Arn": queue_arn(account, "gone")}, name="bad")
    for n in range(3):
        put_event(container, account, n=n)
        container.router.route_all(clock.now())
        clock.advance(timedelta(seconds=1))
    container.delivery.deliver_due(clock.now())

    everything = container.delivery.list_invocations(account=account)
    assert len(everything.invocations) == 6 and everything.next_token is None
    created = [i.created_at for i in everything.invocations]
    assert created == sorted(created, reverse=True)
    failed = container.delivery.list_invocations(account=account, state=InvocationState.FAILED)
    assert {i.target_arn for i in failed.invocations} == {queue_arn(account, "gone")}
    assert len(failed.invocations) == 3

    seen = []
    token = None
    while True:
        page = container.delivery.list_invocations(account=account, max_items=4, next_token=token)
        seen += [i.id for i in page.invocations]
        token = page.next_token
        if token is None:
            break
    assert seen == [i.id for i in everything.invocations]
    assert container.delivery.list_invocations(account=OTHER_ACCOUNT).invocations == []
    with pytest.raises(ValidationError) as caught:
        container.delivery.list_invocations(account=account, next_token="bogus")
    assert caught.value.field == "NextToken"
    with pytest.raises(ValidationError) as caught:
        container.delivery.list_invocations(account=account, max_items=0)
    assert caught.value.field == "MaxItems"
