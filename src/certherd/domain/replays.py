"""EventBridge replays (spec 2.7): an archive's events of a time window sent to a bus again.

A replay starts STARTING, is RUNNING once its first batch went out, and ends COMPLETED
(every archived event of the window was replayed), CANCELLED (CancelReplay while it was
STARTING or RUNNING: CANCELLING until the replay worker stops it) or FAILED (its archive
or destination bus went away). Events go out in event-time order, each as a new outbox
row carrying ``replay-name`` in its envelope, with the original ``id`` and ``time``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from certherd.domain.rules import check_description
from certherd.errors import InvalidStateError, ValidationError

__all__ = [
    "MAX_FILTER_ARNS",
    "Replay",
    "ReplayState",
    "check_replay_name",
    "check_replay_window",
    "replayed_envelope",
]

_REPLAY_NAME: Final = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")
MAX_FILTER_ARNS: Final = 100


class ReplayState(StrEnum):
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


#: States CancelReplay accepts (AWS answers IllegalStatusException for the others).
CANCELLABLE: Final = frozenset({ReplayState.STARTING, ReplayState.RUNNING})
#: States the replay worker still has something to do for.
ACTIVE: Final = frozenset({ReplayState.STARTING, ReplayState.RUNNING, ReplayState.CANCELLING})


@dataclass(frozen=True)
class Replay:
    """A replay and how far it got: ``cursor`` is the (event time, archive position) of the
    last event sent, None before the first."""

    id: str
    account: str
    name: str
    arn: str
    archive_id: str
    archive_arn: str
    destination_arn: str
    bus: str  # the destination bus's name (the archive's source bus)
    event_start_time: datetime
    event_end_time: datetime
    state: ReplayState
    replay_start_time: datetime
    description: str | None = None
    filter_arns: tuple[str, ...] = ()
    state_reason: str | None = None
    event_last_replayed_time: datetime | None = None
    replay_end_time: datetime | None = None
    cursor: tuple[datetime, int] | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def cancel(self) -> Replay:
        """CancelReplay: CANCELLING; InvalidStateError unless STARTING or RUNNING."""
        if self.state not in CANCELLABLE:
            raise InvalidStateError(
                f"Replay {self.name} is {self.state.value}; only a STARTING or RUNNING "
                "replay can be cancelled.",
                field="ReplayName",
            )
        return replace(self, state=ReplayState.CANCELLING, state_reason="Cancelled by request")

    def advanced(self, cursor: tuple[datetime, int], *, done: bool, now: datetime) -> Replay:
        """After a batch that ended at ``cursor``: RUNNING, or COMPLETED when ``done``."""
        return replace(
            self,
            cursor=cursor,
            event_last_replayed_time=cursor[0],
            state=ReplayState.COMPLETED if done else ReplayState.RUNNING,
            replay_end_time=now if done else None,
        )

    def finished(self, state: ReplayState, *, now: datetime, reason: str | None = None) -> Replay:
        """Ended in ``state`` (COMPLETED, CANCELLED or FAILED) at ``now``."""
        return replace(
            self, state=state, replay_end_time=now, state_reason=reason or self.state_reason
        )


def check_replay_name(name: object, *, field: str = "ReplayName") -> str:
    """A replay name: 1-64 of ``A-Za-z0-9._-``; ValidationError naming ``field``."""
    if not isinstance(name, str) or not _REPLAY_NAME.fullmatch(name):
        raise ValidationError(
            "must be 1 to 64 characters of letters, digits, '.', '-' and '_'", field=field
        )
    return name


def check_replay_window(start: datetime, end: datetime, *, now: datetime) -> None:
    """EventStartTime before EventEndTime, and EventEndTime not in the future."""
    if not start < end:
        raise ValidationError("must be before EventEndTime", field="EventStartTime")
    if end > now:
        raise ValidationError("must not be in the future", field="EventEndTime")


def check_replay_description(text: str | None) -> str | None:
    return check_description(text)


def check_filter_count(arns: Sequence[str]) -> None:
    if len(arns) > MAX_FILTER_ARNS:
        raise ValidationError(
            f"must hold at most {MAX_FILTER_ARNS} rule ARNs", field="Destination.FilterArns"
        )


def replayed_envelope(envelope: str, replay_name: str) -> str:
    """The archived envelope text with ``"replay-name"`` added (everything else, the
    original ``id`` and ``time`` included, as it was)."""
    document: dict[str, Any] = json.loads(envelope)
    document["replay-name"] = replay_name
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
