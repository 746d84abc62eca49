"""A streaming JSON tokenizer that fails the way Jackson does.

EventBridge validates a pattern with event-ruler's ``JsonRuleCompiler``, which pulls tokens
one at a time from a Jackson ``JsonParser`` and stops at the first problem, whether it is
malformed JSON or a rule the compiler rejects. To report the same reason for the same
pattern, this tokenizer is also pull-based and raises Jackson's messages (without the
``at [Source: ...]`` location suffix, which is not part of AWS's reason) at the same token
Jackson would: the value after a field name is scanned together with the name, and string
values are decoded lazily, only when their text is needed or the next token is pulled.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

from certherd.patterns.errors import PatternError

__all__ = ["Kind", "Token", "Tokenizer"]

_TOKEN_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"  # noqa: S105
_MAX_ERROR_TOKEN = 256
_MAX_SOURCE = 500
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "/": "/", "\\": "\\"}


class Kind(enum.Enum):
    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "field"
    STRING = "string"
    INT = "int"
    FLOAT = "float"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"

    @property
    def numeric(self) -> bool:
        return self is Kind.INT or self is Kind.FLOAT


@dataclass(slots=True)
class Token:
    kind: Kind
    start: int
    #: Jackson's ``getText()``; ``None`` for a string value not decoded yet.
    raw: str | None = None
    end: int = -1


@dataclass(slots=True)
class _Context:
    kind: str  # "{" or "["
    start: int
    count: int = 0


def _char_desc(ch: str) -> str:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{ch}' (code {code} / 0x{code:x})"
    return f"'{ch}' (code {code})"


def _ident_start(ch: str) -> bool:
    return ch.isalpha() or ch in "$_" or unicodedata.category(ch) in ("Sc", "Pc", "Nl")


def _ident_part(ch: str) -> bool:
    return (
        ch.isalnum()
        or ch in "$_"
        or unicodedata.category(ch) in ("Sc", "Pc", "Nl", "Nd", "Mn", "Mc", "Cf")
    )


class Tokenizer:
    """Pulls Jackson tokens from ``text``; :meth:`next` returns ``None`` at the end."""

    def __init__(self, text: str, start: int = 0) -> None:
        self._s = text
        self._n = len(text)
        self._i = start
        self._stack: list[_Context] = []
        self._pending: Token | None = None
        self._lazy: Token | None = None

    # -- errors -------------------------------------------------------------------------
    def error(self, message: str, position: int | None = None) -> PatternError:
        return PatternError(message, position=self._i if position is None else position)

    def location(self, offset: int) -> str:
        """Jackson's ``[Source: (String)"..."; line: L, column: C]`` for ``offset``."""
        text = self._s
        shown = text[:_MAX_SOURCE]
        more = len(text) - len(shown)
        suffix = f"[truncated {more} chars]" if more > 0 else ""
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return f'[Source: (String)"{shown}"{suffix}; line: {line}, column: {column}]'

    def _unexpected(self, ch: str, comment: str) -> PatternError:
        return self.error(f"Unexpected character ({_char_desc(ch)}): {comment}")

    def _number_char(self, ch: str | None, comment: str) -> PatternError:
        if ch is None:
            return self.error("Unexpected end-of-input in a Number value")
        return self.error(f"Unexpected character ({_char_desc(ch)}) in numeric value: {comment}")

    def _invalid_token(self, matched: str) -> PatternError:
        s, i = self._s, self._i
        out = matched
        while i < self._n and _ident_part(s[i]):
            out += s[i]
            i += 1
            if len(out) >= _MAX_ERROR_TOKEN:
                out += "..."
                break
        return self.error(f"Unrecognized token '{out}': was expecting {_TOKEN_LIST}")

    # -- public -------------------------------------------------------------------------
    def text(self, tok: Token) -> str:
        """Jackson's ``getText()``: decodes a lazy string value on first use."""
        if tok.raw is None:
            tok.raw = self._read_string(tok.start + 1, "string value")
            tok.end = self._i
            if self._lazy is tok:
                self._lazy = None
        return tok.raw

    def next(self) -> Token | None:
        """The next token, or ``None`` when the input ends at the root level."""
        if self._lazy is not None:
            self.text(self._lazy)
        if self._pending is not None:
            tok, self._pending = self._pending, None
            return self._enter(tok)
        ch = self._skip_ws()
        ctx = self._stack[-1] if self._stack else None
        if ch is None:
            if ctx is not None:
                desc = "Object" if ctx.kind == "{" else "Array"
                start = self.location(ctx.start)
                raise self.error(
                    f"Unexpected end-of-input: expected close marker for {desc} "
                    f"(start marker at {start})"
                )
            return None
        if ch in "]}":
            return self._close(ch)
        if ctx is not None and ctx.count > 0:
            if ch != ",":
                desc = "Object" if ctx.kind == "{" else "Array"
                raise self._unexpected(ch, f"was expecting comma to separate {desc} entries")
            self._i += 1
            ch = self._skip_ws()
            if ch is None:
                desc = "Object" if ctx.kind == "{" else "Array"
                raise self.error(f"Unexpected end-of-input within/between {desc} entries")
        if ctx is not None:
            ctx.count += 1
        if ctx is not None and ctx.kind == "{":
            return self._field(ch)
        return self._enter(self._value(ch, in_object=False, at_root=ctx is None))

    # -- structure ----------------------------------------------------------------------
    def _enter(self, tok: Token) -> Token:
        if tok.kind is Kind.START_OBJECT:
            self._stack.append(_Context("{", tok.start))
        elif tok.kind is Kind.START_ARRAY:
            self._stack.append(_Context("[", tok.start))
        elif tok.kind is Kind.STRING and tok.raw is None:
            self._lazy = tok
        return tok

    def _close(self, ch: str) -> Token:
        ctx = self._stack[-1] if self._stack else None
        want = "}" if ctx is not None and ctx.kind == "{" else "]"
        if ctx is None or ch != want:
            other = "]" if ch == "}" else "}"
            if ctx is None:
                desc, marker = "root", self.location(0).replace("column: 1]", "column: 0]")
            else:
                desc = "Object" if ctx.kind == "{" else "Array"
                marker = self.location(ctx.start)
            raise self.error(
                f"Unexpected close marker '{ch}': expected '{other}' "
                f"(for {desc} starting at {marker})"
            )
        self._stack.pop()
        offset = self._i
        self._i += 1
        kind = Kind.END_OBJECT if ch == "}" else Kind.END_ARRAY
        return Token(kind, offset, ch, self._i)

    def _field(self, ch: str) -> Token:
        start = self._i
        if ch != '"':
            raise self._unexpected(ch, "was expecting double-quote to start field name")
        name = self._read_string(self._i + 1, "name")
        tok = Token(Kind.FIELD_NAME, start, name, self._i)
        after = self._skip_ws()
        if after != ":":
            if after is None:
                raise self.error("Unexpected end-of-input within/between Object entries")
            raise self._unexpected(after, "was expecting a colon to separate field name and value")
        self._i += 1
        value = self._skip_ws()
        if value is None:
            raise self.error("Unexpected end-of-input within/between Object entries")
        self._pending = self._value(value, in_object=True, at_root=False)
        return tok

    def _skip_ws(self) -> str | None:
        s, n = self._s, self._n
        while self._i < n:
            ch = s[self._i]
            if ch in " \t\n\r":
                self._i += 1
                continue
            if ch == "/":
                raise self._unexpected(
                    ch,
                    "maybe a (non-standard) comment? (not recognized as one since Feature "
                    "'ALLOW_COMMENTS' not enabled for parser)",
                )
            if ord(ch) < 0x20:
                raise self.error(
                    f"Illegal character ({_char_desc(ch)}): only regular white space "
                    "(\\r, \\n, \\t) is allowed between tokens"
                )
            return ch
        return None

    # -- values -------------------------------------------------------------------------
    def _value(self, ch: str, *, in_object: bool, at_root: bool) -> Token:
        start = self._i
        if ch == '"':
            self._i += 1
            return Token(Kind.STRING, start)
        if ch == "{":
            self._i += 1
            return Token(Kind.START_OBJECT, start, "{", self._i)
        if ch == "[":
            self._i += 1
            return Token(Kind.START_ARRAY, start, "[", self._i)
        if ch == "}":
            raise self._unexpected(ch, "expected a value")
        for literal, kind in (("true", Kind.TRUE), ("false", Kind.FALSE), ("null", Kind.NULL)):
            if ch == literal[0]:
                self._match_literal(literal)
                return Token(kind, start, literal, self._i)
        if ch == "-" or "0" <= ch <= "9":
            return self._number(at_root)
        return self._odd_value(ch)

    def _odd_value(self, ch: str) -> Token:
        if ch in "NI":
            word = "NaN" if ch == "N" else "Infinity"
            if self._s.startswith(word, self._i):
                raise self.error(
                    f"Non-standard token '{word}': enable "
                    "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                )
        if ch == "+":
            raise self._number_char(
                ch,
                "JSON spec does not allow numbers to have plus signs: enable "
                "`JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow",
            )
        if _ident_start(ch):
            self._i += 1
            raise self._invalid_token(ch)
        raise self._unexpected(ch, f"expected a valid value {_TOKEN_LIST}")

    def _match_literal(self, literal: str) -> None:
        s = self._s
        self._i += 1
        for k in range(1, len(literal)):
            if self._i >= self._n or s[self._i] != literal[k]:
                raise self._invalid_token(literal[:k])
            self._i += 1
        if self._i < self._n and _ident_part(s[self._i]):
            raise self._invalid_token(literal)

    def _digits(self) -> int:
        s, n, i = self._s, self._n, self._i
        while i < n and "0" <= s[i] <= "9":
            i += 1
        count = i - self._i
        self._i = i
        return count

    def _peek(self) -> str | None:
        return self._s[self._i] if self._i < self._n else None

    def _number(self, at_root: bool) -> Token:
        start = self._i
        if self._s[self._i] == "-":
            self._i += 1
            ch = self._peek()
            if ch is None or not "0" <= ch <= "9":
                if ch == "I" and self._s.startswith("Infinity", self._i):
                    raise self.error(
                        "Non-standard token '-Infinity': enable "
                        "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                    )
                raise self._number_char(
                    ch, "expected digit (0-9) to follow minus sign, for valid numeric value"
                )
        first = self._i
        self._digits()
        if self._s[first] == "0" and self._i - first > 1:
            raise self.error("Invalid numeric value: Leading zeroes not allowed")
        kind = Kind.INT
        if self._peek() == ".":
            kind = Kind.FLOAT
            self._i += 1
            if self._digits() == 0:
                raise self._number_char(self._peek(), "Decimal point not followed by a digit")
        if self._peek() in ("e", "E"):
            kind = Kind.FLOAT
            self._i += 1
            if self._peek() in ("+", "-"):
                self._i += 1
            if self._digits() == 0:
                raise self._number_char(self._peek(), "Exponent indicator not followed by a digit")
        ch = self._peek()
        if at_root and ch is not None and ch not in " \t\n\r":
            raise self.error("Expected space separating root-level values")
        return Token(kind, start, self._s[start : self._i], self._i)

    def _read_string(self, begin: int, what: str) -> str:
        s, n = self._s, self._n
        i = begin
        parts: list[str] = []
        surrogates = False
        while True:
            j = i
            while j < n and s[j] != '"' and s[j] != "\\" and ord(s[j]) >= 0x20:
                j += 1
            parts.append(s[i:j])
            if j >= n:
                self._i = j
                if what == "name":
                    raise self.error("Unexpected end-of-input in field name")
                raise self.error(
                    "Unexpected end-of-input: was expecting closing quote for a string value"
                )
            ch = s[j]
            if ch == '"':
                self._i = j + 1
                break
            if ch != "\\":
                self._i = j
                raise self.error(
                    f"Illegal unquoted character ({_char_desc(ch)}): has to be escaped using "
                    f"backslash to be included in {what}"
                )
            if j + 1 >= n:
                self._i = j + 1
                raise self.error("Unexpected end-of-input in character escape sequence")
            esc = s[j + 1]
            if esc == "u":
                code = 0
                for k in range(j + 2, j + 6):
                    if k >= n:
                        self._i = k
                        raise self.error("Unexpected end-of-input in character escape sequence")
                    digit = int(s[k], 16) if s[k] in "0123456789abcdefABCDEF" else -1
                    if digit < 0:
                        self._i = k
                        raise self._unexpected(
                            s[k], "expected a hex-digit for character escape sequence"
                        )
                    code = code * 16 + digit
                parts.append(chr(code))
                surrogates = surrogates or 0xD800 <= code <= 0xDFFF
                i = j + 6
                continue
            if esc not in _ESCAPES:
                self._i = j + 1
                raise self.error(f"Unrecognized character escape {_char_desc(esc)}")
            parts.append(_ESCAPES[esc])
            i = j + 2
        out = "".join(parts)
        if surrogates:
            out = out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return out
