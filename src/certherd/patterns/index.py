"""Many patterns at once: an automaton over field paths, after event-ruler and Quamina.

Patterns are compiled into one automaton (see :mod:`certherd.patterns._automaton`): from
the root, a rule's exact fields are one compound hash lookup, its other fields are
steps through value indexes (hash tables for exact values, tables by length for prefixes
and suffixes, a sorted boundary table for numeric ranges, literal-prefix buckets for
wildcards...), and rules sharing steps share states.

Matching flattens the event once (only the paths some rule reads), then walks from the
root: at each state the event's values select the next states; a state reached names the
rules that end there. The work follows the event's size and the states its values reach,
not the number of rules. With multi-element arrays, each walk carries the array
positions it used and refuses a value from another element of the same array (array
consistency).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

from certherd.patterns._automaton import State, SubRule, combinations, sub_rules, tag
from certherd.patterns.flatten import Fields, Membership, PathSet, flatten, load_event, merge
from certherd.patterns.pattern import CompiledPattern, PatternInput, compile_pattern

__all__ = ["RuleIndex"]


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
        self._rules: dict[Hashable, set[SubRule]] = {}
        self._path_refs: dict[str, int] = {}
        self._wanted = PathSet.of(set())
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
            self._wanted = PathSet.of(set(self._path_refs))

    def match(self, event: Mapping[str, Any] | str | bytes) -> set[Hashable]:
        """The ids of every rule whose pattern matches ``event`` (a mapping or JSON text).

        Raises :class:`~certherd.patterns.errors.InvalidEventError` when the event is not
        a JSON object.
        """
        fields = flatten(load_event(event), self._wanted, _event_number)
        if fields.members is None:
            return self._walk_flat(fields.values)
        return self._walk_arrays(fields)

    def _walk_flat(self, values: dict[str, list[Any]]) -> set[Hashable]:
        """The walk for events without multi-element arrays: each state is reached from
        its one parent, so no visited set is needed."""
        found: set[Hashable] = set()
        first: dict[str, Hashable] = {}
        several = False
        for path, present in values.items():
            if len(present) == 1:
                value = present[0]
                first[path] = value if type(value) is str else tag(value)
            else:
                several = True
        keys = first.keys()
        stack = [self._root]
        pop, push = stack.pop, stack.append
        out: list[State] = []
        get = values.get
        while stack:
            state = pop()
            if state.plain:
                found.update(state.plain)
            if state.conditional:
                for rule_id, absent in state.conditional:
                    if all(path not in values for path in absent):
                        found.add(rule_id)
            if state.groups:
                for group in state.groups:
                    if group.pathset <= keys:
                        hit = group.table.get(group.getter(first))
                        if hit:
                            for child in hit:
                                if child.inner:
                                    push(child)
                                else:
                                    found.update(child.plain)
                    elif several and group.pathset <= values.keys():
                        for _, key in combinations(group.paths, values, None):
                            out.extend(group.table.get(key) or ())
            for path, exact, string_ops, number_ops, literal_ops in state.steps:
                here = get(path)
                if here is None:
                    continue
                for value in here:
                    if type(value) is str:
                        hit = exact.get(value)
                        if hit:
                            out.extend(hit)
                        for op in string_ops:
                            op(value, out)
                    elif type(value) is float:
                        for op in number_ops:
                            op(value, out)
                    else:
                        for op in literal_ops:
                            op(value, out)
            if out:
                for child in dict.fromkeys(out) if len(out) > 1 else out:
                    if child.inner:
                        push(child)
                    else:
                        found.update(child.plain)
                out.clear()
        return found

    def _walk_arrays(self, fields: Fields) -> set[Hashable]:
        values = fields.values
        members = fields.members or {}
        found: set[Hashable] = set()
        start: tuple[State, Membership] = (self._root, ())
        stack = [start]
        seen: set[tuple[int, Membership]] = {(id(self._root), ())}
        out: list[State] = []

        def push(children: Iterable[State], joined: Membership) -> None:
            for child in children:
                key = (id(child), joined)
                if key not in seen:
                    seen.add(key)
                    stack.append((child, joined))

        while stack:
            state, mem = stack.pop()
            if state.plain:
                found.update(state.plain)
            for rule_id, absent in state.conditional:
                if all(path not in values for path in absent):
                    found.add(rule_id)
            for group in state.groups:
                if group.pathset <= values.keys():
                    for joined, key in combinations(group.paths, values, members, mem):
                        hit = group.table.get(key)
                        if hit:
                            push(hit, joined)
            for path, exact, string_ops, number_ops, literal_ops in state.steps:
                here = values.get(path)
                if here is None:
                    continue
                where = members.get(path)
                for i, value in enumerate(here):
                    if type(value) is str:
                        hit = exact.get(value)
                        if hit:
                            out.extend(hit)
                        for op in string_ops:
                            op(value, out)
                    else:
                        for op in number_ops if type(value) is float else literal_ops:
                            op(value, out)
                    if not out:
                        continue
                    step = merge(mem, where[i]) if where is not None else mem
                    if step is not None:
                        push(out, step)
                    out.clear()
        return found
