"""Wake-ups for long polling: a receiver waiting on an empty queue is woken when a message
is sent to it in this process.

A wake-up is a hint, not a delivery: the woken receiver looks at the database again. A
message sent by another process (several servers on one PostgreSQL) or sent in a
transaction that had not committed when the wake-up came is found by the next look, which
waiting receivers take at least every ``recheck_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["Arrivals", "wait_for"]

T = TypeVar("T")


class Arrivals:
    """A counter per queue (by ARN), bumped on every send, and a condition to wait for a
    change."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counts: dict[str, int] = {}

    def mark(self, queue_arn: str) -> int:
        """The current count of ``queue_arn`` (take it before looking at the queue)."""
        with self._changed:
            return self._counts.get(queue_arn, 0)

    def notify(self, queue_arn: str) -> None:
        """Wake whoever waits for ``queue_arn``."""
        with self._changed:
            self._counts[queue_arn] = self._counts.get(queue_arn, 0) + 1
            self._changed.notify_all()

    def wait(self, queue_arn: str, mark: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a send to ``queue_arn`` after ``mark``;
        whether one came."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._counts.get(queue_arn, 0) != mark, timeout=max(0.0, timeout)
            )


def wait_for(
    attempt: Callable[[], list[T]],
    *,
    arrivals: Arrivals,
    queue_arn: str,
    wait_seconds: float,
    recheck_seconds: float,
) -> list[T]:
    """Call ``attempt`` until it returns something or ``wait_seconds`` of real time pass,
    sleeping between attempts until a send to ``queue_arn`` or ``recheck_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        mark = arrivals.mark(queue_arn)
        found = attempt()
        remaining = deadline - time.monotonic()
        if found or remaining <= 0:
            return found
        arrivals.wait(queue_arn, mark, min(remaining, recheck_seconds))
