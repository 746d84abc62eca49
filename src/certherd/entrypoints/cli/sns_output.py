"""How topics, subscriptions, deliveries and mail are shown: states in colour, instants
trimmed for columns, JSON documents (policies) pretty-printed under a key/value view."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from rich.console import Group, RenderableType
from rich.highlighter import JSONHighlighter
from rich.text import Text

from certherd.entrypoints.cli.output import describe

__all__ = ["CONFIRMED", "PENDING_CONFIRMATION", "described", "instant", "state_text", "yes_no"]

_HIGHLIGHT: Final = JSONHighlighter()
PENDING_CONFIRMATION: Final = "pending confirmation"
CONFIRMED: Final = "confirmed"
_STATE_STYLES: Final = {
    "DELIVERED": "green",
    "PENDING": "yellow",
    "FAILED": "red",
    "DEAD_LETTERED": "red",
    "DROPPED": "dim",
    CONFIRMED: "green",
    PENDING_CONFIRMATION: "yellow",
}


def state_text(value: object) -> Text:
    """A delivery's state or a subscription's status, coloured: delivered and confirmed
    green, pending yellow, failed and dead-lettered red."""
    text = str(value) if value else "-"
    return Text(text, style=_STATE_STYLES.get(text, ""))


def yes_no(value: object) -> str:
    """``yes``/``no`` for a boolean or SNS's ``"true"``/``"false"`` strings."""
    if isinstance(value, str):
        return "yes" if value.lower() == "true" else "no"
    return "yes" if value else "no"


def instant(value: object) -> str | None:
    """An ISO 8601 instant to the second, with a space for the ``T``, for table columns."""
    if not isinstance(value, str) or len(value) < 19:
        return value if isinstance(value, str) and value else None
    return value[:19].replace("T", " ")


def _document(text: str) -> Text:
    """``text`` pretty-printed (when it is JSON) and indented by two spaces, highlighted."""
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = text
    return _HIGHLIGHT(Text("\n".join("  " + line for line in pretty.splitlines())))


def described(
    fields: Mapping[str, Any], documents: Sequence[tuple[str, object]] = ()
) -> RenderableType:
    """The key/value view of ``fields``, then each non-empty JSON document of
    ``documents`` (title, JSON text) under its title, pretty-printed and indented."""
    parts: list[RenderableType] = [describe(fields)]
    for title, text in documents:
        if isinstance(text, str) and text:
            parts.append(Text(f"\n{title}", style="bold"))
            parts.append(_document(text))
    return Group(*parts)
