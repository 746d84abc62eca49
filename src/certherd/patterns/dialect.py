"""The two dialects of the pattern language, and what a compiled leaf looks like.

EventBridge event patterns and SNS filter policies share event-ruler's grammar; SNS
accepts fewer operators and compares numbers to five decimal places (spec section 3.6).
A compiled pattern is a list of *branches* (one per combination of ``$or``
alternatives), each mapping a dotted field path to a :class:`FieldSpec`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from certherd.patterns import matchers as m

__all__ = ["EVENTBRIDGE", "SNS", "Branch", "Dialect", "FieldSpec"]


def _eb_number(text: str) -> float:
    return float(text)


def _sns_number(text: str) -> float:
    return round(float(text), 5)


def _eb_value(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _sns_value(value: float) -> float:
    return round(_eb_value(value), 5)


@dataclass(frozen=True)
class Dialect:
    """Which language is compiled: EventBridge patterns or SNS filter policies."""

    name: str
    #: Numbers written in the pattern (their JSON text) to the compared form.
    number: Callable[[str], float]
    #: Numbers found in events to the compared form.
    event_number: Callable[[float], float]
    wildcards: bool
    ignore_case_affixes: bool
    anything_but_ops: frozenset[str]
    exactly: bool
    max_branches: int


EVENTBRIDGE = Dialect(
    "EventBridge",
    _eb_number,
    _eb_value,
    wildcards=True,
    ignore_case_affixes=True,
    anything_but_ops=frozenset(["equals-ignore-case", "prefix", "suffix", "wildcard"]),
    exactly=True,
    max_branches=1000,
)
SNS = Dialect(
    "SNS",
    _sns_number,
    _sns_value,
    wildcards=False,
    ignore_case_affixes=False,
    anything_but_ops=frozenset(["prefix"]),
    exactly=False,
    max_branches=150,
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One leaf of a branch: the field path and the values (OR'ed) it accepts."""

    path: str
    matchers: tuple[m.Matcher, ...]
    #: The leaf array as JSON, for explanations.
    source: str
    #: The top-level key the leaf was written under (SNS counts these).
    top: str
    #: How many values the leaf array has (SNS complexity).
    size: int

    @property
    def positive(self) -> tuple[m.Matcher, ...]:
        return tuple(x for x in self.matchers if not isinstance(x, m.Absent))

    @property
    def absent_ok(self) -> bool:
        return any(isinstance(x, m.Absent) for x in self.matchers)


Branch = dict[str, FieldSpec]
