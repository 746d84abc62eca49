"""The credentials file: where the first admin token is handed to the operator.

``{"url": "http://127.0.0.1:8600", "token": "chd_..."}``, mode 0600, written atomically
(a temporary file in the same directory, fsynced, then renamed over the target).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

from certherd.errors import ConfigurationError

__all__ = ["check_writable", "refresh_url", "write_credentials"]


def check_writable(path: Path) -> None:
    """Create ``path``'s directory (0700) if needed and check a file can be written there.

    Done before the admin token is created, which is shown only once.
    Raises ConfigurationError when the directory cannot be created or written.
    """
    directory = path.parent
    try:
        # 0700 when we create it; an existing directory is left as its owner set it.
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"{directory}: cannot create the credentials directory: {exc.strerror}"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigurationError(f"{directory}: cannot write the credentials file here")


def write_credentials(path: Path, *, url: str, token: str) -> None:
    """Write the credentials file atomically with mode 0600 (whatever the umask).

    Raises ConfigurationError (which does not repeat the token) when it cannot be written.
    """
    check_writable(path)
    data = (json.dumps({"url": url, "token": token}, indent=2) + "\n").encode()
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(path)
        directory_fd = os.open(path.parent, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
    except OSError as exc:
        raise ConfigurationError(
            f"{path}: cannot write the credentials file: {exc.strerror}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def refresh_url(path: Path, *, url: str) -> bool:
    """Point an existing credentials file at ``url`` (the server moved to another address
    or port), keeping its token; return whether it was rewritten.

    A missing or unreadable file, or one that is not certherd's, is left alone (False).
    Raises ConfigurationError when it cannot be written.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(document, dict) or not isinstance(document.get("token"), str):
        return False
    if document.get("url") == url:
        return False
    write_credentials(path, url=url, token=document["token"])
    return True
