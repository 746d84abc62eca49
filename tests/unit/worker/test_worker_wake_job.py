"""Waking one job of the worker: it runs at the next pass, the others keep their times."""

from __future__ import annotations

from certherd.entrypoints.worker import Job, Worker


def test_a_woken_job_runs_at_once_and_the_others_keep_their_times() -> None:
    now = [100.0]
    calls: list[str] = []
    worker = Worker(
        [
            Job("notifications", lambda: calls.append("notifications") or 0, 0.05),
            Job("lifecycle", lambda: calls.append("lifecycle") or 0, 300.0),
        ],
        monotonic=lambda: now[0],
    )
    worker.run_pending()
    assert calls == ["notifications", "lifecycle"]
    worker.run_pending()
    assert calls == ["notifications", "lifecycle"]  # neither is due
    worker.wake_job("notifications")
    worker.run_pending()
    assert calls == ["notifications", "lifecycle", "notifications"]
    worker.run_pending()  # the wake-up was used
    assert calls == ["notifications", "lifecycle", "notifications"]


def test_a_wake_up_during_the_run_of_the_job_makes_it_run_again() -> None:
    now = [100.0]
    calls: list[str] = []

    def notify() -> int:
        calls.append("notifications")
        if len(calls) == 2:
            worker.wake_job("notifications")  # a publish while the job was running
        return 0

    worker = Worker([Job("notifications", notify, 60.0)], monotonic=lambda: now[0])
    worker.run_pending()
    worker.wake_job("notifications")
    worker.run_pending()
    worker.run_pending()
    assert calls == ["notifications"] * 3
    worker.run_pending()
    assert calls == ["notifications"] * 3
