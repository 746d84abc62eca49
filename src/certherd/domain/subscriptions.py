"""Topic subscriptions with Amazon SNS's semantics (spec §3.2): protocols, endpoints,
confirmation, attributes.

certherd's protocols are SNS's ``email``, ``email-json``, ``http``, ``https`` and ``sqs``
(a certherd queue), plus ``function`` (a command run with the message on stdin) and
``apprise`` (any Apprise URL: chat, pager and push services). Email and http(s)
subscriptions wait for their endpoint to confirm them; the others are confirmed when made,
by the account that makes them.

An endpoint can hold a secret (an Apprise URL's token, an https URL's password): such
endpoints are stored sealed and shown masked (:func:`shown_endpoint`).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from certherd.domain.arns import parse_arn
from certherd.errors import ValidationError

__all__ = [
    "CONFIRMATION_VALIDITY",
    "FILTER_POLICY_SCOPES",
    "PENDING_CONFIRMATION",
    "SETTABLE_ATTRIBUTES",
    "Subscription",
    "SubscriptionProtocol",
    "SubscriptionSettings",
    "SubscriptionState",
    "check_endpoint",
    "endpoint_has_secret",
    "parse_protocol",
    "parse_redrive_policy",
    "parse_subscription_attributes",
    "shown_endpoint",
    "subscription_attribute_strings",
]

#: Confirmation tokens are valid for two days (spec §3.2).
CONFIRMATION_VALIDITY: Final = timedelta(days=2)
#: What SNS shows in place of the ARN of a subscription not yet confirmed.
PENDING_CONFIRMATION: Final = "PendingConfirmation"
FILTER_POLICY_SCOPES: Final = ("MessageAttributes", "MessageBody")
SETTABLE_ATTRIBUTES: Final = (
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
)
_EMAIL_RE: Final = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
MAX_ENDPOINT: Final = 4096


class SubscriptionProtocol(StrEnum):
    EMAIL = "email"
    EMAIL_JSON = "email-json"
    HTTP = "http"
    HTTPS = "https"
    SQS = "sqs"
    FUNCTION = "function"
    #: A registered function of the subscriber's account, by its ARN (SNS's ``lambda``).
    LAMBDA = "lambda"
    APPRISE = "apprise"

    @property
    def needs_confirmation(self) -> bool:
        """Whether the endpoint must confirm (SNS: email and http(s))."""
        return self in _CONFIRMED_BY_ENDPOINT

    @property
    def supports_raw_delivery(self) -> bool:
        return self in _RAW_CAPABLE

    @property
    def is_http(self) -> bool:
        return self in (SubscriptionProtocol.HTTP, SubscriptionProtocol.HTTPS)


_CONFIRMED_BY_ENDPOINT: Final = frozenset(
    {
        SubscriptionProtocol.EMAIL,
        SubscriptionProtocol.EMAIL_JSON,
        SubscriptionProtocol.HTTP,
        SubscriptionProtocol.HTTPS,
    }
)
_RAW_CAPABLE: Final = frozenset(
    {
        SubscriptionProtocol.HTTP,
        SubscriptionProtocol.HTTPS,
        SubscriptionProtocol.SQS,
        SubscriptionProtocol.FUNCTION,
    }
)


class SubscriptionState(StrEnum):
    PENDING_CONFIRMATION = "PENDING_CONFIRMATION"
    CONFIRMED = "CONFIRMED"
    #: Unsubscribed; kept for two days so that the UnsubscribeConfirmation's link can
    #: restore it.
    DELETED = "DELETED"


@dataclass(frozen=True)
class SubscriptionSettings:
    filter_policy: str | None = None
    filter_policy_scope: str | None = None
    raw_message_delivery: bool = False
    redrive_policy: str | None = None
    delivery_policy: str | None = None

    @property
    def dead_letter_arn(self) -> str | None:
        if self.redrive_policy is None:
            return None
        target = json.loads(self.redrive_policy).get("deadLetterTargetArn")
        return target if isinstance(target, str) else None


@dataclass(frozen=True)
class Subscription:
    id: str
    arn: str
    #: The account that made the subscription (SNS's ``Owner``).
    account: str
    topic_id: str
    topic_arn: str
    protocol: SubscriptionProtocol
    #: The endpoint as shown (masked when it holds a secret; see :func:`shown_endpoint`).
    endpoint: str
    state: SubscriptionState
    settings: SubscriptionSettings
    created_at: datetime
    updated_at: datetime
    confirmation_was_authenticated: bool = False
    token_expires_at: datetime | None = None
    #: SHA-256 (hex) of the confirmation token, to find the subscription by it.
    token_digest: str | None = None
    #: The confirmation token, sealed, until the request carrying it has been sent.
    sealed_token: bytes | None = None
    #: The endpoint itself, sealed, when it holds a secret (``endpoint`` is then masked).
    sealed_endpoint: bytes | None = None

    @property
    def pending(self) -> bool:
        return self.state is SubscriptionState.PENDING_CONFIRMATION

    @property
    def shown_arn(self) -> str:
        """The ARN as ListSubscriptions shows it (``PendingConfirmation`` until confirmed)."""
        return PENDING_CONFIRMATION if self.pending else self.arn

    def with_settings(self, settings: SubscriptionSettings) -> Subscription:
        return replace(self, settings=settings)


def parse_protocol(value: object, *, field: str = "Protocol") -> SubscriptionProtocol:
    try:
        return SubscriptionProtocol(str(value).lower())
    except ValueError:
        raise ValidationError(
            f"Invalid parameter: Amazon SNS does not support this protocol string: {value}; "
            f"certherd supports {', '.join(p.value for p in SubscriptionProtocol)}",
            field=field,
        ) from None


def check_endpoint(
    protocol: SubscriptionProtocol, endpoint: object, *, field: str = "Endpoint"
) -> str:
    """Return ``endpoint`` if it is a valid endpoint for ``protocol``.

    Apprise URLs are checked here for shape only; whether Apprise knows the service is the
    adapter's to say. Raises ValidationError naming ``field``.
    """
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ValidationError("Invalid parameter: Endpoint must not be empty", field=field)
    if len(endpoint) > MAX_ENDPOINT:
        raise ValidationError(f"must be at most {MAX_ENDPOINT} characters", field=field)
    if protocol in (SubscriptionProtocol.EMAIL, SubscriptionProtocol.EMAIL_JSON):
        if not _EMAIL_RE.fullmatch(endpoint):
            raise ValidationError("Invalid parameter: Email address", field=field)
    elif protocol.is_http:
        parts = urlsplit(endpoint)
        if parts.scheme != protocol.value or not parts.hostname:
            raise ValidationError(
                f"Invalid parameter: Endpoint must be an {protocol.value}:// URL with a host",
                field=field,
            )
    elif protocol is SubscriptionProtocol.SQS:
        parse_arn(endpoint, field=field, service="sqs")
    elif protocol is SubscriptionProtocol.LAMBDA:
        parse_arn(endpoint, field=field, service="lambda")
    elif protocol is SubscriptionProtocol.FUNCTION:
        try:
            argv = shlex.split(endpoint)
        except ValueError as exc:
            raise ValidationError(f"is not a command line: {exc}", field=field) from None
        if not argv:
            raise ValidationError("must name a command to run", field=field)
    elif "://" not in endpoint:
        raise ValidationError(
            "must be an Apprise URL such as slack://... or json://host/path", field=field
        )
    return endpoint


def endpoint_has_secret(protocol: SubscriptionProtocol, endpoint: str) -> bool:
    """Whether the endpoint must be stored sealed: Apprise URLs (tokens), URLs with a user
    or password, and command lines (their arguments may carry credentials)."""
    if protocol in (SubscriptionProtocol.APPRISE, SubscriptionProtocol.FUNCTION):
        return True
    if protocol.is_http:
        parts = urlsplit(endpoint)
        return bool(parts.username or parts.password or parts.query)
    return False


def shown_endpoint(
    protocol: SubscriptionProtocol, endpoint: str, *, mask_apprise: Callable[[str], str]
) -> str:
    """The endpoint as it may be shown and stored in clear: credentials and query strings of
    URLs replaced by ``****``, Apprise URLs masked by Apprise (``mask_apprise``), command
    lines reduced to the command's name."""
    if protocol is SubscriptionProtocol.APPRISE:
        return mask_apprise(endpoint)
    if protocol is SubscriptionProtocol.FUNCTION:
        return shlex.split(endpoint)[0] + " ****"
    if protocol.is_http:
        parts = urlsplit(endpoint)
        netloc = parts.netloc
        if parts.username or parts.password:
            netloc = "****@" + netloc.rpartition("@")[2]
        query = "****" if parts.query else ""
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    return endpoint


