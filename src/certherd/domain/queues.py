"""Message queues with Amazon SQS's semantics: names, attributes and their rules.

A queue is named per account (1-80 characters of ``[A-Za-z0-9_-]``); its attributes are
SQS's, written as SQS writes them (``{"VisibilityTimeout": "30"}``: names and values are
strings, RedrivePolicy and RedriveAllowPolicy hold JSON text). FIFO queues are not
supported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from certherd.domain.tags import Tag
from certherd.errors import ValidationError

__all__ = [
    "ATTRIBUTE_NAMES",
    "MAX_VISIBILITY_TIMEOUT",
    "Queue",
    "QueueAttributes",
    "QueueCounts",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "attribute_strings",
    "differing_attributes",
    "parse_attributes",
    "parse_queue_url",
    "queue_url",
    "retention_cutoff",
    "validate_queue_name",
]

_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
_INT_RE: Final = re.compile(r"[+-]?[0-9]{1,12}")

MAX_VISIBILITY_TIMEOUT: Final = 43_200  # 12 hours
MAX_RECEIVE_COUNT: Final = 1000
MAX_ALLOWED_SOURCES: Final = 10
REDRIVE_PERMISSIONS: Final = ("allowAll", "denyAll", "byQueue")

#: (minimum, maximum, default) of each whole-number attribute [SQS API CreateQueue].
_RANGES: Final[dict[str, tuple[int, int, int]]] = {
    "DelaySeconds": (0, 900, 0),
    # The API model now allows 1 MiB; 256 KiB was the maximum and default for most of
    # SQS's life, and stays the default here (the event bus sends events of <= 256 KiB).
    "MaximumMessageSize": (1024, 1_048_576, 262_144),
    "MessageRetentionPeriod": (60, 1_209_600, 345_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20, 0),
    "VisibilityTimeout": (0, MAX_VISIBILITY_TIMEOUT, 30),
}
_FIELDS: Final = {
    "DelaySeconds": "delay_seconds",
    "MaximumMessageSize": "maximum_message_size",
    "MessageRetentionPeriod": "message_retention_period",
    "ReceiveMessageWaitTimeSeconds": "receive_message_wait_time_seconds",
    "VisibilityTimeout": "visibility_timeout",
}
#: What GetQueueAttributes answers (computed ones included), in SQS's order.
ATTRIBUTE_NAMES: Final = (
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
)
_READ_ONLY: Final = frozenset(
    {
        "QueueArn",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
    }
)
#: SQS attributes certherd does not implement: refused rather than silently ignored.
_UNSUPPORTED: Final = frozenset(
    {
        "Policy",
        "ContentBasedDeduplication",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "DeduplicationScope",
        "FifoThroughputLimit",
    }
)


def validate_queue_name(name: object, *, field: str = "QueueName") -> str:
    """``name`` if it is 1-80 characters of letters, digits, ``-`` and ``_``; else
    ValidationError naming ``field`` (``.fifo`` names are refused: no FIFO queues)."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValidationError(
            "must be 1 to 80 characters: letters, digits, hyphens (-) and underscores (_)"
            + (" (FIFO queues are not supported)" if isinstance(name, str) and "." in name else ""),
            field=field,
        )
    return name


@dataclass(frozen=True)
class RedrivePolicy:
    """Where messages go after ``max_receive_count`` receives without being deleted."""

    dead_letter_target_arn: str
    max_receive_count: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "deadLetterTargetArn": self.dead_letter_target_arn,
                "maxReceiveCount": self.max_receive_count,
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class RedriveAllowPolicy:
    """Which source queues may name this queue as their dead-letter queue."""

    redrive_permission: str = "allowAll"
    source_queue_arns: tuple[str, ...] = ()

    def allows(self, source_arn: str) -> bool:
        if self.redrive_permission == "allowAll":
            return True
        if self.redrive_permission == "denyAll":
            return False
        return source_arn in self.source_queue_arns

    def to_json(self) -> str:
        data: dict[str, Any] = {"redrivePermission": self.redrive_permission}
        if self.redrive_permission == "byQueue":
            data["sourceQueueArns"] = list(self.source_queue_arns)
        return json.dumps(data, separators=(",", ":"))


