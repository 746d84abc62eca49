"""Acceptance: ``certherd function ...`` against a running ``certherd serve``. A
command function receives the event on stdin; a hanging one is killed at
its timeout, retried, and dead-lettered.

It runs on SQLite only: what it stores is covered on both databases by the service
tests, and a server on PostgreSQL adds minutes to the suite, not coverage.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from e2e_support import Server, cli, cli_json, running_server

COPY_STDIN = "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())"
#: How long the workers get to run, retry and dead-letter (the real time this takes is the
#: feature: a 1 s timeout, a retry within a second).
WAIT_SECONDS = 60.0


def _until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"gave up waiting for {what}")


def _runs(server: Server, name: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = cli_json(server, "function", "invocations", name)["Invocations"]
    return runs


def test_functions_through_the_cli(tmp_path: Path, sqlite_url: str) -> None:
    received = tmp_path / "received.json"
    with running_server(tmp_path, sqlite_url) as server:
        dlq = cli_json(server, "queue", "create", "functions-dlq")
        copy = cli_json(
            server, "function", "create", "copy", "--command",
            shlex.join([sys.executable, "-c", COPY_STDIN, str(received)]),
            "--env", "API_TOKEN=s3cret-value",
        )  # fmt: skip
        hang = cli_json(
            server, "function", "create", "hang", "--command", "sleep 30", "--timeout", "1"
        )
        assert "s3cret-value" not in cli(server, "function", "describe", "copy").stdout
        assert "hang" in cli(server, "function", "list").stdout

        pattern = json.dumps({"source": ["my.app"]})
        cli(server, "rule", "create", "fn", "--pattern", pattern)
        cli(server, "rule", "target", "add", "fn", "--id", "copy", "--arn", copy["FunctionArn"])
        cli(
            server, "rule", "target", "add", "fn", "--id", "hang", "--arn", hang["FunctionArn"],
            "--max-retries", "1", "--dlq", dlq["QueueArn"],
        )  # fmt: skip
        put = cli_json(
            server, "events", "put", "--source", "my.app", "--detail-type", "Deployed",
            "--detail", '{"host": "web-1"}',
        )  # fmt: skip
        event_id = put["Entries"][0]["EventId"]

        # The command function got the event on its standard input.
        _until(lambda: received.exists() and received.read_text(), "the copied event")
        event = json.loads(received.read_text())
        assert (event["id"], event["detail"]) == (event_id, {"host": "web-1"})
        [copied] = _runs(server, "copy")
        assert (copied["State"], copied["ExitStatus"], copied["Source"]) == ("SUCCEEDED", 0, "RULE")

        # The hanging one: killed at 1 s, retried once, then dead-lettered.
        runs = _until(lambda: len(r := _runs(server, "hang")) >= 2 and r, "two runs of hang")
        assert [(r["State"], r["TimedOut"]) for r in runs] == [("TIMED_OUT", True)] * 2
        messages = _until(
            lambda: cli_json(server, "queue", "receive", "functions-dlq")["Messages"],
            "the dead-lettered event",
        )
        [dead] = messages
        assert json.loads(dead["Body"])["id"] == event_id
        assert dead["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "TIMEOUT"
        assert len(_runs(server, "hang")) == 2

        # By hand: the run's record comes back, and a failed run exits 1.
        manual = cli_json(server, "function", "invoke", "copy", "--payload", '{"by": "hand"}')
        assert manual["State"] == "SUCCEEDED"
        assert json.loads(received.read_text()) == {"by": "hand"}
        failed = cli(server, "function", "invoke", "hang", check=False)
        assert failed.returncode == 1 and "TIMED_OUT" in failed.stdout

        cli(server, "function", "delete", "hang")
        assert "hang" not in cli(server, "function", "list").stdout
