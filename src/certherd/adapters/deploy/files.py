"""Writing a deployment's files atomically, keeping each replaced file for rollback.

All new files are first written as temporary files in the destination directory (mode and
owner set before any byte of content, so a key is never readable by others, then fsync);
only when every one of them is ready is each replaced file hard-linked to
``<name>.previous`` and the new one renamed over it. The directory is fsynced last, so
after a crash a file is either its old or its new version, never a mix.
"""

from __future__ import annotations

import fcntl
import grp
import os
import pwd
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from certherd.services.deploy_ports import DeployError, RenderedFile

__all__ = ["PREVIOUS_SUFFIX", "AtomicFileWriter"]

PREVIOUS_SUFFIX = ".previous"
_LOCK_POLL_SECONDS: Final = 0.05


def _uid(owner: str | None) -> int:
    if owner is None:
        return -1
    if owner.isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise DeployError(f"there is no user {owner!r}") from None


def _gid(group: str | None) -> int:
    if group is None:
        return -1
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise DeployError(f"there is no group {group!r}") from None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(directory: Path, name: str) -> Path:
    return directory / f".{name}.{secrets.token_hex(6)}.tmp"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class AtomicFileWriter:
    """:class:`~certherd.services.deploy_ports.FileWriter` on the local file system."""

    def write(
        self,
        directory: str,
        files: Sequence[RenderedFile],
        *,
        owner: str | None,
        group: str | None,
    ) -> list[str]:
        uid, gid = _uid(owner), _gid(group)
        folder = Path(directory)
        if not folder.is_dir():
            raise DeployError(f"the directory {directory} does not exist")
        staged: list[Path] = []
        try:
            for spec in files:
                staged.append(self._stage(folder, spec, uid, gid))
            for spec in files:
                self._keep_previous(folder, spec.name)
        except OSError as exc:
            for path in staged:
                path.unlink(missing_ok=True)
            raise DeployError(f"cannot write into {directory}: {_reason(exc)}") from None
        written = []
        try:
            for spec, temporary in zip(files, staged, strict=True):
                target = folder / spec.name
                temporary.replace(target)
                written.append(str(target))
            _fsync_directory(folder)
        except OSError as exc:
            raise DeployError(f"cannot rename into {directory}: {_reason(exc)}") from None
        return written

    def restore(self, directory: str, names: Sequence[str]) -> list[str]:
        folder = Path(directory)
        missing = [n for n in names if not (folder / (n + PREVIOUS_SUFFIX)).is_file()]
        if missing:
            raise DeployError(
                f"no previous version of {', '.join(sorted(missing))} in {directory} to restore"
            )
        restored = []
        try:
            for name in names:
                target = folder / name
                previous = folder / (name + PREVIOUS_SUFFIX)
                # Swapped: the version rolled back from becomes the previous one, so a
                # second rollback re-applies it.
                swap = _temporary(folder, name)
                if target.exists():
                    os.link(target, swap)
                previous.replace(target)
                if swap.exists():
                    swap.replace(previous)
                restored.append(str(target))
            _fsync_directory(folder)
        except OSError as exc:
            raise DeployError(f"cannot restore in {directory}: {_reason(exc)}") from None
        return restored

    def read(self, directory: str, name: str) -> bytes:
        path = Path(directory) / name
        try:
            return path.read_bytes()
        except OSError as exc:
            raise DeployError(f"cannot read {path}: {_reason(exc)}") from None

    @contextmanager
    def hold(self, directory: str, *, timeout_seconds: float) -> Iterator[None]:
        folder = Path(directory)
        if not folder.is_dir():
            raise DeployError(f"the directory {directory} does not exist")
        try:
            # The directory itself is locked: no file of certherd's is left beside the
            # deployed ones.
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise DeployError(f"cannot lock {directory}: {_reason(exc)}") from None
        try:
            # flock belongs to the open file: another thread's open conflicts as well as
            # another process's.
            deadline = time.monotonic() + timeout_seconds
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DeployError(
                            f"another run of this deployment still holds {directory} after "
                            f"{timeout_seconds:g}s"
                        ) from None
                    time.sleep(_LOCK_POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # releases the lock

    @staticmethod
    def _stage(directory: Path, spec: RenderedFile, uid: int, gid: int) -> Path:
        path = _temporary(directory, spec.name)
        # Created 0600 and given its mode and owner before any content is written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, spec.mode)
            view = memoryview(spec.content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        return path

    @staticmethod
    def _keep_previous(directory: Path, name: str) -> None:
        target = directory / name
        if not target.is_file():
            return
        link = _temporary(directory, name + PREVIOUS_SUFFIX)
        os.link(target, link)
        link.replace(directory / (name + PREVIOUS_SUFFIX))