@dataclass(frozen=True)
class QueueAttributes:
    """The settable attributes of a queue, with SQS's defaults."""

    visibility_timeout: int = 30
    message_retention_period: int = 345_600
    delay_seconds: int = 0
    receive_message_wait_time_seconds: int = 0
    maximum_message_size: int = 262_144
    redrive_policy: RedrivePolicy | None = None
    redrive_allow_policy: RedriveAllowPolicy | None = None


@dataclass(frozen=True)
class Queue:
    """A queue of one account; ``id`` is internal, the ARN and URL derive from the name."""

    id: str
    account: str
    name: str
    attributes: QueueAttributes
    created_at: datetime
    last_modified_at: datetime
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class QueueCounts:
    """The approximate counts GetQueueAttributes reports."""

    visible: int = 0
    not_visible: int = 0  # received and not yet deleted nor visible again (in flight)
    delayed: int = 0  # sent with a delay that has not passed yet


def retention_cutoff(attributes: QueueAttributes, now: datetime) -> datetime:
    """Messages sent at or before this instant are past the queue's retention period."""
    return now - timedelta(seconds=attributes.message_retention_period)


def _integer(name: str, value: str, field: str) -> int:
    low, high, _ = _RANGES[name]
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, bool) or not (
        isinstance(text, int) or (isinstance(text, str) and _INT_RE.fullmatch(text))
    ):
        raise ValidationError(f"must be a whole number from {low} to {high}", field=field)
    number = int(text)
    if not low <= number <= high:
        raise ValidationError(f"must be from {low} to {high}, not {number}", field=field)
    return number


