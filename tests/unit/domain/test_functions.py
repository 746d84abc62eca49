"""Functions: what a valid one is, and how a run's outcome becomes its state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from certherd.domain.arns import ArnFactory
from certherd.domain.functions import (
    DEFAULT_TIMEOUT_SECONDS,
    FunctionKind,
    RunOutcome,
    RunState,
    new_function,
    run_state,
)
from certherd.errors import ValidationError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make(**given: Any) -> Any:
    fields: dict[str, Any] = {
        "id": "f1",
        "account": "000000000000",
        "name": "hook",
        "kind": "command",
        "created_at": NOW,
        "command": ["/bin/cat"],
    }
    fields.update(given)
    return new_function(**fields)


def test_a_command_function_with_its_defaults() -> None:
    function = make(environment={"TOKEN": "s3cret", "A_1": "x"}, environment_secret_id="s1")
    assert function.kind is FunctionKind.COMMAND
    assert function.command == ("/bin/cat",)
    assert function.timeout_seconds == DEFAULT_TIMEOUT_SECONDS
    # Only the names are kept on the function; the values are sealed elsewhere.
    assert function.environment_keys == ("A_1", "TOKEN")
    assert function.environment_secret_id == "s1"


def test_a_python_function_names_an_entry_point() -> None:
    function = make(kind="python", command=None, entry_point="log-event", timeout_seconds=900)
    assert (function.kind, function.entry_point, function.command) == (
        FunctionKind.PYTHON,
        "log-event",
        (),
    )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": ""}, "FunctionName"),
        ({"name": "a" * 65}, "FunctionName"),
        ({"name": "has space"}, "FunctionName"),
        ({"kind": "shell"}, "Kind"),
        ({"command": []}, "Command"),
        ({"command": ["", "x"]}, "Command[0]"),
        ({"command": ["/bin/echo", "a\x00b"]}, "Command[1]"),
        ({"entry_point": "log-event"}, "EntryPoint"),
        ({"kind": "python", "command": None}, "EntryPoint"),
        ({"kind": "python", "command": None, "entry_point": "bad name"}, "EntryPoint"),
        ({"kind": "python", "entry_point": "log-event"}, "Command"),
        ({"environment": {"1X": "v"}}, "Environment"),
        ({"environment": {"BIG": "v" * 4100}}, "Environment.BIG"),
        ({"environment": {f"K{n}": "v" * 100 for n in range(50)}}, "Environment"),
        ({"working_directory": "relative/dir"}, "WorkingDirectory"),
        ({"timeout_seconds": 0}, "Timeout"),
        ({"timeout_seconds": 901}, "Timeout"),
        ({"timeout_seconds": True}, "Timeout"),
        ({"run_as": "no body"}, "RunAs"),
        ({"description": "d" * 257}, "Description"),
    ],
)
def test_bad_input_names_the_field(given: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make(**given)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (RunOutcome(0, 5.0, ""), RunState.SUCCEEDED),
        (RunOutcome(3, 5.0, ""), RunState.FAILED),
        (RunOutcome(-15, 1000.0, "", timed_out=True), RunState.TIMED_OUT),
        (RunOutcome(0, 1000.0, "", timed_out=True), RunState.TIMED_OUT),
        (RunOutcome(None, 0.0, "", error="the command 'x' was not found"), RunState.ERROR),
    ],
)
def test_the_state_of_a_run(outcome: RunOutcome, state: RunState) -> None:
    assert run_state(outcome) is state


def test_function_arns() -> None:
    arns = ArnFactory(partition="aws", region="us-east-1")
    arn = arns.function("000000000000", "hook")
    assert arn == "arn:aws:lambda:us-east-1:000000000000:function:hook"
    assert arns.function_name(arn) == ("000000000000", "hook")
    for bad in (
        "arn:aws:lambda:us-east-1:000000000000:layer:hook",
        "arn:aws:lambda:eu-west-1:000000000000:function:hook",
        "arn:aws:sqs:us-east-1:000000000000:hook",
    ):
        with pytest.raises(ValidationError):
            arns.function_name(bad, field="TargetArn")
