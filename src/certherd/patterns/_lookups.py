"""The indexes inside a value machine and the handlers that look a value up in them.

Each handler is ``handler(index, value, out)``: it appends to ``out`` what ``value``
reaches through ``index``, table values as they are (one target or a :class:`Bucket` of
them) and scanned items' targets one by one. Tables map a key to its one item or to a
Bucket of several; scanned parts are published as tuples and replaced on change, so a
concurrent reader never sees one half-changed.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from certherd.patterns import matchers as m
from certherd.patterns._ip import parse_ip
from certherd.patterns.wildcard import single_star, wildcard_regex

__all__ = [
    "Affixes",
    "Bucket",
    "Op",
    "RangeTable",
    "add_to",
    "anything_but",
    "anything_but_in",
    "exact",
    "exists",
    "ignore_case",
    "ip",
    "items_of",
    "prefixes",
    "ranges",
    "remove_from",
    "shared",
    "suffixes",
    "wildcard_item",
    "wildcards",
]

T = TypeVar("T", bound=Hashable)
K = TypeVar("K", bound=Hashable)
H = TypeVar("H", bound=Hashable)


_SHARED: dict[Hashable, Any] = {}
_SHARED_LIMIT = 16384


def shared(value: H) -> H:
    """One object per distinct small immutable value (prefix-length tuples, value sets,
    wildcard suffixes, sub-rules' paths and steps): machines and rules then share it, and
    it stays in cache. The table is bounded; past that, values are used as they are."""
    if len(_SHARED) < _SHARED_LIMIT:
        return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]
    return _SHARED.get(value, value)  # type: ignore[no-any-return]


class Bucket(tuple):  # type: ignore[type-arg]
    """Two or more items under one key. One item is stored as itself (a lookup then
    reads one object fewer); readers tell the two apart by ``type(hit) is Bucket``."""

    __slots__ = ()


def add_to(table: dict[K, Any], key: K, item: Any) -> None:
    """Add ``item`` under ``key``. Buckets are replaced on change, never changed in place,
    so a concurrent reader always sees a whole one."""
    old = table.get(key)
    if old is None:
        table[key] = item
    elif type(old) is Bucket:
        table[key] = Bucket((*old, item))
    else:
        table[key] = Bucket((old, item))


def remove_from(table: dict[K, Any], key: K, item: Any) -> None:
    """Remove one ``item`` (compared by equality) from under ``key``."""
    old = table[key]
    if type(old) is not Bucket:
        if old is not item and old != item:
            raise ValueError(f"{item!r} is not under {key!r}")
        del table[key]
        return
    items = list(old)
    items.remove(item)
    table[key] = items[0] if len(items) == 1 else Bucket(items)


def items_of(hit: Any) -> tuple[Any, ...]:
    """The items of a table value: a :class:`Bucket`'s, or the one item."""
    return hit if type(hit) is Bucket else (hit,)


_INF = float("inf")
#: ``handler(index, value, out)`` appends to ``out`` what ``value`` reaches through
#: ``index``; a machine keeps them as flat ``handler, index`` tuples, which the walk calls
#: directly (a Python-to-Python call, cheaper than a bound partial).
Handler = Callable[[Any, Any, list[T]], None]
Op = tuple[Handler[T], Any]


class Affixes(Generic[T]):
    """Strings keyed by a prefix (or suffix): one dict lookup per distinct length.

    ``lengths`` is a sorted tuple replaced (never changed in place) when a length comes or
    goes, so a concurrent reader never skips one.
    """

    __slots__ = ("lengths", "suffix", "table")

    def __init__(self, *, suffix: bool) -> None:
        #: Each key's item, or a :class:`Bucket` of items.
        self.table: dict[str, Any] = {}
        self.lengths: tuple[int, ...] = ()
        self.suffix = suffix

    def __bool__(self) -> bool:
        return bool(self.table)

    def add(self, key: str, state: T) -> None:
        if len(key) not in self.lengths:
            self.lengths = tuple(sorted((*self.lengths, len(key))))
        add_to(self.table, key, state)

    def remove(self, key: str, state: T) -> None:
        remove_from(self.table, key, state)
        if key not in self.table and not any(len(k) == len(key) for k in self.table):
            self.lengths = tuple(n for n in self.lengths if n != len(key))


class RangeTable(Generic[T]):
    """Numeric ranges: boundaries sorted once, then one bisection per lookup.

    The boundaries ``b0 < b1 < ...`` cut the line into regions ``(-inf, b0)``, ``[b0]``,
    ``(b0, b1)``, ``[b1]``, ...; each region lists the states whose range covers it. The
    table is rebuilt on the first lookup after a change, and published as one immutable
    snapshot, so lookups never see half a rebuild.
    """

    __slots__ = ("items", "lock", "snapshot", "version")

    def __init__(self) -> None:
        self.items: list[tuple[m.NumericRange, T]] = []
        self.snapshot: tuple[tuple[float, ...], tuple[Any, ...]] | None = None
        self.version = 0
        self.lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, rng: m.NumericRange, state: T) -> None:
        with self.lock:
            self.items.append((rng, state))
            self.version += 1
            self.snapshot = None

    def remove(self, rng: m.NumericRange, state: T) -> None:
        with self.lock:
            self.items.remove((rng, state))
            self.version += 1
            self.snapshot = None

    def rebuild(self) -> tuple[tuple[float, ...], tuple[Any, ...]]:
        with self.lock:
            if self.snapshot is not None:
                return self.snapshot
            ends = {x for rng, _ in self.items for x in (rng.low, rng.high)}
            bounds = sorted(x for x in ends if x not in (_INF, -_INF))
            where = {x: i for i, x in enumerate(bounds)}
            regions: list[list[T]] = [[] for _ in range(2 * len(bounds) + 1)]
            for rng, state in self.items:
                if rng.low == -_INF:
                    first = 0
                else:
                    i = where[rng.low]
                    first = 2 * i + 2 if rng.low_open else 2 * i + 1
                if rng.high == _INF:
                    last = 2 * len(bounds)
                else:
                    i = where[rng.high]
                    last = 2 * i if rng.high_open else 2 * i + 1
                for region in range(first, last + 1):
                    regions[region].append(state)
            # Tuples hold their items inline: one object fewer to read per lookup. A region
            # is encoded like a table value: nothing (``None``), one item or a Bucket.
            snapshot = (tuple(bounds), tuple(_encode(r) for r in regions))
            self.snapshot = snapshot
            return snapshot


