"""HTTP destinations' pure decisions: validation, which addresses may be called, how an
answer is judged, the OAuth token cache and the rate limit bucket."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from certherd.domain.api_destinations import (
    address_refusal,
    check_endpoint,
    check_http_method,
    check_rate_limit,
    classify_status,
    endpoint_refusal,
    take_token,
)
from certherd.domain.connections import (
    CachedToken,
    ConnectionState,
    auth_from_json,
    auth_to_json,
    check_connection,
    initial_state,
    parse_token_response,
    public_auth,
    token_expiry,
    token_usable,
)
from certherd.errors import ValidationError

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OAUTH = {
    "OAuthParameters": {
        "AuthorizationEndpoint": "https://auth.example.com/token",
        "HttpMethod": "POST",
        "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "a"}]},
    },
    "InvocationHttpParameters": {
        "HeaderParameters": [{"Key": "X-K", "Value": "hidden", "IsValueSecret": True}]
    },
}


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "169.254.1.1", "fe80::1", "fd00:ec2::254", "100.100.100.200",
     "::ffff:169.254.169.254", "224.0.0.1"],
)  # fmt: skip
def test_always_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert address_refusal(ip, allow_private=True) is not None


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "172.16.5.5", "192.168.1.1", "127.0.0.1", "::1", "fc00::1", "0.0.0.0"]
)
def test_private_refused_only_when_forbidden(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert address_refusal(ip, allow_private=True) is None
    assert "private" in (address_refusal(ip, allow_private=False) or "")


def test_public_addresses_and_names() -> None:
    assert address_refusal(ipaddress.ip_address("93.184.216.34"), allow_private=False) is None
    assert endpoint_refusal("https://api.github.com/repos", allow_private=False) is None
    assert endpoint_refusal("http://metadata.google.internal/x", allow_private=True)
    assert endpoint_refusal("http://[fe80::1%25eth0]/", allow_private=True)


@pytest.mark.parametrize("url", ["ftp://x.example/", "http://", "nope", "http://x:port/", ""])
def test_endpoint_validation_names_the_field(url: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check_endpoint(url, allow_private=True)
    assert raised.value.field == "InvocationEndpoint"


def test_methods_and_rates() -> None:
    assert check_http_method("patch").value == "PATCH"
    with pytest.raises(ValidationError):
        check_http_method("CONNECT")
    assert check_rate_limit(None) == 300
    with pytest.raises(ValidationError):
        check_rate_limit(0)


@pytest.mark.parametrize(
    ("status", "delivered", "retryable", "code"),
    [
        (200, True, False, ""),
        (204, True, False, ""),
        (401, False, True, "NO_PERMISSIONS"),
        (407, False, True, "NO_PERMISSIONS"),
        (409, False, True, "RESOURCE_ALREADY_EXISTS"),
        (429, False, True, "THROTTLING"),
        (503, False, True, "INTERNAL_ERROR"),
        (400, False, False, "INVALID_PARAMETER"),
        (404, False, False, "NO_RESOURCE"),
        (302, False, False, "INVALID_PARAMETER"),
    ],
)
def test_statuses(status: int, delivered: bool, retryable: bool, code: str) -> None:
    outcome = classify_status(status)
    assert (outcome.delivered, outcome.retryable, outcome.code) == (delivered, retryable, code)


def test_only_the_chosen_type_and_required_members() -> None:
    with pytest.raises(ValidationError) as raised:
        check_connection("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "K"}})
    assert raised.value.field == "AuthParameters.ApiKeyAuthParameters.ApiKeyValue"
    with pytest.raises(ValidationError) as raised:
        check_connection("BASIC", {**OAUTH})
    assert raised.value.field == "AuthParameters.OAuthParameters"
    with pytest.raises(ValidationError) as raised:
        check_connection("NONE", {})
    assert raised.value.field == "AuthorizationType"
    bad_header = {
        "ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"},
        "InvocationHttpParameters": {"HeaderParameters": [{"Key": "bad header", "Value": "x"}]},
    }
    with pytest.raises(ValidationError) as raised:
        check_connection("API_KEY", bad_header)
    assert raised.value.field == "AuthParameters.InvocationHttpParameters.HeaderParameters[0].Key"


def test_public_auth_hides_secrets_and_json_round_trips() -> None:
    auth = check_connection("OAUTH_CLIENT_CREDENTIALS", OAUTH)
    assert initial_state(auth) is ConnectionState.AUTHORIZING
    shown = public_auth(auth)
    assert shown["OAuthParameters"]["ClientParameters"] == {"ClientID": "id"}
    assert "Value" not in shown["InvocationHttpParameters"]["HeaderParameters"][0]
    assert "'secret'" not in repr(auth) and "hidden" not in repr(auth) + str(shown)
    assert auth_from_json(auth_to_json(auth)) == auth


def test_token_cache_decisions() -> None:
    assert not token_usable(None, NOW)
    expires = token_expiry(3600, NOW)
    assert expires == NOW + timedelta(seconds=3570)
    token = CachedToken("t", expires)
    assert token_usable(token, NOW + timedelta(seconds=3569))
    assert not token_usable(token, NOW + timedelta(seconds=3570))
    assert token_expiry(20, NOW) == NOW + timedelta(seconds=10)
    assert token_usable(CachedToken("t", token_expiry(None, NOW)), NOW + timedelta(days=400))


def test_token_responses() -> None:
    assert parse_token_response('{"access_token": "a", "expires_in": 60}') == ("a", 60)
    assert parse_token_response('{"access_token": "a", "expires_in": "60"}') == ("a", 60)
    assert parse_token_response('{"access_token": "a"}') == ("a", None)
    for body in ("nope", "[]", '{"token": "a"}'):
        with pytest.raises(ValueError):
            parse_token_response(body)


def test_the_bucket_allows_the_rate_and_refills() -> None:
    bucket = None
    taken = []
    for _ in range(4):
        allowed, bucket = take_token(bucket, rate=3, now=NOW)
        taken.append(allowed)
    assert taken == [True, True, True, False]
    allowed, bucket = take_token(bucket, rate=3, now=NOW + timedelta(milliseconds=400))
    assert allowed
    allowed, _ = take_token(bucket, rate=3, now=NOW - timedelta(seconds=5))
    assert not allowed  # a clock that went back refills nothing
