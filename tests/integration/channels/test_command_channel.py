"""The command channel running real processes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from certherd.adapters.channels.command import (
    OUTPUT_TAIL_BYTES,
    SubprocessRunner,
    parse_command_line,
)
from certherd.errors import ValidationError
from certherd.services.channel_ports import ChannelError

EVENT = json.dumps(
    {"source": "aws.acm", "detail-type": "ACM Certificate Approaching Expiration"}
).encode()


@pytest.fixture
def runner() -> SubprocessRunner:
    return SubprocessRunner()


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _gone_soon(pids: list[int], within: float = 5.0) -> bool:
    # Killed processes disappear asynchronously; give the kernel a moment.
    deadline = time.monotonic() + within
    while any(_running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_event_on_stdin_reaches_the_command(runner: SubprocessRunner) -> None:
    result = runner.run(["cat"], stdin=EVENT, timeout_seconds=10)

    assert result.exit_status == 0
    assert result.output_tail == EVENT.decode()
    assert not result.timed_out
    assert result.duration_ms > 0


def test_exit_status_and_interleaved_output(runner: SubprocessRunner) -> None:
    result = runner.run(
        ["sh", "-c", "echo one; echo two >&2; echo three; exit 7"], stdin=b"", timeout_seconds=10
    )

    assert result.exit_status == 7
    assert result.output_tail == "one\ntwo\nthree\n"


def test_the_server_environment_is_not_inherited(
    runner: SubprocessRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERTHERD_MASTER_KEY", "c2VjcmV0LWtleS1vZi10aGUtc2VydmVy")
    monkeypatch.setenv("CERTHERD_DATABASE_URL", "postgresql://certherd:pw@db/certherd")

    result = runner.run(
        ["env"], stdin=b"", timeout_seconds=10, environment={"SUBSCRIPTION_SETTING": "on"}
    )

    variables = dict(line.split("=", 1) for line in result.output_tail.splitlines())
    assert set(variables) == {"PATH", "LANG", "SUBSCRIPTION_SETTING"}
    assert variables["SUBSCRIPTION_SETTING"] == "on"
    assert "c2VjcmV0" not in result.output_tail


def test_the_working_directory_is_used(runner: SubprocessRunner, tmp_path: Path) -> None:
    result = runner.run(["pwd"], stdin=b"", timeout_seconds=10, working_directory=str(tmp_path))

    assert result.output_tail.strip() == str(tmp_path.resolve())


def test_a_hanging_command_is_killed_with_its_children_at_the_timeout(
    runner: SubprocessRunner,
) -> None:
    script = "sleep 30 & echo $! $$; wait"

    result = runner.run(["sh", "-c", script], stdin=b"", timeout_seconds=0.5)

    assert result.timed_out
    assert result.exit_status < 0
    pids = [int(pid) for pid in result.output_tail.split()]
    assert len(pids) == 2
    assert _gone_soon(pids)


def test_a_command_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    runner = SubprocessRunner(grace_seconds=0.2)

    result = runner.run(
        ["sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait"], stdin=b"", timeout_seconds=0.3
    )

    assert result.timed_out
    assert result.exit_status == -9
    assert _gone_soon([int(result.output_tail.split()[0])])


def test_a_child_left_holding_the_output_is_killed_at_the_timeout(
    runner: SubprocessRunner,
) -> None:
    result = runner.run(["sh", "-c", "sleep 30 & echo $!"], stdin=b"", timeout_seconds=0.5)

    assert result.timed_out
    assert _gone_soon([int(result.output_tail.split()[0])])


def test_only_the_tail_of_a_long_output_is_kept(runner: SubprocessRunner) -> None:
    script = "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; echo END"

    result = runner.run(["sh", "-c", script], stdin=b"", timeout_seconds=30)

    assert len(result.output_tail.encode()) <= OUTPUT_TAIL_BYTES
    assert result.output_tail.endswith("line-1999\nEND\n")
    assert "line-0\n" not in result.output_tail


def test_output_that_is_not_utf8_is_decoded_with_replacement(runner: SubprocessRunner) -> None:
    result = runner.run(["sh", "-c", r"printf 'caf\351\n'"], stdin=b"", timeout_seconds=10)

    assert result.output_tail == "caf\ufffd\n"


def test_a_command_that_does_not_read_its_input_is_fine(runner: SubprocessRunner) -> None:
    result = runner.run(["true"], stdin=b"x" * 1_000_000, timeout_seconds=10)

    assert result.exit_status == 0
    assert not result.timed_out


def test_a_missing_executable_is_not_retryable(runner: SubprocessRunner) -> None:
    with pytest.raises(ChannelError) as caught:
        runner.run(["certherd-no-such-command"], stdin=b"", timeout_seconds=5)

    assert not caught.value.retryable
    assert "certherd-no-such-command" in caught.value.message
    assert "not found" in caught.value.message


def test_a_file_that_is_not_executable_is_not_retryable(
    runner: SubprocessRunner, tmp_path: Path
) -> None:
    script = tmp_path / "hook.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)

    with pytest.raises(ChannelError) as caught:
        runner.run([str(script)], stdin=b"", timeout_seconds=5)

    assert not caught.value.retryable


def test_a_missing_working_directory_is_not_retryable(
    runner: SubprocessRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "missing"

    with pytest.raises(ChannelError) as caught:
        runner.run(["pwd"], stdin=b"", timeout_seconds=5, working_directory=str(missing))

    assert not caught.value.retryable
    assert "working directory" in caught.value.message


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("notify-ops --channel certs", ["notify-ops", "--channel", "certs"]),
        ("/opt/hooks/run 'two words' \"and more\"", ["/opt/hooks/run", "two words", "and more"]),
        ("echo $HOME | cat > out", ["echo", "$HOME", "|", "cat", ">", "out"]),
    ],
)
def test_command_lines_split_like_a_shell_without_expansion(line: str, argv: list[str]) -> None:
    assert parse_command_line(line) == argv


@pytest.mark.parametrize("line", ["", "   ", "run 'unbalanced", 'run "open', "run\x00x"])
def test_unusable_command_lines_are_refused(line: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_command_line(line)

    assert caught.value.field == "Endpoint"
