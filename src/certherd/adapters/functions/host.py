"""The process a ``python`` function runs in: ``python -m certherd.adapters.functions.host
NAME`` reads the event (JSON) from standard input, calls the callable the entry point
``NAME`` of the group ``certherd.functions`` names with it, and prints what it returns as
JSON on standard output.

Exit status 0 when the callable returned; 1 when it raised (the traceback goes to standard
error, which the runner keeps with the output); 2 for a usage error or an entry point that
cannot be loaded. The callable gets the event decoded (a dict for an event); input that is
not JSON is given as the text it is.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from importlib.metadata import entry_points
from typing import Any

from certherd.domain.functions import ENTRY_POINT_GROUP

__all__ = ["main"]


def _event(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    """Run the entry point named by ``argv[0]``; the process's exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m certherd.adapters.functions.host ENTRY_POINT", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    found = entry_points(group=ENTRY_POINT_GROUP, name=args[0])
    if not found:
        print(f"no entry point {args[0]!r} in the group {ENTRY_POINT_GROUP!r}", file=sys.stderr)
        return 2
    try:
        function = next(iter(found)).load()
    except Exception:
        traceback.print_exc()
        return 2
    event = _event(sys.stdin.read())
    try:
        result = function(event)
    except Exception:
        traceback.print_exc()
        return 1
    if result is not None:
        sys.stdout.write(json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
