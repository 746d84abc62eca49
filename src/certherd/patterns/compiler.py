"""Pattern text to branches, following event-ruler's ``JsonRuleCompiler`` token by token.

The result is a list of *branches* (one per combination of ``$or`` alternatives); each
maps a dotted field path to a :class:`FieldSpec`. Checks happen in the order event-ruler
makes them while it reads, so a pattern with several problems is rejected for the same
one AWS names. Duplicate keys: the last occurrence of a leaf path wins (objects under a
repeated key merge), as event-ruler compiles with rule overriding on.

Match expressions are read by :mod:`certherd.patterns._operators`; the dialect (EventBridge
or SNS, :mod:`certherd.patterns.dialect`) decides what is accepted.
"""

from __future__ import annotations

import json
import sys

from certherd.patterns import matchers as m
from certherd.patterns._ip import parse_ip
from certherd.patterns._jsontok import Kind, Token, Tokenizer
from certherd.patterns._operators import ExpressionReader
from certherd.patterns.dialect import EVENTBRIDGE, SNS, Branch, Dialect, FieldSpec
from certherd.patterns.errors import PatternError

__all__ = ["EVENTBRIDGE", "SNS", "Branch", "Dialect", "FieldSpec", "compile_branches"]

OR = "$or"
#: Names event-ruler reserves inside ``$or`` objects (``Constants.java``).
RESERVED = frozenset(
    [
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex",
        "not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
        "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
        "ip-address-not-in-range",
    ]
)  # fmt: skip


class _Rules:
    """event-ruler's list of rule maps; past ``limit`` only the count is kept."""

    __slots__ = ("count", "limit", "maps")

    def __init__(self, maps: list[Branch] | None, limit: int, count: int = 0) -> None:
        self.maps = maps
        self.limit = limit
        self.count = len(maps) if maps is not None else count

    def copy(self) -> _Rules:
        if self.maps is None:
            return _Rules(None, self.limit, self.count)
        return _Rules([dict(x) for x in self.maps], self.limit)

    def ensure_one(self) -> None:
        if self.count == 0:
            if self.maps is not None:
                self.maps.append({})
            self.count = 1

    def put(self, spec: FieldSpec) -> None:
        self.ensure_one()
        if self.maps is not None:
            for rule in self.maps:
                rule[spec.path] = spec

    def clear(self) -> None:
        self.maps = []
        self.count = 0

    def extend(self, other: _Rules) -> None:
        self.count += other.count
        if self.maps is not None and other.maps is not None and self.count <= self.limit:
            self.maps.extend(other.maps)
        else:
            self.maps = None


class _Compiler(ExpressionReader):
    # -- structure -------------------------------------------------------------------------
    def compile(self) -> list[Branch] | int:
        first = self.tok.next()
        if first is None or first.kind is not Kind.START_OBJECT:
            raise self.fail("Filter is not an object")
        rules = _Rules([], self.d.max_branches)
        self.object(rules, [], inside_or=False)
        return rules.maps if rules.maps is not None else rules.count

    def object(self, rules: _Rules, path: list[str], *, inside_or: bool) -> None:
        present = False
        while True:
            tok = self.next()
            if tok.kind is Kind.END_OBJECT:
                break
            present = True
            name = tok.raw or ""
            if name == OR and self._is_or_relationship():
                self.or_relationship(rules, path)
                continue
            if inside_or and name in RESERVED:
                raise self.fail(
                    f"{name} is Ruler reserved fieldName which cannot be used inside $or."
                )
            value = self.next()
            if value.kind is Kind.START_OBJECT:
                path.append(name)
                self.object(rules, path, inside_or=inside_or)
                path.pop()
            elif value.kind is Kind.START_ARRAY:
                full = sys.intern(".".join([*path, name]))
                self.leaf(rules, full, path[0] if path else name, value)
            else:
                raise self.fail(f'"{name}" must be an object or an array')
        if not present:
            raise self.fail("Empty objects are not allowed")

    def _is_or_relationship(self) -> bool:
        """False when ``$or`` is a plain field name (spec 2.2: its objects use operator
        names, event-ruler README "$or"); decided by looking ahead without consuming."""
        pending = self.tok._pending
        if pending is None or pending.kind is not Kind.START_ARRAY:
            return True
        scan = Tokenizer(self.text, pending.start)
        try:
            scan.next()
            objects = 0
            reserved = False
            while (tok := scan.next()) is not None and tok.kind is not Kind.END_ARRAY:
                if tok.kind is not Kind.START_OBJECT:
                    return True
                objects += 1
                depth = 1
                while depth:
                    inner = scan.next()
                    if inner is None:
                        return True
                    if depth == 1 and inner.kind is Kind.FIELD_NAME and inner.raw in RESERVED:
                        reserved = True
                    if inner.kind in (Kind.START_OBJECT, Kind.START_ARRAY):
                        depth += 1
                    elif inner.kind in (Kind.END_OBJECT, Kind.END_ARRAY):
                        depth -= 1
        except PatternError:
            return True
        return not (objects >= 2 and reserved)

    def or_relationship(self, rules: _Rules, path: list[str]) -> None:
        current = rules.copy()
        rules.clear()
        if self.next().kind is not Kind.START_ARRAY:
            raise self.fail("It must be an Array followed with $or.")
        count = 0
        while (tok := self.next()).kind is not Kind.END_ARRAY:
            count += 1
            if tok.kind is not Kind.START_OBJECT:
                raise self.fail("Only JSON object is allowed in array of $or relationship.")
            alternative = current.copy()
            alternative.ensure_one()
            self.object(alternative, path, inside_or=True)
            rules.extend(alternative)
        if count < 2:
            raise self.fail("There must have at least 2 Objects in $or relationship.")

    def leaf(self, rules: _Rules, path: str, top: str, start: Token) -> None:
        values: list[m.Matcher] = []
        while (tok := self.next()).kind is not Kind.END_ARRAY:
            kind = tok.kind
            if kind is Kind.START_OBJECT:
                values.append(self.expression())
            elif kind is Kind.STRING:
                text = self.gettext(tok)
                ip = parse_ip(text)
                values.append(m.ExactIP(*ip) if ip else m.ExactString(text))
            elif kind.numeric:
                values.append(m.ExactNumber(self.d.number(tok.raw or "")))
            elif kind is Kind.NULL:
                values.append(m.ExactLiteral(None))
            elif kind is Kind.TRUE or kind is Kind.FALSE:
                values.append(m.ExactLiteral(kind is Kind.TRUE))
            else:
                raise self.fail("Match value must be String, number, true, false, or null")
        if not values:
            raise self.fail("Empty arrays are not allowed")
        raw = self.text[start.start : tok.end]
        try:
            source = json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            source = raw
        spec = FieldSpec(path, tuple(dict.fromkeys(values)), source, top, len(values))
        rules.put(spec)


def compile_branches(text: str, dialect: Dialect) -> list[Branch] | int:
    """Compile pattern ``text``: its branches, or their count when it exceeds
    ``dialect.max_branches`` (the caller reports that limit).

    Raises :class:`PatternError` with event-ruler's reason for the first problem found.
    """
    return _Compiler(text, dialect).compile()
