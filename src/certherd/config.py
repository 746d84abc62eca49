"""Typed settings, built once at start-up.

:func:`load_settings` reads ``CERTHERD_*`` environment variables and an optional TOML
file and returns a frozen :class:`Settings`. For every field the first of these that
sets it wins::

    overrides (CLI flags, tests)  >  environment  >  TOML file  >  defaults

The TOML file is named by the ``config_file`` argument or ``CERTHERD_CONFIG``; its
top-level keys are the field names below (``data_dir = "/var/lib/certherd"``,
``port = 8600``, ...). Unknown keys are rejected so that typos do not go unnoticed.

======================== =========================== ======================================
environment variable     field                       default
======================== =========================== ======================================
CERTHERD_DATA_DIR        data_dir                    $XDG_DATA_HOME/certherd or
                                                     ~/.local/share/certherd
CERTHERD_DATABASE_URL    database_url                sqlite:///<data_dir>/certherd.db
CERTHERD_MASTER_KEY      master_key                  unset: the key file is used
CERTHERD_NEW_MASTER_KEY  new_master_key              unset (only while rotating)
CERTHERD_KEY_FILE        key_file                    <data_dir>/master.key
CERTHERD_HOST            host                        127.0.0.1
CERTHERD_PORT            port                        8600
CERTHERD_PUBLIC_URL      public_url                  http://<host>:<port>
CERTHERD_PARTITION       partition                   aws
CERTHERD_REGION          region                      us-east-1
CERTHERD_ACCOUNT_ID      account_id                  000000000000
CERTHERD_NOW             now                         unset: the system clock
CERTHERD_CA_RESTORE_DAYS ca_restore_days             30
CERTHERD_LOG_LEVEL       log_level                   INFO
CERTHERD_CREDENTIALS_FILE credentials_file           <data_dir>/credentials.json
CERTHERD_WORKERS         workers                     true: ``serve`` runs the workers too
CERTHERD_TICK_SECONDS    tick_seconds                300 (lifecycle tick, 10 to 86400)
CERTHERD_CA_EXPIRY_DAYS  ca_expiry_days              90 (days of CA expiry warnings)
CERTHERD_DELIVERY_LEASE_SECONDS delivery_lease_seconds 60 (a crashed worker's deliveries
                                                     are retried after this)
CERTHERD_EMAIL_TEMPLATES_DIR email_templates_dir     unset: mail templates of the package
                                                     (files here override them by name)
CERTHERD_HTTP_CA_BUNDLE  http_ca_bundle              unset: the system's CAs (PEM file of
                                                     extra CAs https subscribers may use)
CERTHERD_DESTINATIONS_ALLOW_PRIVATE destinations_allow_private true: HTTP destinations may be on
                                                     private and loopback addresses
CERTHERD_HISTORY_DAYS    history_days                90 (days events, delivery records,
                                                     mail and runs are kept; 0: for ever)
======================== =========================== ======================================

Nothing here touches the file system beyond reading the TOML file; creating the data
directory and the key file is the job of ``bootstrap`` and the key store.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from certherd.domain.clock import parse_instant
from certherd.errors import ConfigurationError, ValidationError

__all__ = ["ENV_PREFIX", "Settings", "load_settings"]

ENV_PREFIX: Final = "CERTHERD_"
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_PARTITION_RE: Final = re.compile(r"aws(-[a-z]+)*")
_REGION_RE: Final = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_ACCOUNT_RE: Final = re.compile(r"[0-9]{12}")
_SECRET_FIELDS: Final = frozenset({"master_key", "new_master_key"})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything certherd is configured with. Build it with :func:`load_settings`."""

    data_dir: Path
    database_url: str
    #: Base64 of the 32-byte key-encryption key; never shown by repr/str.
    master_key: str | None = field(default=None, repr=False)
    #: The next key-encryption key while rotating a ``master_key``; never shown.
    new_master_key: str | None = field(default=None, repr=False)
    key_file: Path
    host: str
    port: int
    public_url: str
    partition: str
    region: str
    account_id: str
    #: A simulated current instant (UTC), or None for the system clock.
    now: datetime | None
    ca_restore_days: int
    log_level: str
    credentials_file: Path
    #: Whether ``certherd serve`` runs the router, delivery and lifecycle workers too.
    workers: bool = True
    #: Seconds between lifecycle ticks (each tick is idempotent; the ledger sees to that).
    tick_seconds: int = 300
    #: From how many days before a CA's own expiry certherd warns about it, daily.
    ca_expiry_days: int = 90
    #: How long a worker holds the invocations it claimed; what a worker that died had
    #: claimed is delivered again after this.
    delivery_lease_seconds: int = 60
    #: A directory of mail templates that take precedence over the package's, by name.
    email_templates_dir: Path | None = None
    #: A PEM file of CA certificates trusted for https subscribers, besides the system's.
    http_ca_bundle: Path | None = None
    #: Whether HTTP destinations may be on private and loopback addresses (link-local and
    #: cloud metadata addresses never may).
    destinations_allow_private: bool = True
    #: For how many days the record of what happened (events, deliveries and their
    #: attempts, published messages, the local mailbox, function and deployment runs) is
    #: kept; 0 keeps it for ever.
    history_days: int = 90

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite (the embedded default)."""
        return self.database_url.startswith("sqlite")


def load_settings(
    *,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Build :class:`Settings` from overrides, ``env`` (default ``os.environ``), a TOML file
    and defaults, in that order of precedence.

    Raises:
        ConfigurationError: a value is malformed or out of range (the message names the
            variable or key, and never repeats a key's value), a key is unknown, or the
            TOML file cannot be read.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    # field name -> (the name to report, where it came from when a file, the raw value)
    given: dict[str, tuple[str, str, object]] = {}

    if config_file is None and environ.get(f"{ENV_PREFIX}CONFIG", "").strip():
        config_file = Path(environ[f"{ENV_PREFIX}CONFIG"].strip()).expanduser()
    if config_file is not None:
        for key, value in _read_toml(config_file).items():
            given[key] = (key, f" (in {config_file})", value)
    for name in _FIELDS:
        variable = ENV_PREFIX + name.upper()
        # An empty variable counts as unset, as compose files and unit files often
        # define them empty.
        if environ.get(variable, "").strip():
            given[name] = (variable, "", environ[variable])
    for key, value in (overrides or {}).items():
        if key not in _FIELDS:
            raise ConfigurationError(f"unknown setting {key!r}")
        if value is not None:  # an override of None means "not given"
            given[key] = (key, "", value)

    values: dict[str, Any] = {}
    for name, (reported, origin, raw) in given.items():
        try:
            values[name] = _FIELDS[name](raw)
        except (ValueError, TypeError, ValidationError) as exc:
            # Never echo any part of a key.
            detail = _KEY_RULE if name in _SECRET_FIELDS else f"{_message(exc)} ({_shown(raw)})"
            raise ConfigurationError(f"{reported}: {detail}{origin}", field=reported) from None

    data_dir: Path = values.get("data_dir") or _default_data_dir(environ)
    host: str = values.get("host", "127.0.0.1")
    port: int = values.get("port", 8600)
    return Settings(
        data_dir=data_dir,
        database_url=values.get("database_url") or f"sqlite:///{data_dir / 'certherd.db'}",
        master_key=values.get("master_key"),
        new_master_key=values.get("new_master_key"),
        key_file=values.get("key_file") or data_dir / "master.key",
        host=host,
        port=port,
        public_url=values.get("public_url") or _default_public_url(host, port),
        partition=values.get("partition", "aws"),
        region=values.get("region", "us-east-1"),
        account_id=values.get("account_id", "000000000000"),
        now=values.get("now"),
        ca_restore_days=values.get("ca_restore_days", 30),
        log_level=values.get("log_level", "INFO"),
        credentials_file=values.get("credentials_file") or data_dir / "credentials.json",
        workers=values.get("workers", True),
        tick_seconds=values.get("tick_seconds", 300),
        ca_expiry_days=values.get("ca_expiry_days", 90),
        delivery_lease_seconds=values.get("delivery_lease_seconds", 60),
        email_templates_dir=values.get("email_templates_dir"),
        http_ca_bundle=values.get("http_ca_bundle"),
        destinations_allow_private=values.get("destinations_allow_private", True),
        history_days=values.get("history_days", 90),
    )


# --- parsers: each takes a raw value (str from env, TOML value, or override object) ---

_KEY_RULE: Final = (
    "must be the base64 encoding of exactly 32 bytes (generate one with: "
    "python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')"
)


def _message(exc: Exception) -> str:
    return exc.message if isinstance(exc, ValidationError) else str(exc)


def _shown(raw: object) -> str:
    text = repr(raw)
    return "got " + (text if len(text) <= 60 else text[:57] + "...")


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"must be a string, not {type(raw).__name__}")
    text = raw.strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _path(raw: object) -> Path:
    if isinstance(raw, Path):
        return raw.expanduser().absolute()
    return Path(_text(raw)).expanduser().absolute()


def _int_between(low: int, high: int) -> Callable[[object], int]:
    rule = f"must be an integer between {low} and {high}"

    def parse(raw: object) -> int:
        if isinstance(raw, bool):
            raise TypeError(rule)
        if isinstance(raw, int):
            number = raw
        else:
            try:
                number = int(_text(raw))
            except ValueError:
                raise ValueError(rule) from None
        if not low <= number <= high:
            raise ValueError(rule)
        return number

    return parse


def _bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _matching(pattern: re.Pattern[str], rule: str) -> Callable[[object], str]:
    def parse(raw: object) -> str:
        text = _text(raw)
        if not pattern.fullmatch(text):
            raise ValueError(rule)
        return text

    return parse


def _account_id(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    return _matching(_ACCOUNT_RE, "must be exactly 12 digits")(raw)


def _master_key(raw: object) -> str:
    text = _text(raw)
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(_KEY_RULE) from None
    if len(key) != 32:
        raise ValueError(_KEY_RULE)
    return text


def _url(raw: object) -> str:
    text = _text(raw)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
        raise ValueError("must be an http:// or https:// URL")
    return text.rstrip("/")


def _database_url(raw: object) -> str:
    text = _text(raw)
    if not re.fullmatch(r"[a-z][a-z0-9+]*://\S*", text):
        raise ValueError(
            "must be a database URL such as sqlite:///path or postgresql+psycopg://..."
        )
    return text


def _log_level(raw: object) -> str:
    level = _text(raw).upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
    return level


def _instant(raw: object) -> datetime:
    # TOML has native date and date-time values; overrides may pass datetimes.
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    return parse_instant(_text(raw))


_FIELDS: Final[Mapping[str, Callable[[object], object]]] = {
    "data_dir": _path,
    "database_url": _database_url,
    "master_key": _master_key,
    "new_master_key": _master_key,
    "key_file": _path,
    "host": _text,
    "port": _int_between(1, 65535),
    "public_url": _url,
    "partition": _matching(_PARTITION_RE, "must be an AWS partition name such as aws or aws-cn"),
    "region": _matching(
        _REGION_RE, "must be a region name of lower-case letters, digits and hyphens"
    ),
    "account_id": _account_id,
    "now": _instant,
    "ca_restore_days": _int_between(7, 30),
    "log_level": _log_level,
    "credentials_file": _path,
    "workers": _bool,
    "tick_seconds": _int_between(10, 86400),
    "ca_expiry_days": _int_between(1, 3650),
    "delivery_lease_seconds": _int_between(5, 3600),
    "email_templates_dir": _path,
    "http_ca_bundle": _path,
    "destinations_allow_private": _bool,
    "history_days": _int_between(0, 36500),
}


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None
    for key in document:
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise ConfigurationError(f"{path}: unknown setting {key!r} (known: {known})")
    return document


def _default_data_dir(environ: Mapping[str, str]) -> Path:
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():  # the XDG spec says to ignore relative values
        return Path(xdg) / "certherd"
    home = environ.get("HOME", "").strip()
    base = Path(home) if home else Path.home()
    return base / ".local" / "share" / "certherd"


def _default_public_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"
