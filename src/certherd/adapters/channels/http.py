"""The HTTP channel: POSTs to http and https subscribers, many at once, over pooled
keep-alive connections.

:class:`AiohttpSender` runs an ``aiohttp`` client in an event loop of its own thread, which
it starts on first use. One thread with an event loop keeps many requests in flight at the
cost of one: a fan-out of a hundred deliveries is :meth:`AiohttpSender.send_many`, one
hand-over to the loop, rather than a hundred threads each waking for its own answer and
contending for the interpreter (``benchmarks/fanout.py`` measures the difference).
:meth:`AiohttpSender.send` sends one request the same way, for callers that have one.

TLS is verified against the system's CAs plus, when configured, a PEM bundle of extra CAs
(``CERTHERD_HTTP_CA_BUNDLE``), so subscribers behind a private CA can be reached. Redirects
are never followed: a 3xx is an answer like any other and the caller decides what it
means. Userinfo in the URL is sent as HTTP Basic authentication. Errors name the endpoint
as ``scheme://host:port/path`` only, so URL credentials and query strings (which often
carry tokens) never reach a message.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

import aiohttp
from yarl import URL

from certherd.errors import ConfigurationError
from certherd.services.channel_ports import ChannelError, HttpRequest, HttpResponse

__all__ = ["BODY_EXCERPT_CHARS", "AiohttpSender", "endpoint_for_display"]

#: How much of a response body is kept for the delivery record.
BODY_EXCERPT_CHARS: Final = 512
# A UTF-8 character is at most 4 bytes: this many bytes always hold the excerpt.
_EXCERPT_BYTES: Final = BODY_EXCERPT_CHARS * 4
#: A connection whose answer had more body than this is closed rather than drained.
_DRAIN_LIMIT: Final = 64 * 1024
#: How long an idle connection is kept for reuse: below the keep-alive timeouts of common
#: servers (5 s for uvicorn, Apache and Node), so that they rarely close one first.
_KEEP_ALIVE_SECONDS: Final = 4.0
#: How many connections are open to one host:port at most.
_PER_HOST: Final = 16
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

_log = logging.getLogger("certherd.http")
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Target:
    url: URL
    authorization: str | None
    shown: str


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
    shown = f"{scheme}://{shown_host}:{port}{path}"
    authorization = None
    if parts.username is not None or parts.password is not None:
        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode()
    try:
        url = URL(
            f"{scheme}://{shown_host}:{port}{path}" + (f"?{parts.query}" if parts.query else "")
        )
    except ValueError:
        raise ChannelError(f"{shown}: the endpoint is not a valid URL", retryable=False) from None
    return _Target(url=url, authorization=authorization, shown=shown)


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


def _tls_reason(error: BaseException | None) -> str:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"certificate verification failed ({error.verify_message})"
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason)
    return type(error).__name__ if error is not None else "unknown error"


class AiohttpSender:
    """:class:`~certherd.services.channel_ports.HttpSender` on an ``aiohttp`` client
    session in an event loop of its own thread.

    ``ca_bundle``: a PEM file of CAs trusted in addition to the system's.
    ``max_connections``: how many requests may be in flight at once, all callers together;
    a request beyond that waits for a free slot (within its timeout). At most 16 of them go
    to one host and port at a time. Raises ConfigurationError when ``ca_bundle`` cannot be
    read."""

    def __init__(self, *, ca_bundle: Path | None = None, max_connections: int = 100) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._context = _ssl_context(ca_bundle)
        self._max_connections = max_connections
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        # Made in the loop, on first use.
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return its status, latency and the start of its body.

        Any status is returned. Raises ChannelError: retryable when no answer came
        (connection refused or broken, TLS failure, timeout), not retryable when the URL
        is malformed, its scheme is not http/https or the request cannot be written."""
        return self._run(self._exchange(request))

    def send_many(self, requests: Sequence[HttpRequest]) -> list[HttpResponse | ChannelError]:
        """Send ``requests`` at once; return, in their order, each one's response or the
        ChannelError that says why none came (as :meth:`send` would raise it)."""
        if not requests:
            return []
        return self._run(self._exchange_all(requests))

    def close(self) -> None:
        """Close every connection and stop the event loop's thread."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._close_session(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    # -- the event loop ------------------------------------------------------------------------

    def _run(self, work: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(work, self._running_loop()).result()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="certherd-http", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self._slots = None

    def _open_session(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        if self._session is None or self._slots is None:
            connector = aiohttp.TCPConnector(
                ssl=self._context,
                limit=0,  # in-flight requests are bounded by the slots
                limit_per_host=_PER_HOST,
                keepalive_timeout=_KEEP_ALIVE_SECONDS,
            )
            tracing = aiohttp.TraceConfig()
            tracing.on_connection_reuseconn.append(_note_reuse)
            self._session = aiohttp.ClientSession(
                connector=connector,
                trace_configs=[tracing],
                headers={"User-Agent": "certherd"},
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None),
            )
            self._slots = asyncio.Semaphore(self._max_connections)
        return self._session, self._slots

    # -- exchanges (in the loop) ---------------------------------------------------------------

    async def _exchange_all(
        self, requests: Sequence[HttpRequest]
    ) -> list[HttpResponse | ChannelError]:
        return list(await asyncio.gather(*(self._outcome(request) for request in requests)))

    async def _outcome(self, request: HttpRequest) -> HttpResponse | ChannelError:
        try:
            return await self._exchange(request)
        except ChannelError as exc:
            return exc
        except Exception as exc:  # a bug must not lose the other requests' outcomes
            _log.exception("an HTTP request failed unexpectedly")
            return ChannelError(f"internal error: {type(exc).__name__}", retryable=True)

    async def _exchange(self, request: HttpRequest) -> HttpResponse:
        target = _parse(request.url)
        session, slots = self._open_session()
        started = time.perf_counter()
        timeout = request.timeout_seconds
        try:
            if slots.locked():
                await asyncio.wait_for(slots.acquire(), timeout)
            else:
                await slots.acquire()  # free: taken at once, no timer needed
        except TimeoutError:
            raise ChannelError(
                f"{target.shown}: timed out after {timeout:g} s waiting for a free connection",
                retryable=True,
                latency_ms=_since(started),
            ) from None
        try:
            remaining = max(timeout - (time.perf_counter() - started), 0.001)
            async with asyncio.timeout(remaining):
                reuse = SimpleNamespace(reused=False)
                try:
                    return await self._post(session, request, target, reuse)
                except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                    if not reuse.reused:
                        raise
                    # A kept-alive connection the server closed as it was reused: the
                    # request never reached it. Once more, on a new connection.
                    return await self._post(session, request, target, reuse)
        except TimeoutError:
            raise ChannelError(
                f"{target.shown}: timed out after {timeout:g} s waiting for the response",
                retryable=True,
                latency_ms=_since(started),
            ) from None
        except aiohttp.ClientError as exc:
            raise _failure(target, exc, started) from None
        except (ValueError, UnicodeError) as exc:
            # The request itself cannot be written (a header value with a line break...).
            raise ChannelError(
                f"{target.shown}: the request could not be sent: {exc}", retryable=False
            ) from None
        finally:
            slots.release()

    async def _post(
        self,
        session: aiohttp.ClientSession,
        request: HttpRequest,
        target: _Target,
        reuse: SimpleNamespace,
    ) -> HttpResponse:
        headers = dict(request.headers)
        if target.authorization is not None and not any(
            name.lower() == "authorization" for name in headers
        ):
            headers["Authorization"] = target.authorization
        started = time.perf_counter()
        async with session.request(
            request.method,
            target.url,
            data=request.body,
            headers=headers,
            allow_redirects=False,
            trace_request_ctx=reuse,
        ) as response:
            collected = bytearray()
            while len(collected) < _DRAIN_LIMIT:
                chunk = await response.content.read(_DRAIN_LIMIT - len(collected))
                if not chunk:
                    break
                collected += chunk
            if not response.content.at_eof():
                response.close()  # too much to drain: the connection is not reused
            return HttpResponse(
                status_code=response.status,
                latency_ms=_since(started),
                body_excerpt=_excerpt(bytes(collected[:_EXCERPT_BYTES]), response.charset),
            )


async def _note_reuse(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: object
) -> None:
    """Notes in the request's trace context that its connection is a kept-alive one."""
    del session, params
    context.trace_request_ctx.reused = True


