"""What HTTP destinations need from the outside world: their storage, name resolution and the
OAuth token endpoint.

Connection rows keep the authorization twice: its public part as JSON (what Describe
shows) and the whole of it sealed by the key store (``auth_sealed``); the cached OAuth
access token is sealed too (``token_sealed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from certherd.domain.api_destinations import IpAddress
from certherd.services.channel_ports import HttpRequest

__all__ = [
    "ApiDestinationRecord",
    "ApiDestinationRepository",
    "ConnectionRecord",
    "ConnectionRepository",
    "Resolver",
    "TokenClient",
    "TokenResponse",
]


@dataclass(frozen=True)
class ConnectionRecord:
    id: str
    account: str
    name: str
    arn: str
    description: str | None
    authorization_type: str
    state: str
    state_reason: str | None
    #: DescribeConnection's AuthParameters (no secret), as JSON.
    auth_public: str
    auth_sealed: bytes = field(repr=False)
    created_at: datetime
    updated_at: datetime
    last_authorized_at: datetime | None = None
    token_sealed: bytes | None = field(default=None, repr=False)
    token_expires_at: datetime | None = None


@dataclass(frozen=True)
class ApiDestinationRecord:
    id: str
    account: str
    name: str
    arn: str
    description: str | None
    connection_id: str
    connection_arn: str
    endpoint: str
    http_method: str
    rate_limit: int
    state: str
    created_at: datetime
    updated_at: datetime


class ConnectionRepository(Protocol):
    def add(self, record: ConnectionRecord) -> None:
        """Insert; raises ConflictError when the account has a connection of that name."""

    def get(self, account: str, name: str) -> ConnectionRecord | None: ...

    def get_by_id(self, connection_id: str) -> ConnectionRecord | None: ...

    def list(
        self, account: str, *, name_prefix: str | None, after: str | None, limit: int
    ) -> Sequence[ConnectionRecord]:
        """The account's connections by name, those after ``after`` first."""

    def update(self, record: ConnectionRecord) -> None:
        """Replace every column but the id, account, name and ARN."""

    def set_token(
        self,
        connection_id: str,
        *,
        token_sealed: bytes | None,
        expires_at: datetime | None,
        state: str,
        state_reason: str | None,
        authorized_at: datetime | None,
    ) -> None:
        """Cache (or, with None, forget) the access token and set the state."""

    def delete(self, connection_id: str) -> bool: ...


class ApiDestinationRepository(Protocol):
    def add(self, record: ApiDestinationRecord) -> None:
        """Insert; raises ConflictError when the account has a destination of that name."""

    def get(self, account: str, name: str) -> ApiDestinationRecord | None: ...

    def get_by_arn(self, arn: str) -> ApiDestinationRecord | None: ...

    def list(
        self,
        account: str,
        *,
        name_prefix: str | None,
        connection_arn: str | None,
        after: str | None,
        limit: int,
    ) -> Sequence[ApiDestinationRecord]: ...

    def update(self, record: ApiDestinationRecord) -> None: ...

    def delete(self, destination_id: str) -> bool: ...

    def count_using(self, connection_id: str) -> int:
        """How many destinations use the connection."""


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> Sequence[IpAddress]:
        """Every address ``host`` resolves to (an IP literal resolves to itself). Raises
        OSError when the name does not resolve."""


@dataclass(frozen=True)
class TokenResponse:
    status_code: int
    body: str


class TokenClient(Protocol):
    def fetch(self, request: HttpRequest) -> TokenResponse:
        """Send ``request`` to an OAuth token endpoint; return its status and whole body
        (bounded). Raises ChannelError when no answer came."""
