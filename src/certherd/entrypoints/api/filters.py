"""Query parameters of ``GET /v1/certificates`` and ``/count``: filters, sort and page."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Query

from certherd.bootstrap import Container
from certherd.domain.certificate import CertificateStatus, CertificateType
from certherd.domain.inventory import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CertificateFilter,
    PageRequest,
    SortBy,
    SortOrder,
)
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.schemas import Text
from certherd.errors import ValidationError
from certherd.pki.keys import KeyAlgorithm

__all__ = ["FilterDep", "PageDep", "certificate_filter", "page_request", "query_named"]

#: Page fields as the domain names them -> the query parameters a caller sent.
_QUERY_NAMES: Final = {"MaxItems": "max-items", "NextToken": "next-token"}


def _tag_filter(values: list[str]) -> tuple[tuple[str, str | None], ...]:
    parsed: list[tuple[str, str | None]] = []
    for text in values:
        key, equals, value = text.partition("=")
        if not key:
            raise ValidationError("must be a tag key or key=value", field="tag")
        parsed.append((key, value if equals else None))
    return tuple(parsed)


def _authority_filter(c: Container, account: str, value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith("arn:"):
        c.arns.authority_id(value, field="ca")  # a well-formed CA ARN of this deployment
        return value
    return c.arns.authority(account, value)


def certificate_filter(
    account: AccountDep,
    c: ContainerDep,
    statuses: Annotated[
        list[CertificateStatus], Query(alias="status", description="Repeatable.")
    ] = [],  # noqa: B006 - FastAPI copies query defaults
    key_algorithms: Annotated[
        list[KeyAlgorithm], Query(alias="key-algorithm", description="Repeatable.")
    ] = [],  # noqa: B006
    types: Annotated[list[CertificateType], Query(alias="type", description="Repeatable.")] = [],  # noqa: B006
    expiring_within_days: Annotated[
        int | None,
        Query(
            alias="expiring-within-days",
            ge=0,
            le=36500,
            description="Certificates whose NotAfter is within this many days from now "
            "(already expired ones are not included).",
        ),
    ] = None,
    tag: Annotated[
        list[Text],
        Query(
            description="Repeatable: `key` (any value) or `key=value`; every tag given must match.",
            max_length=400,
        ),
    ] = [],  # noqa: B006
    ca: Annotated[
        Text | None,
        Query(description="Issued by this CA (its ARN or id).", max_length=2048),
    ] = None,
) -> CertificateFilter:
    return CertificateFilter(
        statuses=tuple(statuses),
        key_algorithms=tuple(key_algorithms),
        types=tuple(types),
        expiring_within_days=expiring_within_days,
        tags=_tag_filter(tag),
        authority_arn=_authority_filter(c, account, ca),
    )


FilterDep = Annotated[CertificateFilter, Depends(certificate_filter)]


def page_request(
    where: FilterDep,
    sort_by: Annotated[
        SortBy | None,
        Query(
            alias="sort-by",
            description="Default CREATED_AT; NOT_AFTER when `expiring-within-days` is given.",
        ),
    ] = None,
    sort_order: Annotated[
        SortOrder | None,
        Query(
            alias="sort-order",
            description="Default DESCENDING; ASCENDING (soonest first) when "
            "`expiring-within-days` is given without `sort-by`.",
        ),
    ] = None,
    max_items: Annotated[int, Query(alias="max-items", ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    next_token: Annotated[
        Text | None, Query(alias="next-token", min_length=1, max_length=10000)
    ] = None,
) -> PageRequest:
    if sort_by is None and where.expiring_within_days is not None:
        sort_by, sort_order = SortBy.NOT_AFTER, sort_order or SortOrder.ASCENDING
    return PageRequest(
        max_items=max_items,
        next_token=next_token,
        sort_by=sort_by or SortBy.CREATED_AT,
        sort_order=sort_order or SortOrder.DESCENDING,
    )


def query_named(error: ValidationError) -> ValidationError:
    """The same error naming the query parameter instead of the domain's field."""
    name = _QUERY_NAMES.get(error.field or "")
    return error if name is None else type(error)(error.message, field=name)


PageDep = Annotated[PageRequest, Depends(page_request)]
