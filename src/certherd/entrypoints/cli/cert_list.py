"""``certherd cert list`` and ``certherd cert count``: the certificate inventory, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import ApiClient, Params, authority_arn, path
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import EXPIRY_HELP, certificate_table, console, emit_json
from certherd.entrypoints.cli.state import state_of

__all__ = ["LIST_HELP", "count", "list_"]


SORT_KEYS = ("CREATED_AT", "NOT_AFTER", "DOMAIN_NAME")
SORT_ORDERS = {"ASC": "ASCENDING", "DESC": "DESCENDING"}


def sort_key(value: str | None) -> str | None:
    """``not-after``, ``not_after``, ``NOT_AFTER``... as the API's sort key."""
    if value is None:
        return None
    key = value.strip().upper().replace("-", "_")
    if key not in SORT_KEYS:
        raise typer.BadParameter(f"{value!r}: use one of {', '.join(SORT_KEYS)}")
    return key


def sort_order(value: str | None) -> str | None:
    """``asc``, ``ascending``, ``DESC``... as the API's sort order."""
    if value is None:
        return None
    order = value.strip().upper()
    order = SORT_ORDERS.get(order, order)
    if order not in SORT_ORDERS.values():
        raise typer.BadParameter(f"{value!r}: use ascending (asc) or descending (desc)")
    return order


Repeated = list[str] | None
StatusOption = Annotated[
    Repeated,
    typer.Option("--status", metavar="STATUS", help="ISSUED, EXPIRED, REVOKED, ... (repeatable)."),
]
KeyOption = Annotated[
    Repeated,
    typer.Option(
        "--key-algorithm", metavar="ALGORITHM", help="RSA_2048, EC_prime256v1, ... (repeatable)."
    ),
]
TypeOption = Annotated[
    Repeated,
    typer.Option("--type", metavar="TYPE", help="PRIVATE, IMPORTED, AMAZON_ISSUED (repeatable)."),
]
ExpiringOption = Annotated[
    int | None,
    typer.Option("--expiring-within", metavar="DAYS", min=0, help="Expiring within DAYS days."),
]
TagFilter = Annotated[
    Repeated,
    typer.Option("--tag", metavar="KEY[=VALUE]", help="Having tag KEY, or KEY=VALUE (repeatable)."),
]
CaFilter = Annotated[
    str | None, typer.Option("--ca", metavar="ARN", help="Issued by this CA (ARN or id).")
]


@dataclass(frozen=True)
class Filters:
    status: Repeated
    key_algorithm: Repeated
    type_: Repeated
    expiring_within: int | None
    tag: Repeated
    ca: str | None

    def params(self, client: ApiClient) -> dict[str, Any]:
        return {
            "status": [value.upper() for value in self.status or []] or None,
            "key-algorithm": self.key_algorithm or None,
            "type": [value.upper() for value in self.type_ or []] or None,
            "expiring-within-days": self.expiring_within,
            "tag": self.tag or None,
            "ca": authority_arn(client, self.ca) if self.ca else None,
        }


def list_(
    ctx: typer.Context,
    status: StatusOption = None,
    key_algorithm: KeyOption = None,
    type_: TypeOption = None,
    expiring_within: ExpiringOption = None,
    tag: TagFilter = None,
    ca: CaFilter = None,
    sort: Annotated[
        str | None,
        typer.Option(
            callback=sort_key,
            metavar="KEY",
            help="created-at, not-after or domain-name (server default: created-at).",
        ),
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(
            callback=sort_order, metavar="ORDER", help="ascending (asc) or descending (desc)."
        ),
    ] = None,
    max_items: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Certificates per page (default 100).")
    ] = None,
    next_token: Annotated[str | None, typer.Option(help="Continue a previous listing.")] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow NextToken to the end.")] = False,
    output: OutputOption = None,
) -> None:
    client = state_of(ctx).client(ctx)
    filters = Filters(status, key_algorithm, type_, expiring_within, tag, ca)
    params: dict[str, Any] = filters.params(client)
    params.update(
        {
            "sort-by": sort,
            "sort-order": order,
            "max-items": max_items,
            "next-token": next_token,
        }
    )
    answer = _pages(client, params, all_pages=all_pages)
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    summaries = answer.get("CertificateSummaryList") or []
    if summaries:
        console().print(certificate_table(summaries))
    else:
        typer.echo("no certificates match", err=True)
    if answer.get("NextToken"):
        typer.echo(f"more certificates: add --all, or --next-token {answer['NextToken']}", err=True)


LIST_HELP = (
    "List certificates, filtered and sorted by the server; --max-items is the page size and "
    f"--all follows NextToken to the last page. {EXPIRY_HELP}"
)


def _pages(client: ApiClient, params: Params, *, all_pages: bool) -> dict[str, Any]:
    """One page, or with ``all_pages`` every page merged into one answer of the same shape."""
    answer: dict[str, Any] = client.get(path("certificates"), params=params)
    if not all_pages:
        return answer
    summaries = list(answer.get("CertificateSummaryList") or [])
    while answer.get("NextToken"):
        answer = client.get(
            path("certificates"), params={**params, "next-token": answer["NextToken"]}
        )
        summaries.extend(answer.get("CertificateSummaryList") or [])
    return {**answer, "CertificateSummaryList": summaries, "NextToken": None}


def count(
    ctx: typer.Context,
    status: StatusOption = None,
    key_algorithm: KeyOption = None,
    type_: TypeOption = None,
    expiring_within: ExpiringOption = None,
    tag: TagFilter = None,
    ca: CaFilter = None,
    output: OutputOption = None,
) -> None:
    """Count certificates matching the same filters as `cert list`."""
    client = state_of(ctx).client(ctx)
    filters = Filters(status, key_algorithm, type_, expiring_within, tag, ca)
    answer = client.get(path("certificates", "count"), params=filters.params(client))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(str(answer.get("Count", 0)))
