"""The HTTP channel: POSTs to http and https subscribers over pooled keep-alive connections.

One :class:`KeepAliveSender` serves the whole process. It keeps idle connections per
(scheme, host, port) and lends each to one request at a time, so any number of delivery
threads share them. It is written on the standard library's ``http.client``: a delivery is
one small request and one short answer, and ``http.client`` sends one in about a third of
the CPU time of a general-purpose client (see ``benchmarks/fanout.py``), which is what
limits how many deliveries a second one process makes.

TLS is verified against the system's CAs plus, when configured, a PEM bundle of extra CAs
(``CERTHERD_HTTP_CA_BUNDLE``), so subscribers behind a private CA can be reached. Redirects
are never followed: a 3xx is an answer like any other and the caller decides what it
means. Userinfo in the URL is sent as HTTP Basic authentication. Errors name the endpoint
as ``scheme://host:port/path`` only, so URL credentials and query strings (which often
carry tokens) never reach a message.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from certherd.errors import ConfigurationError
from certherd.services.channel_ports import ChannelError, HttpRequest, HttpResponse

__all__ = ["BODY_EXCERPT_CHARS", "KeepAliveSender", "endpoint_for_display"]

#: How much of a response body is kept for the delivery record.
BODY_EXCERPT_CHARS: Final = 512
# A UTF-8 character is at most 4 bytes: this many bytes always hold the excerpt.
_EXCERPT_BYTES: Final = BODY_EXCERPT_CHARS * 4
#: A connection whose answer had more body than this is closed rather than drained.
_DRAIN_LIMIT: Final = 64 * 1024
#: How long an idle connection is kept for reuse.
_KEEP_ALIVE_SECONDS: Final = 5.0
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    authorization: str | None
    shown: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def _parse(raw: str) -> _Target:
    try:
        parts = urlsplit(raw)
        port = parts.port
        host = parts.hostname
    except (ValueError, TypeError, AttributeError):
        raise ChannelError("the endpoint is not a valid URL", retryable=False) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ChannelError(
            f"the endpoint's scheme {scheme or '(none)'!r} is not supported (use http or https)",
            retryable=False,
        )
    if not host:
        raise ChannelError("the endpoint URL names no host", retryable=False)
    port = port or _DEFAULT_PORTS[scheme]
    shown_host = f"[{host}]" if ":" in host else host
    path = parts.path or "/"
    authorization = None
    if parts.username is not None or parts.password is not None:
        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode()
    return _Target(
        scheme=scheme,
        host=host,
        port=port,
        path=path + (f"?{parts.query}" if parts.query else ""),
        authorization=authorization,
        shown=f"{scheme}://{shown_host}:{port}{parts.path or '/'}",
    )


def endpoint_for_display(url: str) -> str:
    """``url`` reduced to ``scheme://host:port/path``: no userinfo, query or fragment.

    Never raises: an URL that cannot be parsed is shown as ``<malformed URL>``."""
    try:
        return _parse(url).shown
    except ChannelError:
        return "<malformed URL>"


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


def _tls_reason(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"certificate verification failed ({error.verify_message})"
    return error.reason or type(error).__name__


class _Stale(Exception):
    """A reused keep-alive connection turned out to be closed by the server."""


class KeepAliveSender:
    """:class:`~certherd.services.channel_ports.HttpSender` over pooled ``http.client``
    connections.

    ``ca_bundle``: a PEM file of CAs trusted in addition to the system's.
    ``max_connections``: how many requests may be in flight at once, all threads
    together; a caller beyond that waits for a free slot (within its request's timeout).
    Raises ConfigurationError when ``ca_bundle`` cannot be read."""

    def __init__(self, *, ca_bundle: Path | None = None, max_connections: int = 100) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._context = _ssl_context(ca_bundle)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str, int], list[tuple[float, http.client.HTTPConnection]]] = {}

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return its status, latency and the start of its body.

        Any status is returned. Raises ChannelError: retryable when no answer came
        (connection refused or broken, TLS failure, timeout), not retryable when the URL
        is malformed, its scheme is not http/https or the request cannot be written."""
        target = _parse(request.url)
        started = time.perf_counter()
        if not self._slots.acquire(timeout=request.timeout_seconds):
            raise ChannelError(
                f"{target.shown}: timed out after {request.timeout_seconds:g} s waiting for a "
                "free connection",
                retryable=True,
                latency_ms=_since(started),
            )
        try:
            deadline = started + request.timeout_seconds
            try:
                return self._exchange(request, target, deadline, reuse=True)
            except _Stale:
                return self._exchange(request, target, deadline, reuse=False)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _, connection in connections:
                connection.close()

    # -- one exchange -------------------------------------------------------------------------

    def _exchange(
        self, request: HttpRequest, target: _Target, deadline: float, *, reuse: bool
    ) -> HttpResponse:
        connection, reused = self._take(target, deadline) if reuse else (None, False)
        if connection is None:
            connection = self._new(target, deadline)
        started = time.perf_counter()
        headers = {"User-Agent": "certherd", **request.headers}
        if target.authorization is not None:
            headers.setdefault("Authorization", target.authorization)
        keep = False
        try:
            _set_timeout(connection, deadline)
            try:
                connection.request(request.method, target.path, body=request.body, headers=headers)
                response = connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if reused:
                    raise _Stale from None
                raise
            excerpt, drained = _read(response, deadline)
            keep = drained and not response.will_close
            return HttpResponse(
                status_code=response.status,
                latency_ms=_since(started),
                body_excerpt=excerpt,
            )
        except _Stale:
            raise
        except TimeoutError:
            raise ChannelError(
                f"{target.shown}: timed out after {request.timeout_seconds:g} s waiting for "
                "the response",
                retryable=True,
                latency_ms=_since(started),
            ) from None
        except ssl.SSLError as exc:
            raise ChannelError(
                f"{target.shown}: TLS failed: {_tls_reason(exc)}",
                retryable=True,
                latency_ms=_since(started),
            ) from None
        except (ValueError, UnicodeError) as exc:
            # The request itself cannot be written (a header value that is not latin-1...).
            raise ChannelError(
                f"{target.shown}: the request could not be sent: {exc}", retryable=False
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else None
            raise ChannelError(
                f"{target.shown}: the connection failed before an answer came: "
                f"{reason or type(exc).__name__}",
                retryable=True,
                latency_ms=_since(started),
            ) from None
        finally:
            if keep:
                self._give_back(target, connection)
            else:
                connection.close()

    def _new(self, target: _Target, deadline: float) -> http.client.HTTPConnection:
        timeout = max(deadline - time.perf_counter(), 0.001)
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            connection = http.client.HTTPSConnection(
                target.host, target.port, timeout=timeout, context=self._context
            )
        else:
            connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        try:
            connection.connect()
        except TimeoutError:
            connection.close()
            raise ChannelError(f"{target.shown}: timed out connecting", retryable=True) from None
        except ssl.SSLError as exc:
            connection.close()
            raise ChannelError(
                f"{target.shown}: TLS handshake failed: {_tls_reason(exc)}", retryable=True
            ) from None
        except OSError as exc:
            connection.close()
            raise ChannelError(
                f"{target.shown}: could not connect: {exc.strerror or type(exc).__name__}",
                retryable=True,
            ) from None
        # Small requests go out at once rather than waiting on the peer's delayed ACK.
        if connection.sock is not None:
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _take(
        self, target: _Target, deadline: float
    ) -> tuple[http.client.HTTPConnection | None, bool]:
        del deadline
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(target.key)
            while idle:
                since, connection = idle.pop()
                if now - since < _KEEP_ALIVE_SECONDS:
                    return connection, True
                connection.close()
        return None, False

    def _give_back(self, target: _Target, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.setdefault(target.key, []).append((time.monotonic(), connection))


def _set_timeout(connection: http.client.HTTPConnection, deadline: float) -> None:
    remaining = max(deadline - time.perf_counter(), 0.001)
    connection.timeout = remaining
    if connection.sock is not None:
        connection.sock.settimeout(remaining)


def _read(response: http.client.HTTPResponse, deadline: float) -> tuple[str, bool]:
    """The excerpt of the body, and whether the body was read to its end (so that the
    connection can serve another request)."""
    collected = bytearray()
    while len(collected) < _DRAIN_LIMIT and not response.isclosed():
        if time.perf_counter() > deadline:
            raise TimeoutError
        chunk = response.read1(_DRAIN_LIMIT - len(collected))
        if not chunk:
            break
        collected += chunk
    if not response.isclosed() and response.length == 0:
        # Every announced byte is read (or none was announced, as in a 204), but
        # ``http.client`` marks the response finished only when asked for more.
        response.read()
    charset = response.headers.get_content_charset() or "utf-8"
    head = bytes(collected[:_EXCERPT_BYTES])
    try:
        text = head.decode(charset, errors="replace")
    except LookupError:
        text = head.decode("utf-8", errors="replace")
    return text[:BODY_EXCERPT_CHARS], response.isclosed()


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
