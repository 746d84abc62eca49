"""Notification topics with Amazon SNS's semantics (spec §3.1): names and attributes.

A topic is named per account (1-256 characters of ``[A-Za-z0-9_-]``; FIFO topics are not
supported). Its attributes are SNS's, written as SNS writes them: names and values are
strings, ``Policy`` and ``DeliveryPolicy`` hold JSON text. ``KmsMasterKeyId`` turns on
encryption at rest: any key id (``alias/aws/sns``, a key ARN ...) is accepted and message
bodies published afterwards are sealed by certherd's key store, which plays the part of
KMS; there is no per-topic key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from certherd.domain.tags import Tag
from certherd.errors import ValidationError

__all__ = [
    "MAX_DISPLAY_NAME",
    "SETTABLE_ATTRIBUTES",
    "SIGNATURE_VERSIONS",
    "SubscriptionCounts",
    "Topic",
    "TopicSettings",
    "check_topic_name",
    "parse_topic_attributes",
    "topic_attribute_strings",
]

_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_DISPLAY_NAME: Final = 100
MAX_KEY_ID: Final = 2048
SIGNATURE_VERSIONS: Final = ("1", "2")
#: The attributes CreateTopic and SetTopicAttributes accept.
#: Validates a JSON policy document and returns its normal form.
_Checker = Callable[[str], str]

SETTABLE_ATTRIBUTES: Final = (
    "DisplayName",
    "Policy",
    "DeliveryPolicy",
    "KmsMasterKeyId",
    "SignatureVersion",
)


@dataclass(frozen=True)
class TopicSettings:
    """The attributes a user sets; ``None`` is "not set" (SNS then omits the attribute or
    shows its default)."""

    display_name: str | None = None
    policy: str | None = None
    delivery_policy: str | None = None
    kms_master_key_id: str | None = None
    signature_version: str = "1"


@dataclass(frozen=True)
class Topic:
    id: str
    account: str
    name: str
    arn: str
    settings: TopicSettings
    created_at: datetime
    tags: tuple[Tag, ...] = ()

    @property
    def encrypted(self) -> bool:
        """Whether message bodies published to the topic are sealed at rest."""
        return bool(self.settings.kms_master_key_id)

    def with_settings(self, settings: TopicSettings) -> Topic:
        return replace(self, settings=settings)


@dataclass(frozen=True)
class SubscriptionCounts:
    confirmed: int = 0
    pending: int = 0
    deleted: int = 0


def check_topic_name(name: object, *, field: str = "Name") -> str:
    """Return ``name`` if it is a valid topic name; raise ValidationError otherwise."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValidationError(
            "Topic Name must be 1-256 characters of letters, digits, hyphens and underscores",
            field=field,
        )
    return name


def parse_topic_attributes(
    given: Mapping[str, str],
    *,
    current: TopicSettings,
    check_policy: _Checker,
    check_delivery_policy: _Checker,
) -> TopicSettings:
    """``current`` with ``given`` applied (attribute name -> value, SNS's names).

    An empty value unsets DisplayName, DeliveryPolicy and KmsMasterKeyId (SNS accepts
    ``""`` to turn encryption off); Policy cannot be unset. The policy checkers validate
    the JSON documents and return their normal form.

    Raises ValidationError naming ``Attributes.<Name>``: an unknown or read-only attribute,
    a display name over 100 characters, a SignatureVersion other than 1 or 2, a key id over
    2048 characters, or a policy its checker refuses.
    """
    settings = current
    for name, value in given.items():
        field = f"Attributes.{name}"
        if not isinstance(value, str):
            raise ValidationError("must be a string", field=field)
        if name == "DisplayName":
            if len(value) > MAX_DISPLAY_NAME:
                raise ValidationError(f"must be at most {MAX_DISPLAY_NAME} characters", field=field)
            settings = replace(settings, display_name=value or None)
        elif name == "Policy":
            settings = replace(settings, policy=_checked(check_policy, value, name))
        elif name == "DeliveryPolicy":
            settings = replace(
                settings,
                delivery_policy=_checked(check_delivery_policy, value, name) if value else None,
            )
        elif name == "KmsMasterKeyId":
            if len(value) > MAX_KEY_ID or any(ch.isspace() for ch in value):
                raise ValidationError(
                    "must be a key id, alias or ARN of at most 2048 characters", field=field
                )
            settings = replace(settings, kms_master_key_id=value or None)
        elif name == "SignatureVersion":
            if value not in SIGNATURE_VERSIONS:
                raise ValidationError(
                    f"Invalid parameter: SignatureVersion: Invalid value [{value}]. "
                    "Please use either 1 or 2",
                    field=field,
                )
            settings = replace(settings, signature_version=value)
        else:
            raise ValidationError(
                f"Invalid parameter: AttributeName: {name!r} is not a topic attribute "
                f"that can be set (one of {', '.join(SETTABLE_ATTRIBUTES)})",
                field=field,
            )
    return settings


def _checked(check: _Checker, value: str, name: str) -> str:
    """``check(value)``, its errors naming ``Attributes.<name>`` (and the place inside the
    document the checker named, if any)."""
    try:
        return check(value)
    except ValidationError as exc:
        inner = exc.field or name
        exc.field = f"Attributes.{inner if inner.startswith(name) else name}"
        raise


def topic_attribute_strings(
    topic: Topic,
    *,
    policy: str,
    effective_delivery_policy: str,
    counts: SubscriptionCounts,
) -> dict[str, str]:
    """GetTopicAttributes' answer: what SNS shows, in SNS's order. ``policy`` is the
    policy in force (the default one until a policy is set)."""
    settings = topic.settings
    shown: dict[str, str] = {
        "Policy": policy,
        "Owner": topic.account,
        "SubscriptionsPending": str(counts.pending),
        "TopicArn": topic.arn,
        "EffectiveDeliveryPolicy": effective_delivery_policy,
        "SubscriptionsConfirmed": str(counts.confirmed),
        "DisplayName": settings.display_name or "",
        "SubscriptionsDeleted": str(counts.deleted),
        "SignatureVersion": settings.signature_version,
    }
    if settings.delivery_policy is not None:
        shown["DeliveryPolicy"] = settings.delivery_policy
    if settings.kms_master_key_id is not None:
        shown["KmsMasterKeyId"] = settings.kms_master_key_id
    return shown
