"""HTTP destinations (EventBridge's CreateApiDestination, DescribeApiDestination,
ListApiDestinations, UpdateApiDestination, DeleteApiDestination).

A destination's endpoint is refused when its host is a link-local or cloud metadata
address, or (with ``allow_private`` off) in a private range: as written when it is made,
and after resolution before every call (:mod:`certherd.services.destination_guard`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from certherd.domain.api_destinations import (
    ApiDestinationState,
    check_api_destination_name,
    check_endpoint,
    check_http_method,
    check_rate_limit,
)
from certherd.domain.arns import ArnFactory, parse_arn
from certherd.domain.clock import Clock
from certherd.domain.rules import check_description
from certherd.errors import NotFoundError, ValidationError
from certherd.services.connections import check_limit
from certherd.services.destination_guard import check_on_create
from certherd.services.destination_ports import (
    ApiDestinationRecord,
    ConnectionRecord,
    Resolver,
)
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["ApiDestinationPage", "ApiDestinationService", "api_destination_arn"]


def api_destination_arn(arns: ArnFactory, account: str, name: str, destination_id: str) -> str:
    return (
        f"arn:{arns.partition}:events:{arns.region}:{account}:"
        f"api-destination/{name}/{destination_id}"
    )


@dataclass(frozen=True)
class ApiDestinationPage:
    destinations: list[ApiDestinationRecord]
    next_token: str | None


class ApiDestinationService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        resolver: Resolver,
        allow_private: bool,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._arns = arns
        self._resolver = resolver
        self._allow_private = allow_private

    def _endpoint(self, url: object) -> str:
        checked = check_endpoint(url, allow_private=self._allow_private)
        check_on_create(
            checked,
            resolver=self._resolver,
            allow_private=self._allow_private,
            field="InvocationEndpoint",
        )
        return checked

    @staticmethod
    def _connection(uow: UnitOfWork, account: str, arn: object) -> ConnectionRecord:
        if not isinstance(arn, str):
            raise ValidationError("is required", field="ConnectionArn")
        parsed = parse_arn(arn, field="ConnectionArn", service="events")
        kind, _, rest = parsed.resource.partition("/")
        name = rest.split("/", 1)[0]
        record = uow.connections.get(account, name) if kind == "connection" else None
        if parsed.account != account or record is None or record.arn != arn:
            raise NotFoundError(f"connection {arn} does not exist", field="ConnectionArn")
        return record

    def create(
        self,
        account: str,
        *,
        name: object,
        connection_arn: object,
        invocation_endpoint: object,
        http_method: object,
        rate_limit: object = None,
        description: str | None = None,
    ) -> ApiDestinationRecord:
        """Create an ACTIVE destination. Raises ValidationError naming the field (a refused
        ``InvocationEndpoint`` included), NotFoundError for an unknown connection,
        ConflictError for a name in use."""
        checked = check_api_destination_name(name)
        check_description(description)
        endpoint = self._endpoint(invocation_endpoint)
        method = check_http_method(http_method)
        rate = check_rate_limit(rate_limit)
        now = self._clock.now()
        destination_id = str(uuid.uuid4())
        with self._uow() as uow:
            connection = self._connection(uow, account, connection_arn)
            record = ApiDestinationRecord(
                id=destination_id,
                account=account,
                name=checked,
                arn=api_destination_arn(self._arns, account, checked, destination_id),
                description=description,
                connection_id=connection.id,
                connection_arn=connection.arn,
                endpoint=endpoint,
                http_method=method.value,
                rate_limit=rate,
                state=ApiDestinationState.ACTIVE.value,
                created_at=now,
                updated_at=now,
            )
            uow.api_destinations.add(record)
            uow.commit()
        return record

    def describe(self, account: str, name: str) -> ApiDestinationRecord:
        """The destination ``name``; raises NotFoundError."""
        with self._uow() as uow:
            return self._get(uow, account, name)

    @staticmethod
    def _get(uow: UnitOfWork, account: str, name: str) -> ApiDestinationRecord:
        record = uow.api_destinations.get(account, name)
        if record is None:
            raise NotFoundError(f"API destination {name!r} does not exist", field="Name")
        return record

    def list(
        self,
        account: str,
        *,
        name_prefix: str | None = None,
        connection_arn: str | None = None,
        next_token: str | None = None,
        limit: object = None,
    ) -> ApiDestinationPage:
        size = check_limit(limit)
        with self._uow() as uow:
            rows = list(
                uow.api_destinations.list(
                    account,
                    name_prefix=name_prefix,
                    connection_arn=connection_arn,
                    after=next_token,
                    limit=size + 1,
                )
            )
        more = len(rows) > size
        rows = rows[:size]
        return ApiDestinationPage(rows, rows[-1].name if more else None)

    def update(
        self,
        account: str,
        name: str,
        *,
        description: str | None = None,
        connection_arn: object = None,
        invocation_endpoint: object = None,
        http_method: object = None,
        rate_limit: object = None,
    ) -> ApiDestinationRecord:
        """Change what is given; raises as :meth:`create` does."""
        check_description(description)
        endpoint = None if invocation_endpoint is None else self._endpoint(invocation_endpoint)
        method = None if http_method is None else check_http_method(http_method)
        rate = None if rate_limit is None else check_rate_limit(rate_limit)
        with self._uow() as uow:
            record = self._get(uow, account, name)
            if connection_arn is not None:
                connection = self._connection(uow, account, connection_arn)
                record = replace(record, connection_id=connection.id, connection_arn=connection.arn)
            record = replace(
                record,
                description=record.description if description is None else description,
                endpoint=endpoint or record.endpoint,
                http_method=method.value if method else record.http_method,
                rate_limit=rate or record.rate_limit,
                updated_at=self._clock.now(),
            )
            uow.api_destinations.update(record)
            uow.commit()
        return record

    def delete(self, account: str, name: str) -> ApiDestinationRecord:
        """Delete the destination; raises NotFoundError. Rules still targeting it then fail
        with NO_RESOURCE."""
        with self._uow() as uow:
            record = self._get(uow, account, name)
            uow.api_destinations.delete(record.id)
            uow.commit()
        return record
