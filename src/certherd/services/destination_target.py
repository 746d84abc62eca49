"""Rule targets of kind ``api-destination`` (``events`` ARNs ``.../api-destination/<name>/<id>``):
the invocation's payload is sent to the destination's endpoint with its connection's
authorization.

Not local: the call is made outside every transaction (at least once); the OAuth token
cache is written in short transactions of its own. In order, each attempt:

1. finds the destination and its connection (gone: NO_RESOURCE; another account's:
   NO_PERMISSIONS; neither retried);
2. takes a token from the destination's rate limit bucket (one bucket per destination in
   this process, ``InvocationRateLimitPerSecond`` a second); when there is none the attempt
   fails with THROTTLING, retried by the target's retry policy, as EventBridge delays events
   above the rate within its retry window;
3. resolves the endpoint's host and refuses it when any address is link-local, a cloud
   metadata address, or private while the settings forbid private ranges (not retried);
4. for OAuth, uses the cached token while it lasts, else fetches one (the token endpoint is
   guarded the same way) and caches it sealed until ``expires_in``; the connection becomes
   AUTHORIZED, or DEAUTHORIZED when the token endpoint refuses the client (4xx);
5. sends the request; a 401 or 407 with OAuth fetches a new token once and sends it again.

The answer is judged by :func:`~certherd.domain.api_destinations.classify_status`.
"""

from __future__ import annotations

import threading
from datetime import datetime

from certherd.domain.api_destinations import Bucket, classify_status, take_token
from certherd.domain.connections import (
    AuthorizationType,
    CachedToken,
    ConnectionAuth,
    ConnectionState,
    auth_from_json,
    parse_token_response,
    token_expiry,
    token_usable,
)
from certherd.domain.invocations import Invocation
from certherd.domain.retry import ErrorCode
from certherd.services.channel_ports import ChannelError, HttpSender
from certherd.services.connections import auth_context, token_context
from certherd.services.destination_guard import resolved_refusal
from certherd.services.destination_ports import (
    ApiDestinationRecord,
    ConnectionRecord,
    Resolver,
    TokenClient,
)
from certherd.services.destination_request import invocation_request, token_request
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.targets import AfterCommit, DeliveryError

__all__ = ["ApiDestinationTarget", "RateLimiter"]


