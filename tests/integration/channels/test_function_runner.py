"""The function runner: entry points that exist, the users it may run functions as."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

import pytest

from certherd.adapters.functions import runner as runner_module
from certherd.adapters.functions.runner import ProcessFunctionRunner, current_user
from certherd.domain.functions import Function, FunctionKind, RunState, run_state
from certherd.errors import ValidationError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def function(**given: object) -> Function:
    fields: dict[str, object] = {
        "id": "f",
        "account": "000000000000",
        "name": "f",
        "kind": FunctionKind.COMMAND,
        "timeout_seconds": 5,
        "created_at": NOW,
        "command": ("id", "-un"),
    }
    fields.update(given)
    return Function(**fields)  # type: ignore[arg-type]


def test_the_builtin_entry_point_is_found_and_others_are_not() -> None:
    runner = ProcessFunctionRunner()
    runner.check(function(kind=FunctionKind.PYTHON, command=(), entry_point="log-event"))
    with pytest.raises(ValidationError) as caught:
        runner.check(function(kind=FunctionKind.PYTHON, command=(), entry_point="nope"))
    assert caught.value.field == "EntryPoint"


def test_without_root_only_the_current_user_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = ProcessFunctionRunner()
    monkeypatch.setattr(runner_module.os, "geteuid", lambda: 4242)
    with pytest.raises(ValidationError) as caught:
        runner.check(function(run_as="root"))
    assert caught.value.field == "RunAs"
    assert "not as root" in caught.value.message
    with pytest.raises(ValidationError, match="no user"):
        runner.check(function(run_as="no-such-user-here"))


def test_a_current_user_function_runs_without_switching() -> None:
    runner = ProcessFunctionRunner()
    me = current_user()
    runner.check(function(run_as=me))
    outcome = runner.run(function(run_as=me, working_directory="/"), "", {})
    assert run_state(outcome) is RunState.SUCCEEDED
    assert outcome.output_tail.strip() == me


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_as_root_a_function_runs_as_its_user() -> None:
    runner = ProcessFunctionRunner()
    nobody = function(run_as="nobody", working_directory="/", command=("id", "-un"))
    runner.check(nobody)
    outcome = runner.run(nobody, "", {})
    assert run_state(outcome) is RunState.SUCCEEDED, outcome
    assert outcome.output_tail.strip() == "nobody"
    groups = runner.run(
        function(run_as="nobody", working_directory="/", command=("id", "-G")), "", {}
    )
    expected = subprocess.run(["id", "-g", "nobody"], capture_output=True, text=True, check=True)
    # Its primary group only: none of the server's supplementary groups.
    assert groups.output_tail.split() == [expected.stdout.strip()]
