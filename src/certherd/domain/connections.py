"""Connections of HTTP destinations, as EventBridge has them: how to authorize against an
endpoint (an API key header, Basic, or OAuth client credentials) and the extra HTTP
parameters (headers, query string, body) every invocation carries.

:func:`check_connection` turns the wire shape of ``CreateConnection``/``UpdateConnection``
(``AuthorizationType`` and ``AuthParameters``, PascalCase as AWS sends them) into a
:class:`ConnectionAuth`, or raises ValidationError naming the offending field. Secrets (the
API key's value, the Basic password, the OAuth client secret, parameter values marked
``IsValueSecret``) live in :class:`ConnectionAuth` only; :func:`public_auth` is the shape
DescribeConnection shows, without any of them.

The OAuth access token is cached; :func:`token_usable` and :func:`token_expiry` decide, from
``now``, whether a cached token may still be used and until when a new one is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from certherd.errors import ValidationError

__all__ = [
    "MAX_PARAMETERS",
    "TOKEN_EXPIRY_MARGIN",
    "AuthorizationType",
    "CachedToken",
    "ConnectionAuth",
    "ConnectionState",
    "HttpParameter",
    "HttpParameters",
    "OAuthHttpMethod",
    "auth_from_json",
    "auth_to_json",
    "check_connection",
    "check_connection_name",
    "initial_state",
    "parse_token_response",
    "public_auth",
    "token_expiry",
    "token_usable",
]

#: Connection names: EventBridge's ConnectionName (1-64 of ``A-Za-z0-9._-``).
_NAME_RE: Final = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")
#: A header name: an RFC 9110 token (EventBridge's HeaderKey pattern).
_HEADER_KEY_RE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-zA-Z]+")
#: EventBridge's AuthHeaderParameters pattern (the API key's header name).
_API_KEY_NAME_RE: Final = re.compile(r"[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*")
_MAX_VALUE: Final = 512
_MAX_ENDPOINT: Final = 2048
#: At most this many parameters of each kind (EventBridge's list limit).
MAX_PARAMETERS: Final = 100
#: A cached token is renewed this long before the expiry its endpoint announced, so that
#: it does not run out while a request is on its way.
TOKEN_EXPIRY_MARGIN: Final = timedelta(seconds=30)


class AuthorizationType(StrEnum):
    API_KEY = "API_KEY"
    BASIC = "BASIC"
    OAUTH_CLIENT_CREDENTIALS = "OAUTH_CLIENT_CREDENTIALS"


class ConnectionState(StrEnum):
    """EventBridge's ConnectionState (certherd uses AUTHORIZED, AUTHORIZING, DEAUTHORIZED)."""

    CREATING = "CREATING"
    UPDATING = "UPDATING"
    DELETING = "DELETING"
    AUTHORIZED = "AUTHORIZED"
    DEAUTHORIZED = "DEAUTHORIZED"
    AUTHORIZING = "AUTHORIZING"
    DEAUTHORIZING = "DEAUTHORIZING"


