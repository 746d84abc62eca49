"""Event envelopes, PutEvents entry checks and sizes, bus and rule values, their ARNs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from certherd.domain.arns import ArnFactory
from certherd.domain.event_samples import sample_events
from certherd.domain.events import (
    EntryResult,
    Event,
    PutEventsEntry,
    check_entry_count,
    entry_size,
    event_from_entry,
    new_event,
)
from certherd.domain.rules import (
    InvalidEventPatternError,
    Target,
    check_bus_name,
    check_event_pattern,
    check_new_bus_name,
    check_rule_name,
    check_target_count,
    parse_target,
)
from certherd.errors import LimitExceededError, ValidationError

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ARNS = ArnFactory(partition="aws", region="us-east-1")
ACCOUNT = "111122223333"


def _build(**fields: Any) -> Event | EntryResult:
    entry = PutEventsEntry(
        **{"source": "my.app", "detail_type": "T", "detail": '{"a": 1}', **fields}
    )
    return event_from_entry(entry, account=ACCOUNT, region="us-east-1", bus="default", now=NOW)


def test_an_entry_becomes_an_envelope_in_aws_order() -> None:
    event = _build(resources=("arn:aws:acm:us-east-1:1:certificate/x",))
    assert isinstance(event, Event)
    envelope = event.envelope()
    order = ["version", "id", "detail-type", "source", "account", "time", "region"]
    assert list(envelope) == [*order, "resources", "detail"]
    assert envelope["version"] == "0" and envelope["time"] == "2026-01-01T00:00:00Z"
    assert len(envelope["id"]) == 36 and envelope["id"][14] == "4"  # a v4 UUID
    assert json.loads(event.to_json()) == envelope
    assert event.resource == "arn:aws:acm:us-east-1:1:certificate/x"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"source": ""}, "InvalidArgument"),
        ({"detail": '"text"'}, "MalformedDetail"),
        ({"detail": '{"n": 9223372036854775808}'}, "MalformedDetail"),
        ({"detail": '{"n": NaN}'}, "MalformedDetail"),
        ({"detail": "[" * 1002 + "]" * 1002}, "MalformedDetail"),
        ({"source": "aws.events"}, "NotAuthorizedForSourceException"),
        ({"time": "2026-01-01T00:00:00"}, "InvalidArgument"),  # no zone
        ({"resources": ("not an arn",)}, "InvalidArgument"),
    ],
)
def test_entry_failures(fields: dict[str, Any], code: str) -> None:
    result = _build(**fields)
    assert isinstance(result, EntryResult) and result.error_code == code


def test_the_biggest_int64_and_a_zoned_time_are_fine() -> None:
    event = _build(detail='{"n": 9223372036854775807}', time="2026-01-01T02:00:00+02:00")
    assert isinstance(event, Event)
    assert event.time == NOW


def test_entry_size_as_aws_counts_it() -> None:
    entry = PutEventsEntry(
        source="src", detail_type="dt", detail='{"é":1}', resources=("arn:x",), time="t"
    )
    assert entry_size(entry) == 14 + 3 + 2 + 8 + 5  # "é" is two bytes
    assert entry_size(PutEventsEntry(source="s")) == 1


def test_request_limits() -> None:
    with pytest.raises(ValidationError):
        check_entry_count([])
    big = PutEventsEntry(detail="x" * (1024 * 1024 - 1), source="s")
    with pytest.raises(LimitExceededError):
        check_entry_count([big])
    check_entry_count([PutEventsEntry(detail="x" * (1024 * 1024 - 2), source="s")])


def test_from_envelope_round_trips_the_samples() -> None:
    for sample in sample_events(now=NOW).values():
        event = Event.from_envelope(sample, now=NOW)
        assert event.envelope() == sample
    with pytest.raises(ValueError, match="not an event envelope"):
        Event.from_envelope({"id": "x"}, now=NOW)


def test_new_event_defaults() -> None:
    event = new_event(
        account=ACCOUNT, region="us-east-1", source="certherd", detail_type="T", detail={}, now=NOW
    )
    assert event.time == event.ingested_at == NOW and event.bus == "default"


def test_arns() -> None:
    assert ARNS.event_bus(ACCOUNT, "ops") == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/ops"
    assert ARNS.rule(ACCOUNT, "default", "r") == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r"
    assert ARNS.rule(ACCOUNT, "ops", "r") == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/ops/r"
    assert ARNS.event_bus_name(ARNS.event_bus(ACCOUNT, "ops")) == "ops"
    assert ARNS.event_bus_name("ops") == "ops"
    with pytest.raises(ValidationError):
        ARNS.event_bus_name(f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r")
    with pytest.raises(ValidationError):
        ARNS.event_bus_name(f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/ops")


def test_names() -> None:
    assert check_bus_name("a.b-c_d/e") == "a.b-c_d/e"
    assert check_rule_name("a.b-c_d") == "a.b-c_d"
    for bad in ("", "x" * 65, "a/b", "a b"):
        with pytest.raises(ValidationError):
            check_rule_name(bad)
    for bad in ("default", "aws.partner", "x" * 257):
        with pytest.raises(ValidationError):
            check_new_bus_name(bad)


def test_event_pattern_errors_carry_aws_text() -> None:
    with pytest.raises(InvalidEventPatternError) as raised:
        check_event_pattern('{"source": "aws.acm"}')
    assert raised.value.message == (
        'Event pattern is not valid. Reason: "source" must be an object or an array'
    )
    with pytest.raises(InvalidEventPatternError, match="length less than or equal to 4096"):
        check_event_pattern(json.dumps({"source": ["x" * 4100]}))


def test_target_defaults_and_limits() -> None:
    target = parse_target(
        {"Id": "t", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"},
        index=0,
        arns=ARNS,
        account=ACCOUNT,
    )
    assert target == Target("t", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f")
    assert target.to_json()["RetryPolicy"] == {
        "MaximumRetryAttempts": 185,
        "MaximumEventAgeInSeconds": 86400,
    }
    check_target_count(["a", "b", "c", "d"], ["d", "e"])
    with pytest.raises(LimitExceededError):
        check_target_count(["a", "b", "c", "d", "e"], ["f"])
    with pytest.raises(ValidationError) as raised:
        parse_target(
            {"Id": "t", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "Input": "x" * 8193},
            index=2,
            arns=ARNS,
            account=ACCOUNT,
        )
    assert raised.value.field == "Targets[2].Input"
