"""Input to targets: Input, InputPath, InputTransformer (spec section 2.5)."""

# ruff: noqa: E501 - tables of cases read best one case per line

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from certherd.errors import ValidationError
from certherd.patterns import InputTransformError, compile_target_input, transform_input

EC2 = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}
PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state"}
COMMAND = {
    "source": "core.update-account-command",
    "detail-type": "core.update-account-command",
    "time": "2024-05-13T12:27:07Z",
    "detail": {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}},
}
COMMAND_PATHS = {
    "detail-type": "$.detail-type",
    "timestamp": "$.time",
    "command": "$.detail.command",
}


def transformer(template: str, paths: dict[str, str] | None = None) -> dict[str, Any]:
    return {"InputPathsMap": PATHS if paths is None else paths, "InputTemplate": template}


def test_default_is_whole_event() -> None:
    """2.5: without an option the target gets the event."""
    assert json.loads(transform_input(EC2)) == EC2


def test_constant_input() -> None:
    """2.5: Input is constant JSON text, nothing from the event."""
    assert transform_input(EC2, input='{"fixed": true}') == '{"fixed": true}'
    with pytest.raises(InputTransformError, match="not valid JSON"):
        transform_input(EC2, input="not json")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "$.detail",
            {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}},
        ),
        ("$.detail.payload", {"acc_id": "0a787ecb-4015", "sf_id": "baz"}),
        ("$.detail.payload.sf_id", "baz"),
    ],
)
def test_input_path(path: str, expected: Any) -> None:
    """2.5: InputPath delivers the JSON of the selected part (AWS: ``"baz"`` with quotes)."""
    delivered = transform_input(COMMAND, input_path=path)
    assert json.loads(delivered) == expected


def test_input_path_array_index_wildcard_and_missing() -> None:
    assert transform_input(EC2, input_path="$.resources[0]") == json.dumps(EC2["resources"][0])
    assert json.loads(transform_input(EC2, input_path="$.detail.*")) == ["i-0123456789", "RUNNING"]
    assert transform_input(EC2, input_path="$.detail.nothing") == ""
    with pytest.raises(InputTransformError, match="InputPath"):
        transform_input(EC2, input_path="detail")


def test_string_template() -> None:
    """2.5: the user guide's string example."""
    out = transform_input(EC2, input_transformer=transformer('"instance <instance> is in <state>"'))
    assert out == '"instance i-0123456789 is in RUNNING"'


def test_json_template() -> None:
    """2.5: the user guide's JSON example, delivered compact."""
    template = '{"instance": <instance>, "state": [9, <state>, true], "Transformed": "Yes"}'
    out = transform_input(EC2, input_transformer=transformer(template))
    assert out == '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}'


def test_placeholders_inside_json_strings() -> None:
    """2.5: a placeholder inside a quoted string is replaced by the raw text."""
    template = '{"myInstance": <instance>,"myStatus": "<instance> is in state \\"<state>\\""}'
    out = transform_input(EC2, input_transformer=transformer(template))
    assert json.loads(out) == {
        "myInstance": "i-0123456789",
        "myStatus": 'i-0123456789 is in state "RUNNING"',
    }


def test_values_are_not_escaped() -> None:
    """2.5: extracted values are not escaped (a quote in the value breaks the JSON)."""
    event = {"detail": {"name": 'say "hi"'}}
    out = transform_input(
        event,
        input_transformer={
            "InputPathsMap": {"n": "$.detail.name"},
            "InputTemplate": '{"m": "<n>"}',
        },
    )
    assert out == '{"m": "say "hi""}'


def test_missing_paths() -> None:
    """2.5: a path the event lacks yields nothing (AWS-recorded: empty in text, "" in JSON)."""
    paths = dict(COMMAND_PATHS, command="$.detail.notinmessage")
    text = (
        '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
    )
    out = transform_input(COMMAND, input_transformer=transformer(text, paths))
    assert out == (
        '"Event of core.update-account-command type, at time 2024-05-13T12:27:07Z, '
        'info extracted from detail "'
    )
    template = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'
    out = transform_input(COMMAND, input_transformer=transformer(template, paths))
    assert json.loads(out) == {
        "detailType": "core.update-account-command",
        "time": "2024-05-13T12:27:07Z",
        "command": "",
    }


