"""Acceptance: ``certherd queue ...`` against a running ``certherd serve``, on SQLite and
PostgreSQL. A queue with a dead-letter queue; messages sent, received (shown, not
deleted), received until they are dead-lettered, moved back and acknowledged."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CLI, clean_env, running_server


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Iterator[Path]:
    """``certherd serve`` on a free port; yields its data directory (credentials inside)."""
    with running_server(tmp_path, database_url) as server:
        yield server.data_dir


def queue(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, "queue", *args],
        env=clean_env(CERTHERD_DATA_DIR=str(data)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"queue {args}: {result.stdout}\n{result.stderr}"
    return result


def queue_json(data: Path, *args: str) -> Any:
    return json.loads(queue(data, *args, "--output", "json").stdout)


def test_queues_through_the_cli(data_dir: Path) -> None:
    dlq = queue_json(data_dir, "create", "jobs-dlq")
    assert dlq["QueueArn"].endswith(":jobs-dlq")
    jobs = queue_json(
        data_dir, "create", "jobs", "--dead-letter-queue", "jobs-dlq", "--max-receive-count", "1",
        "--visibility-timeout", "0", "--tag", "team=ops",
    )  # fmt: skip
    assert json.loads(jobs["Attributes"]["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq["QueueArn"],
        "maxReceiveCount": 1,
    }
    assert "jobs-dlq" in queue(data_dir, "list").stdout

    sent = queue_json(
        data_dir, "send", "jobs", "renew www.example.com", "--attribute", "n:Number=3"
    )
    shown = queue(data_dir, "receive", "jobs").stdout
    assert sent["MessageId"] in shown and "renew www.example.com" in shown
    # Not deleted: with maxReceiveCount 1 the next receive moves it to the dead-letter queue.
    assert queue_json(data_dir, "receive", "jobs")["Messages"] == []
    [dead] = queue_json(data_dir, "receive", "jobs-dlq", "--visibility-timeout", "0")["Messages"]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == jobs["QueueArn"]
    assert dead["MessageAttributes"] == {"n": {"DataType": "Number", "StringValue": "3"}}

    assert "moved 1 messages" in queue(data_dir, "redrive", "jobs-dlq").stdout
    [back] = queue_json(data_dir, "receive", "jobs", "--delete")["Messages"]
    assert back["MessageId"] == sent["MessageId"]
    stale = queue(data_dir, "delete-message", "jobs", back["ReceiptHandle"], check=False)
    assert stale.returncode == 1 and stale.stderr.startswith("error: nothing deleted")
    assert (
        queue_json(data_dir, "describe", jobs["QueueUrl"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        == "0"
    )

    queue(data_dir, "send", "jobs", "one more")
    assert queue_json(data_dir, "purge", "jobs") == {"PurgedCount": 1}
    bad = queue(data_dir, "send", "jobs", "x", "--delay", "901", check=False)
    assert bad.returncode == 2
    assert "deleted queue jobs" in queue(data_dir, "delete", jobs["QueueArn"]).stdout
    missing = queue(data_dir, "describe", "jobs", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