class OAuthHttpMethod(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"


@dataclass(frozen=True)
class HttpParameter:
    key: str
    value: str = field(repr=False)
    is_value_secret: bool = False


@dataclass(frozen=True)
class HttpParameters:
    """EventBridge's ConnectionHttpParameters."""

    headers: tuple[HttpParameter, ...] = ()
    query_string: tuple[HttpParameter, ...] = ()
    body: tuple[HttpParameter, ...] = ()


@dataclass(frozen=True)
class ConnectionAuth:
    """A connection's authorization, secrets included (keep it sealed at rest)."""

    type: AuthorizationType
    api_key_name: str | None = None
    api_key_value: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    authorization_endpoint: str | None = None
    oauth_method: OAuthHttpMethod | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    oauth_parameters: HttpParameters = HttpParameters()
    invocation_parameters: HttpParameters = HttpParameters()


@dataclass(frozen=True)
class CachedToken:
    """An OAuth access token and the instant after which it is not used (None: until the
    endpoint refuses it)."""

    access_token: str = field(repr=False)
    expires_at: datetime | None


def check_connection_name(name: object, *, field: str = "Name") -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValidationError(
            "must be 1 to 64 characters of letters, digits, '.', '-' and '_'", field=field
        )
    return name


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError("must be an object", field=field)
    return value


def _required(value: object, field: str, *, limit: int = _MAX_VALUE) -> str:
    if value is None:
        raise ValidationError("is required", field=field)
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise ValidationError(f"must be a string of 1 to {limit} characters", field=field)
    return value


def _parameters(raw: object, field: str) -> HttpParameters:
    if raw is None:
        return HttpParameters()
    data = _object(raw, field)
    kinds: dict[str, tuple[HttpParameter, ...]] = {}
    for name in ("HeaderParameters", "QueryStringParameters", "BodyParameters"):
        where = f"{field}.{name}"
        entries = data.get(name) or []
        if not isinstance(entries, list):
            raise ValidationError("must be a list", field=where)
        if len(entries) > MAX_PARAMETERS:
            raise ValidationError(f"must have at most {MAX_PARAMETERS} entries", field=where)
        parsed: list[HttpParameter] = []
        for index, entry in enumerate(entries):
            item = _object(entry, f"{where}[{index}]")
            key = _required(item.get("Key"), f"{where}[{index}].Key")
            if name == "HeaderParameters" and not _HEADER_KEY_RE.fullmatch(key):
                raise ValidationError(
                    "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
                    field=f"{where}[{index}].Key",
                )
            value = item.get("Value", "")
            if not isinstance(value, str) or len(value) > _MAX_VALUE:
                raise ValidationError(
                    f"must be a string of at most {_MAX_VALUE} characters",
                    field=f"{where}[{index}].Value",
                )
            secret = item.get("IsValueSecret", False)
            if not isinstance(secret, bool):
                raise ValidationError(
                    "must be true or false", field=f"{where}[{index}].IsValueSecret"
                )
            parsed.append(HttpParameter(key, value, secret))
        kinds[name] = tuple(parsed)
    unknown = set(data) - {"HeaderParameters", "QueryStringParameters", "BodyParameters"}
    if unknown:
        raise ValidationError(f"unknown member {sorted(unknown)[0]!r}", field=field)
    return HttpParameters(
        kinds["HeaderParameters"], kinds["QueryStringParameters"], kinds["BodyParameters"]
    )


def _endpoint(value: object, field: str) -> str:
    url = _required(value, field, limit=_MAX_ENDPOINT)
    if not url.lower().startswith(("http://", "https://")):
        raise ValidationError("must be an http:// or https:// URL", field=field)
    return url


def check_connection(authorization_type: object, auth_parameters: object) -> ConnectionAuth:
    """The connection's authorization from the wire shape; only the parameters of
    ``authorization_type`` may be given (as EventBridge requires).

    Raises ValidationError naming the field (``AuthorizationType``,
    ``AuthParameters.OAuthParameters.ClientParameters.ClientSecret`` ...)."""
    try:
        kind = AuthorizationType(str(authorization_type))
    except ValueError:
        raise ValidationError(
            "must be one of API_KEY, BASIC, OAUTH_CLIENT_CREDENTIALS", field="AuthorizationType"
        ) from None
    params = _object(auth_parameters, "AuthParameters")
    own = {
        AuthorizationType.API_KEY: "ApiKeyAuthParameters",
        AuthorizationType.BASIC: "BasicAuthParameters",
        AuthorizationType.OAUTH_CLIENT_CREDENTIALS: "OAuthParameters",
    }
    for member in params:
        if member in own.values() and member != own[kind]:
            raise ValidationError(
                f"only the parameters of {kind.value} may be given",
                field=f"AuthParameters.{member}",
            )
        if member not in {*own.values(), "InvocationHttpParameters"}:
            raise ValidationError(f"unknown member {member!r}", field="AuthParameters")
    invocation = _parameters(
        params.get("InvocationHttpParameters"), "AuthParameters.InvocationHttpParameters"
    )
    where = f"AuthParameters.{own[kind]}"
    if params.get(own[kind]) is None:
        raise ValidationError(f"is required for {kind.value}", field=where)
    data = _object(params[own[kind]], where)
    if kind is AuthorizationType.API_KEY:
        name = _required(data.get("ApiKeyName"), f"{where}.ApiKeyName")
        if not _API_KEY_NAME_RE.fullmatch(name):
            raise ValidationError("must be a header name", field=f"{where}.ApiKeyName")
        return ConnectionAuth(
            kind,
            api_key_name=name,
            api_key_value=_required(data.get("ApiKeyValue"), f"{where}.ApiKeyValue"),
            invocation_parameters=invocation,
        )
    if kind is AuthorizationType.BASIC:
        username = _required(data.get("Username"), f"{where}.Username")
        if ":" in username:
            raise ValidationError("must not contain ':'", field=f"{where}.Username")
        return ConnectionAuth(
            kind,
            username=username,
            password=_required(data.get("Password"), f"{where}.Password"),
            invocation_parameters=invocation,
        )
    client = _object(data.get("ClientParameters"), f"{where}.ClientParameters")
    try:
        method = OAuthHttpMethod(str(data.get("HttpMethod")))
    except ValueError:
        raise ValidationError(
            "must be one of GET, POST, PUT", field=f"{where}.HttpMethod"
        ) from None
    return ConnectionAuth(
        kind,
        authorization_endpoint=_endpoint(
            data.get("AuthorizationEndpoint"), f"{where}.AuthorizationEndpoint"
        ),
        oauth_method=method,
        client_id=_required(client.get("ClientID"), f"{where}.ClientParameters.ClientID"),
        client_secret=_required(
            client.get("ClientSecret"), f"{where}.ClientParameters.ClientSecret"
        ),
        oauth_parameters=_parameters(
            data.get("OAuthHttpParameters"), f"{where}.OAuthHttpParameters"
        ),
        invocation_parameters=invocation,
    )


def initial_state(auth: ConnectionAuth) -> ConnectionState:
    """API key and Basic connections are authorized at once; an OAuth one is AUTHORIZING
    until its first token comes."""
    if auth.type is AuthorizationType.OAUTH_CLIENT_CREDENTIALS:
        return ConnectionState.AUTHORIZING
    return ConnectionState.AUTHORIZED


def _wire_parameters(params: HttpParameters, *, secrets: bool) -> dict[str, Any]:
    def entries(items: tuple[HttpParameter, ...]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for p in items:
            entry: dict[str, Any] = {"Key": p.key, "IsValueSecret": p.is_value_secret}
            if secrets or not p.is_value_secret:
                entry["Value"] = p.value
            out.append(entry)
        return out

    return {
        "HeaderParameters": entries(params.headers),
        "QueryStringParameters": entries(params.query_string),
        "BodyParameters": entries(params.body),
    }


def _wire(auth: ConnectionAuth, *, secrets: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if auth.type is AuthorizationType.API_KEY:
        key: dict[str, Any] = {"ApiKeyName": auth.api_key_name}
        if secrets:
            key["ApiKeyValue"] = auth.api_key_value
        out["ApiKeyAuthParameters"] = key
    elif auth.type is AuthorizationType.BASIC:
        basic: dict[str, Any] = {"Username": auth.username}
        if secrets:
            basic["Password"] = auth.password
        out["BasicAuthParameters"] = basic
    else:
        client: dict[str, Any] = {"ClientID": auth.client_id}
        if secrets:
            client["ClientSecret"] = auth.client_secret
        out["OAuthParameters"] = {
            "AuthorizationEndpoint": auth.authorization_endpoint,
            "HttpMethod": auth.oauth_method.value if auth.oauth_method else None,
            "ClientParameters": client,
            "OAuthHttpParameters": _wire_parameters(auth.oauth_parameters, secrets=secrets),
        }
    out["InvocationHttpParameters"] = _wire_parameters(auth.invocation_parameters, secrets=secrets)
    return out


def public_auth(auth: ConnectionAuth) -> dict[str, Any]:
    """DescribeConnection's ``AuthParameters``: no secret (key value, password, client
    secret, values of secret parameters)."""
    return _wire(auth, secrets=False)


def auth_to_json(auth: ConnectionAuth) -> str:
    """The whole authorization, secrets included, as JSON (to be sealed)."""
    return json.dumps({"AuthorizationType": auth.type.value, **_wire(auth, secrets=True)})


def auth_from_json(text: str) -> ConnectionAuth:
    """The inverse of :func:`auth_to_json`."""
    data = json.loads(text)
    kind = data.pop("AuthorizationType")
    return check_connection(kind, data)


def token_usable(token: CachedToken | None, now: datetime) -> bool:
    """Whether a cached token may be sent at ``now``."""
    return token is not None and (token.expires_at is None or now < token.expires_at)


def token_expiry(expires_in: int | None, now: datetime) -> datetime | None:
    """Until when a token announced to live ``expires_in`` seconds is used: that, less
    :data:`TOKEN_EXPIRY_MARGIN` (never before ``now``). None when the endpoint said nothing:
    the token is used until the endpoint answers 401 or 407."""
    if expires_in is None:
        return None
    lifetime = timedelta(seconds=expires_in)
    margin = min(TOKEN_EXPIRY_MARGIN, lifetime / 2)
    return now + lifetime - margin


def parse_token_response(body: str) -> tuple[str, int | None]:
    """``access_token`` and ``expires_in`` of an OAuth 2.0 token response (RFC 6749 §5.1).

    Raises ValueError (with a message that does not quote the body) when there is no
    access token."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("the token endpoint's answer is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the token endpoint's answer is not a JSON object")
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ValueError("the token endpoint's answer has no access_token")
    expires = data.get("expires_in")
    if isinstance(expires, str) and expires.isdigit():
        expires = int(expires)
    if not isinstance(expires, int) or isinstance(expires, bool) or expires <= 0:
        expires = None
    return token, expires
