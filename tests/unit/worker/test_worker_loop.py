"""The worker loop: busy jobs run again at once, idle ones wait, failures are contained."""

from __future__ import annotations

import threading

import pytest

from certherd.entrypoints.worker import Job, Worker


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_busy_job_runs_again_and_an_idle_one_waits_its_interval() -> None:
    ticks = Ticks()
    work = [3, 0, 0]
    calls: list[str] = []

    def busy() -> int:
        calls.append("busy")
        return work.pop(0) if work else 0

    def idle() -> int:
        calls.append("idle")
        return 0

    worker = Worker([Job("busy", busy, 5.0), Job("idle", idle, 10.0)], monotonic=ticks)
    assert worker.run_pending() == 3
    assert calls == ["busy", "idle"]
    assert worker.run_pending() == 0  # busy ran again at once; idle is not due
    assert calls == ["busy", "idle", "busy"]
    ticks.now += 5.0
    worker.run_pending()
    assert calls[-1] == "busy"
    ticks.now += 5.0
    worker.run_pending()
    assert calls[-2:] == ["busy", "idle"]


def test_wake_makes_idle_jobs_due(caplog: pytest.LogCaptureFixture) -> None:
    ticks = Ticks()
    calls: list[str] = []
    worker = Worker([Job("idle", lambda: calls.append("idle") or 0, 60.0)], monotonic=ticks)
    worker.run_pending()
    worker.run_pending()
    assert calls == ["idle"]
    worker.wake()
    worker.run_pending()
    assert calls == ["idle", "idle"]


def test_a_failing_job_is_logged_and_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks = Ticks()
    calls: list[str] = []

    def broken() -> int:
        raise RuntimeError("database went away")

    worker = Worker(
        [Job("broken", broken, 30.0), Job("fine", lambda: calls.append("fine") or 0, 1.0)],
        monotonic=ticks,
    )
    with caplog.at_level("ERROR", logger="certherd.worker"):
        assert worker.run_pending() == 0
    assert calls == ["fine"]
    assert "worker job broken failed" in caplog.text
    ticks.now += 1.0
    worker.run_pending()
    assert calls == ["fine", "fine"]  # broken waits its 30 s


def test_start_and_stop_in_a_thread() -> None:
    ran = threading.Event()

    def job() -> int:
        ran.set()
        return 0

    worker = Worker([Job("job", job, 0.01)])
    worker.start()
    try:
        assert ran.wait(5.0)
        with pytest.raises(RuntimeError, match="already running"):
            worker.start()
    finally:
        worker.stop()
    ran.clear()
    assert not ran.wait(0.05)
