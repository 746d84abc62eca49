"""The HTTP channel: POSTs to http and https subscribers through one pooled httpx client.

One :class:`HttpxSender` serves the whole process: its connection pool is shared by every
delivery thread (httpx clients are safe to use from several threads). TLS is verified
against the system's CAs plus, when configured, a PEM bundle of extra CAs
(``CERTHERD_HTTP_CA_BUNDLE``), so subscribers behind a private CA can be reached.

Redirects are never followed: a 3xx is an answer like any other and the caller decides
what it means. Errors name the endpoint as ``scheme://host:port/path`` only, so URL
credentials and query strings (which often carry tokens) never reach a message.
"""

from __future__ import annotations

import ssl
import threading
import time
from pathlib import Path

import httpx

from certherd.errors import ConfigurationError
from certherd.services.channel_ports import ChannelError, HttpRequest, HttpResponse

__all__ = ["BODY_EXCERPT_CHARS", "HttpxSender", "endpoint_for_display"]

#: How much of a response body is kept for the delivery record.
BODY_EXCERPT_CHARS = 512
# A UTF-8 character is at most 4 bytes: this many bytes always hold the excerpt.
_EXCERPT_BYTES = BODY_EXCERPT_CHARS * 4
_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoint_for_display(url: str) -> str:
    """``url`` reduced to ``scheme://host:port/path``: no userinfo, query or fragment.

    Never raises: an URL that cannot be parsed is shown as ``<malformed URL>``."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "<malformed URL>"
    return _display(parsed)


def _display(url: httpx.URL) -> str:
    host = url.host
    if ":" in host:
        host = f"[{host}]"
    port = url.port or _DEFAULT_PORTS.get(url.scheme)
    where = f"{host}:{port}" if port else host
    return f"{url.scheme}://{where}{url.path}"


def _ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"the CA bundle {ca_bundle} could not be read as PEM certificates: {exc}",
                field="http_ca_bundle",
            ) from exc
    return context


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error under an httpx connect error, if the failure was TLS."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _tls_reason(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"certificate verification failed ({error.verify_message})"
    return error.reason or type(error).__name__


def _os_reason(exc: BaseException) -> str:
    """A short cause (``Connection refused``) taken from the OSError under ``exc``."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        current = current.__cause__ or current.__context__
    return str(exc) or type(exc).__name__


