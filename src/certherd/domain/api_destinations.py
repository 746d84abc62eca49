"""HTTP destinations (EventBridge API destinations): an endpoint, a method, a connection and an
invocation rate limit, and the decisions about them that need no I/O.

* :func:`check_api_destination` validates what CreateApiDestination/UpdateApiDestination take.
* :func:`endpoint_refusal` and :func:`address_refusal` say whether an endpoint may be called:
  link-local and cloud metadata addresses never (they hand out credentials to whoever asks
  from inside a cloud host); private and loopback ranges only while the settings allow them.
  The host is checked as written when the destination is made, and every address it resolves
  to before each call.
* :func:`classify_status` is EventBridge's rule for answers: 2xx delivered; 401, 407, 409,
  429 and 5xx retried; any other status not retried.
* :func:`take_token` is the per-destination token bucket of ``InvocationRateLimitPerSecond``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from certherd.domain.retry import ErrorCode
from certherd.errors import ValidationError

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "METADATA_HOSTS",
    "ApiDestinationState",
    "Bucket",
    "HttpMethod",
    "IpAddress",
    "StatusOutcome",
    "address_refusal",
    "check_api_destination_name",
    "check_endpoint",
    "check_http_method",
    "check_rate_limit",
    "classify_status",
    "endpoint_host",
    "endpoint_refusal",
    "take_token",
]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: EventBridge's default InvocationRateLimitPerSecond.
DEFAULT_RATE_LIMIT: Final = 300
_MAX_ENDPOINT: Final = 2048
_NAME_RE: Final = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")

#: Host names of cloud instance metadata services.
METADATA_HOSTS: Final = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
#: Instance metadata addresses: AWS (IPv4 and IPv6), GCP and Azure share 169.254.169.254,
#: Alibaba Cloud uses 100.100.100.200, Oracle Cloud 192.0.0.192.
_METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
_LINK_LOCAL: Final = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
)
_PRIVATE: Final = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("fc00::/7"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("::/128"),
)


class HttpMethod(StrEnum):
    POST = "POST"
    GET = "GET"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


class ApiDestinationState(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


def check_api_destination_name(name: object, *, field: str = "Name") -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValidationError(
            "must be 1 to 64 characters of letters, digits, '.', '-' and '_'", field=field
        )
    return name


def check_http_method(method: object, *, field: str = "HttpMethod") -> HttpMethod:
    try:
        return HttpMethod(str(method).upper() if isinstance(method, str) else "")
    except ValueError:
        raise ValidationError(
            "must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE", field=field
        ) from None


def check_rate_limit(rate: object, *, field: str = "InvocationRateLimitPerSecond") -> int:
    """The rate limit (None: EventBridge's default, 300). At least 1."""
    if rate is None:
        return DEFAULT_RATE_LIMIT
    if not isinstance(rate, int) or isinstance(rate, bool) or rate < 1:
        raise ValidationError("must be an integer of at least 1", field=field)
    return rate


def endpoint_host(url: str) -> str:
    """The host of ``url``, lower case and without brackets ("" when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def check_endpoint(url: object, *, allow_private: bool, field: str = "InvocationEndpoint") -> str:
    """An http(s) URL of at most 2048 characters whose host, as written, is not refused
    (see :func:`endpoint_refusal`). Raises ValidationError naming ``field``."""
    if not isinstance(url, str) or not 1 <= len(url) <= _MAX_ENDPOINT:
        raise ValidationError(f"must be a URL of 1 to {_MAX_ENDPOINT} characters", field=field)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValidationError("is not a valid URL", field=field) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("must be an http:// or https:// URL", field=field)
    if not parts.hostname:
        raise ValidationError("must name a host", field=field)
    refusal = endpoint_refusal(url, allow_private=allow_private)
    if refusal is not None:
        raise ValidationError(refusal, field=field)
    return url


def endpoint_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why the host of ``url``, as written, may not be called (None: it may, as far as its
    name tells; the addresses it resolves to are checked before each call)."""
    host = endpoint_host(url)
    if host in METADATA_HOSTS:
        return f"{host} is a cloud metadata service; it cannot be a destination"
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return address_refusal(address, allow_private=allow_private)


def address_refusal(address: IpAddress, *, allow_private: bool) -> str | None:
    """Why ``address`` may not be called, or None.

    Always refused: cloud metadata addresses, link-local ones (169.254.0.0/16, fe80::/10)
    and multicast. Private, loopback and shared ranges (10/8, 172.16/12, 192.168/16,
    127/8, 100.64/10, fc00::/7, ::1) only when ``allow_private`` is false. An IPv4 address
    mapped into IPv6 is judged as the IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in _METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address; it cannot be a destination"
    if any(address in net for net in _LINK_LOCAL):
        return f"{address} is link-local; it cannot be a destination"
    if address.is_multicast:
        return f"{address} is a multicast address; it cannot be a destination"
    if not allow_private and any(address in net for net in _PRIVATE):
        return (
            f"{address} is in a private range, which the settings do not allow "
            "(CERTHERD_DESTINATIONS_ALLOW_PRIVATE)"
        )
    return None


@dataclass(frozen=True)
class StatusOutcome:
    """What an endpoint's answer means: delivered, or a failure with an ErrorCode."""

    delivered: bool
    code: str = ""
    retryable: bool = False
    #: A 401 or 407 with OAuth: the token is fetched again (once) and the call repeated.
    refresh_token: bool = False


def classify_status(status: int) -> StatusOutcome:
    """EventBridge's rule for API destinations: 2xx is delivered; 401, 407, 409, 429 and
    5xx are retried; 1xx, 3xx and other 4xx are not."""
    if 200 <= status < 300:
        return StatusOutcome(delivered=True)
    if status in (401, 407):
        return StatusOutcome(False, ErrorCode.NO_PERMISSIONS, True, refresh_token=True)
    if status == 409:
        return StatusOutcome(False, ErrorCode.RESOURCE_ALREADY_EXISTS, True)
    if status == 429:
        return StatusOutcome(False, ErrorCode.THROTTLING, True)
    if status >= 500:
        return StatusOutcome(False, ErrorCode.INTERNAL_ERROR, True)
    if status in (403,):
        return StatusOutcome(False, ErrorCode.NO_PERMISSIONS, False)
    if status in (404, 410):
        return StatusOutcome(False, ErrorCode.NO_RESOURCE, False)
    return StatusOutcome(False, ErrorCode.INVALID_PARAMETER, False)


@dataclass(frozen=True)
class Bucket:
    """A token bucket's level at an instant."""

    tokens: float
    at: datetime


def take_token(bucket: Bucket | None, *, rate: int, now: datetime) -> tuple[bool, Bucket]:
    """Take one token at ``now`` from a bucket refilled at ``rate`` per second and holding
    at most ``rate`` (one second's worth: a burst after a quiet spell is allowed, a steady
    rate above the limit is not). Returns whether a token was taken and the new level.
    A clock that went back refills nothing."""
    if bucket is None:
        tokens = float(rate)
    else:
        elapsed = max((now - bucket.at).total_seconds(), 0.0)
        tokens = min(float(rate), bucket.tokens + elapsed * rate)
    if tokens >= 1.0:
        return True, Bucket(tokens - 1.0, now)
    return False, Bucket(tokens, now)
