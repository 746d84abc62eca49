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
that have something indexed; the automaton's walk calls them after the exact-string and
prefix lookups, which it does inline. What the indexes store is only stored and returned:
the automaton stores each child's target (see :class:`ValueMachine`). A key's value is
its one item, or a :class:`Bucket` of several; scanned parts are published as tuples,
replaced on change, so a concurrent reader never sees one half-changed.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from certherd.patterns import matchers as m
from certherd.patterns._ip import parse_ip
from certherd.patterns.wildcard import literal_prefix, single_star, wildcard_regex

__all__ = ["Bucket", "RangeTable", "ValueMachine", "add_to", "items_of", "remove_from"]

T = TypeVar("T", bound=Hashable)
K = TypeVar("K", bound=Hashable)
H = TypeVar("H", bound=Hashable)


_SHARED: dict[Hashable, Any] = {}
_SHARED_LIMIT = 16384


def _shared(value: H) -> H:
    """One object per distinct small immutable value (prefix-length tuples, value sets,
    wildcard suffixes): machines of different rules then share it, and it stays in
    cache. The table is bounded; past that, values are used as they are."""
    if len(_SHARED) < _SHARED_LIMIT:
        return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]
    return _SHARED.get(value, value)  # type: ignore[no-any-return]


def _shared_set(values: frozenset[H]) -> frozenset[H]:
    return _shared(values) if values else _EMPTY


_EMPTY: frozenset[Any] = frozenset()


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
#: ``index``; a machine keeps ``(handler, index)`` pairs, which the walk calls directly
#: (a Python-to-Python call, cheaper than a bound partial).
Handler = Callable[[Any, Any, list[T]], None]
Op = tuple[Handler[T], Any]


class _Affixes(Generic[T]):
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


