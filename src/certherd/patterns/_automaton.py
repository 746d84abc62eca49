"""The states of the rule automaton and how a pattern is threaded into them.

Every branch of a compiled pattern becomes one or more *sub-rules*. A sub-rule starts
with a *compound step*: all its fields that accept only exact values (``account``,
``detail-type``, ``source``...), looked up at once by the tuple of the event's values
(one hash lookup instead of one state per field). Its other fields follow as single-path
steps sorted by path, each through a :class:`~certherd.patterns._machine.ValueMachine`.
Fields that must be absent (``exists: false``) are checked where the sub-rule ends.
Sub-rules with the same steps share states; every state counts the sub-rules through it,
so removing a rule prunes what only it used.

Transitions lead to *targets* rather than states (see :class:`State`): a leaf's rule ids,
a lone value machine, or the state. Each state knows the edge and key it hangs from and
republishes its target there whenever it changes.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterator
from itertools import product
from operator import itemgetter
from typing import Any

from certherd.patterns._machine import ValueMachine, add_to, remove_from
from certherd.patterns.dialect import Branch
from certherd.patterns.flatten import Membership, merge
from certherd.patterns.matchers import ExactLiteral, ExactNumber, ExactString, Leaf, Matcher

__all__ = ["MAX_BLOCK_KEYS", "Group", "State", "SubRule", "combinations", "sub_rules", "tag"]

#: A compound key: the tagged value of one path, or a tuple of them for several paths.
Key = Hashable
Step = tuple[str, frozenset[Matcher]]
#: ``(compound step paths, its keys, the other steps, paths that must be absent)``.
SubRule = tuple[tuple[str, ...], frozenset[Key], tuple[Step, ...], tuple[str, ...]]
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


class Group:
    """A compound transition: each of ``paths`` must hold the given exact value.

    ``table`` maps a compound key to the targets of the children it leads to (a child's
    ``target`` is its rule ids when it is a leaf, else the child itself)."""

    __slots__ = ("children", "getter", "paths", "pathset", "probe", "table")

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.paths = paths
        self.pathset = frozenset(paths)
        #: Builds the lookup key from ``{path: tagged value}`` in one call.
        self.getter = itemgetter(*paths)
        self.children: dict[frozenset[Key], State] = {}
        self.table: dict[Key, tuple[Any, ...]] = {}
        #: What the walk calls: ``get(getter(values))`` (the table is never replaced).
        self.probe = (self.getter, self.table.get)

    def add(self, keys: frozenset[Key], child: State) -> None:
        self.children[keys] = child
        child.link = (self, keys)
        for key in keys:
            add_to(self.table, key, child.target)

    def remove(self, keys: frozenset[Key]) -> None:
        child = self.children.pop(keys)
        for key in keys:
            remove_from(self.table, key, child.target)
        child.link = None

    def retarget(self, keys: frozenset[Key], old: Any, new: Any) -> None:
        """The child under ``keys`` changed its target from ``old`` to ``new``."""
        for key in keys:
            add_to(self.table, key, new)
            remove_from(self.table, key, old)


class State:
    """One automaton state. The walk reads ``plain`` (rules ending here),
    ``conditional`` (rules ending here that need absent paths), ``probes`` (compound
    transitions: ``(getter, get)`` of each of ``groups``) and ``steps`` (single-path
    transitions: :class:`ValueMachine` objects); ``edges`` and ``ends`` are the editable
    forms, created on first use.

    A state is a *leaf* when the walk has nothing to do there but collect ``plain``;
    its parent's indexes then hold ``plain`` itself as the state's ``target`` (reaching
    it costs one tuple). A state whose only content is one single-path transition has
    that :class:`ValueMachine` as its target (the walk runs it without visiting the
    state); any other state is its own target. ``link`` is ``(parent edge, key)``, which
    :meth:`refresh` uses to publish a new target.
    """

    __slots__ = (
        "conditional",
        "edges",
        "ends",
        "groups",
        "inner",
        "link",
        "plain",
        "probes",
        "refs",
        "steps",
        "target",
    )

    def __init__(self) -> None:
        #: Whether the walk must visit the state (it has transitions or conditional ends).
        self.inner = False
        self.plain: tuple[Hashable, ...] = ()
        self.conditional: tuple[tuple[Hashable, tuple[str, ...]], ...] = ()
        self.probes: tuple[tuple[Any, Any], ...] = ()
        self.steps: tuple[ValueMachine, ...] = ()
        self.groups: tuple[Group, ...] = ()
        self.target: Any = self.plain
        self.link: tuple[Any, Any] | None = None
        #: Outgoing transitions: a :class:`Group` under its paths tuple, a
        #: :class:`ValueMachine` under its path.
        self.edges: dict[str | tuple[str, ...], Any] | None = None
        #: ``(rule_id, absent paths) -> how many sub-rules of that rule end here``.
        self.ends: dict[tuple[Hashable, tuple[str, ...]], int] | None = None
        self.refs = 0

    def refresh(self) -> None:
        edges = self.edges or {}
        ends = self.ends or {}
        groups = tuple(e for k, e in edges.items() if isinstance(k, tuple))
        steps = tuple(e for k, e in edges.items() if isinstance(k, str))
        self.groups = groups
        self.probes = tuple(group.probe for group in groups)
        self.steps = steps
        self.conditional = tuple((r, absent) for r, absent in ends if absent)
        plain = tuple(dict.fromkeys(r for r, absent in ends if not absent))
        if plain != self.plain:
            self.plain = plain
        self.inner = bool(groups or steps or self.conditional)
        if not edges:
            self.edges = None
        if not ends:
            self.ends = None
        if not self.inner:
            target: Any = self.plain
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
            if self.link is not None:
                edge, key = self.link
                edge.retarget(key, old, target)

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
            child = edge.children.get(key)
            if child is None:
                child = State()
                edge.add(key, child)
                state.refresh()
            child.refs += 1
            state = child
        if state.ends is None:
            state.ends = {}
        end = (rule_id, absent)
        state.ends[end] = state.ends.get(end, 0) + 1
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
            child = edge.children[key]
            trail.append((state, edge_key, key, child))
            state = child
        assert state.ends is not None
        end = (rule_id, absent)
        state.ends[end] -= 1
        if not state.ends[end]:
            del state.ends[end]
        state.refresh()
        for parent, edge_key, key, child in trail:
            child.refs -= 1
            if child.refs == 0:
                assert parent.edges is not None
                edge = parent.edges[edge_key]
                edge.remove(key)
                if not edge.children:
                    del parent.edges[edge_key]
                parent.refresh()
                break


def _split(steps: list[Step]) -> tuple[tuple[str, ...], frozenset[Key], tuple[Step, ...]]:
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
            rest.append((path, key))
    paths = tuple(path for path, _ in block)
    if len(paths) == 1:
        keys: frozenset[Key] = frozenset(block[0][1])
    else:
        keys = frozenset(product(*(values for _, values in block)))
    return paths, keys, tuple(rest)


def sub_rules(branches: tuple[Branch, ...]) -> set[SubRule]:
    """A pattern's branches as sub-rules. A leaf that accepts ``exists: false`` as well as
    values splits into one sub-rule requiring absence and one requiring a value."""
    out: set[SubRule] = set()
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
                    grown.append(([*steps, (path, frozenset(positive))], absent))
                if spec.absent_ok:
                    grown.append((steps, [*absent, path]))
            variants = grown
        for steps, absent in variants:
            paths, keys, rest = _split(steps)
            out.add((paths, keys, rest, tuple(sorted(absent))))
    return out


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
