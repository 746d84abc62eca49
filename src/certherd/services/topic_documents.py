"""What the deliveries of one batch share, and the JSON text of SNS's documents.

Every subscriber of a message receives the same signed document, but for its
``UnsubscribeURL`` (which the signature does not cover). :class:`BatchCache` lets the
delivery threads of a batch make such a value (a signature, a document, a message text)
once, however many of them ask for it at the same time.

:func:`pretty_json` writes exactly what ``json.dumps(value, indent=2)`` writes, several
times faster: the standard library encodes indented output in Python, value by value,
while this only joins strings its C string encoder made.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Mapping
from json.encoder import encode_basestring_ascii
from typing import TypeVar, cast

__all__ = ["BatchCache", "pretty_json", "pretty_json_around"]

T = TypeVar("T")


class BatchCache:
    """Values by key, each made once: the first caller makes it, callers asking for it
    meanwhile wait for that instead of making it again. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[Hashable, object] = {}
        self._making: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value of ``key``, made by ``make`` if it is not known yet. What ``make``
        raises is raised to its caller and not kept: the next caller tries again."""
        while True:
            with self._lock:
                if key in self._values:
                    return cast(T, self._values[key])
                made = self._making.get(key)
                if made is None:
                    made = self._making[key] = threading.Event()
                    break
            made.wait()
        try:
            value = make()
        except BaseException:
            with self._lock:
                del self._making[key]
            made.set()
            raise
        with self._lock:
            self._values[key] = value
            del self._making[key]
        made.set()
        return value


def pretty_json(value: object, indent: str = "") -> str:
    """``json.dumps(value, indent=2)``: the same text for dicts (string, number, boolean or
    null keys), lists, tuples, strings, numbers, booleans and ``None``.

    Raises TypeError for any other value, as ``json.dumps`` does. ``indent`` is the
    indentation of the line ``value`` starts on (for the nested values)."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        entries = [f"{inner}{_key(key)}: {pretty_json(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(entries) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [inner + pretty_json(item, inner) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def pretty_json_around(document: Mapping[str, object], key: str) -> tuple[str, str]:
    """(before, after) such that ``before + encode_basestring_ascii(text) + after`` is
    ``pretty_json(document)`` with ``text`` as the value of its top-level ``key``: the
    text of a document rendered once for many values of one string. Raises KeyError when
    ``document`` has no ``key``, TypeError as :func:`pretty_json`."""
    entries = [(name, f"  {_key(name)}: ") for name in document]
    at = [name for name, _ in entries].index(key) if key in document else -1
    if at < 0:
        raise KeyError(key)
    rendered = [head + pretty_json(document[name], "  ") for name, head in entries]
    before = "{\n" + "".join(text + ",\n" for text in rendered[:at]) + entries[at][1]
    after = "".join(",\n" + text for text in rendered[at + 1 :]) + "\n}"
    return before, after


def _key(key: object) -> str:
    if isinstance(key, str):
        return encode_basestring_ascii(key)
    if key is None or isinstance(key, bool | int | float):
        # As json.dumps: the key's JSON text, quoted ({1: x} -> {"1": x}).
        return encode_basestring_ascii(json.dumps(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
