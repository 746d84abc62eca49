"""Value matchers: one per element of a pattern's leaf array.

Event values reach a matcher already flattened: strings stay strings, every JSON number
is a ``float`` (numbers are compared as numbers, so ``[300]`` matches ``300.0``),
``true``/``false``/``null`` are ``True``/``False``/``None``. A string never matches a
number matcher and a number never matches a string matcher.

Matchers are immutable and hashable, so the rule index can share automaton states
between rules whose fields are matched the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from certherd.patterns._ip import parse_ip
from certherd.patterns.wildcard import wildcard_regex

__all__ = [
    "Absent",
    "AnythingBut",
    "AnythingButIgnoreCase",
    "AnythingButPrefix",
    "AnythingButSuffix",
    "AnythingButWildcard",
    "CidrRange",
    "EqualsIgnoreCase",
    "ExactIP",
    "ExactLiteral",
    "ExactNumber",
    "ExactString",
    "Exists",
    "Leaf",
    "Matcher",
    "NumericRange",
    "Prefix",
    "PrefixIgnoreCase",
    "Suffix",
    "SuffixIgnoreCase",
    "Wildcard",
]

#: A flattened event value.
Leaf = str | float | bool | None


class Matcher:
    """Base class: ``matches(value)`` says whether one event value satisfies the matcher."""

    __slots__ = ()

    def matches(self, value: Leaf) -> bool:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ExactString(Matcher):
    value: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and value == self.value


@dataclass(frozen=True, slots=True)
class ExactNumber(Matcher):
    value: float

    def matches(self, value: Leaf) -> bool:
        return type(value) is float and value == self.value


@dataclass(frozen=True, slots=True)
class ExactLiteral(Matcher):
    value: bool | None

    def matches(self, value: Leaf) -> bool:
        return value is self.value


@dataclass(frozen=True, slots=True)
class ExactIP(Matcher):
    """An exact string that is an IP address: matches the same address however written."""

    bits: int
    address: int

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and parse_ip(value) == (self.bits, self.address)


@dataclass(frozen=True, slots=True)
class Prefix(Matcher):
    value: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and value.startswith(self.value)


@dataclass(frozen=True, slots=True)
class Suffix(Matcher):
    value: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and value.endswith(self.value)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase(Matcher):
    folded: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and value.casefold() == self.folded


@dataclass(frozen=True, slots=True)
class PrefixIgnoreCase(Matcher):
    folded: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and value.casefold().startswith(self.folded)


@dataclass(frozen=True, slots=True)
class SuffixIgnoreCase(Matcher):
    folded: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and value.casefold().endswith(self.folded)


@dataclass(frozen=True, slots=True)
class Wildcard(Matcher):
    pattern: str

    def matches(self, value: Leaf) -> bool:
        return type(value) is str and wildcard_regex(self.pattern).fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class AnythingBut(Matcher):
    """Any present value except these strings or numbers (other types always match)."""

    strings: frozenset[str] = frozenset()
    numbers: frozenset[float] = frozenset()

    def matches(self, value: Leaf) -> bool:
        kind = type(value)
        if kind is str:
            return value not in self.strings
        if kind is float:
            return value not in self.numbers
        return True


@dataclass(frozen=True, slots=True)
class AnythingButPrefix(Matcher):
    values: frozenset[str]

    def matches(self, value: Leaf) -> bool:
        if type(value) is not str:
            return True
        return not any(value.startswith(p) for p in self.values)


@dataclass(frozen=True, slots=True)
class AnythingButSuffix(Matcher):
    values: frozenset[str]

    def matches(self, value: Leaf) -> bool:
        if type(value) is not str:
            return True
        return not any(value.endswith(s) for s in self.values)


@dataclass(frozen=True, slots=True)
class AnythingButIgnoreCase(Matcher):
    folded: frozenset[str]

    def matches(self, value: Leaf) -> bool:
        return type(value) is not str or value.casefold() not in self.folded


@dataclass(frozen=True, slots=True)
class AnythingButWildcard(Matcher):
    patterns: tuple[str, ...]

    def matches(self, value: Leaf) -> bool:
        if type(value) is not str:
            return True
        return not any(wildcard_regex(p).fullmatch(value) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class NumericRange(Matcher):
    """``low < x`` (or ``<=``) and ``x < high`` (or ``<=``); unbounded ends are infinite."""

    low: float
    low_open: bool
    high: float
    high_open: bool

    def matches(self, value: Leaf) -> bool:
        if type(value) is not float:
            return False
        if value < self.low or (self.low_open and value == self.low):
            return False
        return not (value > self.high or (self.high_open and value == self.high))


@dataclass(frozen=True, slots=True)
class CidrRange(Matcher):
    bits: int
    low: int
    high: int

    def matches(self, value: Leaf) -> bool:
        if type(value) is not str:
            return False
        ip = parse_ip(value)
        return ip is not None and ip[0] == self.bits and self.low <= ip[1] <= self.high


@dataclass(frozen=True, slots=True)
class Exists(Matcher):
    """``{"exists": true}``: any leaf value, ``null`` included."""

    def matches(self, value: Leaf) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Absent(Matcher):
    """``{"exists": false}``: satisfied by the field's absence, never by a value."""

    def matches(self, value: Leaf) -> bool:
        return False
