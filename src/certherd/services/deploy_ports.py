"""What deployments need from the outside: their storage, the file system and a TLS probe."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from certherd.domain.deployments import Deployment, DeploymentRun

__all__ = [
    "DeployError",
    "DeploymentRepository",
    "FileWriter",
    "ProbeResult",
    "RenderedFile",
    "TlsProbe",
]


class DeployError(Exception):
    """Files could not be written or restored, or the served certificate could not be read.
    The message is fit to show: paths and OS reasons, never file contents."""


@dataclass(frozen=True)
class RenderedFile:
    """One file to write: its name in the directory, its bytes and its mode."""

    name: str
    content: bytes
    mode: int

    def __repr__(self) -> str:  # the content may be a private key
        return f"RenderedFile(name={self.name!r}, mode={self.mode:o})"


@dataclass(frozen=True)
class ProbeResult:
    """The leaf certificate a server presented (DER)."""

    der: bytes


class FileWriter(Protocol):
    def write(
        self,
        directory: str,
        files: Sequence[RenderedFile],
        *,
        owner: str | None,
        group: str | None,
    ) -> list[str]:
        """Write each file atomically (temporary file in ``directory``, mode and owner set,
        fsync, rename, fsync of the directory), first keeping the file it replaces as
        ``<name>.previous``. Returns the paths written. Raises DeployError."""

    def restore(self, directory: str, names: Sequence[str]) -> list[str]:
        """Put each ``<name>.previous`` back in place of ``<name>`` (atomically); returns the
        paths restored. Raises DeployError when a previous version is missing (then nothing
        was restored)."""

    def read(self, directory: str, name: str) -> bytes:
        """The content of the file ``name`` in ``directory``. Raises DeployError."""

    def hold(self, directory: str, *, timeout_seconds: float) -> AbstractContextManager[None]:
        """Hold ``directory`` for one run: an exclusive lock, across the threads and
        processes of this host, waiting up to ``timeout_seconds`` for a run that holds it.
        Raises DeployError when that run does not end in time or the directory does not
        exist."""


class TlsProbe(Protocol):
    def served(
        self,
        host: str,
        port: int,
        *,
        server_name: str,
        timeout_seconds: float,
        accept: Callable[[bytes], bool],
    ) -> ProbeResult:
        """Connect with SNI ``server_name`` and read the leaf certificate presented (not
        validated: only compared), again until ``accept`` takes it or ``timeout_seconds``
        have passed (a server being reloaded may answer from an old worker for a moment).
        Returns the last certificate read. Raises DeployError when none could be read."""


class DeploymentRepository(Protocol):
    def add(self, deployment: Deployment) -> None:
        """Raises ConflictError when the account has a deployment of that name."""

    def update(self, deployment: Deployment) -> None: ...

    def get(self, account: str, name: str) -> Deployment | None: ...

    def get_by_arn(self, arn: str) -> Deployment | None: ...

    def list(self, account: str) -> list[Deployment]:
        """The account's deployments by name."""

    def delete(self, deployment_id: str) -> None:
        """Remove the deployment and its run history."""

    def add_run(self, run: DeploymentRun) -> None: ...

    def runs(self, deployment_id: str, *, limit: int) -> builtins.list[DeploymentRun]:
        """The newest ``limit`` runs of the deployment, newest first."""
