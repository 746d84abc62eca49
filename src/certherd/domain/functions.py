"""Functions: code certherd runs for an event (what Lambda functions are to EventBridge).

A function is either a ``command`` (an argv run without a shell, the event JSON on its
standard input) or a ``python`` callable published by an installed package under the
entry-point group :data:`ENTRY_POINT_GROUP`. Both run in a process of their own, with an
environment of their own (whose values may be secrets: they are stored sealed and only
their names are ever shown), in a working directory, as a user, and are killed at their
timeout.

Every run is recorded as a :class:`FunctionInvocation`: when it started, how long it
took, its exit status, whether it timed out, and the last 4 KiB of its output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from certherd.errors import ValidationError

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "ENTRY_POINT_GROUP",
    "MAX_PAYLOAD_BYTES",
    "MAX_TIMEOUT_SECONDS",
    "Function",
    "FunctionInvocation",
    "FunctionKind",
    "InvocationSource",
    "RunOutcome",
    "RunState",
    "new_function",
    "run_state",
    "validate_function_name",
]

#: The entry-point group python functions are looked up in.
ENTRY_POINT_GROUP: Final = "certherd.functions"
DEFAULT_TIMEOUT_SECONDS: Final = 30
MAX_TIMEOUT_SECONDS: Final = 900
#: The largest event a function is given (Lambda's limit for asynchronous invocations).
MAX_PAYLOAD_BYTES: Final = 262_144
#: Lambda's limit on the size of a function's environment (names and values).
MAX_ENVIRONMENT_BYTES: Final = 4096
MAX_ARGUMENTS: Final = 256
MAX_ARGUMENT_LENGTH: Final = 4096
MAX_DESCRIPTION: Final = 256

_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VARIABLE_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}")
_USER_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
_ENTRY_POINT_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class FunctionKind(StrEnum):
    COMMAND = "command"
    PYTHON = "python"


class RunState(StrEnum):
    """How one run ended: exit status 0, another status, killed at its timeout, or not
    started at all (no such program, user or entry point)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ERROR = "ERROR"


class InvocationSource(StrEnum):
    """Who asked for a run: a rule's target, a topic's ``lambda`` subscription, or someone
    by hand (API, CLI)."""

    RULE = "RULE"
    TOPIC = "TOPIC"
    MANUAL = "MANUAL"


@dataclass(frozen=True)
class Function:
    """A registered function of one account.

    ``command`` is the argv of a ``command`` function, ``entry_point`` the entry-point
    name of a ``python`` one. ``environment_keys`` names the variables set for it; their
    values are sealed under ``environment_secret_id`` (None when it sets none).
    ``run_as`` is the user it runs as (None: the user certherd runs as)."""

    id: str
    account: str
    name: str
    kind: FunctionKind
    timeout_seconds: int
    created_at: datetime
    command: tuple[str, ...] = ()
    entry_point: str | None = None
    environment_keys: tuple[str, ...] = ()
    environment_secret_id: str | None = None
    working_directory: str | None = None
    run_as: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    """What running a function once gave: exit status (negative: the signal that ended
    it; None: it never started), duration, output tail, and why it could not start."""

    exit_status: int | None
    duration_ms: float
    output_tail: str
    timed_out: bool = False
    error: str | None = None


@dataclass(frozen=True)
class FunctionInvocation:
    """The record of one run of a function.

    ``source`` says who asked; for a rule, ``rule_arn``, ``event_id`` and
    ``target_invocation_id`` (the rule target's invocation, whose retries each make a run
    of their own) say which; for a topic, ``subscription_arn`` and ``message_id``."""

    id: str
    account: str
    function_id: str
    function_name: str
    source: InvocationSource
    started_at: datetime
    duration_ms: float
    state: RunState
    output_tail: str
    timed_out: bool = False
    exit_status: int | None = None
    error: str | None = None
    rule_arn: str | None = None
    event_id: str | None = None
    target_invocation_id: str | None = None
    subscription_arn: str | None = None
    message_id: str | None = None


def run_state(outcome: RunOutcome) -> RunState:
    """The state a run ended in (a run that timed out is TIMED_OUT whatever its status)."""
    if outcome.error is not None or outcome.exit_status is None:
        return RunState.ERROR
    if outcome.timed_out:
        return RunState.TIMED_OUT
    return RunState.SUCCEEDED if outcome.exit_status == 0 else RunState.FAILED


