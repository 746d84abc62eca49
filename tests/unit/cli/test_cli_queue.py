"""``certherd queue``: how queues are named on the command line and its usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.main import app
from certherd.entrypoints.cli.queue_cmd import queue_name, queue_path

runner = CliRunner()


@pytest.mark.parametrize(
    "value",
    [
        "jobs",
        "arn:aws:sqs:us-east-1:123456789012:jobs",
        "http://127.0.0.1:8600/queues/123456789012/jobs",
        "https://q.example/queues/123456789012/jobs/",
    ],
)
def test_a_queue_by_name_arn_or_url(value: str) -> None:
    assert queue_name(value) == "jobs"
    assert queue_path(value, "messages") == "/v1/queues/jobs/messages"


@pytest.mark.parametrize("value", ["", "a.fifo", "arn:aws:sqs:us-east-1:1:", "../x"])
def test_what_names_no_queue_is_a_usage_error(value: str) -> None:
    with pytest.raises(CliError) as caught:
        queue_name(value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["queue", "receive", "jobs", "--max", "11"],
        ["queue", "send", "jobs", "x", "--attribute", "novalue"],
        ["queue", "create", "jobs", "--visibility-timeout", "43201"],
        ["queue", "describe", "bad.name"],
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
