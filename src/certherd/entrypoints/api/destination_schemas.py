"""Request and response bodies of ``/v1/connections`` and ``/v1/api-destinations`` (HTTP
destinations, EventBridge's field names). ``AuthParameters`` keeps EventBridge's nested
shape and is validated by the domain, which names the offending member."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.entrypoints.api.schemas import Text

__all__ = [
    "ApiDestinationListOut",
    "ApiDestinationOut",
    "ConnectionListOut",
    "ConnectionOut",
    "CreateApiDestinationBody",
    "CreateConnectionBody",
    "UpdateApiDestinationBody",
    "UpdateConnectionBody",
]


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=False, frozen=True
    )


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


_AUTH = (
    "EventBridge's AuthParameters: ApiKeyAuthParameters {ApiKeyName, ApiKeyValue}, "
    "BasicAuthParameters {Username, Password} or OAuthParameters {AuthorizationEndpoint, "
    "HttpMethod, ClientParameters {ClientID, ClientSecret}, OAuthHttpParameters}, and "
    "InvocationHttpParameters {HeaderParameters, QueryStringParameters, BodyParameters}. "
    "Secrets are stored sealed and never shown."
)


class CreateConnectionBody(_Body):
    name: Text = Field(max_length=64)
    description: Text | None = Field(default=None, max_length=512)
    authorization_type: Text = Field(description="API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS.")
    auth_parameters: dict[str, Any] = Field(description=_AUTH)


class UpdateConnectionBody(_Body):
    description: Text | None = Field(default=None, max_length=512)
    authorization_type: Text | None = None
    auth_parameters: dict[str, Any] | None = Field(
        default=None, description="Merged into the current parameters: give what changes."
    )


class ConnectionOut(_Out):
    connection_arn: str
    name: str
    description: str | None = None
    connection_state: str
    state_reason: str | None = None
    authorization_type: str
    auth_parameters: dict[str, Any] | None = None
    creation_time: str
    last_modified_time: str
    last_authorized_time: str | None = None


class ConnectionListOut(_Out):
    connections: list[ConnectionOut]
    next_token: str | None = None


class CreateApiDestinationBody(_Body):
    name: Text = Field(max_length=64)
    description: Text | None = Field(default=None, max_length=512)
    connection_arn: Text = Field(max_length=1600)
    invocation_endpoint: Text = Field(max_length=2048)
    http_method: Text = Field(description="POST, GET, HEAD, OPTIONS, PUT, PATCH or DELETE.")
    invocation_rate_limit_per_second: int | None = Field(default=None, description="Default 300.")


class UpdateApiDestinationBody(_Body):
    description: Text | None = Field(default=None, max_length=512)
    connection_arn: Text | None = Field(default=None, max_length=1600)
    invocation_endpoint: Text | None = Field(default=None, max_length=2048)
    http_method: Text | None = None
    invocation_rate_limit_per_second: int | None = None


class ApiDestinationOut(_Out):
    api_destination_arn: str
    name: str
    description: str | None = None
    api_destination_state: str
    connection_arn: str
    invocation_endpoint: str
    http_method: str
    invocation_rate_limit_per_second: int
    creation_time: str
    last_modified_time: str


class ApiDestinationListOut(_Out):
    api_destinations: list[ApiDestinationOut]
    next_token: str | None = None
