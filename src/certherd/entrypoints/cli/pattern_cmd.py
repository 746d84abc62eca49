"""``certherd pattern test|check``: EventBridge event patterns, checked on this machine.

No server is needed: the pattern is compiled and matched by :mod:`certherd.patterns`, the
same code the server's rules use, so a pattern that passes here behaves the same there
(and a pattern AWS rejects is rejected with AWS's reason).

Exit codes differ from the API commands': ``pattern test`` exits 1 when the event does
not match (not because something went wrong); 2 is an invalid pattern or an input that
cannot be read or is not JSON, as for usage errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import emit_json
from certherd.entrypoints.cli.state import state_of
from certherd.patterns import CompiledPattern, PatternError, compile_pattern, explain

__all__ = ["app"]

#: Exit code of ``pattern test`` when the event does not match.
NO_MATCH = 1
#: Exit code for an invalid pattern or an unreadable or malformed input.
INVALID = 2
STDIN = "-"

app = typer.Typer(
    help="Event patterns (EventBridge's language), tested on this machine: no server needed.",
    no_args_is_help=True,
)


def read_input(path: Path, *, what: str) -> str:
    """The UTF-8 text of ``path``, or of standard input when it is ``-``; ``what`` names it
    in errors ("pattern file", ...).

    Raises CliError (exit code 2) when it cannot be read or is not UTF-8 text.
    """
    if str(path) == STDIN:
        where = f"{what} (standard input)"
        try:
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
        except OSError as exc:
            raise CliError(f"{where} cannot be read: {exc.strerror}", exit_code=INVALID) from None
    else:
        where = f"{what} {path}"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CliError(f"{where} does not exist", exit_code=INVALID) from None
        except IsADirectoryError:
            raise CliError(f"{where} is a directory", exit_code=INVALID) from None
        except PermissionError:
            raise CliError(f"{where} is not readable", exit_code=INVALID) from None
        except OSError as exc:
            raise CliError(f"{where} cannot be read: {exc.strerror}", exit_code=INVALID) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{where} is not UTF-8 text", exit_code=INVALID) from None


def _not_json(constant: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and EventBridge) does not.
    raise ValueError(f"{constant} is not a JSON value")


def load_event(path: Path) -> dict[str, Any]:
    """The event in ``path`` (or standard input): a JSON object.

    Raises CliError (exit code 2) naming the file when it is unreadable, not JSON or not
    a JSON object.
    """
    text = read_input(path, what="event file")
    where = "event file (standard input)" if str(path) == STDIN else f"event file {path}"
    try:
        event = json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{where} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            exit_code=INVALID,
        ) from None
    except ValueError as exc:
        raise CliError(f"{where} is not JSON: {exc}", exit_code=INVALID) from None
    if not isinstance(event, dict):
        raise CliError(f"{where} is not a JSON object (an event is one)", exit_code=INVALID)
    return event


def load_pattern(path: Path) -> CompiledPattern:
    """The compiled pattern in ``path`` (or standard input).

    Raises CliError (exit code 2): unreadable, or invalid, with AWS's message
    ``Event pattern is not valid. Reason: <reason>`` (line breaks in the reason, which
    quotes the pattern in some cases, written as ``\\n``).
    """
    text = read_input(path, what="pattern file")
    try:
        return compile_pattern(text)
    except PatternError as exc:
        # Jackson quotes the pattern in some reasons; keep the error on one line.
        message = exc.aws_message.replace("\r", "\\r").replace("\n", "\\n")
        raise CliError(message, exit_code=INVALID) from None


PatternFile = Annotated[
    Path,
    typer.Option(
        "--pattern", "-p", metavar="FILE", help="The event pattern (JSON); - reads standard input."
    ),
]
EventFile = Annotated[
    Path,
    typer.Option(
        "--event", "-e", metavar="FILE", help="The event (a JSON object); - reads standard input."
    ),
]


@app.command("test")
def match_event(
    ctx: typer.Context, pattern: PatternFile, event: EventFile, output: OutputOption = None
) -> None:
    """Test whether an event matches an event pattern, and if not, why.

    Prints "match", or "no match: " and the first field that failed, e.g.
    no match: detail.Action: "RENEWAL" does not match ["IMPORT"]
    With --output json: {"Result": true} or {"Result": false, "Reason": "..."}.

    Exit codes (1 is an answer here, not an error as for the commands that
    call the server):
    0 the event matches;
    1 the event does not match;
    2 the pattern is invalid (AWS's message on stderr:
    "Event pattern is not valid. Reason: ..."),
    a file cannot be read, or the event is not a JSON object.
    """
    if str(pattern) == STDIN and str(event) == STDIN:
        raise CliError(
            "only one of --pattern and --event can be - (standard input)", exit_code=INVALID
        )
    compiled = load_pattern(pattern)
    verdict = explain(compiled, load_event(event))
    if state_of(ctx).json(output):
        answer: dict[str, object] = {"Result": verdict.matched}
        if not verdict.matched:
            answer["Reason"] = verdict.reason
        emit_json(answer)
    elif verdict.matched:
        typer.echo("match")
    else:
        typer.echo(f"no match: {verdict.reason}")
    if not verdict.matched:
        raise typer.Exit(NO_MATCH)


@app.command()
def check(
    ctx: typer.Context,
    pattern: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="The event pattern (JSON); - reads standard input."),
    ],
    output: OutputOption = None,
) -> None:
    """Check that an event pattern is valid, as EventBridge would (PutRule).

    Prints "valid" (with --output json: {"Valid": true}) and exits 0.
    An invalid pattern exits 2 with AWS's message on stderr:
    "Event pattern is not valid. Reason: ...";
    so does a file that cannot be read.
    """
    load_pattern(pattern)
    if state_of(ctx).json(output):
        emit_json({"Valid": True})
    else:
        typer.echo("valid")
