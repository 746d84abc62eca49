"""The value side of the rule automaton: from one field's value to the next states.

A :class:`ValueMachine` sits on one transition (a state and a field path) and indexes
every matcher that leads somewhere from there, so one event value finds its next states
without trying matchers one by one:

* exact strings, numbers, literals and IP addresses: hash lookups;
* prefixes and suffixes (also case-insensitive): one lookup per distinct length;
* wildcards: bucketed by the literal text before their first ``*`` (found like a prefix),
  then one precompiled regular expression each;
* numeric ranges: a sorted table of boundaries, one bisection per value;
* CIDR blocks, ``anything-but`` and ``exists``: scanned (few per transition in practice,
  because they sit behind the more selective exact fields).

Only the lookups a machine needs run: it keeps, per value type, the tuple of handlers
that have something indexed; the automaton's walk calls them after the exact-string
lookup, which it does inline. ``T`` is the state type; states are only stored and returned.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

from certherd.patterns import matchers as m
from certherd.patterns._ip import parse_ip
from certherd.patterns.wildcard import literal_prefix, wildcard_regex

__all__ = ["RangeTable", "ValueMachine"]

T = TypeVar("T", bound=Hashable)
K = TypeVar("K", bound=Hashable)


def add_to(table: dict[K, tuple[T, ...]], key: K, item: T) -> None:
    """Add ``item`` under ``key``. Buckets are tuples (items stored inline, one object to
    read) replaced on change, so a concurrent reader always sees a whole bucket."""
    table[key] = (*table.get(key, ()), item)


def remove_from(table: dict[K, tuple[T, ...]], key: K, item: T) -> None:
    bucket = list(table[key])
    bucket.remove(item)
    if bucket:
        table[key] = tuple(bucket)
    else:
        del table[key]


_INF = float("inf")
Handler = Callable[[m.Leaf, list[T]], None]


class _Affixes(Generic[T]):
    """Strings keyed by a prefix (or suffix): one dict lookup per distinct length."""

    __slots__ = ("lengths", "suffix", "table")

    def __init__(self, *, suffix: bool) -> None:
        self.table: dict[str, tuple[T, ...]] = {}
        self.lengths: list[int] = []
        self.suffix = suffix

    def __bool__(self) -> bool:
        return bool(self.table)

    def add(self, key: str, state: T) -> None:
        if len(key) not in self.lengths:
            insort(self.lengths, len(key))
        add_to(self.table, key, state)

    def remove(self, key: str, state: T) -> None:
        remove_from(self.table, key, state)
        if key not in self.table and not any(len(k) == len(key) for k in self.table):
            self.lengths.remove(len(key))

    def collect(self, text: str, out: list[T]) -> None:
        size = len(text)
        table = self.table
        for n in self.lengths:
            if n > size:
                break
            hit = table.get(text[size - n :] if self.suffix else text[:n])
            if hit:
                out.extend(hit)


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
        self.snapshot: tuple[list[float], list[tuple[T, ...]]] | None = None
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

    def rebuild(self) -> tuple[list[float], list[tuple[T, ...]]]:
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
            snapshot = (bounds, [tuple(r) for r in regions])
            self.snapshot = snapshot
            return snapshot

    def lookup(self, value: float) -> tuple[T, ...]:
        snapshot = self.snapshot
        if snapshot is None:
            snapshot = self.rebuild()
        bounds, regions = snapshot
        i = bisect_left(bounds, value)
        if i < len(bounds) and bounds[i] == value:
            return regions[2 * i + 1]
        return regions[2 * i]


class ValueMachine(Generic[T]):
    """Every matcher on one transition, indexed by kind. See the module docstring.

    Indexes other than the exact-string table are created on first use (most machines
    only ever hold exact strings), which keeps a large index small in memory.
    """

    __slots__ = ("children", "exact_s", "literal_ops", "number_ops", "parts", "string_ops")

    def __init__(self) -> None:
        #: The next state for each distinct field key (frozenset of matchers).
        self.children: dict[frozenset[m.Matcher], T] = {}
        self.exact_s: dict[str, tuple[T, ...]] = {}
        #: The other indexes, by kind, once used (see :meth:`_part`).
        self.parts: dict[str, Any] | None = None
        self.string_ops: tuple[Handler[T], ...] = ()
        self.number_ops: tuple[Handler[T], ...] = ()
        self.literal_ops: tuple[Handler[T], ...] = ()

    # -- building ----------------------------------------------------------------------
    def add(self, key: frozenset[m.Matcher], state: T) -> None:
        self.children[key] = state
        for matcher in key:
            self._index(matcher, state, add=True)
        self._plan()

    def remove(self, key: frozenset[m.Matcher]) -> None:
        state = self.children.pop(key)
        for matcher in key:
            self._index(matcher, state, add=False)
        self._plan()

    def _part(self, name: str) -> Any:
        if self.parts is None:
            self.parts = {}
        part = self.parts.get(name)
        if part is None:
            part = self.parts[name] = _FACTORIES[name]()
        return part

    def _plan(self) -> None:
        """Choose, per value type, the handlers that have something to look at; each is
        bound to its index so matching does no further lookups."""
        parts = {k: v for k, v in (self.parts or {}).items() if v}
        self.parts = parts or None
        strings: list[Handler[T]] = []
        for name in ("prefix", "suffix"):
            if name in parts:
                strings.append(parts[name].collect)
        if "eic" in parts or "pic" in parts or "sic" in parts:
            strings.append(
                partial(_ignore_case, parts.get("eic"), parts.get("pic"), parts.get("sic"))
            )
        if "wild" in parts:
            strings.append(partial(_wildcards, parts["wild"].collect))
        if "ip" in parts or "cidr" in parts:
            strings.append(partial(_ip, parts.get("ip") or {}, parts.get("cidr") or []))
        numbers: list[Handler[T]] = []
        if "exact_n" in parts:
            numbers.append(partial(_exact, parts["exact_n"].get))
        if "ranges" in parts:
            numbers.append(partial(_range, parts["ranges"].lookup))
        literals: list[Handler[T]] = []
        if "exact_l" in parts:
            literals.append(partial(_exact, parts["exact_l"].get))
        shared: list[Handler[T]] = []
        if "ab_values" in parts:
            shared.append(partial(_anything_but_values, parts["ab_values"]))
        if "ab" in parts:
            shared.append(partial(_anything_but, parts["ab"]))
        if "exists" in parts:
            shared.append(partial(_exists, parts["exists"]))
        self.string_ops = (*strings, *shared)
        self.number_ops = (*numbers, *shared)
        self.literal_ops = (*literals, *shared)

    def _index(self, x: m.Matcher, state: T, *, add: bool) -> None:
        exact = m.ExactString | m.ExactNumber | m.ExactLiteral | m.ExactIP | m.EqualsIgnoreCase
        if isinstance(x, exact):
            table: Any
            key: Hashable
            if isinstance(x, m.ExactString):
                table, key = self.exact_s, x.value
            elif isinstance(x, m.ExactIP):
                table, key = self._part("ip"), (x.bits, x.address)
            elif isinstance(x, m.EqualsIgnoreCase):
                table, key = self._part("eic"), x.folded
            else:
                name = "exact_n" if isinstance(x, m.ExactNumber) else "exact_l"
                table, key = self._part(name), x.value
            (add_to if add else remove_from)(table, key, state)
            return
        if isinstance(x, m.Prefix | m.Suffix | m.PrefixIgnoreCase | m.SuffixIgnoreCase):
            name = _AFFIX_PARTS[type(x)]
            text = x.value if isinstance(x, m.Prefix | m.Suffix) else x.folded
            affix = self._part(name)
            (affix.add if add else affix.remove)(text, state)
            return
        if isinstance(x, m.Wildcard):
            item: Any = (wildcard_regex(x.pattern).fullmatch, state)
            wild = self._part("wild")
            (wild.add if add else wild.remove)(literal_prefix(x.pattern), item)
            return
        if isinstance(x, m.NumericRange):
            ranges = self._part("ranges")
            (ranges.add if add else ranges.remove)(x, state)
            return
        if isinstance(x, m.CidrRange):
            name, item = "cidr", (x, state)
        elif isinstance(x, m.Exists):
            name, item = "exists", state
        elif isinstance(x, m.AnythingBut):
            name, item = "ab_values", (x.strings, x.numbers, state)
        else:
            name, item = "ab", (x, state)
        items = self._part(name)
        (items.append if add else items.remove)(item)


# -- handlers: ``handler(*bound indexes, value, out)`` appends the states ``value`` reaches.
def _exact(get: Callable[[Any], list[Any] | None], value: m.Leaf, out: list[Any]) -> None:
    hit = get(value)
    if hit:
        out.extend(hit)


def _range(lookup: Callable[[float], tuple[Any, ...]], value: float, out: list[Any]) -> None:
    out.extend(lookup(value))


def _ignore_case(
    eic: dict[str, list[Any]] | None,
    pic: _Affixes[Any] | None,
    sic: _Affixes[Any] | None,
    text: str,
    out: list[Any],
) -> None:
    folded = text.casefold()
    if eic:
        hit = eic.get(folded)
        if hit:
            out.extend(hit)
    if pic:
        pic.collect(folded, out)
    if sic:
        sic.collect(folded, out)


def _wildcards(collect: Callable[[str, list[Any]], None], text: str, out: list[Any]) -> None:
    found: list[tuple[Callable[[str], object], Any]] = []
    collect(text, found)
    for fullmatch, state in found:
        if fullmatch(text) is not None:
            out.append(state)


def _ip(
    exact: dict[tuple[int, int], list[Any]],
    blocks: list[tuple[m.CidrRange, Any]],
    text: str,
    out: list[Any],
) -> None:
    ip = parse_ip(text)
    if ip is None:
        return
    hit = exact.get(ip)
    if hit:
        out.extend(hit)
    for rng, state in blocks:
        if rng.bits == ip[0] and rng.low <= ip[1] <= rng.high:
            out.append(state)


def _anything_but_values(
    items: list[tuple[frozenset[str], frozenset[float], Any]], value: m.Leaf, out: list[Any]
) -> None:
    if type(value) is str:
        for strings, _, state in items:
            if value not in strings:
                out.append(state)
    elif type(value) is float:
        for _, numbers, state in items:
            if value not in numbers:
                out.append(state)
    else:
        out.extend(state for _, _, state in items)


def _anything_but(items: list[tuple[m.Matcher, Any]], value: m.Leaf, out: list[Any]) -> None:
    for matcher, state in items:
        if matcher.matches(value):
            out.append(state)


def _exists(states: list[Any], value: m.Leaf, out: list[Any]) -> None:
    out.extend(states)


_AFFIX_PARTS: dict[type, str] = {
    m.Prefix: "prefix",
    m.Suffix: "suffix",
    m.PrefixIgnoreCase: "pic",
    m.SuffixIgnoreCase: "sic",
}
_FACTORIES: dict[str, Callable[[], Any]] = {
    "prefix": lambda: _Affixes(suffix=False),
    "suffix": lambda: _Affixes(suffix=True),
    "pic": lambda: _Affixes(suffix=False),
    "sic": lambda: _Affixes(suffix=True),
    "wild": lambda: _Affixes(suffix=False),
    "ranges": RangeTable,
    "exact_n": dict,
    "exact_l": dict,
    "ip": dict,
    "eic": dict,
    "cidr": list,
    "exists": list,
    "ab_values": list,
    "ab": list,
}
