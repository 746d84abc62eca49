"""Delivery policies as SNS shows them (spec 3.5): the ``EffectiveDeliveryPolicy`` of
subscriptions and topics, and a stored ``DeliveryPolicy`` written back in SNS's form.

All are compact JSON with the members in SNS's order; a retry policy reads
``{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,
"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from certherd.domain.delivery_policy import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_HTTP_RETRY_POLICY,
    EffectiveDeliveryPolicy,
    RequestPolicy,
    SubscriptionDeliveryPolicy,
    ThrottlePolicy,
    TopicDeliveryPolicy,
)
from certherd.domain.delivery_schedule import RetryPolicy

__all__ = [
    "effective_policy_json",
    "effective_topic_policy_json",
    "subscription_policy_json",
    "topic_policy_json",
]


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _retry_json(policy: RetryPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    # SNS's own order of the members.
    return {
        "minDelayTarget": policy.min_delay_target,
        "maxDelayTarget": policy.max_delay_target,
        "numRetries": policy.num_retries,
        "numMaxDelayRetries": policy.num_max_delay_retries,
        "numNoDelayRetries": policy.num_no_delay_retries,
        "numMinDelayRetries": policy.num_min_delay_retries,
        "backoffFunction": policy.backoff_function.value,
    }


def _throttle_json(policy: ThrottlePolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    rate = policy.max_receives_per_second
    return {} if rate is None else {"maxReceivesPerSecond": rate}


def _request_json(policy: RequestPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    content_type = policy.header_content_type
    return {} if content_type is None else {"headerContentType": content_type}


def effective_policy_json(policy: EffectiveDeliveryPolicy) -> str:
    """The ``EffectiveDeliveryPolicy`` subscription attribute, compact JSON in SNS's
    member order: healthyRetryPolicy, sicklyRetryPolicy, throttlePolicy (null when
    unthrottled), requestPolicy (null when not HTTP/S), guaranteed.

    SNS shows this attribute for HTTP/S subscriptions only (``policy.customisable``);
    for the others it describes the fixed policy certherd follows."""
    throttle = policy.throttle if policy.throttle.max_receives_per_second is not None else None
    request = policy.request if policy.request.header_content_type is not None else None
    return _dump(
        {
            "healthyRetryPolicy": _retry_json(policy.retry),
            "sicklyRetryPolicy": _retry_json(policy.sickly_retry),
            "throttlePolicy": _throttle_json(throttle),
            "requestPolicy": _request_json(request),
            "guaranteed": policy.guaranteed,
        }
    )


def effective_topic_policy_json(topic: TopicDeliveryPolicy | None) -> str:
    """The ``EffectiveDeliveryPolicy`` topic attribute: the topic's ``http`` defaults over
    SNS's, as GetTopicAttributes shows them (``defaultThrottlePolicy`` only when set)."""
    topic = topic if topic is not None else TopicDeliveryPolicy()
    http: dict[str, Any] = {
        "defaultHealthyRetryPolicy": _retry_json(
            topic.default_healthy_retry_policy or DEFAULT_HTTP_RETRY_POLICY
        ),
        "disableSubscriptionOverrides": topic.disable_subscription_overrides,
    }
    throttle = topic.default_throttle_policy
    if throttle is not None and throttle.max_receives_per_second is not None:
        http["defaultThrottlePolicy"] = _throttle_json(throttle)
    request = topic.default_request_policy
    content_type = request.header_content_type if request is not None else None
    http["defaultRequestPolicy"] = {"headerContentType": content_type or DEFAULT_CONTENT_TYPE}
    return _dump({"http": http})


def subscription_policy_json(policy: SubscriptionDeliveryPolicy) -> str:
    """A subscription's ``DeliveryPolicy`` as SNS stores and shows it once set: every
    section in SNS's order, null when left out."""
    return _dump(
        {
            "healthyRetryPolicy": _retry_json(policy.healthy_retry_policy),
            "sicklyRetryPolicy": _retry_json(policy.sickly_retry_policy),
            "throttlePolicy": _throttle_json(policy.throttle_policy),
            "requestPolicy": _request_json(policy.request_policy),
            "guaranteed": policy.guaranteed,
        }
    )


def topic_policy_json(policy: TopicDeliveryPolicy) -> str:
    """A topic's ``DeliveryPolicy`` as SNS stores and shows it once set: the sections
    set, in SNS's order."""
    http: dict[str, Any] = {}
    if policy.default_healthy_retry_policy is not None:
        http["defaultHealthyRetryPolicy"] = _retry_json(policy.default_healthy_retry_policy)
    http["disableSubscriptionOverrides"] = policy.disable_subscription_overrides
    if policy.default_throttle_policy is not None:
        http["defaultThrottlePolicy"] = _throttle_json(policy.default_throttle_policy)
    if policy.default_request_policy is not None:
        http["defaultRequestPolicy"] = _request_json(policy.default_request_policy)
    return _dump({"http": http})
