"""What the topic, subscription and delivery commands read from their arguments: topics and
subscriptions by name or ARN, attribute values inline or from a file, message attributes.

A value starting with ``@`` is read from the file it names (``@-`` is standard input), as
policies and filter policies are usually kept in files; ``@@`` stands for a literal ``@``.
Anything a user can get wrong here is a usage error (exit code 2), found before the server
is asked.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import typer

from certherd.entrypoints.cli.client import ApiClient, path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.pattern_cmd import INVALID, read_input

__all__ = [
    "file_value",
    "json_option",
    "message_attributes",
    "name_values",
    "queue_arn",
    "short_topic",
    "subscription_path",
    "subscription_ref",
    "topic_arn",
    "topic_path",
    "topic_ref",
]

_TOPIC_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_NAME_VALUE_RE: Final = re.compile(r"(?P<name>[^=]+)=(?P<value>.*)", re.S)
_MESSAGE_ATTRIBUTE_RE: Final = re.compile(
    r"(?P<name>[^=:]+)(:(?P<type>[A-Za-z]+(\.[A-Za-z0-9_.-]+)?))?=(?P<value>.*)", re.S
)
#: The base types of SNS message attributes; a custom label may follow (``Number.float``).
_MESSAGE_TYPES: Final = ("String", "Number", "Binary", "String.Array")
#: What SNS shows instead of the ARN of a subscription not yet confirmed.
_PENDING: Final = ("PendingConfirmation", "pending confirmation")


def _arn_fields(value: str) -> list[str] | None:
    fields = value.split(":")
    return fields if len(fields) >= 6 and fields[0] == "arn" and fields[2] == "sns" else None


def topic_ref(value: str) -> str:
    """``value`` if it names a topic: a name (1-256 of ``A-Za-z0-9_-``) or a topic ARN
    (``arn:<partition>:sns:<region>:<account>:<name>``). CliError with exit code 2 else."""
    text = value.strip()
    if text.startswith("arn:"):
        fields = _arn_fields(text)
        if fields is None or len(fields) != 6 or not _TOPIC_NAME_RE.fullmatch(fields[5]):
            raise CliError(f"{value!r} is not a topic ARN", exit_code=INVALID)
        return text
    if not _TOPIC_NAME_RE.fullmatch(text):
        raise CliError(f"{value!r} is neither a topic name nor a topic ARN", exit_code=INVALID)
    return text


def topic_path(value: str, *rest: str) -> str:
    """The API path of the topic ``value`` (name or ARN) with ``rest`` appended."""
    return path("topics", topic_ref(value), *rest)


def topic_arn(client: ApiClient, value: str) -> str:
    """The topic's ARN: ``value`` itself, or the ARN of the caller's topic of that name (the
    server is asked; the API wants ARNs where a request body names a topic)."""
    ref = topic_ref(value)
    if ref.startswith("arn:"):
        return ref
    found = client.get(topic_path(ref))
    arn = found.get("TopicArn") if isinstance(found, dict) else None
    if not isinstance(arn, str):
        raise CliError(f"the server did not describe the topic {value!r}")
    return arn


def short_topic(arn: object) -> str | None:
    """A topic's name from its ARN, for narrow columns."""
    return arn.rsplit(":", 1)[-1] if isinstance(arn, str) and arn else None


def subscription_ref(value: str) -> str:
    """``value`` if it is a subscription ARN (``<topic ARN>:<id>``); CliError with exit
    code 2 else, saying so when it is SNS's placeholder for a pending subscription."""
    text = value.strip()
    if text in _PENDING:
        raise CliError(
            f"{value!r} is what SNS shows for a subscription not yet confirmed, not its ARN: "
            "confirm it first (the ARN is printed by `certherd subscription create`)",
            exit_code=INVALID,
        )
    fields = _arn_fields(text)
    if fields is None or len(fields) != 7 or not fields[5] or not fields[6]:
        raise CliError(f"{value!r} is not a subscription ARN", exit_code=INVALID)
    return text


def subscription_path(value: str, *rest: str) -> str:
    """The API path of the subscription ``value`` (its ARN) with ``rest`` appended."""
    return path("subscriptions", subscription_ref(value), *rest)


def queue_arn(client: ApiClient, value: str, *, option: str) -> str:
    """A queue's ARN from its ARN or its name (looked up); exit code 2 for anything else."""
    return _arn_of(client, value, option=option, kind=_QUEUE)


def function_arn(client: ApiClient, value: str, *, option: str) -> str:
    """A function's ARN from its ARN or its name (looked up); exit code 2 for anything
    else."""
    return _arn_of(client, value, option=option, kind=_FUNCTION)


@dataclass(frozen=True)
class _Named:
    """A kind of resource named by ARN or by name: how its names look, and where the API
    describes one."""

    what: str
    name_re: re.Pattern[str]
    collection: str
    arn_key: str


