"""The workers: background jobs that move events along (router, delivery, lifecycle).

A :class:`Worker` runs a list of :class:`Job` in one thread. Each job does one batch of
work and says how much it did; a job that found work runs again at once, an idle one
waits for its interval (or for :meth:`Worker.wake`). A job that fails is logged and
retried after its interval, so one bad row cannot stop the others.

``certherd serve`` runs a worker in a thread beside the API; ``certherd worker`` runs one
in the foreground. Any number of them may run against one PostgreSQL database: the jobs
claim their rows, and the lifecycle ledger makes each lifecycle event happen once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from certherd.bootstrap import Container

__all__ = ["Job", "Worker", "build_worker"]

_log = logging.getLogger("certherd.worker")


@dataclass(frozen=True)
class Job:
    """One kind of background work.

    ``run`` does one batch and returns how many items it handled; ``idle_seconds`` is how
    long to wait before the next batch when it handled none (or failed).
    """

    name: str
    run: Callable[[], int]
    idle_seconds: float


class Worker:
    """Runs jobs in a loop until stopped; see the module docstring."""

    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._jobs = tuple(jobs)
        self._monotonic = monotonic
        self._due = [0.0] * len(self._jobs)
        self._woken: set[int] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def jobs(self) -> tuple[Job, ...]:
        return self._jobs

    def wake(self) -> None:
        """Run every job soon, idle or not (new work has arrived)."""
        self._due = [0.0] * len(self._jobs)
        self._wake.set()

    def wake_job(self, name: str) -> None:
        """Run the job ``name`` soon, idle or not; the other jobs keep their times. Safe
        to call from any thread: a wake-up that comes while the job runs makes it run
        once more."""
        for index, job in enumerate(self._jobs):
            if job.name == name:
                self._woken.add(index)
        self._wake.set()

    def run_pending(self) -> int:
        """Run each job that is due once; return how many items they handled in all."""
        handled = 0
        for index, job in enumerate(self._jobs):
            if self._stop.is_set():
                break
            now = self._monotonic()
            if self._due[index] > now and index not in self._woken:
                continue
            # Before the run: a wake-up during it is kept for the next pass.
            self._woken.discard(index)
            count = self._run_job(job)
            handled += count
            self._due[index] = now if count > 0 else now + job.idle_seconds
        return handled

    def run(self) -> None:
        """Run until :meth:`stop` is called (in this thread)."""
        _log.info("worker started: %s", ", ".join(job.name for job in self._jobs))
        while not self._stop.is_set():
            self._wake.clear()
            if self.run_pending() > 0:
                continue
            pause = min(self._due, default=1.0) - self._monotonic()
            if pause > 0:
                self._wake.wait(min(pause, 1.0))
        _log.info("worker stopped")

    def start(self) -> threading.Thread:
        """Run in a daemon thread; :meth:`stop` ends it."""
        if self._thread is not None:
            raise RuntimeError("the worker is already running")
        self._thread = threading.Thread(target=self.run, name="certherd-worker", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the loop to end after the job it is running, and wait for its thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run_job(self, job: Job) -> int:
        try:
            return job.run()
        except Exception:
            # The job's rows stay as they were (its transaction rolled back); it is
            # tried again after its interval. Messages of certherd's errors name no secret.
            _log.exception("worker job %s failed; retrying in %.0f s", job.name, job.idle_seconds)
            return 0


#: Pause of the routing and delivery jobs when idle: the latency floor of an event.
EVENT_POLL_SECONDS = 0.05


def build_worker(container: Container) -> Worker:
    """The worker of one certherd process: routing, delivery to rule targets and to topic
    subscribers, lifecycle ticks, replays, and the retention of queue messages, archived
    events, expired subscriptions and history.

    Routing and delivery poll every 50 ms when idle (a PutEvents call reaches its targets'
    queues in about that), and a publish to a topic in this process wakes the delivery to
    its subscribers at once; the lifecycle ticks every ``settings.tick_seconds`` (each tick
    does only what the ledger has not seen done); replays move on every second while any is active;
    expired queue messages, archived events and history past ``settings.history_days``
    are swept every minute.
    """
    clock = container.clock

    def deliver() -> int:
        return container.delivery.deliver_due(clock.now())

    def notify() -> int:
        return container.topic_delivery.deliver_due(clock.now())

    def tick() -> int:
        container.lifecycle.tick()
        return 0  # one tick per interval: a second one at once would find nothing to do

    def replay() -> int:
        return container.replays.advance(clock.now())

    def sweep() -> int:
        container.queues.sweep_expired()
        container.archives.sweep(clock.now())
        container.subscriptions.purge_expired()
        # While history is found, the job runs again at once: a backlog (after the
        # retention was shortened, say) goes in bounded steps rather than one long one.
        return container.history.sweep(clock.now())

    prepared = False

    def route() -> int:
        nonlocal prepared
        if not prepared:
            container.router.prepare()  # before the first event has to wait for it
            prepared = True
        return container.router.route_batch(clock.now())

    worker = Worker(
        [
            Job("router", route, EVENT_POLL_SECONDS),
            Job("delivery", deliver, EVENT_POLL_SECONDS),
            Job("notifications", notify, EVENT_POLL_SECONDS),
            Job("lifecycle", tick, float(container.settings.tick_seconds)),
            Job("replays", replay, 1.0),
            Job("retention", sweep, 60.0),
        ]
    )
    # A publish in this process reaches its subscribers without waiting for the next poll.
    container.publisher.on_published(lambda: worker.wake_job("notifications"))
    return worker
