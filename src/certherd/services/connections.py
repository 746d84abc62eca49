"""Connections of HTTP destinations (EventBridge's CreateConnection, DescribeConnection,
ListConnections, UpdateConnection, DeleteConnection).

The authorization, secrets included, is sealed by the key store; what is shown never holds
a secret. Updating the authorization forgets the cached OAuth token. A connection used by
an API destination cannot be deleted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from certherd.domain.arns import ArnFactory
from certherd.domain.clock import Clock
from certherd.domain.connections import (
    AuthorizationType,
    ConnectionAuth,
    auth_from_json,
    auth_to_json,
    check_connection,
    check_connection_name,
    initial_state,
    public_auth,
)
from certherd.domain.rules import check_description
from certherd.errors import NotFoundError, ResourceInUseError, ValidationError
from certherd.services.destination_guard import check_on_create
from certherd.services.destination_ports import ConnectionRecord, Resolver
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MAX_PAGE",
    "ConnectionPage",
    "ConnectionService",
    "auth_context",
    "connection_arn",
    "token_context",
]

MAX_PAGE: Final = 100


def auth_context(connection_id: str) -> str:
    """The key store context a connection's authorization is sealed under."""
    return f"connection-auth:{connection_id}"


def token_context(connection_id: str) -> str:
    """The key store context a connection's cached access token is sealed under."""
    return f"connection-token:{connection_id}"


def connection_arn(arns: ArnFactory, account: str, name: str, connection_id: str) -> str:
    return f"arn:{arns.partition}:events:{arns.region}:{account}:connection/{name}/{connection_id}"


@dataclass(frozen=True)
class ConnectionPage:
    connections: list[ConnectionRecord]
    next_token: str | None


def _merge(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in change.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def check_limit(limit: object) -> int:
    if limit is None:
        return MAX_PAGE
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"must be an integer from 1 to {MAX_PAGE}", field="Limit")
    return limit


class ConnectionService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        secrets: SecretBox,
        resolver: Resolver,
        allow_private: bool,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._arns = arns
        self._secrets = secrets
        self._resolver = resolver
        self._allow_private = allow_private

    def _guard(self, auth: ConnectionAuth) -> None:
        if auth.authorization_endpoint is not None:
            check_on_create(
                auth.authorization_endpoint,
                resolver=self._resolver,
                allow_private=self._allow_private,
                field="AuthParameters.OAuthParameters.AuthorizationEndpoint",
            )

    def create(
        self,
        account: str,
        *,
        name: object,
        authorization_type: object,
        auth_parameters: object,
        description: str | None = None,
    ) -> ConnectionRecord:
        """Create a connection (state AUTHORIZED, or AUTHORIZING for OAuth until its first
        token). Raises ValidationError naming the field, ConflictError for a name in use."""
        checked = check_connection_name(name)
        check_description(description)
        auth = check_connection(authorization_type, auth_parameters)
        self._guard(auth)
        now = self._clock.now()
        connection_id = str(uuid.uuid4())
        record = ConnectionRecord(
            id=connection_id,
            account=account,
            name=checked,
            arn=connection_arn(self._arns, account, checked, connection_id),
            description=description,
            authorization_type=auth.type.value,
            state=initial_state(auth).value,
            state_reason=None,
            auth_public=json.dumps(public_auth(auth)),
            auth_sealed=self._secrets.seal(
                auth_to_json(auth).encode(), context=auth_context(connection_id)
            ),
            created_at=now,
            updated_at=now,
        )
        with self._uow() as uow:
            uow.connections.add(record)
            uow.commit()
        return record

    def describe(self, account: str, name: str) -> ConnectionRecord:
        """The connection ``name``; raises NotFoundError."""
        with self._uow() as uow:
            return self._get(uow, account, name)

    @staticmethod
    def _get(uow: UnitOfWork, account: str, name: str) -> ConnectionRecord:
        record = uow.connections.get(account, name)
        if record is None:
            raise NotFoundError(
                f"Failed to describe the connection(s). Connection '{name}' does not exist.",
                field="Name",
            )
        return record

    def list(
        self,
        account: str,
        *,
        name_prefix: str | None = None,
        next_token: str | None = None,
        limit: object = None,
    ) -> ConnectionPage:
        """The account's connections by name, a page at a time."""
        size = check_limit(limit)
        with self._uow() as uow:
            rows = list(
                uow.connections.list(
                    account, name_prefix=name_prefix, after=next_token, limit=size + 1
                )
            )
        more = len(rows) > size
        rows = rows[:size]
        return ConnectionPage(rows, rows[-1].name if more else None)

    def update(
        self,
        account: str,
        name: str,
        *,
        description: str | None = None,
        authorization_type: object = None,
        auth_parameters: object = None,
    ) -> ConnectionRecord:
        """Change what is given. ``AuthParameters`` is merged into the current ones (give
        only what changes); a new ``AuthorizationType`` needs its parameters in full. A
        changed authorization forgets the cached token. Raises ValidationError,
        NotFoundError."""
        check_description(description)
        if auth_parameters is not None and not isinstance(auth_parameters, Mapping):
            raise ValidationError("must be an object", field="AuthParameters")
        with self._uow() as uow:
            current = self._get(uow, account, name)
            record = current
            if description is not None:
                record = replace(record, description=description)
            if authorization_type is not None or auth_parameters is not None:
                auth = self._changed_auth(current, authorization_type, auth_parameters)
                self._guard(auth)
                record = replace(
                    record,
                    authorization_type=auth.type.value,
                    state=initial_state(auth).value,
                    state_reason=None,
                    auth_public=json.dumps(public_auth(auth)),
                    auth_sealed=self._secrets.seal(
                        auth_to_json(auth).encode(), context=auth_context(current.id)
                    ),
                    token_sealed=None,
                    token_expires_at=None,
                )
            record = replace(record, updated_at=self._clock.now())
            uow.connections.update(record)
            uow.commit()
        return record

    def _changed_auth(
        self, current: ConnectionRecord, authorization_type: object, change: object
    ) -> ConnectionAuth:
        kind = authorization_type if authorization_type is not None else current.authorization_type
        existing = json.loads(self.open_auth_json(current))
        existing.pop("AuthorizationType", None)
        if kind != current.authorization_type:
            base = {"InvocationHttpParameters": existing.get("InvocationHttpParameters", {})}
        else:
            base = existing
        merged = _merge(base, change if isinstance(change, Mapping) else {})
        return check_connection(kind, merged)

    def open_auth_json(self, record: ConnectionRecord) -> str:
        return self._secrets.open(record.auth_sealed, context=auth_context(record.id)).decode()

    def open_auth(self, record: ConnectionRecord) -> ConnectionAuth:
        """The connection's whole authorization, secrets included."""
        return auth_from_json(self.open_auth_json(record))

    def delete(self, account: str, name: str) -> ConnectionRecord:
        """Delete the connection; raises NotFoundError, ResourceInUseError when an API
        destination uses it."""
        with self._uow() as uow:
            record = self._get(uow, account, name)
            used = uow.api_destinations.count_using(record.id)
            if used:
                raise ResourceInUseError(
                    f"connection {name!r} is used by {used} API destination(s); delete or "
                    "change them first",
                    field="Name",
                )
            uow.connections.delete(record.id)
            uow.commit()
        return record


def is_oauth(record: ConnectionRecord) -> bool:
    return record.authorization_type == AuthorizationType.OAUTH_CLIENT_CREDENTIALS.value
