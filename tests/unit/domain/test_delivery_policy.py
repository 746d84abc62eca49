"""SNS delivery policies: parsing and checking the DeliveryPolicy attribute, the policy a
subscription's deliveries follow, and the JSON SNS shows for them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from certherd.domain.delivery_policy import (
    AWS_MANAGED_RETRY_POLICY,
    CUSTOMER_MANAGED_RETRY_POLICY,
    DEFAULT_CONTENT_TYPE,
    DEFAULT_HTTP_RETRY_POLICY,
    RequestPolicy,
    SubscriptionDeliveryPolicy,
    ThrottlePolicy,
    TopicDeliveryPolicy,
    effective_policy,
    parse_subscription_delivery_policy,
    parse_topic_delivery_policy,
)
from certherd.domain.delivery_policy_json import (
    effective_policy_json,
    effective_topic_policy_json,
    subscription_policy_json,
    topic_policy_json,
)
from certherd.domain.delivery_schedule import (
    BackoffFunction,
    RetryPolicy,
    nominal_schedule,
    total_retry_seconds,
)
from certherd.errors import ValidationError

#: The sample policy of SNS's developer guide ("Creating an HTTP/S delivery policy").
GUIDE_SAMPLE = {
    "healthyRetryPolicy": {
        "minDelayTarget": 1,
        "maxDelayTarget": 60,
        "numRetries": 50,
        "numNoDelayRetries": 3,
        "numMinDelayRetries": 2,
        "numMaxDelayRetries": 35,
        "backoffFunction": "exponential",
    },
    "throttlePolicy": {"maxReceivesPerSecond": 10},
}
MINIMAL_RETRY = {"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3}
DEFAULT_RETRY_JSON = (
    '{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,'
    '"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"}'
)
FAST = RetryPolicy(1, 5, 4)
SLOW = RetryPolicy(10, 30, 6, backoff_function=BackoffFunction.GEOMETRIC)


def retry(**members: Any) -> dict[str, Any]:
    return {**MINIMAL_RETRY, **members}


def subscription_error(document: object) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_subscription_delivery_policy(json.dumps(document))
    assert caught.value.field == "DeliveryPolicy"
    assert str(caught.value).startswith("DeliveryPolicy: ")
    return caught.value.message


def topic_error(document: object) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_topic_delivery_policy(json.dumps(document))
    assert caught.value.field == "DeliveryPolicy"
    return caught.value.message


# -- parsing -------------------------------------------------------------------------------


def test_the_developer_guide_sample_parses() -> None:
    policy = parse_subscription_delivery_policy(json.dumps(GUIDE_SAMPLE))
    assert policy.healthy_retry_policy == RetryPolicy(
        1, 60, 50, 3, 2, 35, BackoffFunction.EXPONENTIAL
    )
    assert policy.throttle_policy == ThrottlePolicy(10)
    assert policy.request_policy is None
    assert policy.sickly_retry_policy is None
    assert policy.guaranteed is False


def test_left_out_phase_counts_and_backoff_function_take_the_defaults() -> None:
    policy = parse_subscription_delivery_policy(json.dumps({"healthyRetryPolicy": retry()}))
    assert policy.healthy_retry_policy == DEFAULT_HTTP_RETRY_POLICY


@pytest.mark.parametrize("text", ["{}", '{"healthyRetryPolicy":null,"throttlePolicy":null}'])
def test_sections_may_be_left_out_or_null(text: str) -> None:
    assert parse_subscription_delivery_policy(text) == SubscriptionDeliveryPolicy()


def test_every_section_of_a_subscription_policy_is_read() -> None:
    document = {
        "healthyRetryPolicy": retry(backoffFunction="arithmetic", numRetries=5),
        "sicklyRetryPolicy": retry(),
        "throttlePolicy": {},
        "requestPolicy": {"headerContentType": "application/json"},
        "guaranteed": True,
    }
    policy = parse_subscription_delivery_policy(json.dumps(document))
    assert policy == SubscriptionDeliveryPolicy(
        RetryPolicy(20, 20, 5, backoff_function=BackoffFunction.ARITHMETIC),
        DEFAULT_HTTP_RETRY_POLICY,
        ThrottlePolicy(None),
        RequestPolicy("application/json"),
        guaranteed=True,
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/json",
        "text/plain; charset=UTF-8",
        "application/json;charset=utf-8",
        "Application/JSON",
        "application/xml",
        "application/x-www-form-urlencoded",
    ],
)
def test_content_types_from_the_list_are_accepted(content_type: str) -> None:
    document = {"requestPolicy": {"headerContentType": content_type}}
    policy = parse_subscription_delivery_policy(json.dumps(document))
    assert policy.request_policy == RequestPolicy(content_type)


def test_a_topic_policy_is_read() -> None:
    document = {
        "http": {
            "defaultHealthyRetryPolicy": GUIDE_SAMPLE["healthyRetryPolicy"],
            "disableSubscriptionOverrides": True,
            "defaultThrottlePolicy": {"maxReceivesPerSecond": 1},
            "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
        }
    }
    policy = parse_topic_delivery_policy(json.dumps(document))
    assert policy == TopicDeliveryPolicy(
        RetryPolicy(1, 60, 50, 3, 2, 35, BackoffFunction.EXPONENTIAL),
        disable_subscription_overrides=True,
        default_throttle_policy=ThrottlePolicy(1),
        default_request_policy=RequestPolicy("text/plain; charset=UTF-8"),
    )


@pytest.mark.parametrize("text", ["{}", '{"http":null}', '{"http":{}}'])
def test_an_empty_topic_policy_sets_nothing(text: str) -> None:
    assert parse_topic_delivery_policy(text) == TopicDeliveryPolicy()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"healthyRetryPolicy": {"maxDelayTarget": 20, "numRetries": 3}},
            "healthyRetryPolicy.minDelayTarget must be specified",
        ),
        (
            {"healthyRetryPolicy": {"minDelayTarget": 20, "numRetries": 3}},
            "healthyRetryPolicy.maxDelayTarget must be specified",
        ),
        (
            {"healthyRetryPolicy": {"minDelayTarget": 20, "maxDelayTarget": 20}},
            "healthyRetryPolicy.numRetries must be specified",
        ),
        (
            {"healthyRetryPolicy": retry(minDelayTarget=0, maxDelayTarget=0)},
            "healthyRetryPolicy.minDelayTarget must be greater than or equal to 1",
        ),
        (
            {"healthyRetryPolicy": retry(maxDelayTarget=3601, numRetries=0)},
            "healthyRetryPolicy.maxDelayTarget must be less than or equal to 3600",
        ),
        (
            {"healthyRetryPolicy": retry(minDelayTarget=30)},
            "healthyRetryPolicy.maxDelayTarget must be greater than or equal to minDelayTarget",
        ),
        (
            {"healthyRetryPolicy": retry(minDelayTarget=1, maxDelayTarget=1, numRetries=101)},
            "healthyRetryPolicy.numRetries must be less than or equal to 100",
        ),
        (
            {"healthyRetryPolicy": retry(numRetries=-1)},
            "healthyRetryPolicy.numRetries must be greater than or equal to 0",
        ),
        (
            {"healthyRetryPolicy": retry(numNoDelayRetries=-1)},
            "healthyRetryPolicy.numNoDelayRetries must be greater than or equal to 0",
        ),
        (
            {"healthyRetryPolicy": retry(numMinDelayRetries=-2)},
            "healthyRetryPolicy.numMinDelayRetries must be greater than or equal to 0",
        ),
        (
            {"healthyRetryPolicy": retry(numMaxDelayRetries=-3)},
            "healthyRetryPolicy.numMaxDelayRetries must be greater than or equal to 0",
        ),
        (
            {"healthyRetryPolicy": retry(numNoDelayRetries=2, numMaxDelayRetries=2)},
            "healthyRetryPolicy.numRetries must be greater than or equal to the total of "
            "numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries",
        ),
        (
            {"healthyRetryPolicy": retry(backoffFunction="quadratic")},
            "healthyRetryPolicy.backoffFunction must be one of: linear, arithmetic, "
            "geometric, exponential",
        ),
        (
            {"healthyRetryPolicy": retry(backoffFunction=2)},
            "healthyRetryPolicy.backoffFunction must be one of",
        ),
        (
            {"healthyRetryPolicy": retry(minDelayTarget=2.5)},
            "healthyRetryPolicy.minDelayTarget must be an integer",
        ),
        (
            {"healthyRetryPolicy": retry(numRetries="3")},
            "healthyRetryPolicy.numRetries must be an integer",
        ),
        (
            {"healthyRetryPolicy": retry(numMinDelayRetries=True)},
            "healthyRetryPolicy.numMinDelayRetries must be an integer",
        ),
        (
            {"healthyRetryPolicy": retry(numRetries=2, numMaxDelayRetries=2, maxDelayTarget=3600)},
            "healthyRetryPolicy total retry time must be less than or equal to 3600 seconds",
        ),
        (
            {"sicklyRetryPolicy": retry(minDelayTarget=0)},
            "sicklyRetryPolicy.minDelayTarget must be greater than or equal to 1",
        ),
        (
            {"throttlePolicy": {"maxReceivesPerSecond": 0}},
            "throttlePolicy.maxReceivesPerSecond must be greater than or equal to 1",
        ),
        (
            {"throttlePolicy": {"maxReceivesPerSecond": "ten"}},
            "throttlePolicy.maxReceivesPerSecond must be an integer",
        ),
        (
            {"requestPolicy": {"headerContentType": "text/bogus"}},
            "requestPolicy.headerContentType must be one of: text/plain, application/json",
        ),
        (
            {"requestPolicy": {"headerContentType": "text/plain; charset=ISO-8859-1"}},
            "requestPolicy.headerContentType must be one of",
        ),
        (
            {"requestPolicy": {"headerContentType": 7}},
            "requestPolicy.headerContentType must be one of",
        ),
        ({"guaranteed": "yes"}, "guaranteed must be true or false"),
        ({"healthyRetryPolicy": [1, 2]}, "healthyRetryPolicy must be a JSON object"),
        (
            {"healthyRetryPolicy": retry(numRetry=3)},
            "Unexpected JSON member: healthyRetryPolicy.numRetry",
        ),
        (
            {"throttlePolicy": {"maxReceivesPerMinute": 3}},
            "Unexpected JSON member: throttlePolicy.maxReceivesPerMinute",
        ),
        ({"http": {}}, "Unexpected JSON member: http"),
        ([GUIDE_SAMPLE], "the policy must be a JSON object"),
    ],
)
def test_a_bad_subscription_policy_is_refused_naming_the_member(
    document: object, message: str
) -> None:
    assert subscription_error(document).startswith(message)


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValidationError, match="not valid JSON") as caught:
        parse_subscription_delivery_policy("{healthyRetryPolicy:")
    assert caught.value.field == "DeliveryPolicy"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"http": {"defaultHealthyRetryPolicy": retry(numRetries=101, maxDelayTarget=30)}},
            "http.defaultHealthyRetryPolicy.numRetries must be less than or equal to 100",
        ),
        (
            {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}},
            "http.defaultHealthyRetryPolicy.minDelayTarget must be specified",
        ),
        (
            {"http": {"defaultThrottlePolicy": {"maxReceivesPerSecond": -1}}},
            "http.defaultThrottlePolicy.maxReceivesPerSecond must be greater than or equal to 1",
        ),
        (
            {"http": {"defaultRequestPolicy": {"headerContentType": "image/png"}}},
            "http.defaultRequestPolicy.headerContentType must be one of",
        ),
        (
            {"http": {"disableSubscriptionOverrides": "true"}},
            "http.disableSubscriptionOverrides must be true or false",
        ),
        (
            {"http": {"defaultHealthyRetryPolicy": retry(), "throttlePolicy": {}}},
            "Unexpected JSON member: http.throttlePolicy",
        ),
        ({"throttlePolicy": {"maxReceivesPerSecond": 1}}, "Unexpected JSON member: throttlePolicy"),
        ({"http": 3}, "http must be a JSON object"),
        ("http", "the policy must be a JSON object"),
    ],
)
def test_a_bad_topic_policy_is_refused_naming_the_member(document: object, message: str) -> None:
    assert topic_error(document).startswith(message)


def test_the_total_retry_time_may_reach_but_not_pass_an_hour() -> None:
    at_limit = {
        "healthyRetryPolicy": retry(maxDelayTarget=3600, numRetries=1, numMaxDelayRetries=1)
    }
    policy = parse_subscription_delivery_policy(json.dumps(at_limit)).healthy_retry_policy
    assert policy is not None and total_retry_seconds(policy) == 3600
    # 100 retries 36 seconds apart take exactly an hour; 37 seconds is too long.
    hundred = retry(minDelayTarget=36, maxDelayTarget=36, numRetries=100)
    assert parse_subscription_delivery_policy(json.dumps({"healthyRetryPolicy": hundred}))
    message = subscription_error(
        {"healthyRetryPolicy": {**hundred, "minDelayTarget": 37, "maxDelayTarget": 37}}
    )
    assert message.startswith("healthyRetryPolicy total retry time")
    assert message.endswith("these retries take 3700 seconds")


# -- the effective policy ------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["http", "https"])
def test_http_without_policies_gets_three_retries_twenty_seconds_apart(protocol: str) -> None:
    policy = effective_policy(protocol, topic=None, subscription=None)
    assert policy.customisable is True
    assert policy.retry == RetryPolicy(20, 20, 3, 0, 0, 0, BackoffFunction.LINEAR)
    assert nominal_schedule(policy.retry) == [20.0, 20.0, 20.0]
    assert policy.throttle == ThrottlePolicy(None)
    assert policy.request == RequestPolicy(DEFAULT_CONTENT_TYPE)
    assert DEFAULT_CONTENT_TYPE == "text/plain; charset=UTF-8"


def test_the_topic_sets_the_defaults_of_its_subscriptions() -> None:
    topic = TopicDeliveryPolicy(SLOW, False, ThrottlePolicy(5), RequestPolicy("application/json"))
    policy = effective_policy("https", topic=topic, subscription=None)
    assert (policy.retry, policy.throttle, policy.request) == (
        SLOW,
        ThrottlePolicy(5),
        RequestPolicy("application/json"),
    )


def test_the_subscription_overrides_the_topic_section_by_section() -> None:
    topic = TopicDeliveryPolicy(SLOW, False, ThrottlePolicy(5), RequestPolicy("application/json"))
    own = SubscriptionDeliveryPolicy(FAST, throttle_policy=ThrottlePolicy(None), guaranteed=True)
    policy = effective_policy("http", topic=topic, subscription=own)
    assert policy.retry == FAST
    assert policy.throttle == ThrottlePolicy(5)  # left unset by the subscription
    assert policy.request == RequestPolicy("application/json")
    assert policy.guaranteed is True


def test_a_subscription_policy_alone_applies() -> None:
    own = SubscriptionDeliveryPolicy(FAST, request_policy=RequestPolicy("text/plain"))
    policy = effective_policy("http", topic=None, subscription=own)
    assert (policy.retry, policy.request) == (FAST, RequestPolicy("text/plain"))


def test_disabling_overrides_makes_the_topic_win() -> None:
    own = SubscriptionDeliveryPolicy(FAST, None, ThrottlePolicy(1), RequestPolicy("text/plain"))
    topic = TopicDeliveryPolicy(SLOW, disable_subscription_overrides=True)
    policy = effective_policy("https", topic=topic, subscription=own)
    assert policy.retry == SLOW
    assert policy.throttle == ThrottlePolicy(None)
    assert policy.request == RequestPolicy(DEFAULT_CONTENT_TYPE)
    # Even where the topic sets nothing, SNS's default applies, not the subscription's.
    bare = TopicDeliveryPolicy(disable_subscription_overrides=True)
    assert effective_policy("http", topic=bare, subscription=own).retry == (
        DEFAULT_HTTP_RETRY_POLICY
    )


@pytest.mark.parametrize("protocol", ["sqs", "function", "lambda"])
def test_queues_and_functions_follow_the_aws_managed_policy(protocol: str) -> None:
    own = SubscriptionDeliveryPolicy(FAST, throttle_policy=ThrottlePolicy(1))
    policy = effective_policy(protocol, topic=TopicDeliveryPolicy(SLOW), subscription=own)
    assert policy.customisable is False
    assert policy.retry == AWS_MANAGED_RETRY_POLICY
    assert policy.throttle == ThrottlePolicy(None)
    schedule = nominal_schedule(policy.retry)
    assert len(schedule) == 100_015
    assert schedule[:5] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert schedule[5] == 1.0 and schedule[14] == 20.0  # backoff from 1 s to 20 s
    assert schedule[5:15] == sorted(schedule[5:15])
    assert set(schedule[15:]) == {20.0}
    assert 23 * 86_400 < total_retry_seconds(policy.retry) < 24 * 86_400  # "over 23 days"


@pytest.mark.parametrize("protocol", ["email", "email-json", "apprise"])
def test_mail_and_apprise_follow_the_customer_managed_policy(protocol: str) -> None:
    policy = effective_policy(protocol, topic=None, subscription=None)
    assert policy.customisable is False
    assert policy.retry == CUSTOMER_MANAGED_RETRY_POLICY
    schedule = nominal_schedule(policy.retry)
    assert len(schedule) == 50
    assert schedule[:2] == [10.0, 10.0]
    assert schedule[2] == 10.0 and schedule[11] == 600.0  # backoff from 10 s to 600 s
    assert schedule[2:12] == sorted(schedule[2:12])
    assert schedule[12:] == [600.0] * 38
    assert 6 * 3600 < total_retry_seconds(policy.retry) < 7 * 3600  # "over 6 hours"


def test_an_unknown_protocol_has_no_policy() -> None:
    with pytest.raises(ValueError, match="protocol"):
        effective_policy("carrier-pigeon", topic=None, subscription=None)


# -- JSON as SNS shows it ------------------------------------------------------------------


def test_a_topic_without_policy_shows_sns_default_effective_policy() -> None:
    assert effective_topic_policy_json(None) == (
        '{"http":{"defaultHealthyRetryPolicy":' + DEFAULT_RETRY_JSON + ","
        '"disableSubscriptionOverrides":false,'
        '"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}'
    )


def test_a_topic_policy_shows_in_the_effective_topic_policy() -> None:
    topic = TopicDeliveryPolicy(
        RetryPolicy(2, 20, 12, 0, 12, 0), True, ThrottlePolicy(3), RequestPolicy(None)
    )
    assert json.loads(effective_topic_policy_json(topic)) == {
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 2,
                "maxDelayTarget": 20,
                "numRetries": 12,
                "numMaxDelayRetries": 0,
                "numNoDelayRetries": 0,
                "numMinDelayRetries": 12,
                "backoffFunction": "linear",
            },
            "disableSubscriptionOverrides": True,
            "defaultThrottlePolicy": {"maxReceivesPerSecond": 3},
            "defaultRequestPolicy": {"headerContentType": DEFAULT_CONTENT_TYPE},
        }
    }


def test_an_http_subscription_shows_its_effective_policy_in_sns_form() -> None:
    policy = effective_policy("https", topic=None, subscription=None)
    assert effective_policy_json(policy) == (
        '{"healthyRetryPolicy":' + DEFAULT_RETRY_JSON + ',"sicklyRetryPolicy":null,'
        '"throttlePolicy":null,'
        '"requestPolicy":{"headerContentType":"text/plain; charset=UTF-8"},"guaranteed":false}'
    )
    throttled = effective_policy(
        "http",
        topic=TopicDeliveryPolicy(default_throttle_policy=ThrottlePolicy(7)),
        subscription=None,
    )
    assert json.loads(effective_policy_json(throttled))["throttlePolicy"] == {
        "maxReceivesPerSecond": 7
    }


def test_a_fixed_policy_shows_without_throttle_or_content_type() -> None:
    shown = json.loads(
        effective_policy_json(effective_policy("sqs", topic=None, subscription=None))
    )
    assert shown["healthyRetryPolicy"]["numRetries"] == 100_015
    assert shown["healthyRetryPolicy"]["backoffFunction"] == "exponential"
    assert shown["throttlePolicy"] is None and shown["requestPolicy"] is None


def test_a_stored_subscription_policy_is_written_in_sns_form_and_reads_back() -> None:
    policy = parse_subscription_delivery_policy(json.dumps(GUIDE_SAMPLE))
    text = subscription_policy_json(policy)
    assert list(json.loads(text)) == [
        "healthyRetryPolicy",
        "sicklyRetryPolicy",
        "throttlePolicy",
        "requestPolicy",
        "guaranteed",
    ]
    assert json.loads(text)["requestPolicy"] is None
    assert parse_subscription_delivery_policy(text) == policy


def test_a_stored_topic_policy_is_written_in_sns_form_and_reads_back() -> None:
    document = {
        "http": {
            "defaultRequestPolicy": {"headerContentType": "application/json"},
            "defaultHealthyRetryPolicy": retry(numRetries=4),
        }
    }
    policy = parse_topic_delivery_policy(json.dumps(document))
    text = topic_policy_json(policy)
    assert list(json.loads(text)["http"]) == [
        "defaultHealthyRetryPolicy",
        "disableSubscriptionOverrides",
        "defaultRequestPolicy",
    ]
    assert parse_topic_delivery_policy(text) == policy
