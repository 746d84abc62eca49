"""JSON given to a command inline or in a file: patterns, details, events, transformers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.pattern_cmd import INVALID, read_input

__all__ = ["json_text", "json_value"]


def json_text(value: str, *, what: str) -> str:
    """The JSON text of ``value``: itself when it starts like JSON (``{``, ``[``, ``"``),
    standard input for ``-``, else the contents of the file it names.

    Raises CliError (exit code 2) when the file cannot be read or the text is not JSON.
    """
    stripped = value.strip()
    if stripped[:1] in ("{", "[", '"'):
        text, where = value, f"{what} (inline)"
    else:
        text = read_input(Path(value), what=f"{what} file")
        where = f"{what} (standard input)" if value == "-" else f"{what} file {value}"
    try:
        json.loads(text)
    except ValueError as exc:
        raise CliError(f"{where} is not JSON: {exc}", exit_code=INVALID) from None
    return text


def json_value(value: str, *, what: str) -> Any:
    """:func:`json_text`, decoded."""
    return json.loads(json_text(value, what=what))
