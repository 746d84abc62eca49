"""Events to flat fields: dotted path -> leaf values, with their array positions.

Nested keys are joined with ``.`` (so ``{"a": {"b": 1}}`` and ``{"a.b": 1}`` give the same
path, as in event-ruler). Arrays are "crushed out": every element contributes to the same
path. A leaf inside an array of two or more elements remembers which element of which
array it sits in (its *membership*), so that fields matched together can be required to
come from the same element (event-ruler's array consistency); a one-element array cannot
cause an inconsistency and is not recorded. Objects and empty arrays are not leaves: a
path whose value is an object does not exist for ``exists``.

Only the wanted paths are collected, guided by a trie of their segments, so the cost of
flattening follows what the rules look at, not the size of the event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from certherd.patterns.errors import InvalidEventError
from certherd.patterns.matchers import Leaf

__all__ = ["Fields", "Membership", "PathSet", "flatten", "load_event", "merge"]

#: ``((array_id, index), ...)`` for every multi-element array a leaf sits in.
Membership = tuple[tuple[int, int], ...]
#: A trie node: ``(children by key segment, the wanted path ending here or None)``.
_Node = tuple[dict[str, "_Node"], str | None]


def load_event(event: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    """The event as a mapping; JSON text is parsed. Raises :class:`InvalidEventError`
    when it is not a JSON object."""
    if type(event) is dict:
        return event
    if isinstance(event, str | bytes | bytearray):
        try:
            event = json.loads(event)
        except ValueError:
            raise InvalidEventError() from None
    if not isinstance(event, Mapping):
        raise InvalidEventError()
    return event


def _build_trie(paths: frozenset[str]) -> dict[str, _Node]:
    root: dict[str, Any] = {}
    for path in paths:
        children = root
        parts = path.split(".")
        for i, part in enumerate(parts):
            node = children.get(part)
            if node is None:
                node = children[part] = [{}, None]
            if i == len(parts) - 1:
                node[1] = path
            children = node[0]

    def freeze(children: dict[str, Any]) -> dict[str, _Node]:
        return {key: (freeze(node[0]), node[1]) for key, node in children.items()}

    return freeze(root)


@dataclass(frozen=True, slots=True)
class PathSet:
    """The paths a pattern (or index) reads."""

    paths: frozenset[str]
    trie: dict[str, _Node] = field(compare=False, repr=False)

    @classmethod
    def of(cls, paths: set[str] | frozenset[str]) -> PathSet:
        frozen = frozenset(paths)
        return cls(frozen, _build_trie(frozen))


@dataclass(slots=True)
class Fields:
    """A flattened event: ``values[path]`` in document order. ``members`` is ``None`` when
    no leaf is in a multi-element array; otherwise ``members.get(path)`` is in step with
    ``values[path]`` (a missing entry means every membership of that path is empty)."""

    values: dict[str, list[Leaf]]
    members: dict[str, list[Membership]] | None


def _resolve(children: dict[str, _Node], key: str) -> _Node | None:
    """The trie node for an event key that contains dots (``{"a.b": 1}``)."""
    node: _Node | None = None
    for part in key.split("."):
        node = children.get(part)
        if node is None:
            return None
        children = node[0]
    return node


class _Flattener:
    __slots__ = ("arrays", "members", "number", "values")

    def __init__(self, number: Callable[[float], float]) -> None:
        self.values: dict[str, list[Leaf]] = {}
        self.members: dict[str, list[Membership]] | None = None
        self.number = number
        self.arrays = 0

    def leaf(self, path: str, node: Any, mem: Membership) -> None:
        kind = type(node)
        if kind is str or node is None or kind is bool:
            value: Leaf = node
        elif kind is int or kind is float:
            value = self.number(node)
        else:
            return
        values = self.values
        present = values.get(path)
        if present is None:
            values[path] = present = [value]
        else:
            present.append(value)
        if mem:
            members = self.members
            if members is None:
                members = self.members = {}
            mine = members.get(path)
            if mine is None:
                mine = members[path] = [()] * (len(present) - 1)
            mine.append(mem)
        elif self.members is not None and path in self.members:
            self.members[path].append(mem)

    def obj(self, obj: Mapping[str, Any], children: dict[str, _Node], mem: Membership) -> None:
        values = self.values
        for key, child in obj.items():
            node = children.get(key)
            if node is None:
                if type(key) is not str or "." not in key:
                    continue
                node = _resolve(children, key)
                if node is None:
                    continue
            path = node[1]
            kind = type(child)
            # The common case inline: a leaf stored as it is (a string, a boolean or
            # null, not a number) outside multi-element arrays.
            if (
                (kind is str or kind is bool or child is None)
                and path is not None
                and not mem
                and self.members is None
            ):
                present = values.get(path)
                if present is None:
                    values[path] = [child]
                else:
                    present.append(child)
            else:
                self.value(child, node, mem)

    def value(self, child: Any, node: _Node, mem: Membership) -> None:
        kind = type(child)
        if kind is list or kind is tuple:
            if len(child) == 1:
                self.value(child[0], node, mem)
                return
            self.arrays += 1
            ident = self.arrays
            for index, item in enumerate(child):
                self.value(item, node, (*mem, (ident, index)))
        elif kind is dict or (kind not in _SCALARS and isinstance(child, Mapping)):
            if node[0]:
                self.obj(child, node[0], mem)
        elif node[1] is not None:
            self.leaf(node[1], child, mem)


_SCALARS = frozenset([str, int, float, bool, type(None)])


def flatten(event: Mapping[str, Any], wanted: PathSet, number: Callable[[float], float]) -> Fields:
    """Flatten ``event`` (a mapping) to the leaves on ``wanted`` paths; ``number`` turns
    every JSON number into the form it is compared in."""
    flat = _Flattener(number)
    flat.obj(event, wanted.trie, ())
    return Fields(flat.values, flat.members)


def merge(a: Membership, b: Membership) -> Membership | None:
    """The union of two memberships, or ``None`` when they sit in different elements of
    the same array (the fields cannot be matched together)."""
    if not a:
        return b
    if not b or a == b:
        return a
    seen = dict(a)
    extra = []
    for ident, index in b:
        other = seen.get(ident)
        if other is None:
            extra.append((ident, index))
        elif other != index:
            return None
    return (*a, *extra) if extra else a