class HttpxSender:
    """:class:`~certherd.services.channel_ports.HttpSender` over one shared httpx client.

    ``ca_bundle``: a PEM file of CAs trusted in addition to the system's.
    ``max_connections``: how many requests may be in flight at once, all threads
    together; a caller beyond that waits for a free slot (within its request's timeout).
    Raises ConfigurationError when ``ca_bundle`` cannot be read."""

    def __init__(self, *, ca_bundle: Path | None = None, max_connections: int = 100) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        # The bound is kept here rather than by httpcore's pool limits: when that pool is
        # full, one thread can close an idle connection another thread was just given,
        # failing that request (encode/httpcore#1110). With unlimited pool limits the pool
        # only drops connections that are closed or past their keep-alive.
        self._slots = threading.BoundedSemaphore(max_connections)
        self._client = httpx.Client(
            verify=_ssl_context(ca_bundle),
            http1=True,
            http2=False,
            follow_redirects=False,
            # The environment must not change where deliveries go or add credentials to
            # them (proxies, .netrc, SSL_CERT_FILE): settings decide.
            trust_env=False,
            limits=httpx.Limits(
                max_connections=None, max_keepalive_connections=None, keepalive_expiry=5.0
            ),
            headers={"User-Agent": "certherd"},
        )

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return its status, latency and the start of its body.

        Any status is returned. Raises ChannelError: retryable when no answer came
        (connection refused or broken, TLS failure, timeout), not retryable when the URL
        is malformed or its scheme is not http/https."""
        url = self._checked_url(request.url)
        shown = _display(url)
        started = time.perf_counter()
        if not self._slots.acquire(timeout=request.timeout_seconds):
            raise ChannelError(
                f"{shown}: timed out after {request.timeout_seconds:g} s waiting for a free "
                "connection",
                retryable=True,
                latency_ms=_since(started),
            )
        try:
            return self._send(request, url, shown, deadline=started + request.timeout_seconds)
        finally:
            self._slots.release()

    def _send(
        self, request: HttpRequest, url: httpx.URL, shown: str, *, deadline: float
    ) -> HttpResponse:
        # The wait for a slot counts against the request's timeout, not its latency.
        started = time.perf_counter()
        timeout = httpx.Timeout(max(deadline - started, 0.001))
        try:
            with self._client.stream(
                request.method,
                url,
                content=request.body,
                headers=dict(request.headers),
                timeout=timeout,
            ) as response:
                excerpt = self._read_excerpt(response, deadline, shown, started)
                latency_ms = (time.perf_counter() - started) * 1000.0
                return HttpResponse(
                    status_code=response.status_code,
                    latency_ms=latency_ms,
                    body_excerpt=excerpt,
                )
        except httpx.TimeoutException as exc:
            raise self._timed_out(exc, shown, request.timeout_seconds, started) from None
        except httpx.ConnectError as exc:
            raise self._connect_failed(exc, shown, started) from None
        except httpx.UnsupportedProtocol:
            raise ChannelError(
                f"{shown}: only http and https URLs can be used", retryable=False
            ) from None
        except httpx.LocalProtocolError as exc:
            # The request itself cannot be written (a header value that is not ASCII...).
            raise ChannelError(
                f"{shown}: the request could not be sent: {exc}", retryable=False
            ) from None
        except httpx.TransportError as exc:
            raise ChannelError(
                f"{shown}: the connection failed before an answer came: {_os_reason(exc)}",
                retryable=True,
                latency_ms=_since(started),
            ) from None

    def close(self) -> None:
        """Close every pooled connection; the sender cannot be used afterwards."""
        self._client.close()

    @staticmethod
    def _checked_url(raw: str) -> httpx.URL:
        try:
            url = httpx.URL(raw)
        except (httpx.InvalidURL, TypeError):
            raise ChannelError("the endpoint is not a valid URL", retryable=False) from None
        if url.scheme not in _SCHEMES:
            scheme = url.scheme or "(none)"
            raise ChannelError(
                f"the endpoint's scheme {scheme!r} is not supported (use http or https)",
                retryable=False,
            )
        if not url.host:
            raise ChannelError("the endpoint URL names no host", retryable=False)
        return url

    @staticmethod
    def _read_excerpt(response: httpx.Response, deadline: float, shown: str, started: float) -> str:
        # Only the start of the body is kept; reading stops there so a large or endless
        # body costs neither memory nor time. The read timeout bounds each chunk and the
        # deadline the whole body, so a server trickling bytes cannot hold a worker.
        collected = bytearray()
        for chunk in response.iter_bytes():
            collected += chunk
            if len(collected) >= _EXCERPT_BYTES:
                break
            if time.perf_counter() > deadline:
                raise ChannelError(
                    f"{shown}: timed out reading the response",
                    retryable=True,
                    status_code=response.status_code,
                    latency_ms=_since(started),
                )
        encoding = response.charset_encoding or "utf-8"
        try:
            text = bytes(collected[:_EXCERPT_BYTES]).decode(encoding, errors="replace")
        except LookupError:
            text = bytes(collected[:_EXCERPT_BYTES]).decode("utf-8", errors="replace")
        return text[:BODY_EXCERPT_CHARS]

    @staticmethod
    def _timed_out(
        exc: httpx.TimeoutException, shown: str, seconds: float, started: float
    ) -> ChannelError:
        phase = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for the response",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection",
        }.get(type(exc), "waiting")
        return ChannelError(
            f"{shown}: timed out after {seconds:g} s {phase}",
            retryable=True,
            latency_ms=_since(started),
        )

    @staticmethod
    def _connect_failed(exc: httpx.ConnectError, shown: str, started: float) -> ChannelError:
        tls = _tls_failure(exc)
        if tls is not None:
            message = f"{shown}: TLS handshake failed: {_tls_reason(tls)}"
        else:
            message = f"{shown}: could not connect: {_os_reason(exc)}"
        return ChannelError(message, retryable=True, latency_ms=_since(started))


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
