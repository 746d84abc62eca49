"""What a rule's target receives: the event, ``Input``, ``InputPath`` or an
``InputTransformer`` (spec section 2.5).

* No option: the whole event as JSON. ``Input``: that constant JSON text.
  ``InputPath``: the JSON of the part of the event the path selects.
* ``InputTransformer``: ``InputPathsMap`` names values taken from the event by JSON path;
  ``InputTemplate`` uses them as ``<name>``, along with the reserved
  ``<aws.events.rule-arn>``, ``<aws.events.rule-name>``,
  ``<aws.events.event.ingestion-time>``, ``<aws.events.event>`` (the event without
  ``detail``) and ``<aws.events.event.json>`` (the whole event); the last two only as the
  value of a JSON field.

Escaping: a template that is a JSON object or array is JSON: a placeholder standing as a
value becomes the value's JSON (a string gets its quotes), a placeholder inside a quoted
string is replaced by the value's text *without escaping* (as AWS does), and a
placeholder may not be an object key. Any other template is text: placeholders become the
values' text. A path the event does not have yields an empty string (AWS delivers
``"command": ""`` for a missing ``<command>`` in a JSON template and nothing in a text
one). A JSON result is sent compact, as AWS does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from certherd.patterns.errors import InputTransformError
from certherd.patterns.flatten import load_event
from certherd.patterns.jsonpath import JsonPath, parse_path

__all__ = ["RESERVED_VARIABLES", "TargetInput", "compile_target_input", "transform_input"]

RESERVED_VARIABLES = frozenset(
    [
        "aws.events.rule-arn",
        "aws.events.rule-name",
        "aws.events.event.ingestion-time",
        "aws.events.event",
        "aws.events.event.json",
    ]
)
_EVENT_VARIABLES = frozenset(["aws.events.event", "aws.events.event.json"])
_KEY = re.compile(r"[A-Za-z0-9_\-]{1,256}")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
MAX_INPUT = 8192
MAX_TEMPLATE = 8192
MAX_PATH = 256
MAX_VARIABLES = 100


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _compact(value)


@dataclass(frozen=True, slots=True)
class _Slot:
    name: str
    in_string: bool


@dataclass(frozen=True, slots=True)
class TargetInput:
    """A validated target input configuration; :meth:`render` produces the delivery."""

    kind: str  # "event", "input", "path" or "template"
    constant: str = ""
    path: JsonPath | None = None
    variables: tuple[tuple[str, JsonPath], ...] = ()
    pieces: tuple[str | _Slot, ...] = ()
    json_template: bool = False

    def render(
        self,
        event: Mapping[str, Any] | str | bytes,
        *,
        rule_arn: str = "",
        rule_name: str = "",
        ingestion_time: datetime | str | None = None,
    ) -> str:
        """The text delivered to the target for ``event``."""
        document = dict(load_event(event))
        if self.kind == "event":
            return _compact(document)
        if self.kind == "input":
            return self.constant
        if self.kind == "path":
            assert self.path is not None
            found, value = self.path.select(document)
            return _compact(value) if found else ""
        values: dict[str, Any] = {}
        for name, path in self.variables:
            found, value = path.select(document)
            values[name] = value if found else ""
        if isinstance(ingestion_time, datetime):
            stamp = ingestion_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            stamp = ingestion_time or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        values["aws.events.rule-arn"] = rule_arn
        values["aws.events.rule-name"] = rule_name
        values["aws.events.event.ingestion-time"] = stamp
        values["aws.events.event"] = {k: v for k, v in document.items() if k != "detail"}
        values["aws.events.event.json"] = document
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif piece.in_string or not self.json_template:
                out.append(_text(values[piece.name]))
            else:
                out.append(_compact(values[piece.name]))
        rendered = "".join(out)
        if self.json_template:
            try:
                return _compact(json.loads(rendered))
            except ValueError:
                return rendered
        return rendered


def _for(target_id: str | None) -> str:
    return f" for target {target_id}" if target_id else ""


def _string_end(template: str, pos: int) -> int:
    """The index of the quote closing the JSON string that ``pos`` is inside."""
    while pos < len(template):
        if template[pos] == "\\":
            pos += 2
            continue
        if template[pos] == '"':
            return pos
        pos += 1
    return pos


def _next_char(template: str, pos: int) -> str:
    stripped = template[pos:].lstrip()
    return stripped[:1]


def _pieces(template: str, names: set[str], where: str) -> tuple[tuple[str | _Slot, ...], bool]:
    json_template = template.lstrip()[:1] in ("{", "[")
    pieces: list[str | _Slot] = []
    literal_start = 0
    in_string = False
    pos = 0
    while pos < len(template):
        ch = template[pos]
        if json_template and ch == "\\" and in_string:
            pos += 2
            continue
        if json_template and ch == '"':
            in_string = not in_string
        elif ch == "<" and (match := _PLACEHOLDER.match(template, pos)):
            name = match.group(1)
            if name not in names and name not in RESERVED_VARIABLES:
                raise InputTransformError(
                    f"InputTemplate{where} contains invalid placeholder {name}."
                )
            after = _string_end(template, match.end()) + 1 if in_string else match.end()
            if json_template and _next_char(template, after) == ":":
                raise InputTransformError(
                    f"InputTemplate{where} uses placeholder {name} as an object key, "
                    "which is not allowed."
                )
            if name in _EVENT_VARIABLES and (in_string or not json_template):
                raise InputTransformError(
                    f"InputTemplate{where} can use <{name}> only as the value of a JSON field."
                )
            pieces.append(template[literal_start:pos])
            pieces.append(_Slot(name, in_string and json_template))
            pos = literal_start = match.end()
            continue
        pos += 1
    pieces.append(template[literal_start:])
    return tuple(p for p in pieces if p != ""), json_template


def _transformer(spec: Mapping[str, Any], where: str) -> TargetInput:
    paths_map = spec.get("InputPathsMap") or {}
    template = spec.get("InputTemplate")
    if not isinstance(paths_map, Mapping):
        raise InputTransformError(f"InputPathsMap{where} must be a map of names to JSON paths.")
    if len(paths_map) > MAX_VARIABLES:
        raise InputTransformError(f"InputPathsMap{where} has more than {MAX_VARIABLES} entries.")
    variables = []
    for key, value in paths_map.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise InputTransformError(
                f"InputPathsMap key {key!r}{where} is not valid: use 1-256 letters, digits, "
                "'_' or '-'."
            )
        if key in RESERVED_VARIABLES or key.startswith("AWS."):
            raise InputTransformError(f"InputPathsMap key {key!r}{where} is reserved.")
        if not isinstance(value, str) or len(value) > MAX_PATH:
            raise InputTransformError(
                f"InputPathsMap value for {key!r}{where} is not a valid JSON path."
            )
        try:
            variables.append((key, parse_path(value)))
        except ValueError:
            raise InputTransformError(
                f"InputPathsMap value for {key!r}{where} is not a valid JSON path."
            ) from None
    if not isinstance(template, str) or not 1 <= len(template) <= MAX_TEMPLATE:
        raise InputTransformError(
            f"InputTemplate{where} is required and must be 1 to {MAX_TEMPLATE} characters."
        )
    pieces, json_template = _pieces(template, {k for k, _ in variables}, where)
    return TargetInput(
        "template", variables=tuple(variables), pieces=pieces, json_template=json_template
    )


def compile_target_input(
    *,
    input: str | None = None,
    input_path: str | None = None,
    input_transformer: Mapping[str, Any] | None = None,
    target_id: str | None = None,
) -> TargetInput:
    """Validate a target's input options once (as ``PutTargets`` does).

    ``input_transformer`` is ``{"InputPathsMap": {...}, "InputTemplate": "..."}``. Raises
    :class:`~certherd.patterns.errors.InputTransformError` when more than one option is
    given, or one is invalid (bad JSON, bad path, undefined placeholder...).
    """
    where = _for(target_id)
    given = [x is not None for x in (input, input_path, input_transformer)]
    if sum(given) > 1:
        raise InputTransformError(
            f"Only one of Input, InputPath, or InputTransformer must be provided{where}."
        )
    if input is not None:
        if len(input) > MAX_INPUT:
            raise InputTransformError(f"Input{where} is longer than {MAX_INPUT} characters.")
        try:
            json.loads(input)
        except ValueError:
            raise InputTransformError(f"Input{where} is not valid JSON.") from None
        return TargetInput("input", constant=input)
    if input_path is not None:
        try:
            if len(input_path) > MAX_PATH:
                raise ValueError(input_path)
            return TargetInput("path", path=parse_path(input_path))
        except ValueError:
            raise InputTransformError(f"InputPath{where} is not a valid JSON path.") from None
    if input_transformer is not None:
        return _transformer(input_transformer, where)
    return TargetInput("event")


def transform_input(
    event: Mapping[str, Any] | str | bytes,
    *,
    input: str | None = None,
    input_path: str | None = None,
    input_transformer: Mapping[str, Any] | None = None,
    rule_arn: str = "",
    rule_name: str = "",
    ingestion_time: datetime | str | None = None,
    target_id: str | None = None,
) -> str:
    """The text EventBridge would deliver to a target for ``event``.

    Validates the options like :func:`compile_target_input` (compile once and call
    :meth:`TargetInput.render` when delivering many events) and raises
    :class:`~certherd.patterns.errors.InputTransformError` for invalid ones.
    """
    compiled = compile_target_input(
        input=input,
        input_path=input_path,
        input_transformer=input_transformer,
        target_id=target_id,
    )
    return compiled.render(
        event, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=ingestion_time
    )
