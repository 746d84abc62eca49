"""SNS subscription filter policies (spec section 3.6).

The grammar is EventBridge's with SNS's restrictions: no ``wildcard``, ``anything-but``
only with a value, a list or ``prefix``, no case-insensitive prefix/suffix; numbers are
compared to five decimal places. Scope ``MessageAttributes`` (the default) takes a flat
policy over the message attributes of type ``String``, ``String.Array`` (any element may
match) and ``Number``; ``Binary`` attributes are ignored. Scope ``MessageBody`` takes a
nested policy over the JSON body; a body that is not a JSON object matches nothing.
Limits: 5 keys per combination and 150 combinations (the product of each field's number
of values, summed over ``$or`` alternatives).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certherd.patterns.compiler import compile_branches
from certherd.patterns.dialect import SNS, Branch
from certherd.patterns.errors import FilterPolicyError, InvalidEventError, PatternError
from certherd.patterns.pattern import CompiledPattern, PatternInput, pattern_text

__all__ = [
    "MAX_COMBINATIONS",
    "MAX_KEYS",
    "SCOPES",
    "FilterPolicy",
    "compile_filter_policy",
]

SCOPES = ("MessageAttributes", "MessageBody")
MAX_KEYS = 5
MAX_COMBINATIONS = 150


@dataclass(frozen=True, slots=True)
class FilterPolicy:
    """A validated filter policy for one scope."""

    pattern: CompiledPattern
    scope: str

    @property
    def source(self) -> str:
        return self.pattern.source

    def matches(
        self,
        *,
        attributes: Mapping[str, Mapping[str, Any]] | None = None,
        body: str | bytes | Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether a message passes: its ``attributes`` for scope ``MessageAttributes``,
        its ``body`` for ``MessageBody``."""
        if self.scope == "MessageBody":
            return body is not None and self.matches_body(body)
        return self.matches_attributes(attributes or {})

    def matches_attributes(self, attributes: Mapping[str, Mapping[str, Any]]) -> bool:
        """Match message attributes given as ``{"Name": {"Type": "String", "Value": "x"}}``
        (the notification envelope) or ``{"Name": {"DataType": ..., "StringValue": ...}}``
        (the Publish API)."""
        return self.pattern.matches(attributes_as_event(attributes))

    def matches_body(self, body: str | bytes | Mapping[str, Any]) -> bool:
        """Match a message body; a body that is not a JSON object never matches."""
        try:
            return self.pattern.matches(body)
        except InvalidEventError:
            return False


def _attribute_value(kind: str, raw: str) -> Any:
    if kind.startswith("String.Array"):
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        return value if isinstance(value, list) else raw
    if kind.startswith("Number"):
        try:
            return int(raw)
        except ValueError:
            pass
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def attributes_as_event(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Message attributes as the flat object a MessageAttributes policy is matched against."""
    event: dict[str, Any] = {}
    for name, attribute in attributes.items():
        if not isinstance(attribute, Mapping):
            continue
        kind = str(attribute.get("DataType") or attribute.get("Type") or "String")
        raw = attribute.get("StringValue", attribute.get("Value"))
        if kind.startswith("Binary") or not isinstance(raw, str):
            continue
        event[name] = _attribute_value(kind, raw)
    return event


def _check_limits(branches: list[Branch], scope: str) -> None:
    for branch in branches:
        if scope == "MessageAttributes" and any(s.top != s.path for s in branch.values()):
            raise FilterPolicyError(
                "Filter policy scope MessageAttributes does not support nested filter policy",
                attribute=None,
            )
    for branch in branches:
        if len({spec.top for spec in branch.values()}) > MAX_KEYS:
            raise FilterPolicyError(f"Filter policy can not have more than {MAX_KEYS} keys")
    total = 0
    for branch in branches:
        product = 1
        for spec in branch.values():
            product *= spec.size
        total += product
    if total > MAX_COMBINATIONS:
        raise FilterPolicyError("Filter policy is too complex")


def compile_filter_policy(policy: PatternInput, scope: str = "MessageAttributes") -> FilterPolicy:
    """Validate and compile an SNS filter policy for ``scope``.

    Raises :class:`~certherd.patterns.errors.FilterPolicyError` with SNS's reason (see
    :meth:`~certherd.patterns.errors.FilterPolicyError.api_message` for the full
    ``InvalidParameter`` text), also for an unknown ``scope``.
    """
    if scope not in SCOPES:
        raise FilterPolicyError(
            f"Invalid value [{scope}]. Please use either MessageBody or MessageAttributes",
            attribute="FilterPolicyScope",
        )
    try:
        text = pattern_text(policy)
        result = compile_branches(text, SNS)
    except FilterPolicyError:
        raise
    except PatternError as exc:
        raise FilterPolicyError(exc.message, position=exc.position) from None
    if isinstance(result, int):
        raise FilterPolicyError("Filter policy is too complex")
    _check_limits(result, scope)
    return FilterPolicy(CompiledPattern(text, tuple(result), SNS), scope)
