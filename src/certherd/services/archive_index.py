"""Which archives of a bus keep an event: the router's compiled view of a bus's archives."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from certherd.domain.archives import Archive, ArchivedEvent
from certherd.domain.events import StoredEvent
from certherd.errors import CertherdError
from certherd.patterns import RuleIndex

__all__ = ["ArchiveIndex"]


@dataclass(frozen=True)
class ArchiveIndex:
    """The archives of one bus as of ``version``: those with a pattern in a RuleIndex,
    those without one (they keep every event) apart."""

    version: int
    patterned: RuleIndex
    everything: tuple[str, ...]

    @classmethod
    def build(cls, version: int, archives: Sequence[Archive]) -> ArchiveIndex:
        index = RuleIndex()
        everything: list[str] = []
        for archive in archives:
            if archive.event_pattern is None:
                everything.append(archive.id)
                continue
            # Patterns were checked when saved; one that no longer compiles (a stricter
            # release) leaves its archive out rather than stopping all routing.
            try:
                index.add(archive.id, archive.event_pattern)
            except CertherdError:
                index.remove(archive.id)
        return cls(version, index, tuple(everything))

    @property
    def empty(self) -> bool:
        return not self.everything and len(self.patterned) == 0

    def copies(
        self, stored: StoredEvent, envelope: Mapping[str, Any], now: datetime
    ) -> list[ArchivedEvent]:
        """The archived copies of ``stored`` (none for a replayed event), archived ``now``.

        ``envelope`` is ``stored.envelope`` decoded; the copies keep the text itself and
        the envelope's own ``id``.
        """
        if self.empty or stored.event.replay_name is not None:
            return []
        matched: list[Hashable] = [*self.everything, *self.patterned.match(envelope)]
        return [
            ArchivedEvent.of(
                str(archive_id),
                event_id=str(envelope.get("id", stored.event.id)),
                event_time=stored.event.time,
                envelope=stored.envelope,
                at=now,
            )
            for archive_id in sorted(set(matched), key=str)
        ]