def parse_redrive_policy(text: str, *, field: str) -> str:
    """Check a RedrivePolicy (``{"deadLetterTargetArn": "<queue ARN>"}``); return it."""
    try:
        document = json.loads(text)
    except ValueError:
        raise ValidationError(
            "Invalid parameter: RedrivePolicy: failed to parse JSON", field=field
        ) from None
    if not isinstance(document, dict) or set(document) != {"deadLetterTargetArn"}:
        raise ValidationError(
            'Invalid parameter: RedrivePolicy: must be {"deadLetterTargetArn": "<queue ARN>"}',
            field=field,
        )
    target = document["deadLetterTargetArn"]
    if not isinstance(target, str):
        raise ValidationError(
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is not a queue ARN",
            field=field,
        )
    parse_arn(target, field=field, service="sqs")
    return json.dumps({"deadLetterTargetArn": target}, separators=(",", ":"))


def parse_subscription_attributes(
    given: Mapping[str, str],
    *,
    protocol: SubscriptionProtocol,
    current: SubscriptionSettings,
    check_filter_policy: Callable[[str, str], str],
    check_delivery_policy: Callable[[str], str],
) -> SubscriptionSettings:
    """``current`` with ``given`` applied (SNS's attribute names and string values).

    ``check_filter_policy(policy, scope)`` validates a filter policy for a scope and
    returns it; ``check_delivery_policy`` validates an http(s) DeliveryPolicy. An empty
    FilterPolicy, RedrivePolicy or DeliveryPolicy removes it (SNS does the same for
    FilterPolicy). Raises ValidationError naming ``Attributes.<Name>``.
    """
    settings = current
    for name, value in given.items():
        field = f"Attributes.{name}"
        if not isinstance(value, str):
            raise ValidationError("must be a string", field=field)
        if name == "FilterPolicy":
            settings = replace(settings, filter_policy=value or None)
        elif name == "FilterPolicyScope":
            if value not in FILTER_POLICY_SCOPES:
                raise ValidationError(
                    f"Invalid parameter: FilterPolicyScope: Invalid value [{value}]. "
                    "Please use either MessageBody or MessageAttributes",
                    field=field,
                )
            settings = replace(settings, filter_policy_scope=value)
        elif name == "RawMessageDelivery":
            raw = value.lower()
            if raw not in ("true", "false"):
                raise ValidationError("must be true or false", field=field)
            if raw == "true" and not protocol.supports_raw_delivery:
                raise ValidationError(
                    f"Invalid parameter: Delivery protocol [{protocol.value}] does not "
                    "support raw message delivery",
                    field=field,
                )
            settings = replace(settings, raw_message_delivery=raw == "true")
        elif name == "RedrivePolicy":
            settings = replace(
                settings, redrive_policy=parse_redrive_policy(value, field=field) if value else None
            )
        elif name == "DeliveryPolicy":
            if value and not protocol.is_http:
                raise ValidationError(
                    f"Invalid parameter: DeliveryPolicy: Delivery protocol [{protocol.value}] "
                    "does not support delivery policies",
                    field=field,
                )
            try:
                checked = check_delivery_policy(value) if value else None
            except ValidationError as exc:
                exc.field = field
                raise
            settings = replace(settings, delivery_policy=checked)
        else:
            raise ValidationError(
                f"Invalid parameter: AttributeName: {name!r} is not a subscription attribute "
                f"that can be set (one of {', '.join(SETTABLE_ATTRIBUTES)})",
                field=field,
            )
    if settings.filter_policy is not None:
        scope = settings.filter_policy_scope or "MessageAttributes"
        where = "FilterPolicy" if "FilterPolicy" in given else "FilterPolicyScope"
        try:
            check_filter_policy(settings.filter_policy, scope)
        except ValidationError as exc:
            raise ValidationError(
                f"Invalid parameter: FilterPolicy: {exc.message}", field=f"Attributes.{where}"
            ) from None
    return settings


