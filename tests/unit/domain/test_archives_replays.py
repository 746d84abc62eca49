"""Archive and replay values and checks, without I/O."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from certherd.domain.archives import (
    ArchivedEvent,
    check_archive_name,
    check_archive_pattern,
    check_retention_days,
    retention_cutoff,
)
from certherd.domain.arns import ArnFactory
from certherd.domain.replays import (
    Replay,
    ReplayState,
    check_replay_name,
    check_replay_window,
    replayed_envelope,
)
from certherd.domain.rules import InvalidEventPatternError
from certherd.errors import InvalidStateError, ValidationError

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ARNS = ArnFactory(partition="aws", region="us-east-1")


def _replay(state: ReplayState) -> Replay:
    return Replay(
        id="r1",
        account="111122223333",
        name="again",
        arn=ARNS.replay("111122223333", "again"),
        archive_id="a1",
        archive_arn=ARNS.archive("111122223333", "all"),
        destination_arn=ARNS.event_bus("111122223333", "default"),
        bus="default",
        event_start_time=NOW - timedelta(hours=1),
        event_end_time=NOW,
        state=state,
        replay_start_time=NOW,
    )


def test_names_and_numbers() -> None:
    assert check_archive_name("a.b-c_1") == "a.b-c_1"
    for bad in ("", "x" * 49, "a/b", 3):
        with pytest.raises(ValidationError):
            check_archive_name(bad)
    assert check_replay_name("x" * 64)
    with pytest.raises(ValidationError):
        check_replay_name("x" * 65)
    assert check_retention_days(0) == 0
    for bad_days in (-1, True, 1.5):
        with pytest.raises(ValidationError):
            check_retention_days(bad_days)
    assert retention_cutoff(0, NOW) is None
    assert retention_cutoff(2, NOW) == NOW - timedelta(days=2)


def test_archive_patterns() -> None:
    assert check_archive_pattern(None) is None
    assert check_archive_pattern('{"source": ["a"]}') == '{"source": ["a"]}'
    with pytest.raises(InvalidEventPatternError):
        check_archive_pattern('{"source": "a"}')
    with pytest.raises(ValidationError):
        check_archive_pattern("")


def test_archived_size_counts_utf8_bytes() -> None:
    copy = ArchivedEvent.of("a", event_id="e", event_time=NOW, envelope='{"x":"é"}', at=NOW)
    assert (len(copy.envelope), copy.size_bytes) == (9, 10)


def test_replay_window() -> None:
    check_replay_window(NOW - timedelta(hours=1), NOW, now=NOW)
    with pytest.raises(ValidationError) as order:
        check_replay_window(NOW, NOW, now=NOW)
    assert order.value.field == "EventStartTime"
    with pytest.raises(ValidationError) as future:
        check_replay_window(NOW, NOW + timedelta(seconds=1), now=NOW)
    assert future.value.field == "EventEndTime"


def test_replay_states() -> None:
    for state in (ReplayState.STARTING, ReplayState.RUNNING):
        assert _replay(state).cancel().state is ReplayState.CANCELLING
    for state in (
        ReplayState.CANCELLING,
        ReplayState.COMPLETED,
        ReplayState.CANCELLED,
        ReplayState.FAILED,
    ):
        with pytest.raises(InvalidStateError):
            _replay(state).cancel()
    moved = _replay(ReplayState.STARTING).advanced((NOW, 7), done=False, now=NOW)
    assert (moved.state, moved.cursor, moved.event_last_replayed_time) == (
        ReplayState.RUNNING,
        (NOW, 7),
        NOW,
    )
    done = moved.advanced((NOW, 9), done=True, now=NOW)
    assert done.state is ReplayState.COMPLETED and done.replay_end_time == NOW
    assert not done.active and moved.active


def test_replayed_envelope_keeps_everything_and_adds_the_name() -> None:
    original = '{"version":"0","id":"e-1","time":"2026-01-01T00:00:00Z","detail":{"a":"é"}}'
    replayed = replayed_envelope(original, "again")
    assert replayed == original[:-1] + ',"replay-name":"again"}'
    assert json.loads(replayed)["id"] == "e-1"


def test_arns_of_archives_replays_and_rules() -> None:
    assert ARNS.archive_name("arn:aws:events:us-east-1:111122223333:archive/all") == (
        "111122223333",
        "all",
    )
    assert ARNS.rule_ref("arn:aws:events:us-east-1:111122223333:rule/r") == (
        "111122223333",
        "default",
        "r",
    )
    assert ARNS.rule_ref("arn:aws:events:us-east-1:111122223333:rule/a/b/r") == (
        "111122223333",
        "a/b",
        "r",
    )
    assert ARNS.event_bus_ref("ops") == (None, "ops")
    assert ARNS.event_bus_ref(ARNS.event_bus("444455556666", "ops")) == ("444455556666", "ops")
    with pytest.raises(ValidationError):
        ARNS.archive_name("arn:aws:events:us-east-1:111122223333:rule/r")
    with pytest.raises(ValidationError):
        ARNS.rule_ref("arn:aws:events:eu-west-1:111122223333:rule/r")
