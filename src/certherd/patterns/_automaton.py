"""The states of the rule automaton and how a pattern is threaded into them.

Every branch of a compiled pattern becomes one or more *sub-rules*. A sub-rule starts
with a *compound step*: all its fields that accept only exact values (``account``,
``detail-type``, ``source``...), looked up at once by the tuple of the event's values
(one hash lookup instead of one state per field). Its other fields follow as single-path
steps sorted by path, each through a :class:`~certherd.patterns._machine.ValueMachine`.
Fields that must be absent (``exists: false``) are checked where the sub-rule ends.
Sub-rules with the same steps share states; every state counts the sub-rules through it,
so removing a rule prunes what only it used.

Transitions lead to *targets* rather than states (see :class:`State`): a leaf's rule id or
ids, a lone value machine, or the state. Each state knows the edge and key it hangs from
and republishes its target there whenever it changes.

What only adding and removing need is kept small, so that it does not spread out what a
match reads: a set of one key (or one matcher) is a 1-tuple rather than a frozenset, equal
paths and steps are shared, the rules ending at a state are one tuple (no dictionary) and
the link to the parent is two slots.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable, Iterator
from itertools import product
from operator import itemgetter
from typing import Any, TypeVar

from certherd.patterns._machine import ValueMachine, add_to, remove_from, shared
from certherd.patterns.dialect import Branch
from certherd.patterns.flatten import Membership, merge
from certherd.patterns.matchers import ExactLiteral, ExactNumber, ExactString, Leaf, Matcher

__all__ = [
    "MAX_BLOCK_KEYS",
    "Group",
    "KeySet",
    "State",
    "SubRule",
    "combinations",
    "key_set",
    "sub_rules",
    "tag",
]

#: A compound key: the tagged value of one path, or a tuple of them for several paths.
Key = Hashable
H = TypeVar("H", bound=Hashable)
#: A set of keys (or matchers) as a transition's key: a 1-tuple when it has one member
#: (the common case, a quarter of a frozenset's size), else a frozenset. The two forms
#: never compare equal, so each set has one form.
KeySet = tuple[H] | frozenset[H]
Step = tuple[str, KeySet[Matcher]]
#: ``(compound step paths, its keys, the other steps, paths that must be absent)``.
SubRule = tuple[tuple[str, ...], KeySet[Key], tuple[Step, ...], tuple[str, ...]]
#: Most value combinations a compound step may expand to (OR'ed exact values multiply).
MAX_BLOCK_KEYS = 16
_EXACT = (ExactString, ExactNumber, ExactLiteral)


def tag(value: Leaf) -> Hashable:
    """A value as a compound-key part: strings stay as they are; numbers and literals are
    tagged so that ``1.0``, ``True`` and ``"1"`` stay distinct."""
    if type(value) is str:
        return value
    return (1, value) if type(value) is float else (2, value)


def _shared(key: Hashable) -> Hashable:
    return sys.intern(key) if type(key) is str else key


def key_set(items: Iterable[H]) -> KeySet[H]:
    """``items`` as a transition key (see :data:`KeySet`)."""
    unique = frozenset(items)
    if len(unique) == 1:
        return (next(iter(unique)),)
    return unique


def _bare(rule_id: Hashable) -> bool:
    """Whether a leaf with this one rule may be reached as the id itself: only for types
    the walk tells apart from every other target (tuples, buckets, states, machines)."""
    kind = type(rule_id)
    return kind is int or kind is str


def _without(items: tuple[H, ...], item: H) -> tuple[H, ...]:
    """``items`` less one occurrence of ``item``."""
    i = items.index(item)
    return items[:i] + items[i + 1 :]


class Group:
    """A compound transition: each of ``paths`` must hold the given exact value.

    ``table`` maps a compound key to the targets of the children it leads to (a child's
    ``target`` is its rule id or ids when it is a leaf, else the child itself)."""

    __slots__ = ("getter", "paths", "pathset", "probe", "states", "table")

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.paths = paths
        self.pathset = frozenset(paths)
        #: Builds the lookup key from ``{path: tagged value}`` in one call.
        self.getter = itemgetter(*paths)
        self.states: dict[KeySet[Key], State] = {}
        self.table: dict[Key, tuple[Any, ...]] = {}
        #: What the walk calls: ``get(getter(values))`` (the table is never replaced).
        self.probe = (self.getter, self.table.get)

    def add(self, keys: KeySet[Key], child: State) -> None:
        self.states[keys] = child
        child.parent, child.key = self, keys
        for key in keys:
            add_to(self.table, key, child.target)

    def remove(self, keys: KeySet[Key]) -> None:
        child = self.states.pop(keys)
        for key in keys:
            remove_from(self.table, key, child.target)
        child.parent = child.key = None

    def retarget(self, keys: KeySet[Key], old: Any, new: Any) -> None:
        """The child under ``keys`` changed its target from ``old`` to ``new``."""
        for key in keys:
            add_to(self.table, key, new)
            remove_from(self.table, key, old)


class State:
    """One automaton state. The walk reads ``plain`` (rules ending here),
    ``conditional`` (rules ending here that need absent paths), ``probes`` (compound
    transitions: ``(getter, get)`` of each of ``groups``) and ``steps`` (single-path
    transitions: :class:`ValueMachine` objects); ``edges``, ``ended`` and ``ended_if``
    are the editable forms.

    A state is a *leaf* when the walk has nothing to do there but collect ``plain``;
    its parent's indexes then hold its ``target``: the one rule id itself when that is
    an ``int`` or ``str`` (reaching it costs no object of the index), else ``plain``. A
    state whose only content is one single-path transition has that
    :class:`ValueMachine` as its target (the walk runs it without visiting the state);
    any other state is its own target. ``parent`` and ``key`` are the edge and key the
    state hangs from, where :meth:`refresh` publishes a new target.
    """

    __slots__ = (
        "conditional",
        "edges",
        "ended",
        "ended_if",
        "groups",
        "key",
        "parent",
        "plain",
        "probes",
        "refs",
        "steps",
        "target",
    )

    def __init__(self) -> None:
        self.plain: tuple[Hashable, ...] = ()
        self.conditional: tuple[tuple[Hashable, tuple[str, ...]], ...] = ()
        self.probes: tuple[tuple[Any, Any], ...] = ()
        self.steps: tuple[ValueMachine, ...] = ()
        self.groups: tuple[Group, ...] = ()
        self.target: Any = self.plain
        self.parent: Any = None
        self.key: Any = None
        #: Outgoing transitions: a :class:`Group` under its paths tuple, a
        #: :class:`ValueMachine` under its path.
        self.edges: dict[str | tuple[str, ...], Any] | None = None
        #: The rules ending here, once per sub-rule that ends here: ids of those that need
        #: no absent path, ``(rule_id, absent paths)`` of the others.
        self.ended: tuple[Hashable, ...] = ()
        self.ended_if: tuple[tuple[Hashable, tuple[str, ...]], ...] = ()
        self.refs = 0

    def refresh(self) -> None:
        edges = self.edges or {}
        groups = tuple(e for k, e in edges.items() if isinstance(k, tuple))
        steps = tuple(e for k, e in edges.items() if isinstance(k, str))
        self.groups = groups
        self.probes = tuple(group.probe for group in groups)
        self.steps = steps
        self.conditional = tuple(dict.fromkeys(self.ended_if))
        ended = self.ended
        plain = tuple(dict.fromkeys(ended)) if len(ended) > 1 else ended
        if len(plain) == len(ended):
            plain = ended  # nothing repeated: one tuple serves both
        if plain != self.plain:
            self.plain = plain
        if not edges:
            self.edges = None
        if not (groups or steps or self.conditional):
            plain = self.plain
            target: Any = plain[0] if len(plain) == 1 and _bare(plain[0]) else plain
        elif len(steps) == 1 and not (groups or self.plain or self.conditional):
            # Only one thing to do here: the parent's indexes lead straight to it.
            target = steps[0]
        else:
            target = self
        old = self.target
        if target is not old:
            # The new target is published before the old one is withdrawn: a concurrent
            # walk sees one or both, never neither.
            self.target = target
            if self.parent is not None:
                self.parent.retarget(self.key, old, target)

    def _edge(self, key: str | tuple[str, ...], factory: Any) -> Any:
        if self.edges is None:
            self.edges = {}
        edge = self.edges.get(key)
        if edge is None:
            edge = self.edges[key] = factory()
        return edge

    def insert(self, rule_id: Hashable, sub: SubRule) -> None:
        """Thread ``sub`` (of rule ``rule_id``) from this state, the root."""
        paths, keys, steps, absent = sub
        state = self
        state.refs += 1
        edges: list[tuple[Any, Any]] = []
        if paths:
            edges.append((state._edge(paths, lambda: Group(paths)), keys))
        for path, key in steps:
            edges.append((path, key))
        for edge_key, key in edges:
            if isinstance(edge_key, Group):
                edge = edge_key
            else:
                edge = state._edge(edge_key, lambda path=edge_key: ValueMachine(path))
            child = edge.states.get(key)
            if child is None:
                child = State()
                edge.add(key, child)
                state.refresh()
            child.refs += 1
            state = child
        if absent:
            state.ended_if = (*state.ended_if, (rule_id, absent))
        else:
            state.ended = (*state.ended, rule_id)
        state.refresh()

    def delete(self, rule_id: Hashable, sub: SubRule) -> None:
        """Undo :meth:`insert`, pruning states no other sub-rule uses."""
        paths, keys, steps, absent = sub
        state = self
        state.refs -= 1
        trail: list[tuple[State, Any, Any, Any]] = []
        edge_keys: list[tuple[Any, Any]] = [(paths, keys)] if paths else []
        edge_keys += list(steps)
        for edge_key, key in edge_keys:
            assert state.edges is not None
            edge = state.edges[edge_key]
            child = edge.states[key]
            trail.append((state, edge_key, key, child))
            state = child
        if absent:
            state.ended_if = _without(state.ended_if, (rule_id, absent))
        else:
            state.ended = _without(state.ended, rule_id)
        state.refresh()
        for parent, edge_key, key, child in trail:
            child.refs -= 1
            if child.refs == 0:
                assert parent.edges is not None
                edge = parent.edges[edge_key]
                edge.remove(key)
                if not edge.states:
                    del parent.edges[edge_key]
                parent.refresh()
                break


def _split(steps: list[Step]) -> tuple[tuple[str, ...], KeySet[Key], tuple[Step, ...]]:
    """Move the fields matched by exact values only into one compound step."""
    block: list[tuple[str, list[Hashable]]] = []
    rest = []
    combos = 1
    for path, key in sorted(steps, key=lambda step: step[0]):
        exact = [x for x in key if isinstance(x, _EXACT)]
        if len(exact) == len(key) and combos * len(key) <= MAX_BLOCK_KEYS:
            combos *= len(key)
            block.append((path, [_shared(tag(x.value)) for x in exact]))
        else:
            rest.append(shared((path, key)))
    paths = shared(tuple(path for path, _ in block))
    if len(paths) == 1:
        keys: KeySet[Key] = key_set(block[0][1])
    else:
        keys = key_set(product(*(values for _, values in block)))
    return paths, keys, shared(tuple(rest))


def sub_rules(branches: tuple[Branch, ...]) -> tuple[SubRule, ...]:
    """A pattern's distinct branches as sub-rules. A leaf that accepts ``exists: false``
    as well as values splits into one sub-rule requiring absence and one requiring a
    value."""
    out: dict[SubRule, None] = {}
    for branch in branches:
        variants: list[tuple[list[Step], list[str]]] = [([], [])]
        for spec in branch.values():
            grown = []
            positive = spec.positive
            for steps, absent in variants:
                # One string object per path: step and compound paths then compare with
                # the event's by identity.
                path = sys.intern(spec.path)
                if positive:
                    grown.append(([*steps, (path, shared(key_set(positive)))], absent))
                if spec.absent_ok:
                    grown.append((steps, [*absent, path]))
            variants = grown
        for steps, absent in variants:
            paths, keys, rest = _split(steps)
            out[paths, keys, rest, shared(tuple(sorted(absent)))] = None
    return tuple(out)


def combinations(
    paths: tuple[str, ...],
    values: dict[str, list[Any]],
    members: dict[str, list[Membership]] | None,
    mem: Membership = (),
) -> Iterator[tuple[Membership, Key]]:
    """Every compound key the event's values give ``paths``, with the array positions
    used (combinations from different elements of one array are skipped)."""
    lists = [values[path] for path in paths]
    where = [members.get(path) if members is not None else None for path in paths]
    for picks in product(*(range(len(items)) for items in lists)):
        joined: Membership | None = mem
        for j, i in enumerate(picks):
            position = where[j]
            if position is not None and joined is not None:
                joined = merge(joined, position[i])
        if joined is None:
            continue
        tagged = tuple(tag(lists[j][i]) for j, i in enumerate(picks))
        yield joined, (tagged[0] if len(tagged) == 1 else tagged)
