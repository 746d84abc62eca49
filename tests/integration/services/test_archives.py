"""Archives on SQLite and PostgreSQL: CreateArchive and friends, archiving by the router
(with and without a pattern, never a replayed event), and the retention sweep."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from certherd.bootstrap import Container
from certherd.domain.archives import ArchiveState
from certherd.domain.clock import FixedClock
from certherd.domain.events import PutEventsEntry
from certherd.domain.rules import InvalidEventPatternError
from certherd.errors import ConflictError, NotFoundError, ValidationError

OTHER = "222233334444"


def _bus_arn(container: Container, account: str, bus: str = "default") -> str:
    return container.arns.event_bus(account, bus)


def _put(container: Container, account: str, *levels: int, bus: str | None = None) -> list[str]:
    entries = [
        PutEventsEntry(
            source="my.app",
            detail_type="Checked",
            detail=json.dumps({"level": level}),
            event_bus_name=bus,
        )
        for level in levels
    ]
    results = container.event_bus.put_events(account=account, entries=entries)
    assert not any(r.failed for r in results), results
    return [r.event_id or "" for r in results]


def test_create_describe_list_update_delete(container: Container, account: str) -> None:
    archives = container.archives
    created = archives.create_archive(
        account=account,
        name="everything",
        event_source_arn=_bus_arn(container, account),
        description="all of it",
    )
    assert created.arn == f"arn:aws:events:us-east-1:{account}:archive/everything"
    assert created.state is ArchiveState.ENABLED
    assert created.retention_days == 0 and created.event_pattern is None
    container.event_bus.create_bus(account=account, name="ops")
    archives.create_archive(
        account=account,
        name="loud",
        event_source_arn=_bus_arn(container, account, "ops"),
        event_pattern='{"detail": {"level": [{"numeric": [">", 2]}]}}',
        retention_days=7,
    )
    described = archives.describe_archive(account=account, name="loud")
    assert (described.bus, described.retention_days, described.event_count) == ("ops", 7, 0)

    names = [a.name for a in archives.list_archives(account=account).archives]
    assert names == ["everything", "loud"]
    page = archives.list_archives(account=account, limit=1)
    assert [a.name for a in page.archives] == ["everything"] and page.next_token
    rest = archives.list_archives(account=account, limit=1, next_token=page.next_token)
    assert [a.name for a in rest.archives] == ["loud"] and rest.next_token is None
    by_bus = archives.list_archives(
        account=account, event_source_arn=_bus_arn(container, account, "ops")
    )
    assert [a.name for a in by_bus.archives] == ["loud"]
    assert [a.name for a in archives.list_archives(account=account, prefix="ev").archives] == [
        "everything"
    ]
    assert archives.list_archives(account=account, state="DISABLED").archives == []

    updated = archives.update_archive(
        account=account, name="loud", description="louder", retention_days=0
    )
    assert (updated.description, updated.retention_days) == ("louder", 0)
    assert updated.event_pattern == described.event_pattern

    archives.delete_archive(account=account, name="loud")
    with pytest.raises(NotFoundError) as missing:
        archives.describe_archive(account=account, name="loud")
    assert missing.value.field == "ArchiveName"


def test_validation_names_the_field(container: Container, account: str) -> None:
    archives = container.archives
    bus = _bus_arn(container, account)

    def refused(**overrides: object) -> str | None:
        arguments: dict[str, object] = {
            "account": account,
            "name": "a",
            "event_source_arn": bus,
            **overrides,
        }
        with pytest.raises(ValidationError) as error:
            archives.create_archive(**arguments)  # type: ignore[arg-type]
        return error.value.field

    assert refused(name="x" * 49) == "ArchiveName"
    assert refused(name="has space") == "ArchiveName"
    assert refused(event_source_arn="default") == "EventSourceArn"
    assert refused(event_source_arn=_bus_arn(container, OTHER)) == "EventSourceArn"
    assert refused(event_source_arn=f"arn:aws:sqs:us-east-1:{account}:q") == "EventSourceArn"
    assert refused(retention_days=-1) == "RetentionDays"
    assert refused(description="d" * 513) == "Description"
    with pytest.raises(InvalidEventPatternError) as pattern:
        archives.create_archive(
            account=account, name="a", event_source_arn=bus, event_pattern='{"a": "x"}'
        )
    assert pattern.value.field == "EventPattern"
    assert "Event pattern is not valid. Reason:" in pattern.value.message
    with pytest.raises(NotFoundError) as no_bus:
        archives.create_archive(
            account=account, name="a", event_source_arn=_bus_arn(container, account, "nope")
        )
    assert no_bus.value.field == "EventSourceArn"
    archives.create_archive(account=account, name="a", event_source_arn=bus)
    with pytest.raises(ConflictError) as taken:
        archives.create_archive(account=account, name="a", event_source_arn=bus)
    assert taken.value.field == "ArchiveName"
    with pytest.raises(ValidationError) as limit:
        archives.list_archives(account=account, limit=0)
    assert limit.value.field == "Limit"
    with pytest.raises(ValidationError) as state:
        archives.list_archives(account=account, state="ON")
    assert state.value.field == "State"


def test_router_archives_with_and_without_a_pattern(
    container: Container, account: str, clock: FixedClock
) -> None:
    bus = _bus_arn(container, account)
    archives = container.archives
    archives.create_archive(account=account, name="all", event_source_arn=bus)
    archives.create_archive(
        account=account,
        name="loud",
        event_source_arn=bus,
        event_pattern='{"detail": {"level": [{"numeric": [">", 2]}]}}',
    )
    container.event_bus.create_bus(account=account, name="ops")
    quiet, loud = _put(container, account, 1, 5)
    _put(container, account, 9, bus="ops")  # another bus: in neither archive
    assert container.router.route_all(clock.now()) == 3

    everything = archives.describe_archive(account=account, name="all")
    assert everything.event_count == 2
    stored = [
        container.event_bus.describe_event(account=account, event_id=i)[0] for i in (quiet, loud)
    ]
    assert everything.size_bytes == sum(len(s.envelope.encode()) for s in stored)
    only_loud = archives.describe_archive(account=account, name="loud")
    assert (only_loud.event_count, only_loud.size_bytes) == (1, len(stored[1].envelope.encode()))

    # A new pattern applies from the next batch on: the router's cache follows the change.
    archives.update_archive(account=account, name="loud", event_pattern='{"source": ["my.app"]}')
    _put(container, account, 0)
    container.router.route_all(clock.now())
    assert archives.describe_archive(account=account, name="loud").event_count == 2
    # Routing again archives nothing twice.
    assert container.router.route_all(clock.now()) == 0
    assert archives.describe_archive(account=account, name="all").event_count == 3


def test_archives_keep_the_exact_envelope(
    container: Container, account: str, clock: FixedClock
) -> None:
    archives = container.archives
    archive = archives.create_archive(
        account=account, name="all", event_source_arn=_bus_arn(container, account)
    )
    (event_id,) = _put(container, account, 3)
    container.router.route_all(clock.now())
    stored, _ = container.event_bus.describe_event(account=account, event_id=event_id)
    with container.uow() as uow:
        (found,) = uow.archives.events_after(
            archive.id,
            start=clock.now() - timedelta(days=1),
            end=clock.now(),
            cursor=None,
            limit=10,
        )
    assert found[1].envelope == stored.envelope
    assert (found[1].event_id, found[1].event_time) == (event_id, stored.event.time)


def test_retention_sweep(container: Container, account: str, clock: FixedClock) -> None:
    bus = _bus_arn(container, account)
    archives = container.archives
    archives.create_archive(account=account, name="week", event_source_arn=bus, retention_days=7)
    archives.create_archive(account=account, name="forever", event_source_arn=bus)
    _put(container, account, 1, 2)
    container.router.route_all(clock.now())
    clock.advance(timedelta(days=3))
    _put(container, account, 3)
    container.router.route_all(clock.now())

    clock.advance(timedelta(days=5))  # the first two were archived 8 days ago
    assert archives.sweep(clock.now()) == 2
    assert archives.sweep(clock.now()) == 0
    assert archives.describe_archive(account=account, name="week").event_count == 1
    assert archives.describe_archive(account=account, name="forever").event_count == 3
    clock.advance(timedelta(days=30))
    assert archives.sweep(clock.now(), limit=1) == 1
    assert archives.describe_archive(account=account, name="week").event_count == 0
    assert archives.describe_archive(account=account, name="forever").event_count == 3


def test_deleting_an_archive_stops_archiving(
    container: Container, account: str, clock: FixedClock
) -> None:
    archives = container.archives
    archives.create_archive(
        account=account, name="a", event_source_arn=_bus_arn(container, account)
    )
    _put(container, account, 1)
    container.router.route_all(clock.now())
    archives.delete_archive(account=account, name="a")
    _put(container, account, 2)
    container.router.route_all(clock.now())
    archives.create_archive(
        account=account, name="a", event_source_arn=_bus_arn(container, account)
    )
    assert archives.describe_archive(account=account, name="a").event_count == 0
