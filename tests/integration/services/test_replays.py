"""Replays on SQLite and PostgreSQL: a time window of an archive re-delivered to the rules
of its bus, FilterArns, cancelling, state transitions, and validation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.events import PutEventsEntry
from certherd.domain.replays import Replay, ReplayState
from certherd.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError

OTHER = "222233334444"
T0 = datetime.fromisoformat("2026-01-01T00:00:00+00:00")


def _queue(account: str) -> str:
    return f"arn:aws:sqs:us-east-1:{account}:q"


@pytest.fixture
def archive_arn(container: Container, account: str) -> str:
    """An archive of every event of the default bus, and two rules with a target each."""
    rules = container.rules
    for name in ("first", "second"):
        rules.put_rule(account=account, name=name, event_pattern='{"source": ["my.app"]}')
        rules.put_targets(account=account, rule=name, targets=[{"Id": "q", "Arn": _queue(account)}])
    return container.archives.create_archive(
        account=account, name="all", event_source_arn=container.arns.event_bus(account, "default")
    ).arn


def _put_at(container: Container, account: str, *minutes: int) -> list[str]:
    entries = [
        PutEventsEntry(
            source="my.app",
            detail_type="Checked",
            detail=json.dumps({"minute": m}),
            time=T0 + timedelta(minutes=m),
        )
        for m in minutes
    ]
    results = container.event_bus.put_events(account=account, entries=entries)
    return [r.event_id or "" for r in results]


def _start(
    container: Container,
    account: str,
    archive_arn: str,
    *,
    name: str = "again",
    start: int = 0,
    end: int = 30,
    filters: tuple[str, ...] = (),
) -> Replay:
    return container.replays.start_replay(
        account=account,
        name=name,
        event_source_arn=archive_arn,
        event_start_time=T0 + timedelta(minutes=start),
        event_end_time=T0 + timedelta(minutes=end),
        destination_arn=container.arns.event_bus(account, "default"),
        filter_arns=filters,
    )


def _replayed(container: Container, account: str) -> list[tuple[dict[str, object], list[str]]]:
    """Each replayed copy's envelope with the rule names it was routed to, in seq order."""
    found = []
    for stored in reversed(container.event_bus.list_events(account=account).events):
        if stored.event.replay_name is None:
            continue
        _, invocations = container.event_bus.describe_event(
            account=account, event_id=stored.event.id
        )
        found.append(
            (json.loads(stored.envelope), sorted(i.rule_arn.rsplit("/", 1)[1] for i in invocations))
        )
    return found


def test_a_replay_redelivers_its_window_to_the_matching_rules(
    container: Container, account: str, clock: FixedClock, archive_arn: str
) -> None:
    ids = _put_at(container, account, 20, 5, 10, 45)
    container.router.route_all(clock.now())
    clock.advance(timedelta(hours=1))
    replay = _start(container, account, archive_arn, start=5, end=20)
    assert replay.state is ReplayState.STARTING
    assert replay.arn == f"arn:aws:events:us-east-1:{account}:replay/again"
    assert replay.replay_start_time == clock.now()

    assert container.replays.advance(clock.now(), limit=2) == 2
    running = container.replays.describe_replay(account=account, name="again")
    assert running.state is ReplayState.RUNNING
    assert running.event_last_replayed_time == T0 + timedelta(minutes=10)
    assert container.replays.advance(clock.now(), limit=2) == 2  # one event, then COMPLETED
    done = container.replays.describe_replay(account=account, name="again")
    assert done.state is ReplayState.COMPLETED
    assert done.event_last_replayed_time == T0 + timedelta(minutes=20)
    assert done.replay_end_time == clock.now()
    assert container.replays.advance(clock.now()) == 0

    assert container.router.route_all(clock.now()) == 3
    copies = _replayed(container, account)
    # Event-time order, the original ids and times, replay-name added, every rule again.
    assert [c[0]["id"] for c in copies] == [ids[1], ids[2], ids[0]]
    assert [c[0]["time"] for c in copies] == [
        "2026-01-01T00:05:00Z",
        "2026-01-01T00:10:00Z",
        "2026-01-01T00:20:00Z",
    ]
    assert all(c[0]["replay-name"] == "again" for c in copies)
    assert all(c[1] == ["first", "second"] for c in copies)
    # Replayed events are never archived.
    assert container.archives.describe_archive(account=account, name="all").event_count == 4
    # The invocations of a copy are its own; the original's are untouched.
    _, original = container.event_bus.describe_event(account=account, event_id=ids[1])
    assert len(original) == 2


def test_filter_arns_restrict_the_rules(
    container: Container, account: str, clock: FixedClock, archive_arn: str
) -> None:
    _put_at(container, account, 1, 2)
    container.router.route_all(clock.now())
    clock.advance(timedelta(hours=1))
    second = container.rules.describe_rule(account=account, name="second").arn
    replay = _start(container, account, archive_arn, filters=(second,))
    assert replay.filter_arns == (second,)
    assert container.replays.advance(clock.now()) == 3  # two events, then COMPLETED
    container.router.route_all(clock.now())
    assert [c[1] for c in _replayed(container, account)] == [["second"], ["second"]]


