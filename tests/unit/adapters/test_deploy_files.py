"""Holding a deployment's directory: one run at a time, across threads and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from certherd.adapters.deploy.files import AtomicFileWriter
from certherd.services.deploy_ports import DeployError


def test_a_second_holder_waits_for_the_first_then_gives_up(tmp_path: Path) -> None:
    files = AtomicFileWriter()
    with (
        files.hold(str(tmp_path), timeout_seconds=1),
        pytest.raises(DeployError) as caught,
        files.hold(str(tmp_path), timeout_seconds=0.2),
    ):
        pass
    assert "another run of this deployment still holds" in str(caught.value)
    # Released: the next one gets it at once, and no file was left in the directory.
    with files.hold(str(tmp_path), timeout_seconds=0):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_waiting_holder_gets_the_directory_when_it_is_released(tmp_path: Path) -> None:
    files = AtomicFileWriter()
    order: list[str] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait(5)
        with files.hold(str(tmp_path), timeout_seconds=10):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    with files.hold(str(tmp_path), timeout_seconds=1):
        first_in.set()
        waiter.join(0.3)  # the second holder is waiting, not in
        order.append("first")
    waiter.join(10)

    assert order == ["first", "second"]


def test_another_process_holding_the_directory_is_waited_for(tmp_path: Path) -> None:
    script = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(tmp_path)!r}, os.O_RDONLY | os.O_DIRECTORY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with (
            pytest.raises(DeployError),
            AtomicFileWriter().hold(str(tmp_path), timeout_seconds=0.2),
        ):
            pass
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    with AtomicFileWriter().hold(str(tmp_path), timeout_seconds=5):
        pass


def test_a_missing_directory_cannot_be_held(tmp_path: Path) -> None:
    with (
        pytest.raises(DeployError, match="does not exist"),
        AtomicFileWriter().hold(str(tmp_path / "absent"), timeout_seconds=1),
    ):
        pass
