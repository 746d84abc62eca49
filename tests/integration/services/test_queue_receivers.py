"""Receivers at the same time, on SQLite and PostgreSQL: no message goes to two receivers
within its visibility timeout, and a long poll wakes when a message is sent."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.services.queue_receiving import ReceivedMessage
from certherd.services.queue_wakeups import Arrivals
from certherd.services.queues import Outgoing, QueueService

RECEIVERS = 4
MESSAGES = 60


def test_concurrent_receivers_never_share_a_message(container: Container, account: str) -> None:
    container.queues.create(account=account, name="shared")
    container.queues.send_batch(
        account=account,
        name="shared",
        entries=[(str(i), Outgoing(f"m{i}")) for i in range(10)],
    )
    for start in range(10, MESSAGES, 10):
        container.queues.send_batch(
            account=account,
            name="shared",
            entries=[(str(i), Outgoing(f"m{i}")) for i in range(start, start + 10)],
        )
    barrier = threading.Barrier(RECEIVERS)

    def drain() -> list[str]:
        barrier.wait()
        got: list[str] = []
        while True:
            batch = container.queues.receive(
                account=account, name="shared", max_messages=3, visibility_timeout=3600
            )
            if not batch:
                return got
            got.extend(m.message_id for m in batch)

    with ThreadPoolExecutor(RECEIVERS) as pool:
        results = list(pool.map(lambda _: drain(), range(RECEIVERS)))
    everything = [message_id for result in results for message_id in result]
    assert len(everything) == MESSAGES
    assert len(set(everything)) == MESSAGES


class _SeenWaiting(Arrivals):
    """Arrivals that tell when a receiver has started to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def wait(self, queue_id: str, mark: int, timeout: float) -> bool:
        self.waiting.set()
        return super().wait(queue_id, mark, timeout)


def _service(container: Container, clock: FixedClock, arrivals: Arrivals) -> QueueService:
    # Re-checks far apart: only the wake-up can end the wait before the long poll does.
    return QueueService(
        uow=container.uow,
        clock=clock,
        arns=container.arns,
        public_url="http://q.test",
        arrivals=arrivals,
        recheck_seconds=60,
    )


def test_long_poll_wakes_when_a_message_is_sent(
    container: Container, account: str, clock: FixedClock
) -> None:
    arrivals = _SeenWaiting()
    queues = _service(container, clock, arrivals)
    queues.create(account=account, name="poll")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(queues.receive, account=account, name="poll", wait_seconds=20)
        assert arrivals.waiting.wait(10)
        queues.send(account=account, name="poll", message=Outgoing("wake up"))
        got: list[ReceivedMessage] = waiting.result(timeout=30)
    assert [m.body for m in got] == ["wake up"]


def test_long_poll_wakes_on_send_in_after_commit(
    container: Container, account: str, clock: FixedClock
) -> None:
    arrivals = _SeenWaiting()
    queues = _service(container, clock, arrivals)
    queue = queues.create(account=account, name="bus-target")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(queues.receive, account=account, name="bus-target", wait_seconds=20)
        assert arrivals.waiting.wait(10)
        with container.uow() as uow:
            queues.send_in(uow, queues.arn(queue), "event", None, clock.now())
            uow.commit()
        queues.notify(queue_arn=queues.arn(queue))
        got = waiting.result(timeout=30)
    assert [m.body for m in got] == ["event"]


def test_long_poll_ends_empty_when_nothing_comes(container: Container, account: str) -> None:
    container.queues.create(account=account, name="quiet")
    assert container.queues.receive(account=account, name="quiet", wait_seconds=1) == []