_QUEUE: Final = _Named("queue", re.compile(r"[A-Za-z0-9_-]{1,80}"), "queues", "QueueArn")
_FUNCTION: Final = _Named(
    "function", re.compile(r"[A-Za-z0-9_-]{1,64}"), "functions", "FunctionArn"
)


def _arn_of(client: ApiClient, value: str, *, option: str, kind: _Named) -> str:
    text = value.strip()
    if text.startswith("arn:"):
        return text
    if not kind.name_re.fullmatch(text):
        raise CliError(f"{option}: {value!r} is neither a {kind.what} name nor an ARN", exit_code=2)
    found = client.get(path(kind.collection, text))
    arn = found.get(kind.arn_key) if isinstance(found, dict) else None
    if not isinstance(arn, str):
        raise CliError(f"the server did not describe the {kind.what} {value!r}")
    return arn


def file_value(value: str, *, what: str) -> str:
    """``value``, or the text of the file it names after ``@`` (``@-``: standard input)
    without its final line end; ``@@...`` is the literal ``@...``."""
    if value.startswith("@@"):
        return value[1:]
    if not value.startswith("@"):
        return value
    name = value[1:]
    if not name:
        raise CliError(f"{what}: '@' must be followed by a file name (or - )", exit_code=INVALID)
    text = read_input(Path(name), what=f"{what} file")
    return text[:-1] if text.endswith("\n") else text


def json_option(value: str, *, what: str) -> str:
    """A JSON document given inline or as ``@FILE``, checked to be JSON; returned as text
    (SNS keeps policies as strings)."""
    text = file_value(value, what=what)
    where = f"{what} file {value[1:]}" if value.startswith("@") else f"{what} (inline)"
    try:
        json.loads(text)
    except ValueError as exc:
        hint = "" if value.startswith("@") else " (give inline JSON, or @FILE to read a file)"
        raise CliError(f"{where} is not JSON: {exc}{hint}", exit_code=INVALID) from None
    return text


def name_values(values: list[str] | None, *, option: str = "--attribute") -> dict[str, str]:
    """``NAME=VALUE`` options as a map; a VALUE of ``@FILE`` is read from the file.

    Raises typer.BadParameter (exit code 2) for a malformed or repeated name."""
    found: dict[str, str] = {}
    for raw in values or []:
        match = _NAME_VALUE_RE.fullmatch(raw)
        name = match["name"].strip() if match else ""
        if match is None or not name:
            raise typer.BadParameter(f"{raw!r}: give NAME=VALUE", param_hint=option)
        if name in found:
            raise typer.BadParameter(f"{name} is given twice", param_hint=option)
        found[name] = file_value(match["value"], what=f"{option} {name}")
    return found


def message_attributes(values: list[str] | None) -> dict[str, dict[str, Any]]:
    """``NAME=VALUE`` or ``NAME:TYPE=VALUE`` options as SNS MessageAttributes.

    TYPE is String (the default), Number, Binary or String.Array, optionally with a custom
    label (``Number.float``). A Binary VALUE is base64, or ``@FILE`` whose bytes are sent.
    Raises typer.BadParameter (exit code 2) for what is none of these.
    """
    attributes: dict[str, dict[str, Any]] = {}
    for raw in values or []:
        match = _MESSAGE_ATTRIBUTE_RE.fullmatch(raw)
        name = match["name"].strip() if match else ""
        if match is None or not name:
            raise typer.BadParameter(
                f"{raw!r}: give NAME=VALUE or NAME:TYPE=VALUE", param_hint="--attribute"
            )
        data_type = match["type"] or "String"
        if not any(data_type == t or data_type.startswith(t + ".") for t in _MESSAGE_TYPES):
            raise typer.BadParameter(
                f"{raw!r}: the type must be String, Number, Binary or String.Array "
                "(optionally with a label, such as Number.float)",
                param_hint="--attribute",
            )
        if name in attributes:
            raise typer.BadParameter(f"{name} is given twice", param_hint="--attribute")
        value = match["value"]
        if data_type.split(".", 1)[0] == "Binary":
            attributes[name] = {"DataType": data_type, "BinaryValue": _binary(name, value)}
        else:
            attributes[name] = {"DataType": data_type, "StringValue": value}
    return attributes


def _binary(name: str, value: str) -> str:
    if value.startswith("@"):
        where = value[1:]
        try:
            data = Path(where).read_bytes()
        except OSError as exc:
            raise CliError(
                f"--attribute {name}: the file {where} cannot be read: {exc.strerror}",
                exit_code=INVALID,
            ) from None
        return base64.b64encode(data).decode("ascii")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise typer.BadParameter(
            f"{name}: a Binary value is base64 (or @FILE)", param_hint="--attribute"
        ) from None
    return value
