"""Wildcard patterns: syntax (event-ruler's ``WildcardParser``) and complexity.

``*`` matches zero or more characters; ``\\*`` is a literal star and ``\\\\`` a literal
backslash; any other backslash, and two stars in a row, are errors. event-ruler parses the
value with the JSON quotes around it, so the reported position is a UTF-8 byte offset
counted from that opening quote (AWS: ``Consecutive wildcard characters at pos 26``).

AWS also rejects wildcards that would make matching too non-deterministic (spec section
2.2; the threshold EventBridge uses is not public, spec gap 5). :func:`complexity`
counts, for the worst input, how many positions of the pattern can be live at once, with
a wildcard's own position counted twice (event-ruler's ``MachineComplexityEvaluator``
also counts the states leading into a wildcard); :data:`MAX_COMPLEXITY` is calibrated on
the AWS-validated cases: ``*:*:*:*:*:event-bus/*`` scores 18 and is rejected,
``/Users/*/dir/dir/dir/dir/dir/doc.txt`` scores 9 and is accepted; the limit sits between.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "MAX_COMPLEXITY",
    "complexity",
    "literal_prefix",
    "parse",
    "single_star",
    "wildcard_regex",
]

MAX_COMPLEXITY = 15
_STAR = None  # marks a wildcard in a parsed pattern
_SUBSET_LIMIT = 4096


def parse(text: str) -> list[str | None]:
    """The pattern as a list of literal characters and ``None`` for each wildcard.

    Raises ``ValueError`` with event-ruler's message for a bad escape or ``**``.
    """
    quoted = ('"' + text + '"').encode("utf-8")
    out: list[str | None] = []
    # Walk characters but count positions in UTF-8 bytes, as event-ruler does.
    pos = 1
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        width = len(ch.encode("utf-8", "surrogatepass"))
        if ch == "*":
            if i + 1 < n and text[i + 1] == "*":
                raise ValueError(f"Consecutive wildcard characters at pos {pos}")
            out.append(_STAR)
        elif ch == "\\":
            nxt = quoted[pos + 1 : pos + 2]
            if nxt in (b"*", b"\\"):
                out.append(nxt.decode())
                i += 2
                pos += 2
                continue
            raise ValueError(f"Invalid escape character at pos {pos}")
        else:
            out.append(ch)
        i += 1
        pos += width
    return out


@lru_cache(maxsize=4096)
def wildcard_regex(text: str) -> re.Pattern[str]:
    """A compiled regular expression that fully matches what the wildcard ``text`` matches."""
    pieces = ["(?s)"]
    for item in parse(text):
        pieces.append(".*" if item is None else re.escape(item))
    return re.compile("".join(pieces))


def literal_prefix(text: str) -> str:
    """The characters every match must start with (those before the first wildcard)."""
    out = []
    for item in parse(text):
        if item is None:
            break
        out.append(item)
    return "".join(out)


def single_star(text: str) -> tuple[str, int] | None:
    """For a pattern with exactly one wildcard, ``(suffix, least)``: a value starting with
    the literal prefix matches when it ends with ``suffix`` and is at least ``least``
    characters long (prefix and suffix cannot overlap). ``None`` for other patterns."""
    items = parse(text)
    if items.count(_STAR) != 1:
        return None
    star = items.index(_STAR)
    suffix = "".join(item for item in items[star + 1 :] if item is not None)
    return suffix, len(items) - 1


def complexity(text: str) -> int:
    """Worst-case number of live pattern positions (wildcards counted twice)."""
    items = parse(text)
    if _STAR not in items:
        return 1
    size = len(items)

    def closure(states: frozenset[int]) -> frozenset[int]:
        out = set(states)
        for s in states:
            while s < size and items[s] is None:
                s += 1
                out.add(s)
        return frozenset(out)

    alphabet = {item for item in items if item is not None}
    symbols: list[str | None] = [*sorted(alphabet), None]  # None: any other character
    start = closure(frozenset([0]))
    seen = {start}
    todo = [start]
    worst = 0
    while todo:
        current = todo.pop()
        score = sum(2 if s < size and items[s] is None else 1 for s in current if s < size)
        worst = max(worst, score)
        if worst > MAX_COMPLEXITY or len(seen) > _SUBSET_LIMIT:
            return max(worst, MAX_COMPLEXITY + 1)
        for symbol in symbols:
            nxt = set()
            for s in current:
                if s >= size:
                    continue
                item = items[s]
                if item is None:
                    nxt.add(s)
                elif item == symbol:
                    nxt.add(s + 1)
            if nxt:
                state = closure(frozenset(nxt))
                if state not in seen:
                    seen.add(state)
                    todo.append(state)
    return worst
