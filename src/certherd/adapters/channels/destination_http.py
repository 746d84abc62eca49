"""What HTTP destinations need besides the shared HTTP channel: name resolution (to check
every address a destination's host resolves to) and the OAuth token endpoint client, which
reads the whole token response (the shared channel keeps only the start of a body).

The token client follows no redirects and ignores proxy and netrc settings of the
environment; its errors name the endpoint without userinfo or query (which may hold
credentials).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import httpx

from certherd.adapters.channels.http import endpoint_for_display
from certherd.domain.api_destinations import IpAddress
from certherd.services.channel_ports import ChannelError, HttpRequest
from certherd.services.destination_ports import TokenResponse

__all__ = ["HttpxTokenClient", "SocketResolver"]

#: A token response larger than this is not a token response.
_MAX_TOKEN_BODY: Final = 64 * 1024


class SocketResolver:
    """:class:`~certherd.services.destination_ports.Resolver` by the system's resolver."""

    def resolve(self, host: str, port: int) -> Sequence[IpAddress]:
        """Every address of ``host``; raises OSError when it does not resolve."""
        try:
            return [ipaddress.ip_address(host.split("%", 1)[0])]
        except ValueError:
            pass
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses: list[IpAddress] = []
        for info in infos:
            text = str(info[4][0]).split("%", 1)[0]
            address = ipaddress.ip_address(text)
            if address not in addresses:
                addresses.append(address)
        return addresses


class HttpxTokenClient:
    """:class:`~certherd.services.destination_ports.TokenClient` over httpx.

    ``ca_bundle``: a PEM file of CAs trusted besides the system's (as for the HTTP channel).
    """

    def __init__(self, *, ca_bundle: Path | None = None) -> None:
        verify: str | bool = str(ca_bundle) if ca_bundle is not None else True
        self._client = httpx.Client(
            verify=verify,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": "certherd"},
        )

    def fetch(self, request: HttpRequest) -> TokenResponse:
        shown = endpoint_for_display(request.url)
        try:
            with self._client.stream(
                request.method,
                request.url,
                content=request.body or None,
                headers=dict(request.headers),
                timeout=request.timeout_seconds,
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _MAX_TOKEN_BODY:
                        raise ChannelError(
                            f"{shown}: the token response is larger than {_MAX_TOKEN_BODY} bytes",
                            retryable=False,
                            status_code=response.status_code,
                        )
                return TokenResponse(
                    status_code=response.status_code,
                    body=bytes(body).decode(response.charset_encoding or "utf-8", "replace"),
                )
        except httpx.TimeoutException:
            raise ChannelError(f"{shown}: timed out", retryable=True) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise ChannelError(f"{shown}: not a usable http(s) URL", retryable=False) from None
        except httpx.HTTPError as exc:
            raise ChannelError(
                f"{shown}: the connection failed: {type(exc).__name__}", retryable=True
            ) from None

    def close(self) -> None:
        self._client.close()
