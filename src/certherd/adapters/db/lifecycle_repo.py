"""What the lifecycle tick reads and writes across accounts, on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from certherd.adapters.db.certificate_rows import CERTIFICATE_COLUMNS, certificate_from_row
from certherd.adapters.db.column_types import UtcDateTime
from certherd.adapters.db.tables import authorities, certificates
from certherd.domain.certificate import Certificate, CertificateStatus

__all__ = ["SqlLifecycleRepository"]

_c = certificates.c
# Typed, so that instants are bound in the column's stored form (text on SQLite).
_HORIZON = sa.bindparam("horizon", type_=UtcDateTime())
_a = authorities.c
_ISSUED = CertificateStatus.ISSUED.value
_DUE = (
    sa.select(*CERTIFICATE_COLUMNS)
    .where(_c.status == _ISSUED, _c.not_after <= _HORIZON)
    .order_by(_c.not_after, _c.id)
    .limit(sa.bindparam("limit"))
)
_DUE_AFTER = (
    sa.select(*CERTIFICATE_COLUMNS)
    .where(
        _c.status == _ISSUED,
        _c.not_after <= _HORIZON,
        sa.tuple_(_c.not_after, _c.id)
        > sa.tuple_(sa.bindparam("after_at", type_=UtcDateTime()), sa.bindparam("after_id")),
    )
    .order_by(_c.not_after, _c.id)
    .limit(sa.bindparam("limit"))
)
_MARK_EXPIRED = (
    certificates.update()
    .where(_c.id.in_(sa.bindparam("ids", expanding=True)), _c.status == _ISSUED)
    .values(status=CertificateStatus.EXPIRED.value)
)
_AUTHORITIES_DUE = (
    sa.select(_a.account, _a.id)
    .where(_a.not_after.is_not(None), _a.not_after <= _HORIZON)
    .order_by(_a.not_after, _a.id)
)


class SqlLifecycleRepository:
    """Certificates and CAs whose deadlines approach, over every account."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def certificates_due(
        self,
        horizon: datetime,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
        account: str | None = None,
    ) -> list[Certificate]:
        """Up to ``limit`` certificates whose stored status is ISSUED and whose NotAfter is at
        or before ``horizon``, by (NotAfter, id), after the key ``after``; of one account, or
        of all. Tags are not read (the certificates come back without them)."""
        statement = _DUE if after is None else _DUE_AFTER
        params: dict[str, object] = {"horizon": horizon, "limit": limit}
        if after is not None:
            params.update(after_at=after[0], after_id=after[1])
        if account is not None:
            statement = statement.where(_c.account == sa.bindparam("account"))
            params["account"] = account
        return [certificate_from_row(row) for row in self._conn.execute(statement, params)]

    def mark_expired(self, certificate_ids: Sequence[str]) -> None:
        """Record EXPIRED as the stored status of those still stored as ISSUED."""
        if certificate_ids:
            self._conn.execute(_MARK_EXPIRED, {"ids": list(certificate_ids)})

    def authorities_due(self, horizon: datetime) -> list[tuple[str, str]]:
        """(account, id) of every CA whose certificate ends at or before ``horizon``."""
        return [
            (row[0], row[1]) for row in self._conn.execute(_AUTHORITIES_DUE, {"horizon": horizon})
        ]
