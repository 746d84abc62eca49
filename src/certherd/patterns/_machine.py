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

Only the lookups a machine needs run: it keeps, per value type, the handlers that have
something indexed (with their indexes, as one flat tuple); the automaton's walk calls
them after the exact-string and prefix lookups, which it does inline. The indexes and
handlers are in :mod:`certherd.patterns._lookups`. What the indexes store is only stored
and returned: the automaton stores each child's target (see :class:`ValueMachine`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from typing import Any, TypeVar

from certherd.patterns import _lookups as lk
from certherd.patterns import matchers as m
from certherd.patterns._lookups import (
    Bucket,
    Op,
    RangeTable,
    add_to,
    items_of,
    remove_from,
    shared,
)
from certherd.patterns.wildcard import literal_prefix

__all__ = ["Bucket", "RangeTable", "ValueMachine", "add_to", "items_of", "remove_from", "shared"]

H = TypeVar("H", bound=Hashable)


def _shared_set(values: frozenset[H]) -> frozenset[H]:
    return shared(values) if values else _EMPTY


_EMPTY: frozenset[Any] = frozenset()


class ValueMachine:
    """Every matcher on one transition (a state and the field ``path``), indexed by kind.
    See the module docstring.

    The indexes hold each child's *target* (``State.target``: its rule id or ids when it
    is a leaf, else the state itself), so that reaching a leaf touches at most one tuple,
    not a state; :meth:`retarget` swaps it when the child changes. Indexes other than the
    exact-string table are created on first use (most machines only ever hold exact
    strings), which keeps a large index small in memory.

    The walk reads ``path``, ``exact`` (the exact-string table, ``None`` while empty),
    ``prefix_lengths`` and ``prefix_table`` (the most common operator, looked up inline)
    and, per value type, the other indexes to call as one flat tuple ``(handler, index,
    handler, index, ...)`` (``on_string``, ``on_number``, ``on_literal``). Slots are laid
    out in name order: the fields the walk reads come first and share a cache line with
    the object's header; ``states``, ``strings`` and ``tables`` are only for adding and
    removing, and two spare slots keep the object at 128 bytes (a block of that size
    starts each object on a cache line).
    """

    __slots__ = (
        "exact",
        "on_literal",
        "on_number",
        "on_string",
        "path",
        "prefix_lengths",
        "prefix_table",
        "states",
        "strings",
        "tables",
        "unused_1",
        "unused_2",
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self.exact: dict[str, Any] | None = None
        #: The prefix index, read inline by the walk: its lengths (``()`` while empty) and
        #: table.
        self.prefix_lengths: tuple[int, ...] = ()
        self.prefix_table: dict[str, Any] | None = None
        self.on_string: tuple[Any, ...] = ()
        self.on_number: tuple[Any, ...] = ()
        self.on_literal: tuple[Any, ...] = ()
        #: The next state for each distinct field key (a key set of matchers).
        self.states: dict[Any, Any] = {}
        #: The exact-string index (``exact`` while it is not empty).
        self.strings: dict[str, tuple[Any, ...]] = {}
        #: The other indexes, by kind, once used (see :meth:`_part`).
        self.tables: dict[str, Any] | None = None
        self.unused_1 = self.unused_2 = None

    # -- building ----------------------------------------------------------------------
    def add(self, key: Collection[m.Matcher], state: Any) -> None:
        """Index ``state`` (whose ``target`` is indexed) under the matchers of ``key``."""
        self.states[key] = state
        state.parent, state.key = self, key
        for matcher in key:
            self._index(matcher, state.target, add=True)
        self._plan()

    def remove(self, key: Collection[m.Matcher]) -> None:
        state = self.states.pop(key)
        for matcher in key:
            self._index(matcher, state.target, add=False)
        state.parent = state.key = None
        self._plan()

    def retarget(self, key: Collection[m.Matcher], old: Any, new: Any) -> None:
        """The child under ``key`` changed its target from ``old`` to ``new``."""
        for matcher in key:
            self._index(matcher, new, add=True)
            self._index(matcher, old, add=False)
        self._plan()

    def _part(self, name: str) -> Any:
        if self.tables is None:
            self.tables = {}
        part = self.tables.get(name)
        if part is None:
            part = self.tables[name] = _FACTORIES[name]()
        return part

    def _plan(self) -> None:
        """Choose, per value type, the handlers that have something to look at, each paired
        with its index. Scanned parts are bound as tuple snapshots (a concurrent change
        replaces them rather than moving what a reader is iterating)."""
        parts = {k: v for k, v in (self.tables or {}).items() if v}
        self.tables = parts or None
        strings: list[Op[Any]] = []
        prefix = parts.get("prefix")
        self.prefix_table = prefix.table if prefix else None
        self.prefix_lengths = shared(prefix.lengths) if prefix else ()
        if "suffix" in parts:
            strings.append((lk.suffixes, parts["suffix"]))
        if "eic" in parts or "pic" in parts or "sic" in parts:
            folded = (parts.get("eic"), parts.get("pic"), parts.get("sic"))
            strings.append((lk.ignore_case, folded))
        if "wild" in parts:
            strings.append((lk.wildcards, parts["wild"]))
        if "ip" in parts or "cidr" in parts:
            strings.append((lk.ip, (parts.get("ip") or {}, tuple(parts.get("cidr") or ()))))
        numbers: list[Op[Any]] = []
        if "exact_n" in parts:
            numbers.append((lk.exact, parts["exact_n"]))
        if "ranges" in parts:
            numbers.append((lk.ranges, parts["ranges"]))
        literals: list[Op[Any]] = []
        if "exact_l" in parts:
            literals.append((lk.exact, parts["exact_l"]))
        common: list[Op[Any]] = []
        if "ab_values" in parts:
            # One handler per value type: each reads only the set it needs, and every
            # literal matches.
            items = parts["ab_values"]
            strings.append((lk.anything_but_in, tuple((s, state) for s, _, state in items)))
            numbers.append((lk.anything_but_in, tuple((n, state) for _, n, state in items)))
            literals.append((lk.exists, tuple(state for _, _, state in items)))
        if "ab" in parts:
            common.append((lk.anything_but, tuple(parts["ab"])))
        if "exists" in parts:
            common.append((lk.exists, tuple(parts["exists"])))
        self.on_string = _flat(strings, common)
        self.on_number = _flat(numbers, common)
        self.on_literal = _flat(literals, common)
        self.exact = self.strings or None

    def _index(self, x: m.Matcher, state: Any, *, add: bool) -> None:
        exact = m.ExactString | m.ExactNumber | m.ExactLiteral | m.ExactIP | m.EqualsIgnoreCase
        if isinstance(x, exact):
            table: Any
            key: Hashable
            if isinstance(x, m.ExactString):
                table, key = self.strings, x.value
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
            item: Any = lk.wildcard_item(x.pattern, state)
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


def _flat(ops: list[Op[Any]], common: list[Op[Any]]) -> tuple[Any, ...]:
    return tuple(x for op in (*ops, *common) for x in op)


_AFFIX_PARTS: dict[type, str] = {
    m.Prefix: "prefix",
    m.Suffix: "suffix",
    m.PrefixIgnoreCase: "pic",
    m.SuffixIgnoreCase: "sic",
}
_FACTORIES: dict[str, Callable[[], Any]] = {
    "prefix": lambda: lk.Affixes(suffix=False),
    "suffix": lambda: lk.Affixes(suffix=True),
    "pic": lambda: lk.Affixes(suffix=False),
    "sic": lambda: lk.Affixes(suffix=True),
    "wild": lambda: lk.Affixes(suffix=False),
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
