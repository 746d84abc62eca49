"""HTTP destinations on SQLite and PostgreSQL against real local HTTP servers: OAuth client
credentials (token fetched, cached, refreshed after a 401), API key and Basic headers, the
connection's invocation parameters, the transformed body, the rate limit, refused
addresses, and secrets sealed at rest."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from certherd.bootstrap import Container, build, rotate_keys
from certherd.config import Settings
from certherd.domain.clock import FixedClock
from certherd.domain.invocations import InvocationState
from certherd.errors import ValidationError

sys.path.insert(0, str(Path(__file__).parent))

from delivery_support import invocations, put_event, rule_to
from destination_support import Server, bearer_receiver, running_server, token_endpoint
from test_keys_at_rest import _database_bytes

CLIENT_SECRET = "client-secret-5e1f0a"
API_KEY = "api-key-value-8c2d4b"
PASSWORD = "basic-pass-93ae71"
HIDDEN_HEADER = "hidden-header-77d0c2"

#: A GitHub-issue-like body made from the event by the rule's input transformer.
ISSUE_TRANSFORMER = {
    "InputPathsMap": {"cert": "$.detail.certificate", "days": "$.detail.days"},
    "InputTemplate": '{"title": "Certificate <cert> expires in <days> days", '
    '"body": "Renew <cert>.", "labels": ["certificates"]}',
}


@pytest.fixture
def server() -> Iterator[Server]:
    with running_server() as running:
        yield running


def _drain(container: Container, clock: FixedClock) -> None:
    for _ in range(3):
        container.router.route_all(clock.now())
        container.delivery.deliver_due(clock.now())


def _oauth_connection(container: Container, account: str, server: Server) -> str:
    made = container.connections.create(
        account,
        name="github",
        authorization_type="OAUTH_CLIENT_CREDENTIALS",
        auth_parameters={
            "OAuthParameters": {
                "AuthorizationEndpoint": server.url("/token"),
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "certherd", "ClientSecret": CLIENT_SECRET},
                "OAuthHttpParameters": {
                    "BodyParameters": [{"Key": "scope", "Value": "issues:write"}]
                },
            }
        },
    )
    assert made.state == "AUTHORIZING"
    return made.arn


def _destination(
    container: Container, account: str, connection_arn: str, url: str, **extra: Any
) -> str:
    return container.api_destinations.create(
        account,
        name=extra.pop("name", "issues"),
        connection_arn=connection_arn,
        invocation_endpoint=url,
        http_method=extra.pop("http_method", "POST"),
        **extra,
    ).arn


def test_oauth_token_is_fetched_cached_and_refreshed_after_a_401(
    container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    refused: set[str] = set()
    server.responders["/token"] = token_endpoint("certherd", CLIENT_SECRET)
    server.responders["/issues"] = bearer_receiver(refuse=refused)
    connection = _oauth_connection(container, account, server)
    target = _destination(container, account, connection, server.url("/issues"))
    rule_to(container, account, {"Id": "gh", "Arn": target, "InputTransformer": ISSUE_TRANSFORMER})

    first = put_event(container, account, certificate="db.example.com", days=7)
    _drain(container, clock)
    [done] = invocations(container, account, first)
    assert done.state is InvocationState.SUCCEEDED
    [token_request] = server.at("/token")
    assert b"scope=issues%3Awrite" in token_request.body
    [issue] = server.at("/issues")
    assert issue.headers["authorization"] == "Bearer token-1"
    assert issue.json() == {
        "title": "Certificate db.example.com expires in 7 days",
        "body": "Renew db.example.com.",
        "labels": ["certificates"],
    }
    described = container.connections.describe(account, "github")
    assert described.state == "AUTHORIZED"
    assert described.last_authorized_at == clock.now()

    # the cached token is used again: the token endpoint sees no second request
    clock.advance(timedelta(minutes=5))
    second = put_event(container, account, certificate="web.example.com", days=3)
    _drain(container, clock)
    assert invocations(container, account, second)[0].state is InvocationState.SUCCEEDED
    assert len(server.at("/token")) == 1
    assert server.at("/issues")[-1].headers["authorization"] == "Bearer token-1"

    # the receiver stops accepting it: one 401, a new token, the same request again
    refused.add("token-1")
    third = put_event(container, account, certificate="mail.example.com", days=1)
    _drain(container, clock)
    assert invocations(container, account, third)[0].state is InvocationState.SUCCEEDED
    assert len(server.at("/token")) == 2
    statuses = [s.headers["authorization"] for s in server.at("/issues")[-2:]]
    assert statuses == ["Bearer token-1", "Bearer token-2"]
    assert server.at("/issues")[-1].json()["title"].startswith("Certificate mail.example.com")


def test_an_expired_token_is_fetched_again(
    container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    server.responders["/token"] = token_endpoint("certherd", CLIENT_SECRET, expires_in=60)
    server.responders["/issues"] = bearer_receiver(refuse=set())
    target = _destination(
        container, account, _oauth_connection(container, account, server), server.url("/issues")
    )
    rule_to(container, account, {"Id": "gh", "Arn": target})
    put_event(container, account, n=1)
    _drain(container, clock)
    clock.advance(timedelta(minutes=2))
    put_event(container, account, n=2)
    _drain(container, clock)
    assert len(server.at("/token")) == 2
    assert server.at("/issues")[-1].headers["authorization"] == "Bearer token-2"


def test_a_client_the_token_endpoint_refuses_deauthorizes_the_connection(
    container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    server.responders["/token"] = token_endpoint("someone-else", "other")
    target = _destination(
        container, account, _oauth_connection(container, account, server), server.url("/issues")
    )
    rule_to(container, account, {"Id": "gh", "Arn": target})
    event = put_event(container, account, n=1)
    _drain(container, clock)
    [failed] = invocations(container, account, event)
    assert failed.state is InvocationState.FAILED
    assert failed.last_error_code == "NO_PERMISSIONS"
    assert container.connections.describe(account, "github").state == "DEAUTHORIZED"
    assert server.at("/issues") == []


def test_api_key_and_basic_headers_and_the_invocation_parameters(
    container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    params = {
        "HeaderParameters": [
            {"Key": "X-Team", "Value": "platform"},
            {"Key": "X-Hidden", "Value": HIDDEN_HEADER, "IsValueSecret": True},
        ],
        "QueryStringParameters": [{"Key": "project", "Value": "OPS"}],
        "BodyParameters": [{"Key": "priority", "Value": "high"}],
    }
    keyed = container.connections.create(
        account,
        name="jira",
        authorization_type="API_KEY",
        auth_parameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": API_KEY},
            "InvocationHttpParameters": params,
        },
    )
    basic = container.connections.create(
        account,
        name="snow",
        authorization_type="BASIC",
        auth_parameters={"BasicAuthParameters": {"Username": "svc", "Password": PASSWORD}},
    )
    assert keyed.state == basic.state == "AUTHORIZED"
    jira = _destination(container, account, keyed.arn, server.url("/jira?v=2"), name="jira")
    snow = _destination(
        container, account, basic.arn, server.url("/snow"), name="snow", http_method="put"
    )
    rule_to(container, account, {"Id": "jira", "Arn": jira, "Input": '{"summary": "renew"}'})
    rule_to(container, account, {"Id": "snow", "Arn": snow}, name="r2")
    put_event(container, account, n=1)
    _drain(container, clock)

    [ticket] = server.at("/jira")
    assert ticket.headers["x-api-key"] == API_KEY
    assert (ticket.headers["x-team"], ticket.headers["x-hidden"]) == ("platform", HIDDEN_HEADER)
    assert ticket.query == "v=2&project=OPS"
    assert ticket.json() == {"summary": "renew", "priority": "high"}
    [incident] = server.at("/snow")
    assert incident.method == "PUT"
    assert incident.headers["authorization"] == "Basic c3ZjOmJhc2ljLXBhc3MtOTNhZTcx"
    assert json.loads(incident.body)["detail"] == {"n": 1}
    shown = json.loads(container.connections.describe(account, "jira").auth_public)
    assert "ApiKeyValue" not in shown["ApiKeyAuthParameters"]
    assert "Value" not in shown["InvocationHttpParameters"]["HeaderParameters"][1]


def test_statuses_retry_as_eventbridge_does(
    container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    server.responders["/busy"] = lambda _: (503, "{}")
    server.responders["/bad"] = lambda _: (400, "{}")
    conn = container.connections.create(
        account,
        name="k",
        authorization_type="API_KEY",
        auth_parameters={"ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"}},
    ).arn
    busy = _destination(container, account, conn, server.url("/busy"), name="busy")
    bad = _destination(container, account, conn, server.url("/bad"), name="bad")
    rule_to(container, account, {"Id": "busy", "Arn": busy})
    rule_to(container, account, {"Id": "bad", "Arn": bad}, name="r2")
    event = put_event(container, account, n=1)
    _drain(container, clock)
    by_target = {i.target_id: i for i in invocations(container, account, event)}
    assert by_target["busy"].state is InvocationState.PENDING
    assert by_target["busy"].last_error_code == "INTERNAL_ERROR"
    assert by_target["bad"].state is InvocationState.FAILED
    assert by_target["bad"].last_error_code == "INVALID_PARAMETER"


def test_the_rate_limit_throttles_and_retries(
    container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    conn = container.connections.create(
        account,
        name="k",
        authorization_type="API_KEY",
        auth_parameters={"ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"}},
    ).arn
    target = _destination(container, account, conn, server.url("/hook"))
    container.api_destinations.update(account, "issues", rate_limit=1)
    rule_to(container, account, {"Id": "hook", "Arn": target})
    events = [put_event(container, account, n=n) for n in range(3)]
    container.router.route_all(clock.now())
    container.delivery.deliver_due(clock.now())
    states = [invocations(container, account, e)[0] for e in events]
    assert sorted(i.state.value for i in states) == ["PENDING", "PENDING", "SUCCEEDED"]
    assert {i.last_error_code for i in states if i.state is InvocationState.PENDING} == {
        "THROTTLING"
    }
    assert len(server.at("/hook")) == 1
    for _ in range(10):
        clock.advance(timedelta(minutes=1))
        container.delivery.deliver_due(clock.now())
    assert len(server.at("/hook")) == 3


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_link_local_and_metadata_endpoints_are_refused(
    container: Container, account: str, url: str
) -> None:
    conn = container.connections.create(
        account,
        name="k",
        authorization_type="API_KEY",
        auth_parameters={"ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"}},
    ).arn
    with pytest.raises(ValidationError) as raised:
        _destination(container, account, conn, url)
    assert raised.value.field == "InvocationEndpoint"
    with pytest.raises(ValidationError) as raised:
        container.connections.create(
            account,
            name="o",
            authorization_type="OAUTH_CLIENT_CREDENTIALS",
            auth_parameters={
                "OAuthParameters": {
                    "AuthorizationEndpoint": url,
                    "HttpMethod": "POST",
                    "ClientParameters": {"ClientID": "a", "ClientSecret": "b"},
                }
            },
        )
    assert raised.value.field == "AuthParameters.OAuthParameters.AuthorizationEndpoint"


def test_private_endpoints_are_refused_when_the_settings_forbid_them(
    settings: Settings,
    container: Container,
    account: str,
    clock: FixedClock,
    server: Server,
    settings_factory: Callable[..., Settings],
) -> None:
    conn = container.connections.create(
        account,
        name="k",
        authorization_type="API_KEY",
        auth_parameters={"ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"}},
    ).arn
    # allowed by default: a loopback receiver
    target = _destination(container, account, conn, f"http://localhost:{server.port}/hook")
    rule_to(container, account, {"Id": "hook", "Arn": target})
    strict = build(
        settings_factory(database_url=settings.database_url, destinations_allow_private=False),
        clock=clock,
    )
    try:
        for url in (
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://127.0.0.1:9/",
            "http://[::1]/",
        ):
            with pytest.raises(ValidationError) as raised:
                _destination(strict, account, conn, url, name="private")
            assert raised.value.field == "InvocationEndpoint"
            assert "private" in raised.value.message
        # checked again at delivery, after resolving the name
        event = put_event(strict, account, n=1)
        _drain(strict, clock)
        [refused] = invocations(strict, account, event)
        assert refused.state is InvocationState.FAILED
        assert refused.last_error_code == "INVALID_PARAMETER"
        assert "private" in (refused.last_error_message or "")
        assert server.at("/hook") == []
    finally:
        strict.close()


def test_connection_secrets_are_sealed_at_rest_and_survive_key_rotation(
    settings: Settings, container: Container, account: str, clock: FixedClock, server: Server
) -> None:
    server.responders["/token"] = token_endpoint("certherd", CLIENT_SECRET)
    server.responders["/issues"] = bearer_receiver(refuse=set())
    target = _destination(
        container, account, _oauth_connection(container, account, server), server.url("/issues")
    )
    container.connections.create(
        account,
        name="jira",
        authorization_type="API_KEY",
        auth_parameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": API_KEY},
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-H", "Value": HIDDEN_HEADER, "IsValueSecret": True}]
            },
        },
    )
    container.connections.create(
        account,
        name="snow",
        authorization_type="BASIC",
        auth_parameters={"BasicAuthParameters": {"Username": "svc", "Password": PASSWORD}},
    )
    rule_to(container, account, {"Id": "gh", "Arn": target})
    put_event(container, account, n=1)
    _drain(container, clock)
    assert server.at("/issues")[0].headers["authorization"] == "Bearer token-1"
    stored = _database_bytes(settings, container)
    for needle in (CLIENT_SECRET, API_KEY, PASSWORD, HIDDEN_HEADER, "token-1"):
        assert needle.encode() not in stored, needle
    assert b"X-Api-Key" in stored  # the search reads real content

    container.close()
    rotate_keys(settings)
    rotated = build(settings, clock=clock)
    try:
        record = rotated.connections.describe(account, "snow")
        assert rotated.connections.open_auth(record).password == PASSWORD
        put_event(rotated, account, n=2)
        _drain(rotated, clock)
        assert server.at("/issues")[-1].headers["authorization"] == "Bearer token-1"
        assert len(server.at("/token")) == 1
    finally:
        rotated.close()


def test_crud_and_validation(container: Container, account: str, server: Server) -> None:
    with pytest.raises(ValidationError) as raised:
        container.connections.create(
            account,
            name="k",
            authorization_type="API_KEY",
            auth_parameters={
                "ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"},
                "BasicAuthParameters": {"Username": "u", "Password": "p"},
            },
        )
    assert raised.value.field == "AuthParameters.BasicAuthParameters"
    conn = container.connections.create(
        account,
        name="k",
        authorization_type="API_KEY",
        auth_parameters={"ApiKeyAuthParameters": {"ApiKeyName": "K", "ApiKeyValue": "v"}},
    )
    assert conn.arn.startswith(f"arn:aws:events:us-east-1:{account}:connection/k/")
    with pytest.raises(ValidationError) as raised:
        _destination(container, account, conn.arn, server.url("/x"), http_method="TRACE")
    assert raised.value.field == "HttpMethod"
    made = container.api_destinations.create(
        account,
        name="d",
        connection_arn=conn.arn,
        invocation_endpoint=server.url("/x"),
        http_method="POST",
    )
    assert made.rate_limit == 300
    assert made.state == "ACTIVE"
    assert made.arn.startswith(f"arn:aws:events:us-east-1:{account}:api-destination/d/")
    from certherd.errors import ResourceInUseError

    with pytest.raises(ResourceInUseError):
        container.connections.delete(account, "k")
    updated = container.connections.update(
        account, "k", auth_parameters={"ApiKeyAuthParameters": {"ApiKeyValue": "w"}}
    )
    assert container.connections.open_auth(updated).api_key_value == "w"
    assert container.connections.open_auth(updated).api_key_name == "K"
    assert [d.name for d in container.api_destinations.list(account).destinations] == ["d"]
    container.api_destinations.delete(account, "d")
    container.connections.delete(account, "k")
    assert container.connections.list(account).connections == []
