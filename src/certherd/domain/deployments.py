"""Deployments: which certificates go where on this machine, and how each run went.

A deployment selects certificates (one certificate ARN, or every certificate carrying a tag
``Key=Value``), writes the files of its layout into a destination directory (certificate,
chain, full chain, key, a bundle of key and full chain, a PKCS#12 file under a password),
runs a post-deploy command (a server's reload) and verifies, when a host is configured,
that the server now presents the deployed certificate. Each run is recorded
(:class:`DeploymentRun`).

Key material (the key, the bundle, the PKCS#12 file) gets ``key_mode`` (0600 unless set
otherwise, and never readable by others); the rest ``mode`` (0644).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Final

from certherd.domain.certificate import Certificate
from certherd.domain.tags import Tag, validate_tag
from certherd.errors import ValidationError

__all__ = [
    "DEFAULT_KEY_MODE",
    "DEFAULT_MODE",
    "KEY_KINDS",
    "Deployment",
    "DeploymentRun",
    "FileKind",
    "FileSpec",
    "RunOutcome",
    "RunTrigger",
    "Selector",
    "Verification",
    "check_command",
    "check_directory",
    "check_files",
    "check_mode",
    "check_name",
    "check_tag_selector",
    "check_verification",
]

DEFAULT_MODE: Final = 0o644
DEFAULT_KEY_MODE: Final = 0o600
MAX_COMMAND_SECONDS: Final = 600.0
MAX_VERIFY_SECONDS: Final = 60.0
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_FILE_RE: Final = re.compile(r"[A-Za-z0-9_.+-]{1,128}")
_HOST_RE: Final = re.compile(r"[A-Za-z0-9.:_-]{1,253}")


class FileKind(StrEnum):
    CERTIFICATE = "certificate"
    CHAIN = "chain"
    FULLCHAIN = "fullchain"
    KEY = "key"
    BUNDLE = "bundle"  # key, then full chain (HAProxy's layout)
    PKCS12 = "pkcs12"


#: The kinds that hold the private key.
KEY_KINDS: Final = frozenset({FileKind.KEY, FileKind.BUNDLE, FileKind.PKCS12})


class RunOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


class RunTrigger(StrEnum):
    MANUAL = "MANUAL"
    EVENT = "EVENT"
    ROLLBACK = "ROLLBACK"


@dataclass(frozen=True)
class FileSpec:
    """One file of the layout: what it holds and its name in the destination directory."""

    kind: FileKind
    name: str


@dataclass(frozen=True)
class Selector:
    """Exactly one of: a certificate ARN, or a tag every selected certificate carries."""

    certificate_arn: str | None = None
    tag: Tag | None = None

    def matches(self, cert: Certificate) -> bool:
        if self.certificate_arn is not None:
            return cert.arn == self.certificate_arn
        return self.tag is not None and self.tag in cert.tags


@dataclass(frozen=True)
class Verification:
    """Where the served certificate is checked: ``host:port`` with SNI ``server_name``
    (the certificate's domain name when None)."""

    host: str
    port: int
    server_name: str | None = None
    timeout_seconds: float = 5.0


@dataclass(frozen=True)
class Deployment:
    id: str
    account: str
    name: str
    arn: str
    selector: Selector
    directory: str
    files: tuple[FileSpec, ...]
    created_at: datetime
    owner: str | None = None
    group: str | None = None
    mode: int = DEFAULT_MODE
    key_mode: int = DEFAULT_KEY_MODE
    command: tuple[str, ...] = ()
    command_timeout_seconds: float = 30.0
    verification: Verification | None = None
    #: Secret id of the PKCS#12 password (sealed in the secrets table), when there is one.
    password_secret_id: str | None = None

    def mode_of(self, kind: FileKind) -> int:
        return self.key_mode if kind in KEY_KINDS else self.mode


@dataclass(frozen=True)
class DeploymentRun:
    id: str
    account: str
    deployment_id: str
    deployment: str
    trigger: RunTrigger
    certificate_arn: str | None
    serial: str | None
    started_at: datetime
    finished_at: datetime
    outcome: RunOutcome
    reason: str | None
    files: tuple[str, ...]


def check_name(name: str, *, field: str = "Name") -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValidationError("must be 1 to 64 letters, digits, '.', '-' and '_'", field=field)
    return name


def check_directory(directory: str) -> str:
    """An absolute, normalised directory path (no ``..``)."""
    path = PurePosixPath(directory)
    if not directory or "\x00" in directory or not path.is_absolute():
        raise ValidationError("must be an absolute path", field="Directory")
    if ".." in path.parts or len(directory) > 1024:
        raise ValidationError(
            "must not contain '..' and be at most 1024 characters", field="Directory"
        )
    return str(path)


def check_files(files: tuple[FileSpec, ...], *, has_password: bool) -> tuple[FileSpec, ...]:
    """Validate the layout: 1 to 6 files, plain unique names, each kind at most once, a
    PKCS#12 file only with a password."""
    if not files:
        raise ValidationError("name at least one file to write", field="Files")
    kinds = [f.kind for f in files]
    names = [f.name for f in files]
    if len(set(kinds)) != len(kinds) or len(set(names)) != len(names):
        raise ValidationError("each kind and each file name may appear once", field="Files")
    for spec in files:
        if not _FILE_RE.fullmatch(spec.name) or spec.name.startswith("."):
            raise ValidationError(
                f"{spec.name!r} must be a plain file name (letters, digits, '.', '-', '_', '+')",
                field="Files",
            )
        if spec.name.endswith(".previous") or spec.name.endswith(".tmp"):
            raise ValidationError(f"{spec.name!r} ends with a reserved suffix", field="Files")
    if (FileKind.PKCS12 in kinds) != has_password:
        raise ValidationError(
            "a PKCS#12 file needs a password, and a password needs a PKCS#12 file",
            field="Pkcs12Password",
        )
    return files


def check_mode(mode: int, *, field: str, key: bool) -> int:
    if not 0 <= mode <= 0o777:
        raise ValidationError("must be a file mode from 0 to 0777", field=field)
    if key and mode & 0o007:
        raise ValidationError("key files must not be accessible to others", field=field)
    if mode & 0o111:
        raise ValidationError("files written by a deployment are not executable", field=field)
    return mode


def check_command(command: tuple[str, ...], timeout: float) -> tuple[str, ...]:
    if any(not arg or "\x00" in arg for arg in command) or len(command) > 64:
        raise ValidationError("up to 64 non-empty arguments without NUL", field="Command")
    if not 0 < timeout <= MAX_COMMAND_SECONDS:
        raise ValidationError(
            f"must be more than 0 and at most {MAX_COMMAND_SECONDS:g} seconds",
            field="CommandTimeoutSeconds",
        )
    return command


def check_verification(verification: Verification) -> Verification:
    if not _HOST_RE.fullmatch(verification.host):
        raise ValidationError("must be a host name or IP address", field="Verify.Host")
    if not 1 <= verification.port <= 65535:
        raise ValidationError("must be from 1 to 65535", field="Verify.Port")
    if verification.server_name is not None and not _HOST_RE.fullmatch(verification.server_name):
        raise ValidationError("must be a host name", field="Verify.ServerName")
    if not 0 < verification.timeout_seconds <= MAX_VERIFY_SECONDS:
        raise ValidationError(
            f"must be more than 0 and at most {MAX_VERIFY_SECONDS:g} seconds",
            field="Verify.TimeoutSeconds",
        )
    return verification


def check_tag_selector(tag: Tag) -> Tag:
    return validate_tag(tag, field="Selector.Tag")
