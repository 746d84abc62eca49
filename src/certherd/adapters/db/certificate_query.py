"""The inventory's queries: a CertificateFilter as a WHERE clause, and keyset pages.

Statuses are *effective* statuses (what a caller sees at ``now``): a certificate stored
ISSUED whose NotAfter has passed is EXPIRED, as :func:`certherd.domain.certificate.
effective_status` decides for one certificate.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from certherd.adapters.db.tables import certificate_tags, certificates
from certherd.domain.certificate import CertificateStatus
from certherd.domain.inventory import CertificateFilter, Cursor, PageRequest, SortBy, SortOrder
from certherd.errors import ValidationError

__all__ = ["cursor_after", "keyset_condition", "matching", "order_by", "sort_column"]

_ISSUED = CertificateStatus.ISSUED.value
_EXPIRED = CertificateStatus.EXPIRED.value
_SORT_COLUMNS: dict[SortBy, sa.Column[object]] = {
    SortBy.CREATED_AT: certificates.c.created_at,
    SortBy.NOT_AFTER: certificates.c.not_after,
    SortBy.DOMAIN_NAME: certificates.c.domain_name,
}
_DATETIME_SORTS = frozenset({SortBy.CREATED_AT, SortBy.NOT_AFTER})


def matching(
    account: str | None, where: CertificateFilter, now: datetime
) -> list[sa.ColumnElement[bool]]:
    """The conditions (to be AND-ed) that select the certificates ``where`` asks for."""
    c = certificates.c
    conditions: list[sa.ColumnElement[bool]] = []
    if account is not None:
        conditions.append(c.account == account)
    if where.statuses:
        conditions.append(_status_condition(where.statuses, now))
    if where.key_algorithms:
        conditions.append(c.key_algorithm.in_(sorted({k.value for k in where.key_algorithms})))
    if where.types:
        conditions.append(c.type.in_(sorted({t.value for t in where.types})))
    bounds = where.expiry_bounds(now)
    if bounds is not None:
        start, end = bounds
        conditions.extend([c.status == _ISSUED, c.not_after > start, c.not_after <= end])
    if where.authority_arn is not None:
        conditions.append(c.authority_arn == where.authority_arn)
    for key, value in where.tags:
        tag = sa.select(sa.literal(1)).where(
            certificate_tags.c.certificate_id == c.id, certificate_tags.c.key == key
        )
        if value is not None:
            tag = tag.where(certificate_tags.c.value == value)
        conditions.append(tag.exists())
    return conditions


def _status_condition(
    statuses: tuple[CertificateStatus, ...], now: datetime
) -> sa.ColumnElement[bool]:
    c = certificates.c
    wanted = {CertificateStatus(s) for s in statuses}
    alternatives: list[sa.ColumnElement[bool]] = []
    if CertificateStatus.ISSUED in wanted:
        alternatives.append(sa.and_(c.status == _ISSUED, c.not_after > now))
    if CertificateStatus.EXPIRED in wanted:
        alternatives.append(c.status == _EXPIRED)
        alternatives.append(sa.and_(c.status == _ISSUED, c.not_after <= now))
    others = sorted(s.value for s in wanted - {CertificateStatus.ISSUED, CertificateStatus.EXPIRED})
    if others:
        alternatives.append(c.status.in_(others))
    return sa.or_(*alternatives)


def sort_column(sort_by: SortBy) -> sa.Column[object]:
    return _SORT_COLUMNS[sort_by]


def order_by(page: PageRequest) -> tuple[sa.UnaryExpression[object], ...]:
    """ORDER BY the sort key, ties broken by id, in the page's direction."""
    column = sort_column(page.sort_by)
    if page.sort_order is SortOrder.ASCENDING:
        return column.asc(), certificates.c.id.asc()
    return column.desc(), certificates.c.id.desc()


def keyset_condition(page: PageRequest) -> sa.ColumnElement[bool] | None:
    """Rows after the page's cursor in its order (None on the first page).

    Raises ValidationError naming NextToken when the token is not one of ours for this sort.
    """
    cursor = page.cursor
    if cursor is None:
        return None
    column = sort_column(page.sort_by)
    value: object = cursor.sort_value
    if page.sort_by in _DATETIME_SORTS:
        value = _parse_instant(cursor.sort_value)
    key = sa.tuple_(column, certificates.c.id)
    after = sa.tuple_(sa.literal(value, column.type), sa.literal(cursor.id, certificates.c.id.type))
    return key > after if page.sort_order is SortOrder.ASCENDING else key < after


def cursor_after(sort_by: SortBy, sort_value: object, certificate_id: str) -> Cursor:
    """The cursor that continues after a row with ``sort_value`` and ``certificate_id``."""
    if isinstance(sort_value, datetime):
        text = sort_value.astimezone(UTC).isoformat(timespec="microseconds")
    else:
        text = str(sort_value)
    return Cursor(text, certificate_id)


def _parse_instant(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError(
            "is not a token returned by a previous list call with this sort order",
            field="NextToken",
        )
    return parsed.astimezone(UTC)