def subscription_attribute_strings(
    subscription: Subscription, *, effective_delivery_policy: str | None
) -> dict[str, str]:
    """GetSubscriptionAttributes' answer, as SNS writes it."""
    settings = subscription.settings
    shown: dict[str, str] = {
        "ConfirmationWasAuthenticated": _bool(subscription.confirmation_was_authenticated),
        "Endpoint": subscription.endpoint,
        "Owner": subscription.account,
        "PendingConfirmation": _bool(subscription.pending),
        "Protocol": subscription.protocol.value,
        "RawMessageDelivery": _bool(settings.raw_message_delivery),
        "SubscriptionArn": subscription.arn,
        "TopicArn": subscription.topic_arn,
    }
    if settings.filter_policy is not None:
        shown["FilterPolicy"] = settings.filter_policy
        shown["FilterPolicyScope"] = settings.filter_policy_scope or "MessageAttributes"
    if settings.redrive_policy is not None:
        shown["RedrivePolicy"] = settings.redrive_policy
    if settings.delivery_policy is not None:
        shown["DeliveryPolicy"] = settings.delivery_policy
    if effective_delivery_policy is not None:
        shown["EffectiveDeliveryPolicy"] = effective_delivery_policy
    return shown


def _bool(value: bool) -> str:
    return "true" if value else "false"