def validate_function_name(name: str, *, field: str = "FunctionName") -> str:
    """``name`` if it is 1-64 letters, digits, ``-`` and ``_``; ValidationError otherwise."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValidationError("must be 1-64 letters, digits, hyphens or underscores", field=field)
    return name


def _check_text(value: str, field: str, limit: int) -> None:
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters", field=field)
    if len(value) > limit:
        raise ValidationError(f"must be at most {limit} characters", field=field)


def _command(argv: Sequence[str] | None) -> tuple[str, ...]:
    if not argv:
        raise ValidationError(
            "a command function needs its argv (one word at least)", field="Command"
        )
    if len(argv) > MAX_ARGUMENTS:
        raise ValidationError(f"must have at most {MAX_ARGUMENTS} words", field="Command")
    for index, word in enumerate(argv):
        if not isinstance(word, str):
            raise ValidationError("must be a list of strings", field=f"Command[{index}]")
        _check_text(word, f"Command[{index}]", MAX_ARGUMENT_LENGTH)
    if not argv[0].strip():
        raise ValidationError("the program must not be empty", field="Command[0]")
    return tuple(argv)


def _environment(environment: Mapping[str, str]) -> tuple[str, ...]:
    size = 0
    for key, value in environment.items():
        if not isinstance(key, str) or not _VARIABLE_RE.fullmatch(key):
            raise ValidationError(
                f"{key!r} is not a variable name (a letter, then letters, digits or _)",
                field="Environment",
            )
        if not isinstance(value, str):
            raise ValidationError("must be a string", field=f"Environment.{key}")
        _check_text(value, f"Environment.{key}", MAX_ENVIRONMENT_BYTES)
        size += len(key.encode()) + len(value.encode())
    if size > MAX_ENVIRONMENT_BYTES:
        raise ValidationError(
            f"names and values together must be at most {MAX_ENVIRONMENT_BYTES} bytes",
            field="Environment",
        )
    return tuple(sorted(environment))


def new_function(
    *,
    id: str,
    account: str,
    name: str,
    kind: str,
    created_at: datetime,
    command: Sequence[str] | None = None,
    entry_point: str | None = None,
    environment: Mapping[str, str] | None = None,
    environment_secret_id: str | None = None,
    working_directory: str | None = None,
    timeout_seconds: int | None = None,
    run_as: str | None = None,
    description: str | None = None,
) -> Function:
    """A new function, its input checked.

    Raises ValidationError naming the field: a bad name (FunctionName), kind (Kind), argv
    (Command; only for ``command``), entry-point name (EntryPoint; only for ``python``),
    variable (Environment: names of a letter then letters, digits and ``_``; 4 KiB in
    all), working directory (WorkingDirectory: an absolute path), timeout (Timeout:
    1-900 seconds), user name (RunAs) or description (Description)."""
    validate_function_name(name)
    try:
        function_kind = FunctionKind(kind)
    except ValueError:
        raise ValidationError("must be 'command' or 'python'", field="Kind") from None
    argv: tuple[str, ...] = ()
    if function_kind is FunctionKind.COMMAND:
        argv = _command(command)
        if entry_point is not None:
            raise ValidationError("only a python function has an entry point", field="EntryPoint")
    else:
        if command:
            raise ValidationError(
                "a python function has no command; give EntryPoint", field="Command"
            )
        if not entry_point or not _ENTRY_POINT_RE.fullmatch(entry_point):
            raise ValidationError(
                "a python function needs the name of an entry point of the group "
                f"{ENTRY_POINT_GROUP!r}",
                field="EntryPoint",
            )
    keys = _environment(environment or {})
    if working_directory is not None:
        _check_text(working_directory, "WorkingDirectory", 4096)
        if not working_directory.startswith("/"):
            raise ValidationError("must be an absolute path", field="WorkingDirectory")
    timeout = DEFAULT_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
    if isinstance(timeout, bool) or not isinstance(timeout, int):
        raise ValidationError("must be a whole number of seconds", field="Timeout")
    if not 1 <= timeout <= MAX_TIMEOUT_SECONDS:
        raise ValidationError(
            f"must be between 1 and {MAX_TIMEOUT_SECONDS} seconds", field="Timeout"
        )
    if run_as is not None and not _USER_RE.fullmatch(run_as):
        raise ValidationError(f"{run_as!r} is not a user name", field="RunAs")
    if description is not None:
        _check_text(description, "Description", MAX_DESCRIPTION)
    return Function(
        id=id,
        account=account,
        name=name,
        kind=function_kind,
        timeout_seconds=timeout,
        created_at=created_at,
        command=argv,
        entry_point=entry_point if function_kind is FunctionKind.PYTHON else None,
        environment_keys=keys,
        environment_secret_id=environment_secret_id if keys else None,
        working_directory=working_directory,
        run_as=run_as,
        description=description,
    )
