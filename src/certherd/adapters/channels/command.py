"""The command channel: runs a subscriber's command line with the message on its stdin.

The command is started without a shell, in its own session (so it and everything it starts
form one process group), with a minimal environment: only ``PATH`` and ``LANG`` from this
side, plus what the subscription sets. The server's own environment (which may hold
``CERTHERD_MASTER_KEY`` or database credentials) never reaches a command.

A command still running at its timeout is sent SIGTERM as a whole group, then SIGKILL
after a grace period. Output (stdout and stderr interleaved) is kept only as its last
4 KiB, so a chatty command cannot exhaust memory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from certherd.errors import ValidationError
from certherd.services.channel_ports import ChannelError, CommandResult

__all__ = ["OUTPUT_TAIL_BYTES", "SubprocessRunner", "parse_command_line"]

#: How much of a command's output is kept (its end).
OUTPUT_TAIL_BYTES = 4096
_DEFAULT_GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.02


def parse_command_line(text: str) -> list[str]:
    """Split a command line into argv the way a POSIX shell would quote it.

    Nothing is expanded (no variables, globs, pipes or redirections): the words are run
    as they are. Raises ValidationError (field ``Endpoint``) when the line is empty, has
    unbalanced quotes or contains a NUL character."""
    if "\x00" in text:
        raise ValidationError("the command line must not contain NUL characters", field="Endpoint")
    try:
        argv = shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        raise ValidationError(
            f"the command line cannot be split into words: {exc}", field="Endpoint"
        ) from None
    if not argv:
        raise ValidationError("the command line is empty", field="Endpoint")
    return argv


def _minimal_environment() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH") or os.defpath, "LANG": "C.UTF-8"}


class _Tail:
    """The last ``limit`` bytes of a stream, read by a thread until end of file."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, name="command-output", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        # This thread owns the pipe and closes it: it may outlive the run when a
        # process that escaped the group still holds the other end.
        with self._stream:
            fd = self._stream.fileno()
            while chunk := os.read(fd, 65536):
                with self._lock:
                    self._buffer += chunk
                    if len(self._buffer) > self._limit:
                        del self._buffer[: len(self._buffer) - self._limit]

    def text(self) -> str:
        with self._lock:
            data = bytes(self._buffer)
        if len(data) == self._limit:
            # The cut may have split a UTF-8 sequence: drop its leftover continuation bytes.
            start = 0
            while start < min(3, len(data)) and 0x80 <= data[start] <= 0xBF:
                start += 1
            data = data[start:]
        return data.decode("utf-8", errors="replace")


def _feed(stream: IO[bytes], data: bytes) -> None:
    # A command that exits without reading its input closes the pipe: that is its right.
    with contextlib.suppress(BrokenPipeError, OSError), stream:
        stream.write(data)


def _leader_exited(pid: int) -> bool:
    """Whether process ``pid`` has exited, without reaping it.

    While it is not reaped its pid (the group's id) cannot be reused, so signalling the
    group can never reach an unrelated process."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


class _Done:
    """Whether the command's leader has exited and its output reached end of file."""

    def __init__(self, process: subprocess.Popen[bytes], tail: _Tail) -> None:
        self._process = process
        self._tail = tail

    def __call__(self) -> bool:
        return not self._tail.thread.is_alive() and _leader_exited(self._process.pid)


def _wait_until(done: _Done, deadline: float) -> bool:
    """Poll ``done`` until it is true (returns True) or ``deadline`` passes (False)."""
    while not done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(_POLL_SECONDS, remaining))
    return True


@dataclass(frozen=True)
class _Identity:
    name: str
    uid: int
    gid: int


def _identity(user: str | None) -> _Identity | None:
    if user is None:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ChannelError(f"there is no user {user!r}", retryable=False) from None
    return _Identity(user, entry.pw_uid, entry.pw_gid)


class SubprocessRunner:
    """:class:`~certherd.services.channel_ports.CommandRunner` over :mod:`subprocess`.

    ``grace_seconds``: how long a timed-out command has between SIGTERM and SIGKILL.
    Safe to use from several threads: every run is independent."""

    def __init__(self, *, grace_seconds: float = _DEFAULT_GRACE_SECONDS) -> None:
        self._grace_seconds = grace_seconds

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes,
        timeout_seconds: float,
        environment: Mapping[str, str] | None = None,
        working_directory: str | None = None,
        user: str | None = None,
    ) -> CommandResult:
        """Run ``argv`` with ``stdin`` and wait for it and every process it started.

        ``user``: run it as this user (its primary group, no supplementary groups); only
        a process running as root can.

        A command (or a process it started that still holds its output) running at
        ``timeout_seconds`` is killed with its whole process group and reported with
        ``timed_out``; ``exit_status`` is negative when a signal ended the command.
        Raises ChannelError (not retryable) when the command cannot be started: no such
        executable, not executable, no such working directory, no such user or not
        allowed to switch to it."""
        if not argv:
            raise ChannelError("the command line is empty", retryable=False)
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        env = _minimal_environment()
        env.update(environment or {})
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_seconds
        process = self._start(argv, env, working_directory, _identity(user))
        assert process.stdin is not None and process.stdout is not None
        tail = _Tail(process.stdout, OUTPUT_TAIL_BYTES)
        threading.Thread(
            target=_feed, args=(process.stdin, stdin), name="command-input", daemon=True
        ).start()
        done = _Done(process, tail)
        timed_out = not _wait_until(done, deadline)
        if timed_out:
            self._stop_group(process.pid, done)
        exit_status = process.wait()
        # Whatever is still reading belongs to a process outside the group: do not wait on it.
        tail.thread.join(timeout=self._grace_seconds if timed_out else 0)
        return CommandResult(
            exit_status=exit_status,
            duration_ms=(time.perf_counter() - started) * 1000.0,
            output_tail=tail.text(),
            timed_out=timed_out,
        )

    def _stop_group(self, pgid: int, done: _Done) -> None:
        _signal_group(pgid, signal.SIGTERM)
        _wait_until(done, time.monotonic() + self._grace_seconds)
        # Sent even when the leader went away: members that ignore SIGTERM and closed
        # their output are still there.
        _signal_group(pgid, signal.SIGKILL)

    @staticmethod
    def _start(
        argv: Sequence[str],
        env: Mapping[str, str],
        working_directory: str | None,
        identity: _Identity | None = None,
    ) -> subprocess.Popen[bytes]:
        program = argv[0]
        switch: dict[str, Any] = {}
        if identity is not None:
            switch = {"user": identity.uid, "group": identity.gid, "extra_groups": []}
        try:
            return subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=dict(env),
                cwd=working_directory,
                start_new_session=True,
                close_fds=True,
                **switch,
            )
        except FileNotFoundError as exc:
            if working_directory is not None and exc.filename == working_directory:
                message = f"the working directory {working_directory!r} does not exist"
            else:
                message = f"the command {program!r} was not found"
            raise ChannelError(message, retryable=False) from None
        except NotADirectoryError:
            raise ChannelError(
                f"the working directory {working_directory!r} is not a directory",
                retryable=False,
            ) from None
        except PermissionError:
            if identity is not None and os.geteuid() != 0:
                raise ChannelError(
                    f"cannot run the command as user {identity.name!r}: certherd does not "
                    "run as root",
                    retryable=False,
                ) from None
            raise ChannelError(
                f"the command {program!r} (or its working directory) cannot be executed: "
                "permission denied",
                retryable=False,
            ) from None
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ChannelError(
                f"the command {program!r} could not be started: {reason}", retryable=False
            ) from None