def _json_object(value: str, field: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise ValidationError("must be a JSON object", field=field) from None
    if not isinstance(data, dict):
        raise ValidationError("must be a JSON object", field=field)
    return data


def _redrive_policy(value: str, field: str) -> RedrivePolicy | None:
    if value == "":
        return None  # SQS: an empty RedrivePolicy removes it
    data = _json_object(value, field)
    unknown = set(data) - {"deadLetterTargetArn", "maxReceiveCount"}
    if unknown:
        raise ValidationError(f"unknown member {sorted(unknown)[0]!r}", field=field)
    target = data.get("deadLetterTargetArn")
    if not isinstance(target, str) or not target:
        raise ValidationError("deadLetterTargetArn (a queue ARN) is required", field=field)
    count = data.get("maxReceiveCount", 10)
    if isinstance(count, str) and _INT_RE.fullmatch(count.strip()):
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValidationError("maxReceiveCount must be a whole number", field=field)
    if not 1 <= count <= MAX_RECEIVE_COUNT:
        raise ValidationError(f"maxReceiveCount must be from 1 to {MAX_RECEIVE_COUNT}", field=field)
    return RedrivePolicy(target, count)


def _redrive_allow_policy(value: str, field: str) -> RedriveAllowPolicy | None:
    if value == "":
        return None
    data = _json_object(value, field)
    unknown = set(data) - {"redrivePermission", "sourceQueueArns"}
    if unknown:
        raise ValidationError(f"unknown member {sorted(unknown)[0]!r}", field=field)
    permission = data.get("redrivePermission")
    if permission not in REDRIVE_PERMISSIONS:
        raise ValidationError(
            "redrivePermission must be one of " + ", ".join(REDRIVE_PERMISSIONS), field=field
        )
    sources = data.get("sourceQueueArns")
    if permission != "byQueue":
        if sources is not None:
            raise ValidationError(
                "sourceQueueArns may only be given with redrivePermission byQueue", field=field
            )
        return RedriveAllowPolicy(permission)
    if (
        not isinstance(sources, list)
        or not 1 <= len(sources) <= MAX_ALLOWED_SOURCES
        or not all(isinstance(s, str) and s for s in sources)
    ):
        raise ValidationError(
            f"byQueue needs sourceQueueArns: 1 to {MAX_ALLOWED_SOURCES} queue ARNs", field=field
        )
    return RedriveAllowPolicy(permission, tuple(dict.fromkeys(sources)))


def parse_attributes(
    raw: Mapping[str, str], *, base: QueueAttributes | None = None, field: str = "Attributes"
) -> tuple[QueueAttributes, frozenset[str]]:
    """Apply SQS attribute strings ``raw`` to ``base`` (default: SQS's defaults).

    Returns the attributes and the names that were given. Raises ValidationError naming
    ``Attributes.<Name>`` for an unknown, read-only or unsupported name or a value out of
    its range (VisibilityTimeout 0-43200, MessageRetentionPeriod 60-1209600, DelaySeconds
    0-900, ReceiveMessageWaitTimeSeconds 0-20, MaximumMessageSize 1024-1048576; redrive
    policies as SQS writes them). The dead-letter queue's existence and account are the
    caller's to check.
    """
    attributes = base or QueueAttributes()
    changes: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"{field}.{name}"
        if name in _FIELDS:
            changes[_FIELDS[name]] = _integer(name, value, where)
        elif name == "RedrivePolicy":
            changes["redrive_policy"] = _redrive_policy(_text(value, where), where)
        elif name == "RedriveAllowPolicy":
            changes["redrive_allow_policy"] = _redrive_allow_policy(_text(value, where), where)
        elif name == "FifoQueue":
            if _text(value, where).lower() != "false":
                raise ValidationError("FIFO queues are not supported", field=where)
        elif name == "SqsManagedSseEnabled":
            # Accepted for tools that always send it; messages are stored unencrypted.
            if _text(value, where).lower() not in ("true", "false"):
                raise ValidationError("must be true or false", field=where)
        elif name in _READ_ONLY:
            raise ValidationError(f"{name} is read-only", field=where)
        elif name in _UNSUPPORTED:
            raise ValidationError(f"{name} is not supported by certherd", field=where)
        else:
            raise ValidationError(f"unknown queue attribute {name!r}", field=where)
    return replace(attributes, **changes), frozenset(raw)


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("must be a string", field=field)
    return value


def attribute_strings(attributes: QueueAttributes) -> dict[str, str]:
    """The settable attributes as SQS answers them (absent redrive policies left out)."""
    result = {
        "VisibilityTimeout": str(attributes.visibility_timeout),
        "MaximumMessageSize": str(attributes.maximum_message_size),
        "MessageRetentionPeriod": str(attributes.message_retention_period),
        "DelaySeconds": str(attributes.delay_seconds),
        "ReceiveMessageWaitTimeSeconds": str(attributes.receive_message_wait_time_seconds),
        "SqsManagedSseEnabled": "false",
    }
    if attributes.redrive_policy is not None:
        result["RedrivePolicy"] = attributes.redrive_policy.to_json()
    if attributes.redrive_allow_policy is not None:
        result["RedriveAllowPolicy"] = attributes.redrive_allow_policy.to_json()
    return result


def differing_attributes(
    existing: QueueAttributes, wanted: QueueAttributes, given: frozenset[str]
) -> list[str]:
    """The names among ``given`` whose values differ between ``existing`` and ``wanted``
    (CreateQueue on an existing name succeeds only when this is empty)."""
    before, after = attribute_strings(existing), attribute_strings(wanted)
    return [name for name in sorted(given) if before.get(name) != after.get(name)]


def queue_url(public_url: str, account: str, name: str) -> str:
    """``<public_url>/queues/<account>/<name>``: where the queue is addressed by URL."""
    return f"{public_url.rstrip('/')}/queues/{account}/{name}"


_URL_PATH_RE: Final = re.compile(r"/queues/(?P<account>[0-9]{12})/(?P<name>[A-Za-z0-9_-]{1,80})/?$")


def parse_queue_url(url: str, *, field: str = "QueueUrl") -> tuple[str, str]:
    """``(account, name)`` of a URL made by :func:`queue_url` (any host: the server may be
    reached under several names); ValidationError naming ``field`` otherwise."""
    match = _URL_PATH_RE.search(url) if isinstance(url, str) else None
    if match is None:
        raise ValidationError(
            "must be a queue URL of the form <server>/queues/<account>/<name>", field=field
        )
    return match["account"], match["name"]