def _failure(target: _Target, error: aiohttp.ClientError, started: float) -> ChannelError:
    latency = _since(started)
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        reason = _tls_reason(error.certificate_error)
        return ChannelError(
            f"{target.shown}: TLS failed: {reason}", retryable=True, latency_ms=latency
        )
    if isinstance(error, aiohttp.ClientSSLError):
        reason = _tls_reason(error.os_error)
        return ChannelError(
            f"{target.shown}: TLS handshake failed: {reason}", retryable=True, latency_ms=latency
        )
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        reason = cause.strerror or type(cause).__name__
        return ChannelError(
            f"{target.shown}: could not connect: {reason}", retryable=True, latency_ms=latency
        )
    if isinstance(error, aiohttp.ServerDisconnectedError):
        reason = "the server closed the connection"
    elif isinstance(error, aiohttp.ClientOSError):
        reason = error.strerror or type(error).__name__
    elif isinstance(error, aiohttp.ClientResponseError | aiohttp.ClientPayloadError):
        reason = "the answer was not valid HTTP"
    elif isinstance(error, aiohttp.InvalidURL):
        return ChannelError(f"{target.shown}: the endpoint is not a valid URL", retryable=False)
    else:
        reason = type(error).__name__
    return ChannelError(
        f"{target.shown}: the connection failed before an answer came: {reason}",
        retryable=True,
        latency_ms=latency,
    )


def _excerpt(head: bytes, charset: str | None) -> str:
    try:
        text = head.decode(charset or "utf-8", errors="replace")
    except LookupError:
        text = head.decode("utf-8", errors="replace")
    return text[:BODY_EXCERPT_CHARS]


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
