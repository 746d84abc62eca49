"""The history sweep: removes the record of what happened once it is older than the
settings keep it (:mod:`certherd.domain.history` says what goes and what stays).

Each kind is swept in its own short transaction, a bounded number of rows at a time, so
that the sweep never holds the database for long; the worker's ``retention`` job calls
:meth:`HistoryRetention.sweep` every minute, and again at once while it finds work.
Invocations and deliveries go before the events and messages they belong to, so one pass
can clear an event and its invocations together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Final

from certherd.domain.history import history_cutoff
from certherd.services.history_ports import HistoryRepository
from certherd.services.ports import UnitOfWorkFactory

__all__ = ["DEFAULT_SWEEP", "HistoryRetention"]

#: Rows of each kind one sweep deletes, at most.
DEFAULT_SWEEP: Final = 1000

_log = logging.getLogger("certherd.history")

_Delete = Callable[[HistoryRepository, datetime, int], int]
#: In this order: what refers to an event or message goes before it.
_KINDS: Final[tuple[tuple[str, _Delete], ...]] = (
    ("topic deliveries", lambda h, before, n: h.delete_topic_deliveries(before, n)),
    ("topic messages", lambda h, before, n: h.delete_topic_messages(before, n)),
    ("invocations", lambda h, before, n: h.delete_invocations(before, n)),
    ("events", lambda h, before, n: h.delete_events(before, n)),
    ("mail", lambda h, before, n: h.delete_mail(before, n)),
    ("function runs", lambda h, before, n: h.delete_function_runs(before, n)),
    ("deployment runs", lambda h, before, n: h.delete_deployment_runs(before, n)),
)


class HistoryRetention:
    def __init__(self, *, uow: UnitOfWorkFactory, days: int) -> None:
        if days < 0:
            raise ValueError("history is kept for 0 or more days")
        self._uow = uow
        self._days = days

    @property
    def days(self) -> int:
        """For how many days history is kept (0: for ever)."""
        return self._days

    def sweep(self, now: datetime, limit: int = DEFAULT_SWEEP) -> int:
        """Delete up to ``limit`` rows of each kind of history older than the retention at
        ``now``; return how many rows were deleted in all."""
        cutoff = history_cutoff(self._days, now)
        if cutoff is None:
            return 0
        removed = 0
        for name, delete in _KINDS:
            with self._uow() as uow:
                count = delete(uow.history, cutoff, limit)
                uow.commit()
            if count:
                _log.info("removed %d %s older than %s", count, name, cutoff.isoformat())
            removed += count
        return removed
