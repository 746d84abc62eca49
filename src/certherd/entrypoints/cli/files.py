"""Reading the files commands are given and writing the ones they produce.

Files are written whole or not at all (a temporary file beside the target, then a rename),
so a reader such as a web server never sees half a certificate; private keys are 0600.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from pathlib import Path

from certherd.entrypoints.cli.errors import CliError

__all__ = ["der_to_pem", "read_text", "write_file"]


def read_text(path: Path, *, what: str, not_text: str = "is not text (PEM expected)") -> str:
    """The text of ``path``; ``what`` names it in errors ("certificate file", ...) and
    ``not_text`` says what is wrong with a file that is not UTF-8.

    Raises CliError when it cannot be read or is not UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"{what} {path} is a directory") from None
    except PermissionError:
        raise CliError(f"{what} {path} is not readable") from None
    except UnicodeDecodeError:
        raise CliError(f"{what} {path} {not_text}") from None
    except OSError as exc:
        raise CliError(f"{what} {path} cannot be read: {exc.strerror}") from None


def write_file(path: Path, data: str | bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` atomically: mode 0600 when ``private``, else 0644 less umask.

    Raises CliError when the directory does not exist or cannot be written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise CliError(f"cannot write {path}: directory {directory} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fchmod(stream.fileno(), 0o600 if private else 0o644 & ~_umask())
        Path(temporary).replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def _umask() -> int:
    # os.umask can only be read by setting it; put it straight back.
    current = os.umask(0o022)
    os.umask(current)
    return current


def der_to_pem(der: bytes, label: str) -> str:
    """DER bytes as PEM text with ``label`` ("X509 CRL", ...), 64 characters a line."""
    encoded = base64.b64encode(der).decode("ascii")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"
