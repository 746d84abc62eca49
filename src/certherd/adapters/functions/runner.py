"""The function runner: every function runs in a process of its own.

A ``command`` function is its argv, the event on standard input. A ``python`` function
runs in a new Python interpreter (this one's executable) executing
:mod:`certherd.adapters.functions.host`, which finds the entry point, gives it the event
and prints what it returns. Both go through
:class:`~certherd.adapters.channels.command.SubprocessRunner`, so both get the same minimal
environment, output tail and timeout: a process (and every process it started) still
running at the timeout is killed as a group. A callable run in a thread of the server
could not be stopped at all.

Running as another user needs root: :meth:`ProcessFunctionRunner.check` refuses a
``run_as`` other than the current user when certherd is not root, and the user must exist.
"""

from __future__ import annotations

import os
import pwd
import sys
from collections.abc import Mapping
from importlib.metadata import entry_points

from certherd.adapters.channels.command import SubprocessRunner
from certherd.domain.functions import ENTRY_POINT_GROUP, Function, FunctionKind, RunOutcome
from certherd.errors import ValidationError
from certherd.services.channel_ports import ChannelError

__all__ = ["HOST_MODULE", "ProcessFunctionRunner", "current_user"]

#: The module a python function's interpreter runs.
HOST_MODULE = "certherd.adapters.functions.host"


def current_user() -> str:
    """The name of the user this process runs as (its uid when it has no name)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _entry_point_exists(name: str) -> bool:
    return bool(entry_points(group=ENTRY_POINT_GROUP, name=name))


class ProcessFunctionRunner:
    """:class:`~certherd.services.function_ports.FunctionRunner` over processes.

    ``python``: the interpreter of python functions (default: this one)."""

    def __init__(
        self, *, commands: SubprocessRunner | None = None, python: str | None = None
    ) -> None:
        self._commands = commands or SubprocessRunner()
        self._python = python or sys.executable

    def check(self, function: Function) -> None:
        if function.kind is FunctionKind.PYTHON and not _entry_point_exists(
            function.entry_point or ""
        ):
            raise ValidationError(
                f"no installed package publishes an entry point {function.entry_point!r} "
                f"in the group {ENTRY_POINT_GROUP!r}",
                field="EntryPoint",
            )
        if function.run_as is None:
            return
        try:
            pwd.getpwnam(function.run_as)
        except KeyError:
            raise ValidationError(f"there is no user {function.run_as!r}", field="RunAs") from None
        me = current_user()
        if os.geteuid() != 0 and function.run_as != me:
            raise ValidationError(
                f"certherd runs as {me!r}, not as root: it can only run functions as {me!r}",
                field="RunAs",
            )

    def run(self, function: Function, payload: str, environment: Mapping[str, str]) -> RunOutcome:
        env = dict(environment)
        if function.kind is FunctionKind.PYTHON:
            argv = [self._python, "-m", HOST_MODULE, function.entry_point or ""]
            # Output reaches the tail as it is written, even when the run is killed.
            env.setdefault("PYTHONUNBUFFERED", "1")
            if "PYTHONPATH" in os.environ:
                # Where this interpreter found certherd and its plugins.
                env.setdefault("PYTHONPATH", os.environ["PYTHONPATH"])
        else:
            argv = list(function.command)
        # Switching users is only needed (and only possible) as root.
        user = function.run_as if function.run_as and os.geteuid() == 0 else None
        try:
            result = self._commands.run(
                argv,
                stdin=payload.encode(),
                timeout_seconds=float(function.timeout_seconds),
                environment=env,
                working_directory=function.working_directory,
                user=user,
            )
        except ChannelError as exc:
            return RunOutcome(exit_status=None, duration_ms=0.0, output_tail="", error=exc.message)
        return RunOutcome(
            exit_status=result.exit_status,
            duration_ms=result.duration_ms,
            output_tail=result.output_tail,
            timed_out=result.timed_out,
        )
