"""SNS delivery policies (spec 3.5): the ``DeliveryPolicy`` attribute of topics and
subscriptions, checked the way SNS checks it, and the policy each delivery follows.

Only HTTP/S deliveries can be given a policy. A subscription's policy::

    {"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 60, "numRetries": 50,
      "numNoDelayRetries": 3, "numMinDelayRetries": 2, "numMaxDelayRetries": 35,
      "backoffFunction": "exponential"},
     "sicklyRetryPolicy": null, "throttlePolicy": {"maxReceivesPerSecond": 10},
     "requestPolicy": {"headerContentType": "application/json"}, "guaranteed": false}

and a topic's, the default for its HTTP/S subscriptions::

    {"http": {"defaultHealthyRetryPolicy": {...}, "disableSubscriptionOverrides": false,
      "defaultThrottlePolicy": {...}, "defaultRequestPolicy": {...}}}

Every section may be left out or null. A retry policy must state ``minDelayTarget``,
``maxDelayTarget`` and ``numRetries`` (SNS answers "healthyRetryPolicy.minDelayTarget
must be specified" otherwise); the phase counts default to 0 and ``backoffFunction`` to
``linear``. Bad input raises ValidationError on the field ``DeliveryPolicy`` with SNS's
wording, naming the member by its path: "healthyRetryPolicy.minDelayTarget must be
greater than or equal to 1", "http.defaultHealthyRetryPolicy.numRetries must be less than
or equal to 100", "Unexpected JSON member: throttlePolicy".

The effective policy of an HTTP/S subscription starts from SNS's default (3 retries 20
seconds apart), takes each section the topic sets, then each section the subscription
sets unless the topic has ``disableSubscriptionOverrides``. The other protocols follow
fixed policies: SNS's policy for AWS-managed endpoints for queues and functions, and its
policy for customer-managed endpoints (SMTP, SMS) for mail and Apprise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn, TypeVar

from certherd.domain.delivery_schedule import (
    BackoffFunction,
    RetryPolicy,
    total_retry_seconds,
)
from certherd.errors import ValidationError

__all__ = [
    "AWS_MANAGED_PROTOCOLS",
    "AWS_MANAGED_RETRY_POLICY",
    "CONTENT_TYPES",
    "CUSTOMER_MANAGED_PROTOCOLS",
    "CUSTOMER_MANAGED_RETRY_POLICY",
    "CUSTOMISABLE_PROTOCOLS",
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_HTTP_RETRY_POLICY",
    "RAW_ONLY_CONTENT_TYPES",
    "EffectiveDeliveryPolicy",
    "RequestPolicy",
    "SubscriptionDeliveryPolicy",
    "ThrottlePolicy",
    "TopicDeliveryPolicy",
    "effective_policy",
    "parse_subscription_delivery_policy",
    "parse_topic_delivery_policy",
]

FIELD: Final = "DeliveryPolicy"
MAX_DELAY_TARGET: Final = 3600
MAX_RETRIES: Final = 100
#: The hard limit on the time all retries of an HTTP/S policy take together.
MAX_POLICY_SECONDS: Final = 3600

CUSTOMISABLE_PROTOCOLS: Final = frozenset({"http", "https"})
AWS_MANAGED_PROTOCOLS: Final = frozenset({"sqs", "function", "lambda"})
CUSTOMER_MANAGED_PROTOCOLS: Final = frozenset({"email", "email-json", "apprise"})

#: SNS's HTTP/S default: "up to three retries with a delay ... set at 20 seconds".
DEFAULT_HTTP_RETRY_POLICY: Final = RetryPolicy(20, 20, 3)
#: AWS-managed endpoints: 3 at once, 2 one second apart, 10 backing off from 1 to 20
#: seconds, 100,000 twenty seconds apart (SNS's table counts these 100,015 as attempts).
AWS_MANAGED_RETRY_POLICY: Final = RetryPolicy(
    1, 20, 100_015, 3, 2, 100_000, BackoffFunction.EXPONENTIAL
)
#: Customer-managed endpoints: 2 ten seconds apart, 10 backing off from 10 to 600
#: seconds, 38 six hundred seconds apart (the "50 attempts, over 6 hours" of SNS's table).
CUSTOMER_MANAGED_RETRY_POLICY: Final = RetryPolicy(
    10, 600, 50, 0, 2, 38, BackoffFunction.EXPONENTIAL
)

#: What HTTP/S notifications carry when no ``headerContentType`` is set.
DEFAULT_CONTENT_TYPE: Final = "text/plain; charset=UTF-8"
#: Content types for any HTTP/S subscription.
CONTENT_TYPES: Final = ("text/plain", "application/json")
#: Content types SNS's documentation allows only with raw message delivery.
RAW_ONLY_CONTENT_TYPES: Final = (
    "text/css",
    "text/csv",
    "text/html",
    "text/xml",
    "application/atom+xml",
    "application/octet-stream",
    "application/soap+xml",
    "application/x-www-form-urlencoded",
    "application/xhtml+xml",
    "application/xml",
)

_RETRY_MEMBERS: Final = (
    "minDelayTarget",
    "maxDelayTarget",
    "numRetries",
    "numNoDelayRetries",
    "numMinDelayRetries",
    "numMaxDelayRetries",
    "backoffFunction",
)
_PHASES: Final = ("numNoDelayRetries", "numMinDelayRetries", "numMaxDelayRetries")
_SUBSCRIPTION_MEMBERS: Final = (
    "healthyRetryPolicy",
    "sicklyRetryPolicy",
    "throttlePolicy",
    "requestPolicy",
    "guaranteed",
)
_TOPIC_MEMBERS: Final = (
    "defaultHealthyRetryPolicy",
    "disableSubscriptionOverrides",
    "defaultThrottlePolicy",
    "defaultRequestPolicy",
)


@dataclass(frozen=True)
class ThrottlePolicy:
    """``maxReceivesPerSecond``: at most this many sends a second; None: unthrottled."""

    max_receives_per_second: int | None = None


@dataclass(frozen=True)
class RequestPolicy:
    """``headerContentType``: the Content-Type of notifications; None: the default."""

    header_content_type: str | None = None


@dataclass(frozen=True)
class SubscriptionDeliveryPolicy:
    """A subscription's ``DeliveryPolicy``; None for a section it leaves out.

    ``sickly_retry_policy`` and ``guaranteed`` are kept and shown as SNS keeps them, and
    change nothing in how deliveries are made."""

    healthy_retry_policy: RetryPolicy | None = None
    sickly_retry_policy: RetryPolicy | None = None
    throttle_policy: ThrottlePolicy | None = None
    request_policy: RequestPolicy | None = None
    guaranteed: bool = False


@dataclass(frozen=True)
class TopicDeliveryPolicy:
    """A topic's ``DeliveryPolicy`` (its ``http`` member): defaults for its HTTP/S
    subscriptions, and whether their own policies are ignored."""

    default_healthy_retry_policy: RetryPolicy | None = None
    disable_subscription_overrides: bool = False
    default_throttle_policy: ThrottlePolicy | None = None
    default_request_policy: RequestPolicy | None = None


@dataclass(frozen=True)
class EffectiveDeliveryPolicy:
    """The policy one subscription's deliveries follow, every value resolved:
    ``request.header_content_type`` is set for HTTP/S (None for other protocols),
    ``throttle.max_receives_per_second`` is None when unthrottled. ``customisable`` says
    whether the protocol takes a DeliveryPolicy at all (HTTP/S only)."""

    retry: RetryPolicy
    throttle: ThrottlePolicy
    request: RequestPolicy
    customisable: bool
    sickly_retry: RetryPolicy | None = None
    guaranteed: bool = False


# -- parsing -------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    raise ValidationError(message, field=FIELD)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _load(text: str) -> Mapping[str, Any]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        _fail("the policy is not valid JSON")
    if not isinstance(document, dict):
        _fail("the policy must be a JSON object")
    return document


def _section(parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        _fail(f"{_join(path, key)} must be a JSON object")
    return value


def _members(section: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in section:
        if key not in allowed:
            _fail(f"Unexpected JSON member: {_join(path, key)}")


def _integer(section: Mapping[str, Any], key: str, path: str, *, required: bool) -> int | None:
    value = section.get(key)
    if value is None:
        if required:
            _fail(f"{_join(path, key)} must be specified")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(f"{_join(path, key)} must be an integer")
    return value


def _boolean(section: Mapping[str, Any], key: str, path: str) -> bool:
    value = section.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        _fail(f"{_join(path, key)} must be true or false")
    return value


def _at_least(value: int, bound: int, name: str) -> None:
    if value < bound:
        _fail(f"{name} must be greater than or equal to {bound}")


def _at_most(value: int, bound: int, name: str) -> None:
    if value > bound:
        _fail(f"{name} must be less than or equal to {bound}")


def _retry_policy(section: Mapping[str, Any], path: str) -> RetryPolicy:
    _members(section, _RETRY_MEMBERS, path)
    low = _integer(section, "minDelayTarget", path, required=True) or 0
    high = _integer(section, "maxDelayTarget", path, required=True) or 0
    retries = _integer(section, "numRetries", path, required=True) or 0
    phases = [_integer(section, key, path, required=False) or 0 for key in _PHASES]
    function = section.get("backoffFunction", BackoffFunction.LINEAR.value)
    if function is None:
        function = BackoffFunction.LINEAR.value
    if function not in tuple(BackoffFunction):
        choices = ", ".join(member.value for member in BackoffFunction)
        _fail(f"{_join(path, 'backoffFunction')} must be one of: {choices}")
    _at_least(low, 1, _join(path, "minDelayTarget"))
    _at_most(high, MAX_DELAY_TARGET, _join(path, "maxDelayTarget"))
    if high < low:
        _fail(f"{_join(path, 'maxDelayTarget')} must be greater than or equal to minDelayTarget")
    _at_least(retries, 0, _join(path, "numRetries"))
    _at_most(retries, MAX_RETRIES, _join(path, "numRetries"))
    for key, count in zip(_PHASES, phases, strict=True):
        _at_least(count, 0, _join(path, key))
    if sum(phases) > retries:
        _fail(
            f"{_join(path, 'numRetries')} must be greater than or equal to the total of "
            "numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries"
        )
    no_delay, min_delay, max_delay = phases
    policy = RetryPolicy(
        low, high, retries, no_delay, min_delay, max_delay, BackoffFunction(function)
    )
    seconds = total_retry_seconds(policy)
    # A hair of tolerance: the backoff curves are sums of floating-point delays.
    if seconds > MAX_POLICY_SECONDS + 1e-6:
        _fail(
            f"{path} total retry time must be less than or equal to {MAX_POLICY_SECONDS} "
            f"seconds; these retries take {seconds:.0f} seconds"
        )
    return policy


def _throttle_policy(section: Mapping[str, Any], path: str) -> ThrottlePolicy:
    _members(section, ("maxReceivesPerSecond",), path)
    rate = _integer(section, "maxReceivesPerSecond", path, required=False)
    if rate is not None:
        _at_least(rate, 1, _join(path, "maxReceivesPerSecond"))
    return ThrottlePolicy(rate)


def _content_type_allowed(value: str) -> bool:
    media_type, *parameters = (part.strip() for part in value.split(";"))
    if media_type.lower() not in CONTENT_TYPES + RAW_ONLY_CONTENT_TYPES:
        return False
    # The one parameter SNS's own default carries: "text/plain; charset=UTF-8".
    return all(part.replace(" ", "").lower() == "charset=utf-8" for part in parameters)


def _request_policy(section: Mapping[str, Any], path: str) -> RequestPolicy:
    _members(section, ("headerContentType",), path)
    name = _join(path, "headerContentType")
    value = section.get("headerContentType")
    if value is None:
        return RequestPolicy()
    if not isinstance(value, str) or not _content_type_allowed(value):
        choices = ", ".join(CONTENT_TYPES + RAW_ONLY_CONTENT_TYPES)
        _fail(f"{name} must be one of: {choices} (optionally with '; charset=UTF-8')")
    return RequestPolicy(value)


_T = TypeVar("_T")


def _optional(
    parent: Mapping[str, Any],
    key: str,
    path: str,
    build: Callable[[Mapping[str, Any], str], _T],
) -> _T | None:
    section = _section(parent, key, path)
    return None if section is None else build(section, _join(path, key))


def parse_subscription_delivery_policy(text: str) -> SubscriptionDeliveryPolicy:
    """The subscription ``DeliveryPolicy`` in ``text`` (a JSON object; an empty
    attribute value means "no policy" and is the caller's to handle).

    Raises ValidationError (field ``DeliveryPolicy``) naming the member and the rule it
    breaks: JSON that is not an object, an unknown member, a missing or out-of-range
    value, an unknown backoff function or content type, retries totalling over 3,600 s.
    """
    document = _load(text)
    _members(document, _SUBSCRIPTION_MEMBERS, "")
    return SubscriptionDeliveryPolicy(
        healthy_retry_policy=_optional(document, "healthyRetryPolicy", "", _retry_policy),
        sickly_retry_policy=_optional(document, "sicklyRetryPolicy", "", _retry_policy),
        throttle_policy=_optional(document, "throttlePolicy", "", _throttle_policy),
        request_policy=_optional(document, "requestPolicy", "", _request_policy),
        guaranteed=_boolean(document, "guaranteed", ""),
    )


def parse_topic_delivery_policy(text: str) -> TopicDeliveryPolicy:
    """The topic ``DeliveryPolicy`` in ``text`` (``{"http": {...}}``; an empty attribute
    value means "no policy" and is the caller's to handle).

    Raises ValidationError (field ``DeliveryPolicy``) as
    :func:`parse_subscription_delivery_policy` does, paths starting with ``http.``.
    """
    document = _load(text)
    _members(document, ("http",), "")
    http = _section(document, "http", "")
    if http is None:
        return TopicDeliveryPolicy()
    _members(http, _TOPIC_MEMBERS, "http")
    return TopicDeliveryPolicy(
        default_healthy_retry_policy=_optional(
            http, "defaultHealthyRetryPolicy", "http", _retry_policy
        ),
        disable_subscription_overrides=_boolean(http, "disableSubscriptionOverrides", "http"),
        default_throttle_policy=_optional(http, "defaultThrottlePolicy", "http", _throttle_policy),
        default_request_policy=_optional(http, "defaultRequestPolicy", "http", _request_policy),
    )


# -- the effective policy ------------------------------------------------------------------


def effective_policy(
    protocol: str,
    *,
    topic: TopicDeliveryPolicy | None,
    subscription: SubscriptionDeliveryPolicy | None,
) -> EffectiveDeliveryPolicy:
    """The policy deliveries to a subscription of ``protocol`` follow.

    For HTTP/S: SNS's default, overridden section by section by the topic's defaults,
    then by the subscription's own policy unless the topic disables overrides; a throttle
    or content type left unset (None) overrides nothing. For the other protocols the
    fixed policy of their kind of endpoint, whatever the policies passed. Raises
    ValueError for a protocol certherd does not deliver to.
    """
    if protocol in AWS_MANAGED_PROTOCOLS:
        return EffectiveDeliveryPolicy(
            AWS_MANAGED_RETRY_POLICY, ThrottlePolicy(), RequestPolicy(), customisable=False
        )
    if protocol in CUSTOMER_MANAGED_PROTOCOLS:
        return EffectiveDeliveryPolicy(
            CUSTOMER_MANAGED_RETRY_POLICY, ThrottlePolicy(), RequestPolicy(), customisable=False
        )
    if protocol not in CUSTOMISABLE_PROTOCOLS:
        raise ValueError(f"no delivery policy for protocol {protocol!r}")
    own = None if topic is not None and topic.disable_subscription_overrides else subscription
    layers: list[tuple[RetryPolicy | None, ThrottlePolicy | None, RequestPolicy | None]] = []
    if topic is not None:
        layers.append(
            (
                topic.default_healthy_retry_policy,
                topic.default_throttle_policy,
                topic.default_request_policy,
            )
        )
    if own is not None:
        layers.append((own.healthy_retry_policy, own.throttle_policy, own.request_policy))
    retry, rate, content_type = DEFAULT_HTTP_RETRY_POLICY, None, DEFAULT_CONTENT_TYPE
    for layer_retry, layer_throttle, layer_request in layers:
        if layer_retry is not None:
            retry = layer_retry
        if layer_throttle is not None and layer_throttle.max_receives_per_second is not None:
            rate = layer_throttle.max_receives_per_second
        if layer_request is not None and layer_request.header_content_type is not None:
            content_type = layer_request.header_content_type
    return EffectiveDeliveryPolicy(
        retry,
        ThrottlePolicy(rate),
        RequestPolicy(content_type),
        customisable=True,
        sickly_retry=None if own is None else own.sickly_retry_policy,
        guaranteed=False if own is None else own.guaranteed,
    )