class RateLimiter:
    """Token buckets by destination id, shared by this process's delivery threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}

    def take(self, destination_id: str, *, rate: int, now: datetime) -> bool:
        with self._lock:
            allowed, bucket = take_token(self._buckets.get(destination_id), rate=rate, now=now)
            self._buckets[destination_id] = bucket
            return allowed


def _channel_failure(exc: ChannelError) -> DeliveryError:
    code = ErrorCode.TIMEOUT if "timed out" in exc.message else ErrorCode.CONNECTION_FAILURE
    return DeliveryError(code, exc.message, retryable=exc.retryable)


class ApiDestinationTarget:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        secrets: SecretBox,
        http: HttpSender,
        tokens: TokenClient,
        resolver: Resolver,
        allow_private: bool,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._uow = uow
        self._secrets = secrets
        self._http = http
        self._tokens = tokens
        self._resolver = resolver
        self._allow_private = allow_private
        self._limiter = limiter or RateLimiter()

    @property
    def local(self) -> bool:
        return False

    def deliver(
        self, invocation: Invocation, *, now: datetime, uow: UnitOfWork | None
    ) -> AfterCommit:
        del uow
        destination, connection = self._load(invocation)
        if not self._limiter.take(destination.id, rate=destination.rate_limit, now=now):
            raise DeliveryError(
                ErrorCode.THROTTLING,
                f"API destination {destination.name} is at its rate limit of "
                f"{destination.rate_limit} invocations per second",
                retryable=True,
            )
        self._guard(destination.endpoint, "InvocationEndpoint")
        auth = auth_from_json(
            self._secrets.open(connection.auth_sealed, context=auth_context(connection.id)).decode()
        )
        oauth = auth.type is AuthorizationType.OAUTH_CLIENT_CREDENTIALS
        token = self._token(connection, auth, now, cached_ok=True) if oauth else None
        status = self._send(destination, invocation, auth, token)
        outcome = classify_status(status)
        if oauth and outcome.refresh_token:
            token = self._token(connection, auth, now, cached_ok=False)
            status = self._send(destination, invocation, auth, token)
            outcome = classify_status(status)
        if outcome.delivered:
            return None
        raise DeliveryError(
            outcome.code,
            f"{destination.name}: the endpoint answered HTTP {status}",
            retryable=outcome.retryable,
        )

    def _load(self, invocation: Invocation) -> tuple[ApiDestinationRecord, ConnectionRecord]:
        arn = invocation.target_arn
        with self._uow() as unit:
            destination = unit.api_destinations.get_by_arn(arn)
            connection = (
                None
                if destination is None
                else unit.connections.get_by_id(destination.connection_id)
            )
        if destination is None or connection is None:
            raise DeliveryError(
                ErrorCode.NO_RESOURCE, f"API destination {arn} does not exist", retryable=False
            )
        if destination.account != invocation.account:
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS,
                f"{arn} belongs to another account",
                retryable=False,
            )
        return destination, connection

    def _guard(self, url: str, what: str) -> None:
        try:
            refusal = resolved_refusal(
                url, resolver=self._resolver, allow_private=self._allow_private
            )
        except OSError as exc:
            raise DeliveryError(
                ErrorCode.CONNECTION_FAILURE,
                f"the {what}'s host does not resolve: {exc.strerror or exc}",
                retryable=True,
            ) from None
        if refusal is not None:
            raise DeliveryError(
                ErrorCode.INVALID_PARAMETER, f"{what} refused: {refusal}", retryable=False
            )

    def _send(
        self,
        destination: ApiDestinationRecord,
        invocation: Invocation,
        auth: ConnectionAuth,
        token: str | None,
    ) -> int:
        request = invocation_request(
            endpoint=destination.endpoint,
            method=destination.http_method,
            payload=invocation.payload,
            auth=auth,
            access_token=token,
            invocation_id=invocation.id,
        )
        try:
            return self._http.send(request).status_code
        except ChannelError as exc:
            raise _channel_failure(exc) from None

    def _token(
        self, connection: ConnectionRecord, auth: ConnectionAuth, now: datetime, *, cached_ok: bool
    ) -> str:
        if cached_ok:
            cached = self._cached(connection.id)
            if cached is not None and token_usable(cached, now):
                return cached.access_token
        self._guard(str(auth.authorization_endpoint), "AuthorizationEndpoint")
        try:
            answer = self._tokens.fetch(token_request(auth))
        except ChannelError as exc:
            raise _channel_failure(exc) from None
        if not 200 <= answer.status_code < 300:
            refused = 400 <= answer.status_code < 500 and answer.status_code != 429
            reason = f"the authorization endpoint answered HTTP {answer.status_code}"
            if refused:
                self._store(connection.id, None, None, ConnectionState.DEAUTHORIZED, reason, None)
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS if refused else ErrorCode.CONNECTION_FAILURE,
                f"{connection.name}: {reason}",
                retryable=not refused,
            )
        try:
            access_token, expires_in = parse_token_response(answer.body)
        except ValueError as exc:
            self._store(connection.id, None, None, ConnectionState.DEAUTHORIZED, str(exc), None)
            raise DeliveryError(
                ErrorCode.NO_PERMISSIONS, f"{connection.name}: {exc}", retryable=False
            ) from None
        sealed = self._secrets.seal(access_token.encode(), context=token_context(connection.id))
        expires_at = token_expiry(expires_in, now)
        self._store(connection.id, sealed, expires_at, ConnectionState.AUTHORIZED, None, now)
        return access_token

    def _cached(self, connection_id: str) -> CachedToken | None:
        # Read again rather than taken from the connection loaded for this attempt: another
        # worker may have refreshed it since.
        with self._uow() as unit:
            record = unit.connections.get_by_id(connection_id)
        if record is None or record.token_sealed is None:
            return None
        token = self._secrets.open(record.token_sealed, context=token_context(connection_id))
        return CachedToken(token.decode(), record.token_expires_at)

    def _store(
        self,
        connection_id: str,
        sealed: bytes | None,
        expires_at: datetime | None,
        state: ConnectionState,
        reason: str | None,
        authorized_at: datetime | None,
    ) -> None:
        with self._uow() as unit:
            unit.connections.set_token(
                connection_id,
                token_sealed=sealed,
                expires_at=expires_at,
                state=state.value,
                state_reason=reason,
                authorized_at=authorized_at,
            )
            unit.commit()
