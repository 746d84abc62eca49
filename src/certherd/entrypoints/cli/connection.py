"""Where the CLI finds its server and token.

For each of the URL and the token the first of these that gives one wins::

    --url / --token  >  CERTHERD_URL / CERTHERD_TOKEN  >  the credentials file

The credentials file's token is only sent to the server the file names: with another URL
given, a token must be given too, so the local admin token never leaks to another host.
The credentials file is the one ``certherd serve`` writes on its first start
(``<data dir>/credentials.json``, ``{"url": ..., "token": ...}``, mode 0600); its place comes
from the settings (``--data-dir``, ``CERTHERD_DATA_DIR``, ``CERTHERD_CREDENTIALS_FILE``, the
default data directory). Without a URL anywhere the settings' public URL is used
(``http://127.0.0.1:8600`` by default).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from certherd.config import Settings, load_settings
from certherd.entrypoints.cli.errors import CliError
from certherd.errors import CertherdError

__all__ = ["Connection", "Credentials", "read_credentials", "resolve_connection", "settings_for"]


@dataclass(frozen=True)
class Credentials:
    """What the credentials file held, or why it could not be used: ``problem`` completes
    "the credentials file <path> ..." ("does not exist", "is not valid JSON", ...)."""

    path: Path
    url: str | None = None
    token: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Connection:
    """The server to talk to, the token to send and where each came from."""

    url: str
    token: str | None
    #: Where the token came from ("--token", "CERTHERD_TOKEN", "the credentials file ..."),
    #: or None when there is none.
    token_source: str | None
    credentials_file: Path
    #: Why the credentials file gave nothing, when it was needed and gave nothing.
    credentials_problem: str | None = None


def settings_for(data_dir: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings as the server would build them, with ``data_dir`` overriding the environment.

    Raises CliError (exit code 1) for settings that cannot be parsed.
    """
    try:
        return load_settings(env=env, overrides={"data_dir": data_dir})
    except CertherdError as exc:
        raise CliError(str(exc)) from None


def read_credentials(path: Path) -> Credentials:
    """Read the credentials file at ``path``; never raises for a missing or bad file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Credentials(path, problem="does not exist")
    except PermissionError:
        return Credentials(path, problem="is not readable by this user")
    except OSError as exc:
        return Credentials(path, problem=f"cannot be read: {exc.strerror}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return Credentials(path, problem="is not valid JSON")
    if not isinstance(document, dict):
        return Credentials(path, problem="does not hold a JSON object")
    url = document.get("url")
    token = document.get("token")
    return Credentials(
        path,
        url=url.rstrip("/") if isinstance(url, str) and url.strip() else None,
        token=token if isinstance(token, str) and token.strip() else None,
        problem=None if isinstance(token, str) and token.strip() else "holds no token",
    )


def resolve_connection(
    *,
    url: str | None,
    token: str | None,
    token_source: str,
    data_dir: Path | None,
    env: Mapping[str, str] | None = None,
) -> Connection:
    """Pick the URL and token (see the module docstring).

    ``url`` and ``token`` are what the options or their environment variables gave (None or
    empty when neither did); ``token_source`` names where the token came from, for messages.
    Raises CliError when the settings needed to find the credentials file are invalid.
    """
    url = url.strip() if url else None
    token = token.strip() if token else None
    if url and token:
        # Both given: the credentials file (and the settings) are not needed at all.
        return Connection(_normalised(url), token, token_source, _credentials_path(data_dir, env))
    settings = settings_for(data_dir, env)
    credentials = read_credentials(settings.credentials_file)
    chosen_url = url or credentials.url or settings.public_url
    if token:
        chosen_token, source = token, token_source
    elif credentials.token and (
        url is None or _same_server(url, credentials.url or settings.public_url)
    ):
        chosen_token, source = credentials.token, f"the credentials file {credentials.path}"
    else:
        chosen_token, source = None, None
    problem = credentials.problem
    if chosen_token is None and credentials.token:
        problem = (
            f"is for {credentials.url or settings.public_url}, not {url} "
            "(give --token or CERTHERD_TOKEN for another server)"
        )
    return Connection(
        url=_normalised(chosen_url),
        token=chosen_token,
        token_source=source,
        credentials_file=credentials.path,
        credentials_problem=problem if chosen_token is None else None,
    )


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _same_server(a: str, b: str) -> bool:
    """Whether two URLs name the same server (scheme, host, port; loopback names alike)."""
    first, second = urlsplit(a.strip()), urlsplit(b.strip())
    try:
        ports = (first.port, second.port)
    except ValueError:
        return False
    hosts = [(u.hostname or "").lower() for u in (first, second)]
    hosts = ["localhost" if h in _LOOPBACK else h for h in hosts]
    defaults = {"http": 80, "https": 443}
    return (
        first.scheme == second.scheme
        and hosts[0] == hosts[1]
        and (ports[0] or defaults.get(first.scheme)) == (ports[1] or defaults.get(second.scheme))
    )


def _credentials_path(data_dir: Path | None, env: Mapping[str, str] | None) -> Path:
    # Only for messages: a broken setting must not stop a fully specified connection.
    try:
        return load_settings(env=env, overrides={"data_dir": data_dir}).credentials_file
    except CertherdError:
        return (data_dir or Path("<data dir>")) / "credentials.json"


def _normalised(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError(f"the server URL {url!r} must start with http:// or https://")
    return url
