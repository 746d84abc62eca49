"""``certherd function``: what each command sends, how it shows the answer, its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitest_support import FakeApi
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.function_cmd import function_name
from certherd.entrypoints.cli.main import app

runner = CliRunner()
ARN = "arn:aws:lambda:us-east-1:111122223333:function:hook"
FUNCTION = {
    "FunctionName": "hook",
    "FunctionArn": ARN,
    "Kind": "command",
    "Command": ["/usr/local/bin/hook", "--all"],
    "EnvironmentKeys": ["API_TOKEN"],
    "Timeout": 5,
    "CreatedAt": "2026-01-01T00:00:00Z",
}
RUN = {
    "InvocationId": "5d0c",
    "FunctionName": "hook",
    "Source": "MANUAL",
    "State": "SUCCEEDED",
    "StartedAt": "2026-01-01T00:00:00Z",
    "DurationMs": 12.5,
    "ExitStatus": 0,
    "TimedOut": False,
    "OutputTail": "done\n",
}


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin)


def test_create_a_command_function(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/functions", FUNCTION, status=201)
    result = run(
        "function", "create", "hook", "--command", "/usr/local/bin/hook --all",
        "--env", "API_TOKEN=a=b", "--timeout", "5", "--workdir", "/srv", "--run-as", "deploy",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {
        "FunctionName": "hook",
        "Timeout": 5,
        "Kind": "command",
        "Command": ["/usr/local/bin/hook", "--all"],
        "Environment": {"API_TOKEN": "a=b"},
        "WorkingDirectory": "/srv",
        "RunAs": "deploy",
    }
    assert ARN in result.output


def test_create_a_python_function(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/functions", {**FUNCTION, "Kind": "python"}, status=201)
    result = run("function", "create", "logger", "--python", "log-event")
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {
        "FunctionName": "logger",
        "Timeout": 30,
        "Kind": "python",
        "EntryPoint": "log-event",
    }


def test_list_describe_and_delete(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/functions", {"Functions": [FUNCTION]})
    fake_api.answer("GET", "/v1/functions/hook", FUNCTION)
    fake_api.answer("DELETE", "/v1/functions/hook", None, status=204)
    listed = run("function", "list")
    assert "hook" in listed.output and "/usr/local/bin/hook --all" in listed.output
    assert "API_TOKEN" in run("function", "describe", ARN).output
    assert run("function", "delete", "hook").output.strip() == "deleted function hook"


def test_invoke_sends_the_payload_from_a_file(fake_api: FakeApi, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"detail": {"n": 1}}')
    fake_api.answer("POST", "/v1/functions/hook/invocations", RUN)
    result = run("function", "invoke", "hook", "--payload", f"@{event}")
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {"Payload": {"detail": {"n": 1}}}
    assert "SUCCEEDED" in result.output and "done" in result.output
    # The answer comes when the run ends: the CLI waits longer than the longest run.
    assert (fake_api.only.read_timeout or 0) > 900


def test_other_requests_wait_the_usual_minute(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/functions/hook/invocations", {"Invocations": []})
    assert run("function", "invocations", "hook").exit_code == 0
    assert fake_api.only.read_timeout == 60


def test_invoke_exits_1_when_the_run_failed(fake_api: FakeApi) -> None:
    failed = {**RUN, "State": "TIMED_OUT", "ExitStatus": -15, "TimedOut": True}
    fake_api.answer("POST", "/v1/functions/hook/invocations", failed)
    result = run("function", "invoke", "hook", "--payload", "-", "--output", "json", stdin="[1]")
    assert result.exit_code == 1
    assert fake_api.only.body == {"Payload": [1]}
    assert json.loads(result.stdout)["State"] == "TIMED_OUT"


def test_invocations_are_listed(fake_api: FakeApi) -> None:
    fake_api.answer(
        "GET", "/v1/functions/hook/invocations", {"Invocations": [RUN], "NextToken": "7"}
    )
    result = run("function", "invocations", "hook", "--max-items", "1")
    assert result.exit_code == 0, result.output
    assert fake_api.only.params == {"MaxItems": "1"}
    assert "SUCCEEDED" in result.output and "--next-token 7" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["function", "create", "f"],
        ["function", "create", "f", "--command", "x", "--python", "y"],
        ["function", "create", "f", "--command", "'unbalanced"],
        ["function", "create", "f", "--command", "x", "--env", "NOVALUE"],
        ["function", "create", "f", "--command", "x", "--timeout", "901"],
        ["function", "describe", "bad.name"],
        ["function", "invoke", "f", "--payload", "{not json"],
    ],
    ids=" ".join,
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    env = {
        "CERTHERD_DATA_DIR": str(tmp_path),
        "CERTHERD_URL": "http://127.0.0.1:9",
        "CERTHERD_TOKEN": "t",
    }
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output


def test_function_names_from_names_and_arns() -> None:
    assert function_name(ARN) == function_name("hook") == "hook"
    with pytest.raises(CliError):
        function_name("arn:aws:lambda:us-east-1:1:function:")
