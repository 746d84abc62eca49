"""Compiled EventBridge patterns, matched one at a time.

:func:`compile_pattern` validates once (size limit, event-ruler's checks, the ``$or``
combination limit, wildcard complexity) and returns a :class:`CompiledPattern` whose
:meth:`~CompiledPattern.matches` needs no further validation. The same compiled form
feeds :class:`~certherd.patterns.index.RuleIndex`, which matches many at once; this
module's matcher is the simple reference the index is tested against.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certherd.patterns import matchers as m
from certherd.patterns.compiler import compile_branches
from certherd.patterns.dialect import EVENTBRIDGE, Branch, Dialect, FieldSpec
from certherd.patterns.errors import PatternError
from certherd.patterns.flatten import Fields, Membership, PathSet, flatten, load_event, merge
from certherd.patterns.wildcard import MAX_COMPLEXITY, complexity

__all__ = [
    "MAX_COMBINATIONS",
    "MAX_PATTERN_LENGTH",
    "CompiledPattern",
    "compile_pattern",
    "pattern_text",
]

#: ``EventPattern`` maximum length in the current EventBridge API model (spec 2.2).
MAX_PATTERN_LENGTH = 4096
#: The most ``$or`` combinations (branches) a pattern may expand to (spec 2.2, 2.9).
MAX_COMBINATIONS = 1000
TOO_MANY_COMBINATIONS = (
    f"The total number of combinations of $or relationship is more than {MAX_COMBINATIONS}"
)
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)

PatternInput = str | bytes | Mapping[str, Any] | Any


def pattern_text(pattern: PatternInput) -> str:
    """The JSON text of a pattern given as text or as a decoded JSON value."""
    if isinstance(pattern, bytes | bytearray):
        return pattern.decode("utf-8")
    if isinstance(pattern, str):
        return pattern
    try:
        return json.dumps(pattern, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        raise PatternError("Filter is not an object") from None


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A validated pattern. ``branches`` holds one field map per ``$or`` combination."""

    source: str
    branches: tuple[Branch, ...]
    dialect: Dialect = field(default=EVENTBRIDGE, repr=False)
    wanted: PathSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        paths = {path for branch in self.branches for path in branch}
        object.__setattr__(self, "wanted", PathSet.of(paths))

    @property
    def paths(self) -> frozenset[str]:
        """Every field path the pattern looks at."""
        return self.wanted.paths

    def flatten(self, event: Mapping[str, Any] | str | bytes) -> Fields:
        return flatten(load_event(event), self.wanted, self.dialect.event_number)

    def matches(self, event: Mapping[str, Any] | str | bytes) -> bool:
        """Whether ``event`` (a mapping or JSON text) matches.

        Raises :class:`~certherd.patterns.errors.InvalidEventError` when the event is not
        a JSON object.
        """
        return self.matches_fields(self.flatten(event))

    def matches_fields(self, fields: Fields) -> bool:
        return any(branch_failure(branch, fields) is None for branch in self.branches)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a branch did not match: the first field (in pattern order) that failed."""

    spec: FieldSpec | None
    reason: str
    values: tuple[m.Leaf, ...] = ()
    specs: tuple[FieldSpec, ...] = ()


def _field_hits(spec: FieldSpec, fields: Fields) -> list[Membership] | Failure | None:
    """The memberships of the values that satisfy ``spec``; ``None`` when satisfied by
    absence; a :class:`Failure` otherwise."""
    values = fields.values.get(spec.path)
    if values is None:
        if spec.absent_ok:
            return None
        return Failure(spec, "missing")
    positive = spec.positive
    members = fields.members.get(spec.path) if fields.members is not None else None
    hits: list[Membership] = []
    for i, value in enumerate(values):
        if any(matcher.matches(value) for matcher in positive):
            hits.append(members[i] if members is not None else ())
    if not hits:
        return Failure(spec, "mismatch", tuple(values))
    return hits


def branch_failure(branch: Branch, fields: Fields) -> Failure | None:
    """``None`` when ``branch`` matches the flattened event, else the first failure."""
    choices: list[tuple[FieldSpec, list[Membership]]] = []
    for spec in branch.values():
        hits = _field_hits(spec, fields)
        if isinstance(hits, Failure):
            return hits
        if hits is not None:
            choices.append((spec, hits))
    if fields.members is None or _consistent([hits for _, hits in choices], 0, ()):
        return None
    specs = tuple(spec for spec, _ in choices)
    return Failure(None, "array", specs=specs)


def _consistent(choices: list[list[Membership]], i: int, acc: Membership) -> bool:
    if i == len(choices):
        return True
    tried: set[Membership] = set()
    for mem in choices[i]:
        if mem in tried:
            continue
        tried.add(mem)
        merged = merge(acc, mem)
        if merged is not None and _consistent(choices, i + 1, merged):
            return True
    return False


def validate_eventbridge(branches: list[Branch] | int) -> list[Branch]:
    """EventBridge's checks after event-ruler's: ``$or`` combinations and wildcards."""
    if isinstance(branches, int) or len(branches) > MAX_COMBINATIONS:
        raise PatternError(TOO_MANY_COMBINATIONS)
    checked: set[str] = set()
    for branch in branches:
        for spec in branch.values():
            for matcher in spec.matchers:
                if isinstance(matcher, m.Wildcard) and matcher.pattern not in checked:
                    checked.add(matcher.pattern)
                    if complexity(matcher.pattern) > MAX_COMPLEXITY:
                        raise PatternError(TOO_COMPLEX)
    return branches


def compile_pattern(
    pattern: PatternInput, *, max_length: int | None = MAX_PATTERN_LENGTH
) -> CompiledPattern:
    """Validate and compile an EventBridge event pattern.

    ``pattern`` is JSON text (str or bytes) or an already decoded JSON value (a dict).
    Validation happens here, once: a pattern AWS would reject raises
    :class:`~certherd.patterns.errors.PatternError` whose message is AWS's reason text
    (spec 2.3), malformed JSON included. ``max_length`` is the API's ``EventPattern``
    length limit (``None`` disables it).
    """
    text = pattern_text(pattern)
    if max_length is not None and len(text) > max_length:
        raise PatternError(
            "Value at 'eventPattern' failed to satisfy constraint: "
            f"Member must have length less than or equal to {max_length}"
        )
    branches = validate_eventbridge(compile_branches(text, EVENTBRIDGE))
    return CompiledPattern(text, tuple(branches))
