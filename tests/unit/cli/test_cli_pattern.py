"""``certherd pattern test|check``: patterns tested locally, with real files (CliRunner).

Exit codes: 0 match (or valid), 1 no match, 2 invalid pattern or unusable input.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from certherd.entrypoints.cli.main import app

runner = CliRunner()

RENEWAL_EVENT = {
    "version": "0",
    "id": "9c95e8e4-96a4-ef3f-b739-b6aa5b193afb",
    "detail-type": "ACM Certificate Available",
    "source": "aws.acm",
    "account": "123456789012",
    "time": "2026-01-01T06:51:08Z",
    "region": "us-east-1",
    "resources": ["arn:aws:acm:us-east-1:123456789012:certificate/61f50cd4"],
    "detail": {"Action": "RENEWAL", "CommonName": "www.example.com", "DaysToExpiry": 395},
}
RENEWALS = {"source": ["aws.acm"], "detail": {"Action": ["RENEWAL"]}}
IMPORTS = {"source": ["aws.acm"], "detail": {"Action": ["IMPORT"]}}
NO_MATCH_REASON = 'detail.Action: "RENEWAL" does not match ["IMPORT"]'


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No server is needed: point everything that could reach one somewhere harmless."""
    return {"CERTHERD_DATA_DIR": str(tmp_path / "data"), "CERTHERD_URL": "", "CERTHERD_TOKEN": ""}


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_match_exits_0(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", RENEWALS)
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    result = runner.invoke(
        app, ["pattern", "test", "--pattern", str(pattern), "--event", str(event)], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "match\n"
    assert result.stderr == ""


def test_no_match_exits_1_naming_the_field(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", IMPORTS)
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    result = runner.invoke(app, ["pattern", "test", "-p", str(pattern), "-e", str(event)], env=env)
    assert result.exit_code == 1
    assert result.stdout == f"no match: {NO_MATCH_REASON}\n"
    assert result.stderr == ""


def test_no_match_on_a_missing_field(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(
        tmp_path, "pattern.json", {"detail": {"DaysToExpiry": [{"numeric": ["<", 30]}]}}
    )
    event = write(tmp_path, "event.json", {"detail": {"Action": "RENEWAL"}})
    result = runner.invoke(app, ["pattern", "test", "-p", str(pattern), "-e", str(event)], env=env)
    assert result.exit_code == 1
    assert result.stdout == (
        'no match: detail.DaysToExpiry: field is missing, does not match [{"numeric": ["<", 30]}]\n'
    )


def test_invalid_pattern_exits_2_with_aws_reason(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", {"detail": {"state": "running"}})
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    result = runner.invoke(app, ["pattern", "test", "-p", str(pattern), "-e", str(event)], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        'error: Event pattern is not valid. Reason: "state" must be an object or an array\n'
    )


def test_invalid_pattern_with_json_output_is_still_an_error(
    tmp_path: Path, env: dict[str, str]
) -> None:
    pattern = write(tmp_path, "pattern.json", {"source": [{"prefix": 5}]})
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    result = runner.invoke(
        app, ["-o", "json", "pattern", "test", "-p", str(pattern), "-e", str(event)], env=env
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: Event pattern is not valid. Reason: prefix match pattern must be a string\n"
    )


def test_malformed_pattern_json_is_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    """Jackson's reason quotes the pattern text; its line break is written as \\n."""
    pattern = write(tmp_path, "pattern.json", '{"source": ["aws.acm"]\n')
    result = runner.invoke(app, ["pattern", "check", str(pattern)], env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: Event pattern is not valid. Reason: Unexpected end-of-input: expected close "
        'marker for Object (start marker at [Source: (String)"{"source": ["aws.acm"]\\n"; '
        "line: 1, column: 1])\n"
    )


def test_json_output(tmp_path: Path, env: dict[str, str]) -> None:
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    for pattern, code, answer in (
        (RENEWALS, 0, {"Result": True}),
        (IMPORTS, 1, {"Result": False, "Reason": NO_MATCH_REASON}),
    ):
        path = write(tmp_path, "pattern.json", pattern)
        result = runner.invoke(
            app, ["pattern", "test", "-p", str(path), "-e", str(event), "--output", "json"], env=env
        )
        assert result.exit_code == code
        assert json.loads(result.stdout) == answer


def test_global_json_output(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", RENEWALS)
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    result = runner.invoke(
        app, ["pattern", "test", "-p", str(pattern), "-e", str(event)],
        env={**env, "CERTHERD_OUTPUT": "json"},
    )  # fmt: skip
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"Result": True}


def test_event_from_stdin(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", IMPORTS)
    result = runner.invoke(
        app, ["pattern", "test", "-p", str(pattern), "-e", "-"],
        input=json.dumps(RENEWAL_EVENT), env=env,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == f"no match: {NO_MATCH_REASON}\n"


def test_pattern_from_stdin(tmp_path: Path, env: dict[str, str]) -> None:
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    result = runner.invoke(
        app, ["pattern", "test", "--pattern", "-", "--event", str(event)],
        input=json.dumps(RENEWALS), env=env,
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout == "match\n"


def test_both_from_stdin_is_refused(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["pattern", "test", "-p", "-", "-e", "-"], input="{}", env=env)
    assert result.exit_code == 2
    assert result.stderr == "error: only one of --pattern and --event can be - (standard input)\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON: Expecting value (line 1, column 1)"),
        ('{"a": 1,}', "is not JSON: Expecting property name enclosed in double quotes"),
        ('{"a": NaN}', "is not JSON: NaN is not a JSON value"),
        ('["aws.acm"]', "is not a JSON object (an event is one)"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_unusable_event_exits_2_naming_the_file(
    tmp_path: Path, env: dict[str, str], content: str | bytes, message: str
) -> None:
    pattern = write(tmp_path, "pattern.json", RENEWALS)
    event = tmp_path / "event.json"
    if isinstance(content, bytes):
        event.write_bytes(content)
    else:
        event.write_text(content)
    result = runner.invoke(app, ["pattern", "test", "-p", str(pattern), "-e", str(event)], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: event file {event} {message}")


def test_event_on_stdin_that_is_not_json(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", RENEWALS)
    result = runner.invoke(
        app, ["pattern", "test", "-p", str(pattern), "-e", "-"], input="nope", env=env
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: event file (standard input) is not JSON")


def test_unreadable_files_exit_2_naming_the_file(tmp_path: Path, env: dict[str, str]) -> None:
    event = write(tmp_path, "event.json", RENEWAL_EVENT)
    missing = tmp_path / "missing.json"
    result = runner.invoke(app, ["pattern", "test", "-p", str(missing), "-e", str(event)], env=env)
    assert result.exit_code == 2
    assert result.stderr == f"error: pattern file {missing} does not exist\n"
    result = runner.invoke(app, ["pattern", "check", str(tmp_path)], env=env)
    assert result.exit_code == 2
    assert result.stderr == f"error: pattern file {tmp_path} is a directory\n"
    pattern = write(tmp_path, "pattern.json", RENEWALS)
    result = runner.invoke(
        app, ["pattern", "test", "-p", str(pattern), "-e", str(missing)], env=env
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: event file {missing} does not exist\n"


def test_check_valid(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", RENEWALS)
    result = runner.invoke(app, ["pattern", "check", str(pattern)], env=env)
    assert result.exit_code == 0
    assert result.stdout == "valid\n"
    result = runner.invoke(app, ["pattern", "check", str(pattern), "-o", "json"], env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"Valid": True}


def test_check_invalid(tmp_path: Path, env: dict[str, str]) -> None:
    pattern = write(tmp_path, "pattern.json", {"detail": {"state": "running"}})
    for extra in ([], ["-o", "json"]):
        result = runner.invoke(app, ["pattern", "check", str(pattern), *extra], env=env)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == (
            'error: Event pattern is not valid. Reason: "state" must be an object or an array\n'
        )


def test_check_reads_stdin(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["pattern", "check", "-"], input='{"source": ["aws.acm"]}', env=env)
    assert result.exit_code == 0 and result.stdout == "valid\n"
    result = runner.invoke(app, ["pattern", "check", "-"], input='{"source": "aws.acm"}', env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        'error: Event pattern is not valid. Reason: "source" must be an object or an array\n'
    )


def test_help_documents_the_exit_codes() -> None:
    result = runner.invoke(app, ["pattern", "test", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "1 the event does not match" in result.output
    assert "Event pattern is not valid. Reason:" in result.output