class ValueMachine:
    """Every matcher on one transition (a state and the field ``path``), indexed by kind.
    See the module docstring.

    The indexes hold each child's *target* (``State.target``: its rule ids when it is a
    leaf, else the state itself), so that reaching a leaf touches one tuple, not a
    state; :meth:`retarget` swaps it when the child changes. Indexes other than the
    exact-string table are created on first use (most machines only ever hold exact
    strings), which keeps a large index small in memory.

    The walk reads ``path``, ``exact`` (the exact-string table, ``None`` while empty),
    ``prefix_lengths`` and ``prefix_table`` (the most common operator, looked up inline)
    and the ``(handler, index)`` pairs of the other indexes per value type
    (``string_ops``, ``number_ops``, ``literal_ops``).
    """

    __slots__ = (
        "children",
        "exact",
        "exact_s",
        "literal_ops",
        "number_ops",
        "parts",
        "path",
        "prefix_lengths",
        "prefix_table",
        "string_ops",
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self.exact: dict[str, Any] | None = None
        #: The prefix index, read inline by the walk: its lengths (``()`` while empty) and
        #: table.
        self.prefix_lengths: tuple[int, ...] = ()
        self.prefix_table: dict[str, Any] | None = None
        self.string_ops: tuple[Op[Any], ...] = ()
        self.number_ops: tuple[Op[Any], ...] = ()
        self.literal_ops: tuple[Op[Any], ...] = ()
        #: The next state for each distinct field key (frozenset of matchers).
        self.children: dict[frozenset[m.Matcher], Any] = {}
        self.exact_s: dict[str, tuple[Any, ...]] = {}
        #: The other indexes, by kind, once used (see :meth:`_part`).
        self.parts: dict[str, Any] | None = None

    # -- building ----------------------------------------------------------------------
    def add(self, key: frozenset[m.Matcher], state: Any) -> None:
        """Index ``state`` (whose ``target`` is indexed) under the matchers of ``key``."""
        self.children[key] = state
        state.link = (self, key)
        for matcher in key:
            self._index(matcher, state.target, add=True)
        self._plan()

    def remove(self, key: frozenset[m.Matcher]) -> None:
        state = self.children.pop(key)
        for matcher in key:
            self._index(matcher, state.target, add=False)
        state.link = None
        self._plan()

    def retarget(self, key: frozenset[m.Matcher], old: Any, new: Any) -> None:
        """The child under ``key`` changed its target from ``old`` to ``new``."""
        for matcher in key:
            self._index(matcher, new, add=True)
            self._index(matcher, old, add=False)
        self._plan()

    def _part(self, name: str) -> Any:
        if self.parts is None:
            self.parts = {}
        part = self.parts.get(name)
        if part is None:
            part = self.parts[name] = _FACTORIES[name]()
        return part

    def _plan(self) -> None:
        """Choose, per value type, the handlers that have something to look at, each paired
        with its index. Scanned parts are bound as tuple snapshots (a concurrent change
        replaces them rather than moving what a reader is iterating)."""
        parts = {k: v for k, v in (self.parts or {}).items() if v}
        self.parts = parts or None
        strings: list[Op[Any]] = []
        prefix = parts.get("prefix")
        self.prefix_table = prefix.table if prefix else None
        self.prefix_lengths = _shared(prefix.lengths) if prefix else ()
        if "suffix" in parts:
            strings.append((_suffixes, parts["suffix"]))
        if "eic" in parts or "pic" in parts or "sic" in parts:
            folded = (parts.get("eic"), parts.get("pic"), parts.get("sic"))
            strings.append((_ignore_case, folded))
        if "wild" in parts:
            strings.append((_wildcards, parts["wild"]))
        if "ip" in parts or "cidr" in parts:
            strings.append((_ip, (parts.get("ip") or {}, tuple(parts.get("cidr") or ()))))
        numbers: list[Op[Any]] = []
        if "exact_n" in parts:
            numbers.append((_exact, parts["exact_n"]))
        if "ranges" in parts:
            numbers.append((_range, parts["ranges"]))
        literals: list[Op[Any]] = []
        if "exact_l" in parts:
            literals.append((_exact, parts["exact_l"]))
        shared: list[Op[Any]] = []
        if "ab_values" in parts:
            shared.append((_anything_but_values, tuple(parts["ab_values"])))
        if "ab" in parts:
            shared.append((_anything_but, tuple(parts["ab"])))
        if "exists" in parts:
            shared.append((_exists, tuple(parts["exists"])))
        self.string_ops = (*strings, *shared)
        self.number_ops = (*numbers, *shared)
        self.literal_ops = (*literals, *shared)
        self.exact = self.exact_s or None

    def _index(self, x: m.Matcher, state: Any, *, add: bool) -> None:
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
            item: Any = _wildcard_item(x.pattern, state)
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
            name, item = "ab_values", (_shared_set(x.strings), _shared_set(x.numbers), state)
        else:
            name, item = "ab", (x, state)
        items = self._part(name)
        (items.append if add else items.remove)(item)


# -- handlers: ``handler(index, value, out)`` appends what ``value`` reaches: table values
# as they are (one target or a Bucket of them), scanned items' targets one by one.
def _exact(table: dict[Any, tuple[Any, ...]], value: m.Leaf, out: list[Any]) -> None:
    hit = table.get(value)
    if hit:
        out.append(hit)


def _prefixes(affixes: _Affixes[Any], text: str, out: list[Any]) -> None:
    table = affixes.table
    size = len(text)
    for n in affixes.lengths:
        if n > size:
            break
        hit = table.get(text[:n])
        if hit:
            out.append(hit)


def _suffixes(affixes: _Affixes[Any], text: str, out: list[Any]) -> None:
    table = affixes.table
    size = len(text)
    for n in affixes.lengths:
        if n > size:
            break
        hit = table.get(text[size - n :])
        if hit:
            out.append(hit)


def _range(ranges: RangeTable[Any], value: float, out: list[Any]) -> None:
    snapshot = ranges.snapshot
    if snapshot is None:
        snapshot = ranges.rebuild()
    bounds, regions = snapshot
    i = bisect_left(bounds, value)
    region = regions[2 * i + 1] if i < len(bounds) and bounds[i] == value else regions[2 * i]
    if region is not None:
        out.append(region)


def _ignore_case(
    folded_parts: tuple[
        dict[str, tuple[Any, ...]] | None, _Affixes[Any] | None, _Affixes[Any] | None
    ],
    text: str,
    out: list[Any],
) -> None:
    eic, pic, sic = folded_parts
    folded = text.casefold()
    if eic:
        hit = eic.get(folded)
        if hit:
            out.append(hit)
    if pic:
        _prefixes(pic, folded, out)
    if sic:
        _suffixes(sic, folded, out)


def _wildcard_item(pattern: str, state: Any) -> tuple[Any, str, int, Any]:
    """``(fullmatch, suffix, least, state)``: a pattern with one wildcard is checked by
    its suffix and length (its bucket already matched its prefix), with ``fullmatch``
    ``None``; any other by its precompiled expression."""
    tail = single_star(pattern)
    if tail is None:
        return (wildcard_regex(pattern).fullmatch, "", 0, state)
    return (None, _shared(tail[0]), tail[1], state)


def _wildcards(affixes: _Affixes[Any], text: str, out: list[Any]) -> None:
    """Wildcards bucketed by their literal prefix: only the buckets whose prefix ``text``
    starts with are tried, each by its suffix or its precompiled expression."""
    table = affixes.table
    size = len(text)
    for n in affixes.lengths:
        if n > size:
            break
        bucket = table.get(text[:n])
        if bucket:
            for fullmatch, suffix, least, target in items_of(bucket):
                if fullmatch is None:
                    if size >= least and text.endswith(suffix):
                        out.append(target)
                elif fullmatch(text) is not None:
                    out.append(target)


def _ip(
    parts: tuple[dict[tuple[int, int], tuple[Any, ...]], tuple[tuple[m.CidrRange, Any], ...]],
    text: str,
    out: list[Any],
) -> None:
    ip = parse_ip(text)
    if ip is None:
        return
    exact, blocks = parts
    hit = exact.get(ip)
    if hit:
        out.append(hit)
    for rng, state in blocks:
        if rng.bits == ip[0] and rng.low <= ip[1] <= rng.high:
            out.append(state)


def _anything_but_values(
    items: tuple[tuple[frozenset[str], frozenset[float], Any], ...], value: m.Leaf, out: list[Any]
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


def _anything_but(items: tuple[tuple[m.Matcher, Any], ...], value: m.Leaf, out: list[Any]) -> None:
    for matcher, state in items:
        if matcher.matches(value):
            out.append(state)


def _exists(states: tuple[Any, ...], value: m.Leaf, out: list[Any]) -> None:
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
