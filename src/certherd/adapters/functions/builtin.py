"""Python functions certherd ships itself (entry-point group ``certherd.functions``)."""

from __future__ import annotations

import json
import logging
from typing import Any

__all__ = ["log_event"]

_log = logging.getLogger("certherd.functions.log_event")


def log_event(event: Any) -> dict[str, Any]:
    """``log-event``: write the event to the log (the run's output) and say what it got."""
    _log.info("event: %s", json.dumps(event, sort_keys=True))
    kind = event.get("detail-type") if isinstance(event, dict) else None
    return {"logged": True, "detail-type": kind}
