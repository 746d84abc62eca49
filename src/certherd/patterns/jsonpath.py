"""The JSONPath subset EventBridge accepts in ``InputPath`` and ``InputPathsMap``.

Dot notation from ``$`` (names of letters, digits, ``-``, ``_``, ``/`` and other
characters except ``.``, ``[`` and ``]``), array indices ``[0]`` and wildcards ``.*`` /
``[*]``. A path without wildcards selects one value or nothing; a path with wildcards
selects the list of everything it reaches (nothing when that list is empty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonPath", "parse_path"]

_SEGMENT = re.compile(r"\.([^.\[\]*]+)|\.\*|\[(\d+)\]|\[\*\]")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class JsonPath:
    text: str
    #: ``str`` key, ``int`` index or ``None`` for a wildcard.
    steps: tuple[str | int | None, ...]

    @property
    def definite(self) -> bool:
        return None not in self.steps

    def select(self, document: Any) -> tuple[bool, Any]:
        """``(found, value)`` for ``document``."""
        nodes = [document]
        for step in self.steps:
            nxt: list[Any] = []
            for node in nodes:
                if step is None:
                    if isinstance(node, dict):
                        nxt.extend(node.values())
                    elif isinstance(node, list):
                        nxt.extend(node)
                elif isinstance(step, int):
                    if isinstance(node, list) and step < len(node):
                        nxt.append(node[step])
                elif isinstance(node, dict) and step in node:
                    nxt.append(node[step])
            nodes = nxt
        if self.definite:
            return (True, nodes[0]) if nodes else (False, None)
        return (True, nodes) if nodes else (False, None)


def parse_path(text: str) -> JsonPath:
    """Parse ``text``; raises ``ValueError`` when it is not a supported JSON path."""
    if not text.startswith("$"):
        raise ValueError(f"{text!r} is not a valid JSON path: it must start with $")
    steps: list[str | int | None] = []
    pos = 1
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if match is None:
            raise ValueError(f"{text!r} is not a valid JSON path (at position {pos})")
        name, index = match.group(1), match.group(2)
        if name is not None:
            steps.append(name)
        elif index is not None:
            steps.append(int(index))
        else:
            steps.append(None)
        pos = match.end()
    return JsonPath(text, tuple(steps))
