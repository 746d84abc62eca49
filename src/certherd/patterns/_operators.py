"""Match expressions: the one-key operator objects of a leaf array (``{"prefix": ...}``).

Read token by token exactly as event-ruler's ``JsonRuleCompiler.processMatchExpression``
does, so that each malformed expression fails with event-ruler's reason at the same
point. :class:`ExpressionReader` is the base of the pattern compiler.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from certherd.patterns import matchers as m
from certherd.patterns._ip import parse_cidr
from certherd.patterns._jsontok import Kind, Token, Tokenizer
from certherd.patterns.dialect import Dialect
from certherd.patterns.errors import PatternError
from certherd.patterns.wildcard import parse as parse_wildcard

__all__ = ["ExpressionReader"]

_TOO_MANY = "Too many elements in numeric expression"
_ONE_KEY = "Only one key allowed in match expression"
_AB_VALUE = "Value of anything-but must be an array or single string/number value."
_AB_EIC = "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."


class ExpressionReader:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.tok = Tokenizer(text)
        self.d = dialect

    # -- token helpers ---------------------------------------------------------------------
    def fail(self, message: str) -> PatternError:
        return self.tok.error(message)

    def next(self) -> Token:
        tok = self.tok.next()
        if tok is None:  # only possible at the root, which never asks for more
            raise self.fail("Unexpected end-of-input")
        return tok

    def gettext(self, tok: Token) -> str:
        return self.tok.text(tok)

    def end_object(self, message: str) -> None:
        if self.next().kind is not Kind.END_OBJECT:
            raise self.fail(message)

    def number(self, tok: Token) -> float:
        """A numeric operand: must be a finite double (event-ruler's ComparableNumber)."""
        text = tok.raw or ""
        value = self.d.number(text)
        if math.isinf(value):
            raise self.fail(f"Cannot compare number : {text}")
        return value

    # -- match expressions -----------------------------------------------------------------
    def expression(self) -> m.Matcher:
        head = self.next()
        if head.kind is not Kind.FIELD_NAME:
            raise self.fail("Match expression name not found")
        op = head.raw or ""
        handler = _OPERATORS.get(op)
        if handler is None or (op == "wildcard" and not self.d.wildcards):
            raise self.fail(f"Unrecognized match type {op}")
        if op == "exactly" and not self.d.exactly:
            raise self.fail(f"Unrecognized match type {op}")
        return handler(self)

    def string_operand(self, message: str) -> str:
        tok = self.next()
        if tok.kind is not Kind.STRING:
            raise self.fail(message)
        return self.gettext(tok)

    def op_exactly(self) -> m.Matcher:
        value = self.string_operand("exact match pattern must be a string")
        self.end_object(_ONE_KEY)
        return m.ExactString(value)

    def _affix(self, op: str) -> m.Matcher:
        tok = self.next()
        if tok.kind is Kind.START_OBJECT and self.d.ignore_case_affixes:
            inner = self.next()
            if inner.kind is not Kind.FIELD_NAME:
                raise self.fail(f"{op.capitalize()} expression name not found")
            if inner.raw != "equals-ignore-case":
                raise self.fail(f"Unsupported {op} pattern: {inner.raw}")
            text = self.string_operand("equals-ignore-case match pattern must be a string")
            self.end_object(_ONE_KEY)
            self.end_object(_ONE_KEY)
            folded = text.casefold()
            return m.PrefixIgnoreCase(folded) if op == "prefix" else m.SuffixIgnoreCase(folded)
        if tok.kind is not Kind.STRING:
            raise self.fail(f"{op} match pattern must be a string")
        text = self.gettext(tok)
        self.end_object(_ONE_KEY)
        return m.Prefix(text) if op == "prefix" else m.Suffix(text)

    def op_prefix(self) -> m.Matcher:
        return self._affix("prefix")

    def op_suffix(self) -> m.Matcher:
        return self._affix("suffix")

    def op_equals_ignore_case(self) -> m.Matcher:
        text = self.string_operand("equals-ignore-case match pattern must be a string")
        self.end_object(_ONE_KEY)
        return m.EqualsIgnoreCase(text.casefold())

    def op_wildcard(self) -> m.Matcher:
        text = self.string_operand("wildcard match pattern must be a string")
        self.check_wildcard(text)
        self.end_object(_ONE_KEY)
        return m.Wildcard(text)

    def check_wildcard(self, text: str) -> None:
        try:
            parse_wildcard(text)
        except ValueError as exc:
            raise self.fail(str(exc)) from None

    def op_exists(self) -> m.Matcher:
        tok = self.next()
        if tok.kind is Kind.TRUE:
            result: m.Matcher = m.Exists()
        elif tok.kind is Kind.FALSE:
            result = m.Absent()
        else:
            raise self.fail("exists match pattern must be either true or false.")
        self.end_object(_ONE_KEY)
        return result

    def op_cidr(self) -> m.Matcher:
        text = self.string_operand("prefix match pattern must be a string")
        try:
            bits, low, high = parse_cidr(text)
        except ValueError as exc:
            raise self.fail(str(exc)) from None
        self.end_object(_ONE_KEY)
        return m.CidrRange(bits, low, high)

    def op_numeric(self) -> m.Matcher:
        if self.next().kind is not Kind.START_ARRAY:
            raise self.fail("Value of numeric must be an array.")
        result = self.numeric()
        if self.next().kind is not Kind.END_OBJECT:
            raise self.fail(_TOO_MANY)
        return result

    def numeric(self) -> m.Matcher:
        tok = self.next()
        if tok.kind is not Kind.STRING:
            raise self.fail(f"Invalid member in numeric match: {self.gettext(tok)}")
        op = self.gettext(tok)
        value = self.next()
        if op not in ("=", ">", ">=", "<", "<="):
            raise self.fail(f"Unrecognized numeric range operator: {op}")
        if not value.kind.numeric:
            raise self.fail(f"Value of {'equals' if op == '=' else op} must be numeric")
        if op == "=" or op[0] == "<":
            if self.next().kind is not Kind.END_ARRAY:
                raise self.fail(_TOO_MANY)
            number = self.number(value)
            if op == "=":
                return m.ExactNumber(number)
            return m.NumericRange(-math.inf, False, number, op == "<")
        after = self.next()
        if after.kind is Kind.END_ARRAY:
            return m.NumericRange(self.number(value), op == ">", math.inf, False)
        if after.kind is not Kind.STRING:
            raise self.fail(f"Bad value in numeric range: {self.gettext(after)}")
        upper = self.gettext(after)
        if upper not in ("<", "<="):
            raise self.fail(f"Bad numeric range operator: {upper}")
        top = self.next()
        if not top.kind.numeric:
            raise self.fail(f"Value of {upper} must be numeric")
        if self.next().kind is not Kind.END_ARRAY:
            raise self.fail("Too many terms in numeric range expression")
        low, high = self.d.number(value.raw or ""), self.d.number(top.raw or "")
        if low >= high:
            raise self.fail("Bottom must be less than top")
        return m.NumericRange(self.number(value), op == ">", self.number(top), upper == "<")

    def op_anything_but(self) -> m.Matcher:
        tok = self.next()
        mode = ""
        if tok.kind is Kind.START_OBJECT:
            inner = self.next()
            if inner.kind is not Kind.FIELD_NAME:
                raise self.fail("Anything-But expression name not found")
            mode = inner.raw or ""
            if mode not in self.d.anything_but_ops:
                raise self.fail(f"Unsupported anything-but pattern: {mode}")
            tok = self.next()
        if tok.kind not in (Kind.START_ARRAY, Kind.STRING, Kind.INT, Kind.FLOAT):
            raise self.fail(_AB_VALUE)
        items = self._ab_items(tok, mode)
        result = self._ab_matcher(items, mode)
        if self.next().kind is not Kind.END_OBJECT:
            raise self.fail(_TOO_MANY)
        if mode and self.next().kind is not Kind.END_OBJECT:
            raise self.fail(_TOO_MANY)
        return result

    def _ab_items(self, tok: Token, mode: str) -> list[str | float]:
        single = tok.kind is not Kind.START_ARRAY
        items: list[str | float] = []
        while True:
            if not single:
                tok = self.next()
                if tok.kind is Kind.END_ARRAY:
                    break
            if tok.kind is Kind.STRING:
                text = self.gettext(tok)
                if mode in ("prefix", "suffix") and not text:
                    raise self.fail("Null prefix/suffix not allowed")
                items.append(text)
            elif mode == "equals-ignore-case":
                raise self.fail(_AB_EIC)
            elif mode == "wildcard":
                raise self.fail("wildcard match pattern must be a string")
            elif mode:
                raise self.fail("prefix/suffix match pattern must be a string")
            elif tok.kind.numeric:
                items.append(self.number(tok))
            else:
                raise self.fail("Inside anything but list, start|null|boolean is not supported.")
            if single:
                break
        return items

    def _ab_matcher(self, items: list[str | float], mode: str) -> m.Matcher:
        strings = frozenset(x for x in items if isinstance(x, str))
        if mode == "prefix":
            return m.AnythingButPrefix(strings)
        if mode == "suffix":
            return m.AnythingButSuffix(strings)
        if mode == "equals-ignore-case":
            return m.AnythingButIgnoreCase(frozenset(x.casefold() for x in strings))
        if mode == "wildcard":
            for text in dict.fromkeys(x for x in items if isinstance(x, str)):
                self.check_wildcard(text)
            return m.AnythingButWildcard(tuple(sorted(strings)))
        numbers = frozenset(x for x in items if isinstance(x, float))
        if bool(strings) == bool(numbers):
            raise self.fail(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        return m.AnythingBut(strings, numbers)


_OPERATORS: dict[str, Callable[[ExpressionReader], m.Matcher]] = {
    "exactly": ExpressionReader.op_exactly,
    "prefix": ExpressionReader.op_prefix,
    "suffix": ExpressionReader.op_suffix,
    "numeric": ExpressionReader.op_numeric,
    "anything-but": ExpressionReader.op_anything_but,
    "exists": ExpressionReader.op_exists,
    "cidr": ExpressionReader.op_cidr,
    "equals-ignore-case": ExpressionReader.op_equals_ignore_case,
    "wildcard": ExpressionReader.op_wildcard,
}
