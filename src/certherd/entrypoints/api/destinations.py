"""``/v1/connections`` and ``/v1/api-destinations``: HTTP destinations (EventBridge's API
destinations and connections). A rule targets a destination by its ARN
(``arn:...:events:...:api-destination/<name>/<id>``)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query

from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.destination_schemas import (
    ApiDestinationListOut,
    ApiDestinationOut,
    ConnectionListOut,
    ConnectionOut,
    CreateApiDestinationBody,
    CreateConnectionBody,
    UpdateApiDestinationBody,
    UpdateConnectionBody,
)
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.views import instant
from certherd.services.destination_ports import ApiDestinationRecord, ConnectionRecord

__all__ = ["TAG", "connections_router", "destinations_router"]

TAG: Final = "http destinations"

connections_router = APIRouter(prefix="/v1/connections", tags=[TAG])
destinations_router = APIRouter(prefix="/v1/api-destinations", tags=[TAG])

_ANY = problems(400, 401, 403, 404, 409)

JSON = dict[str, Any]


def _connection(record: ConnectionRecord, *, details: bool = True) -> JSON:
    out: JSON = {
        "ConnectionArn": record.arn,
        "Name": record.name,
        "ConnectionState": record.state,
        "StateReason": record.state_reason,
        "AuthorizationType": record.authorization_type,
        "CreationTime": instant(record.created_at),
        "LastModifiedTime": instant(record.updated_at),
        "LastAuthorizedTime": instant(record.last_authorized_at),
    }
    if details:
        out["Description"] = record.description
        out["AuthParameters"] = json.loads(record.auth_public)
    return out


def _destination(record: ApiDestinationRecord) -> JSON:
    return {
        "ApiDestinationArn": record.arn,
        "Name": record.name,
        "Description": record.description,
        "ApiDestinationState": record.state,
        "ConnectionArn": record.connection_arn,
        "InvocationEndpoint": record.endpoint,
        "HttpMethod": record.http_method,
        "InvocationRateLimitPerSecond": record.rate_limit,
        "CreationTime": instant(record.created_at),
        "LastModifiedTime": instant(record.updated_at),
    }


@connections_router.post(
    "",
    response_model=ConnectionOut,
    response_model_exclude_none=True,
    summary="Create a connection",
    description="API key and Basic connections are AUTHORIZED at once; OAuth ones are "
    "AUTHORIZING until the first token is fetched.",
    responses=_ANY,
)
def create_connection(body: CreateConnectionBody, account: AccountDep, c: ContainerDep) -> JSON:
    record = c.connections.create(
        account,
        name=body.name,
        description=body.description,
        authorization_type=body.authorization_type,
        auth_parameters=body.auth_parameters,
    )
    return _connection(record)


@connections_router.get(
    "",
    response_model=ConnectionListOut,
    response_model_exclude_none=True,
    summary="List connections",
    responses=problems(400, 401, 403),
)
def list_connections(
    account: AccountDep,
    c: ContainerDep,
    name_prefix: Annotated[Text | None, Query(alias="NamePrefix", max_length=64)] = None,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=64)] = None,
    limit: Annotated[int | None, Query(alias="Limit")] = None,
) -> JSON:
    page = c.connections.list(account, name_prefix=name_prefix, next_token=next_token, limit=limit)
    return {
        "Connections": [_connection(r, details=False) for r in page.connections],
        "NextToken": page.next_token,
    }


@connections_router.get(
    "/{name}",
    response_model=ConnectionOut,
    response_model_exclude_none=True,
    summary="Describe a connection",
    description="Secrets (API key value, password, client secret, secret parameter values) "
    "are never shown.",
    responses=problems(401, 403, 404),
)
def describe_connection(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return _connection(c.connections.describe(account, name))


@connections_router.patch(
    "/{name}",
    response_model=ConnectionOut,
    response_model_exclude_none=True,
    summary="Update a connection",
    description="`AuthParameters` are merged into the current ones; a changed authorization "
    "forgets the cached OAuth token.",
    responses=_ANY,
)
def update_connection(
    name: str, body: UpdateConnectionBody, account: AccountDep, c: ContainerDep
) -> JSON:
    record = c.connections.update(
        account,
        name,
        description=body.description,
        authorization_type=body.authorization_type,
        auth_parameters=body.auth_parameters,
    )
    return _connection(record)


@connections_router.delete(
    "/{name}",
    response_model=ConnectionOut,
    response_model_exclude_none=True,
    summary="Delete a connection",
    description="409 while an API destination uses it.",
    responses=_ANY,
)
def delete_connection(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    record = c.connections.delete(account, name)
    return {**_connection(record, details=False), "ConnectionState": "DELETING"}


@destinations_router.post(
    "",
    response_model=ApiDestinationOut,
    response_model_exclude_none=True,
    summary="Create an API destination",
    description="`InvocationEndpoint` on a link-local or cloud metadata address is refused, "
    "and on a private one when CERTHERD_DESTINATIONS_ALLOW_PRIVATE is false.",
    responses=_ANY,
)
def create_destination(
    body: CreateApiDestinationBody, account: AccountDep, c: ContainerDep
) -> JSON:
    record = c.api_destinations.create(
        account,
        name=body.name,
        description=body.description,
        connection_arn=body.connection_arn,
        invocation_endpoint=body.invocation_endpoint,
        http_method=body.http_method,
        rate_limit=body.invocation_rate_limit_per_second,
    )
    return _destination(record)


@destinations_router.get(
    "",
    response_model=ApiDestinationListOut,
    response_model_exclude_none=True,
    summary="List API destinations",
    responses=problems(400, 401, 403),
)
def list_destinations(
    account: AccountDep,
    c: ContainerDep,
    name_prefix: Annotated[Text | None, Query(alias="NamePrefix", max_length=64)] = None,
    connection_arn: Annotated[Text | None, Query(alias="ConnectionArn", max_length=1600)] = None,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=64)] = None,
    limit: Annotated[int | None, Query(alias="Limit")] = None,
) -> JSON:
    page = c.api_destinations.list(
        account,
        name_prefix=name_prefix,
        connection_arn=connection_arn,
        next_token=next_token,
        limit=limit,
    )
    return {
        "ApiDestinations": [_destination(r) for r in page.destinations],
        "NextToken": page.next_token,
    }


@destinations_router.get(
    "/{name}",
    response_model=ApiDestinationOut,
    response_model_exclude_none=True,
    summary="Describe an API destination",
    responses=problems(401, 403, 404),
)
def describe_destination(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return _destination(c.api_destinations.describe(account, name))


@destinations_router.patch(
    "/{name}",
    response_model=ApiDestinationOut,
    response_model_exclude_none=True,
    summary="Update an API destination",
    responses=_ANY,
)
def update_destination(
    name: str, body: UpdateApiDestinationBody, account: AccountDep, c: ContainerDep
) -> JSON:
    record = c.api_destinations.update(
        account,
        name,
        description=body.description,
        connection_arn=body.connection_arn,
        invocation_endpoint=body.invocation_endpoint,
        http_method=body.http_method,
        rate_limit=body.invocation_rate_limit_per_second,
    )
    return _destination(record)


@destinations_router.delete(
    "/{name}",
    response_model=ApiDestinationOut,
    response_model_exclude_none=True,
    summary="Delete an API destination",
    responses=problems(401, 403, 404),
)
def delete_destination(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return _destination(c.api_destinations.delete(account, name))
