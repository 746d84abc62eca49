"""Many patterns at once: an automaton over field paths, after event-ruler and Quamina.

Patterns are compiled into one automaton (see :mod:`certherd.patterns._automaton`): from
the root, a rule's exact fields are one compound hash lookup, its other fields are
steps through value indexes (hash tables for exact values, tables by length for prefixes
and suffixes, a sorted boundary table for numeric ranges, literal-prefix buckets for
wildcards...), and rules sharing steps share states.

Matching flattens the event once (only the paths some rule reads), then walks from the
root: at each state the event's values select the next states; a state reached names the
rules that end there. The work follows the event's size, the states its values reach and
the rules that match, not the number of rules. With multi-element arrays, each walk
carries the array positions it used and refuses a value from another element of the same
array (array consistency).

With many rules, what a match costs is mostly the memory it touches that is not in cache,
so the read side is built to touch few objects: a transition to a leaf state yields its
rule id itself (an ``int`` or ``str`` id of a leaf with one rule) or the tuple of its rule
ids (not the state), a state with nothing but one single-path transition is skipped for
its value machine, a key with one target stores it without a bucket, compound keys over
paths the event lacks are built with a sentinel instead of being checked path by path,
key strings and paths are interned, the most common operator (prefix) is looked up
inline, a value machine keeps the fields the walk reads on its first cache line and its
other operators as one flat tuple, and what only adding and removing need is kept small
(see :mod:`certherd.patterns._automaton`), so that it spreads out the read side less.
``benchmarks/patterns.py`` measures the result.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

from certherd.patterns._automaton import State, SubRule, combinations, sub_rules
from certherd.patterns._machine import Bucket, ValueMachine, items_of
from certherd.patterns.flatten import Fields, Membership, PathSet, flatten, load_event, merge
from certherd.patterns.pattern import CompiledPattern, PatternInput, compile_pattern

__all__ = ["RuleIndex"]

#: Stands for a path the event does not have (or has several values for) in compound keys.
_MISSING: Any = object()
#: ``true``, ``false`` and ``null`` tagged as compound-key parts (see ``tag``), made once.
_LITERAL: dict[Any, tuple[int, Any]] = {v: (2, v) for v in (True, False, None)}


def _event_number(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


class RuleIndex:
    """Holds any number of compiled patterns under ids and finds all that match an event.

    ``add(rule_id, pattern)`` (re)places a rule, ``remove(rule_id)`` drops it and
    ``match(event)`` returns the set of ids whose pattern matches, exactly the ids whose
    own :meth:`CompiledPattern.matches` would say so. Ids are any hashable values.

    Threads: writers are serialised by a lock; ``match`` takes no lock and may run in any
    number of threads, also while a rule is being added or removed (it then sees the rule
    either not at all or in full, except that a rule being replaced may briefly match
    under both its old and new pattern).
    """

    def __init__(self) -> None:
        self._root = State()
        self._rules: dict[Hashable, tuple[SubRule, ...]] = {}
        self._path_refs: dict[str, int] = {}
        #: What a match reads first, published together: the paths to collect and a
        #: ``{path: _MISSING}`` template for the compound keys.
        self._read: tuple[PathSet, dict[str, Any]] = (PathSet.of(set()), {})
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._rules))

    def add(self, rule_id: Hashable, pattern: PatternInput | CompiledPattern) -> None:
        """Add (or replace) rule ``rule_id``.

        ``pattern`` is pattern text, a decoded pattern or a :class:`CompiledPattern`.
        Raises :class:`~certherd.patterns.errors.PatternError` (leaving the index
        unchanged) when it is not valid.
        """
        compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
        subs = sub_rules(compiled.branches)
        with self._lock:
            # Paths are published before the states that read them and withdrawn after,
            # so a concurrent match never sees a state whose fields it did not collect.
            old = self._rules.pop(rule_id, None)
            self._count_paths(subs, 1)
            for sub in subs:
                self._root.insert(rule_id, sub)
            for sub in old or ():
                self._root.delete(rule_id, sub)
            self._count_paths(old or (), -1)
            self._rules[rule_id] = subs

    def remove(self, rule_id: Hashable) -> bool:
        """Remove rule ``rule_id``; returns whether it was there."""
        with self._lock:
            subs = self._rules.pop(rule_id, None)
            if subs is None:
                return False
            for sub in subs:
                self._root.delete(rule_id, sub)
            self._count_paths(subs, -1)
            return True

    def _count_paths(self, subs: Iterable[SubRule], delta: int) -> None:
        changed = False
        for paths, _, steps, absent in subs:
            for path in [*paths, *(step[0] for step in steps), *absent]:
                count = self._path_refs.get(path, 0) + delta
                changed = changed or count in (0, 1)
                if count:
                    self._path_refs[path] = count
                else:
                    del self._path_refs[path]
        if changed:
            wanted = set(self._path_refs)
            self._read = (PathSet.of(wanted), dict.fromkeys(wanted, _MISSING))

    def match(self, event: Mapping[str, Any] | str | bytes) -> set[Hashable]:
        """The ids of every rule whose pattern matches ``event`` (a mapping or JSON text).

        Raises :class:`~certherd.patterns.errors.InvalidEventError` when the event is not
        a JSON object.
        """
        wanted, blank = self._read
        fields = flatten(load_event(event), wanted, _event_number)
        if fields.members is None:
            return self._walk_flat(fields.values, blank)
        return self._walk_arrays(fields)

    def _walk_flat(self, values: dict[str, list[Any]], blank: dict[str, Any]) -> set[Hashable]:
        """The walk for events without multi-element arrays: each state is reached from
        its one parent, so no visited set is needed (only what one value machine finds
        for all the values of its path is deduplicated). The stack holds states and
        value machines; a state puts its single-path transitions on it.

        A lookup's hit is a target (a leaf's rule id as an ``int`` or ``str``, its rule ids
        as a tuple, or a state or value machine to visit) or a Bucket of targets."""
        found: set[Hashable] = set()
        # Every read path, tagged value or _MISSING: a compound key is then one itemgetter
        # call, and a key holding _MISSING finds nothing.
        first = blank.copy()
        several: list[str] | None = None
        for path, present in values.items():
            if len(present) == 1:
                value = present[0]
                kind = type(value)
                first[path] = (
                    value if kind is str else (1, value) if kind is float else _LITERAL[value]
                )
            else:
                several = [path] if several is None else [*several, path]
        stack: list[Any] = [self._root]
        pop, push = stack.pop, stack.append
        out: list[Any] = []
        get = values.get
        while stack:
            node = pop()
            if type(node) is ValueMachine:
                here = get(node.path)
                if here is None:
                    continue
                for value in here:
                    kind = type(value)
                    if kind is str:
                        exact = node.exact
                        if exact is not None:
                            hit = exact.get(value)
                            if hit is not None:
                                out.append(hit)
                        lengths = node.prefix_lengths
                        if lengths:
                            table = node.prefix_table
                            size = len(value)
                            for n in lengths:
                                if n > size:
                                    break
                                hit = table.get(value[:n])  # type: ignore[union-attr]
                                if hit is not None:
                                    out.append(hit)
                        ops = node.on_string
                    elif kind is float:
                        ops = node.on_number
                    else:
                        ops = node.on_literal
                    if ops:
                        ops[0](ops[1], value, out)
                        if len(ops) > 2:
                            for i in range(2, len(ops), 2):
                                ops[i](ops[i + 1], value, out)
                if not out:
                    continue
            else:
                state = node
                if state.steps:
                    stack.extend(state.steps)
                if state.plain:
                    found.update(state.plain)
                if state.conditional:
                    for rule_id, absent in state.conditional:
                        if all(path not in values for path in absent):
                            found.add(rule_id)
                for getter, lookup in state.probes:
                    try:
                        hit = lookup(getter(first))
                    except KeyError:  # a group added after this match read the paths
                        continue
                    if hit is None:
                        continue
                    kind = type(hit)
                    if kind is int or kind is str:  # a leaf: its one rule id
                        found.add(hit)
                    elif kind is tuple:  # a leaf: its rule ids
                        found.update(hit)
                    elif kind is Bucket:
                        for target in hit:
                            kind = type(target)
                            if kind is int or kind is str:
                                found.add(target)
                            elif kind is tuple:
                                found.update(target)
                            else:
                                push(target)
                    else:  # a state or a machine
                        push(hit)
                if several is None:
                    continue
                for group in state.groups:
                    if group.pathset.isdisjoint(several) or not group.pathset <= values.keys():
                        continue
                    for _, key in combinations(group.paths, values, None):
                        hit = group.table.get(key)
                        if hit is not None:
                            out.append(hit)
                if not out:
                    continue
            # What the machine (or the groups) reached; a target reached twice (by two
            # values or operators) is visited once.
            for hit in out:
                kind = type(hit)
                if kind is int or kind is str:
                    found.add(hit)
                elif kind is tuple:
                    found.update(hit)
                elif kind is Bucket:
                    for target in hit:
                        kind = type(target)
                        if kind is int or kind is str:
                            found.add(target)
                        elif kind is tuple:
                            found.update(target)
                        elif target not in stack:
                            push(target)
                elif hit not in stack:
                    push(hit)
            out.clear()
        return found

    def _walk_arrays(self, fields: Fields) -> set[Hashable]:
        values = fields.values
        members = fields.members or {}
        found: set[Hashable] = set()
        start: tuple[Any, Membership] = (self._root, ())
        stack = [start]
        seen: set[tuple[int, Membership]] = {(id(self._root), ())}
        out: list[Any] = []

        def push(hits: Iterable[Any], joined: Membership) -> None:
            for hit in hits:
                for target in items_of(hit):
                    kind = type(target)
                    if kind is int or kind is str:  # a leaf: its one rule id
                        found.add(target)
                        continue
                    if kind is tuple:  # a leaf: its rule ids
                        found.update(target)
                        continue
                    key = (id(target), joined)
                    if key not in seen:
                        seen.add(key)
                        stack.append((target, joined))

        while stack:
            node, mem = stack.pop()
            if type(node) is ValueMachine:
                machines: tuple[ValueMachine, ...] = (node,)
            else:
                state = node
                machines = state.steps
                if state.plain:
                    found.update(state.plain)
                for rule_id, absent in state.conditional:
                    if all(path not in values for path in absent):
                        found.add(rule_id)
                for group in state.groups:
                    if group.pathset <= values.keys():
                        for joined, key in combinations(group.paths, values, members, mem):
                            hit = group.table.get(key)
                            if hit is not None:
                                push((hit,), joined)
            for machine in machines:
                here = values.get(machine.path)
                if here is None:
                    continue
                where = members.get(machine.path)
                for i, value in enumerate(here):
                    if type(value) is str:
                        exact = machine.exact
                        if exact is not None:
                            hit = exact.get(value)
                            if hit is not None:
                                out.append(hit)
                        if machine.prefix_table is not None:
                            for n in machine.prefix_lengths:
                                if n > len(value):
                                    break
                                hit = machine.prefix_table.get(value[:n])
                                if hit is not None:
                                    out.append(hit)
                        ops = machine.on_string
                    else:
                        ops = machine.on_number if type(value) is float else machine.on_literal
                    for k in range(0, len(ops), 2):
                        ops[k](ops[k + 1], value, out)
                    if not out:
                        continue
                    step = merge(mem, where[i]) if where is not None else mem
                    if step is not None:
                        push(out, step)
                    out.clear()
        return found
