"""The requests an HTTP destination sends: the invocation itself and, for OAuth connections,
the token request. Pure functions of the destination, its connection's authorization and
the payload.

The invocation's body is the payload (what the rule's Input, InputPath or InputTransformer
made of the event). The connection's invocation parameters are added: headers, query
string parameters (appended to the endpoint's), and body parameters, which become members
of a JSON-object body (the connection's win over the payload's, as EventBridge's
connection parameters take precedence; a body that is not a JSON object is sent as it is).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from certherd.domain.connections import AuthorizationType, ConnectionAuth, HttpParameters
from certherd.services.channel_ports import HttpRequest

__all__ = ["REQUEST_TIMEOUT_SECONDS", "invocation_request", "token_request"]

#: EventBridge gives an API destination 5 seconds to answer.
REQUEST_TIMEOUT_SECONDS = 5.0
_NO_BODY = frozenset({"GET", "HEAD"})


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _body(payload: str, params: HttpParameters) -> bytes:
    if not params.body:
        return payload.encode()
    try:
        document = json.loads(payload)
    except ValueError:
        return payload.encode()
    if not isinstance(document, dict):
        return payload.encode()
    document.update({p.key: p.value for p in params.body})
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def invocation_request(
    *,
    endpoint: str,
    method: str,
    payload: str,
    auth: ConnectionAuth,
    access_token: str | None,
    invocation_id: str,
) -> HttpRequest:
    """The request delivering ``payload``. ``access_token`` is the OAuth bearer token (for
    OAuth connections)."""
    params = auth.invocation_parameters
    headers: dict[str, str] = {"Content-Type": "application/json; charset=utf-8"}
    headers.update({p.key: p.value for p in params.headers})
    # A stable id per invocation lets a receiver drop the duplicates of at-least-once delivery.
    headers["X-Certherd-Invocation-Id"] = invocation_id
    if auth.type is AuthorizationType.API_KEY:
        headers[str(auth.api_key_name).strip()] = str(auth.api_key_value)
    elif auth.type is AuthorizationType.BASIC:
        headers["Authorization"] = _basic(str(auth.username), str(auth.password))
    elif access_token is not None:
        headers["Authorization"] = f"Bearer {access_token}"
    url = _with_query(endpoint, [(p.key, p.value) for p in params.query_string])
    body = b"" if method in _NO_BODY else _body(payload, params)
    return HttpRequest(
        url=url,
        body=body,
        headers=headers,
        method=method,
        timeout_seconds=REQUEST_TIMEOUT_SECONDS,
    )


def token_request(auth: ConnectionAuth) -> HttpRequest:
    """The OAuth 2.0 client credentials request (RFC 6749 §4.4): the client authenticates
    with HTTP Basic (§2.3.1); ``grant_type=client_credentials`` unless the connection's
    OAuth body parameters set it; the connection's OAuth headers, query string and body
    parameters are added. A GET sends the form parameters in the query string."""
    params = auth.oauth_parameters
    form: Mapping[str, str] = {
        "grant_type": "client_credentials",
        **{p.key: p.value for p in params.body},
    }
    headers = {p.key: p.value for p in params.headers}
    headers["Authorization"] = _basic(str(auth.client_id), str(auth.client_secret))
    headers["Accept"] = "application/json"
    query = [(p.key, p.value) for p in params.query_string]
    method = auth.oauth_method.value if auth.oauth_method else "POST"
    endpoint = str(auth.authorization_endpoint)
    if method == "GET":
        return HttpRequest(
            url=_with_query(endpoint, [*query, *form.items()]),
            body=b"",
            headers=headers,
            method=method,
            timeout_seconds=REQUEST_TIMEOUT_SECONDS,
        )
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return HttpRequest(
        url=_with_query(endpoint, query),
        body=urlencode(list(form.items())).encode(),
        headers=headers,
        method=method,
        timeout_seconds=REQUEST_TIMEOUT_SECONDS,
    )