def _encode(items: list[Any]) -> Any:
    if not items:
        return None
    return items[0] if len(items) == 1 else Bucket(items)


# -- handlers (see the module docstring)
def exact(table: dict[Any, tuple[Any, ...]], value: m.Leaf, out: list[Any]) -> None:
    hit = table.get(value)
    if hit is not None:
        out.append(hit)


def prefixes(affixes: Affixes[Any], text: str, out: list[Any]) -> None:
    table = affixes.table
    size = len(text)
    for n in affixes.lengths:
        if n > size:
            break
        hit = table.get(text[:n])
        if hit is not None:
            out.append(hit)


def suffixes(affixes: Affixes[Any], text: str, out: list[Any]) -> None:
    table = affixes.table
    size = len(text)
    for n in affixes.lengths:
        if n > size:
            break
        hit = table.get(text[size - n :])
        if hit is not None:
            out.append(hit)


def ranges(ranges: RangeTable[Any], value: float, out: list[Any]) -> None:
    snapshot = ranges.snapshot
    if snapshot is None:
        snapshot = ranges.rebuild()
    bounds, regions = snapshot
    i = bisect_left(bounds, value)
    region = regions[2 * i + 1] if i < len(bounds) and bounds[i] == value else regions[2 * i]
    if region is not None:
        out.append(region)


def ignore_case(
    folded_parts: tuple[
        dict[str, tuple[Any, ...]] | None, Affixes[Any] | None, Affixes[Any] | None
    ],
    text: str,
    out: list[Any],
) -> None:
    eic, pic, sic = folded_parts
    folded = text.casefold()
    if eic:
        hit = eic.get(folded)
        if hit is not None:
            out.append(hit)
    if pic:
        prefixes(pic, folded, out)
    if sic:
        suffixes(sic, folded, out)


def wildcard_item(pattern: str, state: Any) -> tuple[Any, str, int, Any]:
    """``(fullmatch, suffix, least, state)``: a pattern with one wildcard is checked by
    its suffix and length (its bucket already matched its prefix), with ``fullmatch``
    ``None``; any other by its precompiled expression."""
    tail = single_star(pattern)
    if tail is None:
        return (wildcard_regex(pattern).fullmatch, "", 0, state)
    return (None, shared(tail[0]), tail[1], state)


def wildcards(affixes: Affixes[Any], text: str, out: list[Any]) -> None:
    """Wildcards bucketed by their literal prefix: only the buckets whose prefix ``text``
    starts with are tried, each by its suffix or its precompiled expression."""
    table = affixes.table
    size = len(text)
    for n in affixes.lengths:
        if n > size:
            break
        bucket = table.get(text[:n])
        if bucket is not None:
            for fullmatch, suffix, least, target in bucket if type(bucket) is Bucket else (bucket,):
                if fullmatch is None:
                    if size >= least and text.endswith(suffix):
                        out.append(target)
                elif fullmatch(text) is not None:
                    out.append(target)


def ip(
    parts: tuple[dict[tuple[int, int], tuple[Any, ...]], tuple[tuple[m.CidrRange, Any], ...]],
    text: str,
    out: list[Any],
) -> None:
    ip = parse_ip(text)
    if ip is None:
        return
    exact, blocks = parts
    hit = exact.get(ip)
    if hit is not None:
        out.append(hit)
    for rng, state in blocks:
        if rng.bits == ip[0] and rng.low <= ip[1] <= rng.high:
            out.append(state)


def anything_but_in(
    items: tuple[tuple[frozenset[Any], Any], ...], value: Any, out: list[Any]
) -> None:
    """``anything-but`` value lists, for one value type: ``(excluded values, target)``."""
    for excluded, state in items:
        if value not in excluded:
            out.append(state)


def anything_but(items: tuple[tuple[m.Matcher, Any], ...], value: m.Leaf, out: list[Any]) -> None:
    for matcher, state in items:
        if matcher.matches(value):
            out.append(state)


def exists(states: tuple[Any, ...], value: m.Leaf, out: list[Any]) -> None:
    out.extend(states)