def test_cancel(container: Container, account: str, clock: FixedClock, archive_arn: str) -> None:
    _put_at(container, account, 1, 2, 3)
    container.router.route_all(clock.now())
    clock.advance(timedelta(hours=1))
    _start(container, account, archive_arn)
    assert container.replays.advance(clock.now(), limit=1) == 1
    cancelling = container.replays.cancel_replay(account=account, name="again")
    assert cancelling.state is ReplayState.CANCELLING
    with pytest.raises(InvalidStateError):
        container.replays.cancel_replay(account=account, name="again")
    assert container.replays.advance(clock.now()) == 1
    cancelled = container.replays.describe_replay(account=account, name="again")
    assert cancelled.state is ReplayState.CANCELLED and cancelled.replay_end_time == clock.now()
    assert container.replays.advance(clock.now()) == 0
    assert container.router.route_all(clock.now()) == 1  # only the one sent before
    with pytest.raises(InvalidStateError) as ended:
        container.replays.cancel_replay(account=account, name="again")
    assert ended.value.field == "ReplayName"
    with pytest.raises(NotFoundError):
        container.replays.cancel_replay(account=account, name="nope")


def test_a_replay_whose_archive_goes_fails(
    container: Container, account: str, clock: FixedClock, archive_arn: str
) -> None:
    _put_at(container, account, 1)
    container.router.route_all(clock.now())
    clock.advance(timedelta(hours=1))
    _start(container, account, archive_arn)
    container.archives.delete_archive(account=account, name="all")
    assert container.replays.advance(clock.now()) == 1
    failed = container.replays.describe_replay(account=account, name="again")
    assert failed.state is ReplayState.FAILED
    assert failed.state_reason == f"Archive {archive_arn} was deleted."


def test_an_empty_window_completes(
    container: Container, account: str, clock: FixedClock, archive_arn: str
) -> None:
    clock.advance(timedelta(hours=1))
    _start(container, account, archive_arn)
    assert container.replays.advance(clock.now()) == 1
    done = container.replays.describe_replay(account=account, name="again")
    assert done.state is ReplayState.COMPLETED and done.event_last_replayed_time is None


def test_list_replays(
    container: Container, account: str, clock: FixedClock, archive_arn: str
) -> None:
    clock.advance(timedelta(hours=1))
    _start(container, account, archive_arn, name="b")
    _start(container, account, archive_arn, name="a")
    container.replays.cancel_replay(account=account, name="b")
    replays = container.replays
    assert [r.name for r in replays.list_replays(account=account).replays] == ["a", "b"]
    assert [r.name for r in replays.list_replays(account=account, state="CANCELLING").replays] == [
        "b"
    ]
    assert [r.name for r in replays.list_replays(account=account, prefix="a").replays] == ["a"]
    by_archive = replays.list_replays(account=account, event_source_arn=archive_arn)
    assert len(by_archive.replays) == 2
    page = replays.list_replays(account=account, limit=1)
    assert [r.name for r in page.replays] == ["a"]
    rest = replays.list_replays(account=account, limit=1, next_token=page.next_token)
    assert [r.name for r in rest.replays] == ["b"] and rest.next_token is None


def test_validation_names_the_field(
    container: Container, account: str, clock: FixedClock, archive_arn: str
) -> None:
    clock.advance(timedelta(hours=1))
    replays = container.replays
    container.event_bus.create_bus(account=account, name="ops")

    def refused(**overrides: object) -> str | None:
        arguments: dict[str, object] = {
            "account": account,
            "name": "r",
            "event_source_arn": archive_arn,
            "event_start_time": T0,
            "event_end_time": T0 + timedelta(minutes=1),
            "destination_arn": container.arns.event_bus(account, "default"),
            **overrides,
        }
        with pytest.raises(ValidationError) as error:
            replays.start_replay(**arguments)  # type: ignore[arg-type]
        return error.value.field

    assert refused(name="x" * 65) == "ReplayName"
    assert refused(event_end_time=T0) == "EventStartTime"
    assert refused(event_end_time=clock.now() + timedelta(seconds=1)) == "EventEndTime"
    assert refused(event_source_arn=container.arns.event_bus(account, "default")) == (
        "EventSourceArn"
    )
    assert refused(event_source_arn=container.arns.archive(OTHER, "all")) == "EventSourceArn"
    assert refused(destination_arn=container.arns.event_bus(account, "ops")) == "Destination.Arn"
    assert refused(destination_arn=container.arns.event_bus(OTHER, "default")) == (
        "Destination.Arn"
    )
    assert refused(filter_arns=[container.arns.rule(account, "ops", "x")]) == (
        "Destination.FilterArns[0]"
    )
    assert refused(filter_arns=["not an arn"]) == "Destination.FilterArns[0]"
    assert refused(description="d" * 513) == "Description"
    with pytest.raises(NotFoundError) as missing:
        replays.start_replay(
            account=account,
            name="r",
            event_source_arn=container.arns.archive(account, "nope"),
            event_start_time=T0,
            event_end_time=T0 + timedelta(minutes=1),
            destination_arn=container.arns.event_bus(account, "default"),
        )
    assert missing.value.field == "EventSourceArn"
    _start(container, account, archive_arn, name="r")
    with pytest.raises(ConflictError) as taken:
        _start(container, account, archive_arn, name="r")
    assert taken.value.field == "ReplayName"
