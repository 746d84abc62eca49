"""The errors the CLI expects, and the one line each becomes on stderr.

An expected error (the server said no, the server is not there, a file cannot be read)
is printed as ``error: <message>`` and ends the command with exit code 1; Typer's own
usage errors keep exit code 2. Unexpected exceptions keep their traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ApiError", "CliError", "problem_message", "unauthorized_message"]


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit code ``exit_code``."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """The parts of an RFC 9457 problem document the CLI uses."""

    status: int
    code: str | None
    field: str | None
    detail: str | None
    title: str | None


class ApiError(CliError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, problem: Problem) -> None:
        super().__init__(message)
        self.problem = problem

    @property
    def status(self) -> int:
        return self.problem.status


def parse_problem(status: int, body: object) -> Problem:
    """The problem in a response ``body`` (already decoded JSON, or None when not JSON)."""
    document: Mapping[str, object] = body if isinstance(body, Mapping) else {}

    def text(key: str) -> str | None:
        value = document.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    return Problem(
        status=status,
        code=text("code") or text("title"),
        field=text("field"),
        detail=text("detail"),
        title=text("title"),
    )


def problem_message(problem: Problem, *, reason: str = "") -> str:
    """One line for a problem: ``DomainName: ...`` from its detail, naming the field.

    Falls back to the title, then to the HTTP status and reason, when the body said less.
    """
    detail = problem.detail or problem.title or f"HTTP {problem.status} {reason}".strip()
    if problem.field and not detail.startswith(problem.field):
        detail = f"{problem.field}: {detail}"
    return _one_line(detail)


def unauthorized_message(
    problem: Problem,
    *,
    token_source: str | None,
    credentials_file: Path,
    credentials_problem: str | None,
) -> str:
    """The message for a 401: which token was missing or rejected, and where to get one."""
    if token_source is None:
        why = credentials_problem or "gave no token"
        return (
            "unauthorized: no API token. Pass --token or set CERTHERD_TOKEN; otherwise the "
            f"token is read from the credentials file {credentials_file}, which {why} "
            "(`certherd serve` writes it on its first start; use --data-dir or "
            "CERTHERD_DATA_DIR if the server keeps its data elsewhere)"
        )
    said = f" ({_one_line(problem.detail)})" if problem.detail else ""
    return (
        f"unauthorized: the server rejected the API token from {token_source}{said}. "
        f"Check --token / CERTHERD_TOKEN, or the credentials file at {credentials_file}"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