def test_special_starting_characters() -> None:
    """2.5 (AWS-recorded): a string template starting with ``{[/`` inside its quotes."""
    template = '"{[/Check with special starting characters for event of <detail-type> type"'
    out = transform_input(COMMAND, input_transformer=transformer(template, COMMAND_PATHS))
    assert (
        out
        == '"{[/Check with special starting characters for event of core.update-account-command type"'
    )


def test_non_string_values() -> None:
    event = {"detail": {"n": 31, "o": {"a": [1, None]}, "b": False}}
    paths = {"n": "$.detail.n", "o": "$.detail.o", "b": "$.detail.b"}
    out = transform_input(
        event,
        input_transformer=transformer('{"n": <n>, "o": <o>, "b": <b>, "s": "<n>/<b>"}', paths),
    )
    assert json.loads(out) == {"n": 31, "o": {"a": [1, None]}, "b": False, "s": "31/false"}
    assert (
        transform_input(event, input_transformer=transformer("n=<n> o=<o>", paths))
        == 'n=31 o={"a":[1,null]}'
    )


def test_reserved_variables() -> None:
    """2.5: rule ARN and name, ingestion time, the event without detail, the whole event."""
    template = (
        '{"arn": <aws.events.rule-arn>, "name": "<aws.events.rule-name>", '
        '"at": <aws.events.event.ingestion-time>, "event": <aws.events.event>, '
        '"json": <aws.events.event.json>}'
    )
    out = transform_input(
        EC2,
        input_transformer={"InputTemplate": template},
        rule_arn="arn:aws:events:us-east-1:123456789012:rule/r",
        rule_name="r",
        ingestion_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    document = json.loads(out)
    assert document["arn"] == "arn:aws:events:us-east-1:123456789012:rule/r"
    assert document["name"] == "r"
    assert document["at"] == "2026-01-02T03:04:05Z"
    assert document["event"] == {k: v for k, v in EC2.items() if k != "detail"}
    assert document["json"] == EC2
    text = '"rule <aws.events.rule-name> at <aws.events.event.ingestion-time>"'
    assert transform_input(EC2, input_transformer={"InputTemplate": text}, rule_name="r",
                           ingestion_time="2026-01-02T03:04:05Z") == '"rule r at 2026-01-02T03:04:05Z"'  # fmt: skip


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"input": "{}", "input_path": "$.detail"},
            "Only one of Input, InputPath, or InputTransformer must be provided for target t1.",
        ),
        (
            {"input_transformer": transformer('"Event of <instance>, not defined key <notdefinedkey>"')},
            "InputTemplate for target t1 contains invalid placeholder notdefinedkey.",
        ),
        (
            {"input_transformer": transformer('{<instance>: "x"}')},
            "InputTemplate for target t1 uses placeholder instance as an object key, which is not allowed.",
        ),
        (
            {"input_transformer": transformer('{"<instance>": "x"}')},
            "InputTemplate for target t1 uses placeholder instance as an object key, which is not allowed.",
        ),
        (
            {"input_transformer": transformer('"all: <aws.events.event>"')},
            "InputTemplate for target t1 can use <aws.events.event> only as the value of a JSON field.",
        ),
        (
            {"input_transformer": transformer("<instance>", {"aws.events.rule-name": "$.x"})},
            "InputPathsMap key 'aws.events.rule-name' for target t1 is not valid: use 1-256 letters, digits, '_' or '-'.",
        ),
        (
            {"input_transformer": transformer("<x>", {f"k{i}": "$.a" for i in range(101)})},
            "InputPathsMap for target t1 has more than 100 entries.",
        ),
        (
            {"input_transformer": transformer("<x>", {"x": "detail"})},
            "InputPathsMap value for 'x' for target t1 is not a valid JSON path.",
        ),
        (
            {"input_transformer": transformer("")},
            "InputTemplate for target t1 is required and must be 1 to 8192 characters.",
        ),
    ],
)  # fmt: skip
def test_invalid_configurations(options: dict[str, Any], message: str) -> None:
    """2.5: validated once, when the target is put (PutTargets' ValidationException texts)."""
    with pytest.raises(InputTransformError) as caught:
        compile_target_input(target_id="t1", **options)
    assert caught.value.message == message
    assert isinstance(caught.value, ValidationError)


def test_compile_once_render_many() -> None:
    compiled = compile_target_input(input_transformer=transformer('"<instance>"'))
    assert compiled.render(EC2) == '"i-0123456789"'
    assert compiled.render(json.dumps(dict(EC2, detail={"instance-id": "i-2"}))) == '"i-2"'
