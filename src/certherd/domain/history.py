"""How long the record of what happened is kept.

Events, rule target invocations, topic deliveries with their attempts, published
messages, the local mailbox, and function and deployment runs are history: they say what
happened and are kept ``history_days`` days (``CERTHERD_HISTORY_DAYS``, 90 by default;
0 keeps them for ever). Only what is finished goes: an invocation or delivery still being
retried, a message with deliveries left and an event not yet routed or with invocations
still pending stay whatever their age. A deployment's latest run always stays, since it
says what is deployed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["history_cutoff"]


def history_cutoff(days: int, now: datetime) -> datetime | None:
    """History older than this instant goes; None when ``days`` is 0 (kept for ever)."""
    if days < 0:
        raise ValueError("history is kept for 0 or more days")
    if days == 0:
        return None
    return now - timedelta(days=days)
