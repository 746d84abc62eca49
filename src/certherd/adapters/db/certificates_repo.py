"""The certificate manager's certificates: versions, tags and the inventory's queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from certherd.adapters.db.certificate_query import (
    cursor_after,
    keyset_condition,
    matching,
    order_by,
    sort_column,
)
from certherd.adapters.db.certificate_rows import (
    CERTIFICATE_COLUMNS,
    certificate_from_row,
    certificate_values,
    version_from_row,
    version_values,
)
from certherd.adapters.db.driver_statement import DriverStatement
from certherd.adapters.db.integrity import conflict_on_duplicate, require_one
from certherd.adapters.db.issued_writes import (
    INSERT_CERTIFICATE,
    INSERT_VERSION,
    add_issued,
    add_issued_many,
)
from certherd.adapters.db.tables import certificate_tags, certificate_versions, certificates
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateVersion,
    RenewalSummary,
)
from certherd.domain.inventory import CertificateFilter, PageRequest
from certherd.domain.records import IssuedCertificate
from certherd.domain.tags import Tag
from certherd.services.ports import IssuedRows

__all__ = ["ITER_BATCH_SIZE", "SqlCertificateRepository"]

#: How many certificates :meth:`SqlCertificateRepository.iter_all` reads per query.
ITER_BATCH_SIZE = 1000

_c = certificates.c
_v = certificate_versions.c
_t = certificate_tags.c
_ID: sa.BindParameter[str] = sa.bindparam("id_key", type_=sa.String())
_IDS: sa.BindParameter[str] = sa.bindparam("ids", type_=sa.String(), expanding=True)

_INSERT_TAGS = certificate_tags.insert()
_UPDATE = certificates.update().where(_c.id == _ID)
_DELETE_TAGS = certificate_tags.delete().where(_t.certificate_id == _ID)
_SET_RENEWAL = _UPDATE.values(
    renewal_status=sa.bindparam("renewal_status"),
    renewal_reason=sa.bindparam("renewal_reason"),
    renewal_updated_at=sa.bindparam("renewal_updated_at"),
)
_DELETE = certificates.delete().where(_c.id == _ID)
_SELECT = sa.select(*CERTIFICATE_COLUMNS)
_GET = _SELECT.where(_c.id == _ID, _c.account == sa.bindparam("account_key"))
_TAGS_OF_ONE = sa.select(_t.certificate_id, _t.key, _t.value).where(_t.certificate_id == _ID)
_TAGS_OF = sa.select(_t.certificate_id, _t.key, _t.value).where(_t.certificate_id.in_(_IDS))
# PostgreSQL: one array parameter instead of a thousand expanded ones (parsed and bound
# each time); three times faster for a full page.
_TAGS_OF_ARRAY = sa.select(_t.certificate_id, _t.key, _t.value).where(
    _t.certificate_id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String())))
)
_VERSIONS = sa.select(certificate_versions).where(_v.certificate_id == _ID).order_by(_v.number)
_MARK_EXPORTED = (
    certificate_versions.update()
    .where(_v.certificate_id == _ID, _v.number == sa.bindparam("number_key"))
    .values(exported_at=sa.bindparam("at"))
)
_SECRETS_OF = sa.union_all(
    sa.select(_c.key_secret_id.label("secret_id"), sa.literal(0).label("n")).where(_c.id == _ID),
    sa.select(_v.key_secret_id.label("secret_id"), _v.number.label("n")).where(
        _v.certificate_id == _ID
    ),
)
_FIND_BY_TOKEN = DriverStatement(
    sa.select(_c.id)
    .where(
        _c.account == sa.bindparam("account_key"),
        _c.idempotency_token == sa.bindparam("token"),
        _c.created_at >= sa.bindparam("since", type_=_c.created_at.type),
    )
    .order_by(_c.created_at.desc(), _c.id.desc())
    .limit(1)
)


class SqlCertificateRepository:
    """Certificates of the certificate manager, bound to one connection (transaction).

    Tags come back ordered by key.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection
        self._tags_of = _TAGS_OF_ARRAY if connection.dialect.name == "postgresql" else _TAGS_OF

    # -- writing ---------------------------------------------------------------------------

    def add(self, certificate: Certificate, version: CertificateVersion) -> None:
        """Insert the certificate, its first version and its tags (two or three statements).

        Raises ConflictError when the id, ARN or version is taken.
        """
        with conflict_on_duplicate(f"certificate {certificate.arn}"):
            INSERT_CERTIFICATE.execute(
                self._conn, {"id": certificate.id, **certificate_values(certificate)}
            )
            INSERT_VERSION.execute(self._conn, version_values(certificate.id, version))
            self._insert_tags(certificate)

    def add_issued(
        self,
        certificate: Certificate,
        version: CertificateVersion,
        *,
        issued: IssuedCertificate,
        key_blob: bytes,
    ) -> None:
        """Insert the key, the CA's register entry, the certificate, its version and tags
        (one statement and the tags on PostgreSQL). Raises ConflictError when one is taken."""
        add_issued(self._conn, certificate, version, issued, key_blob)
        with conflict_on_duplicate(f"a tag of certificate {certificate.arn}"):
            self._insert_tags(certificate)

    def add_issued_many(self, rows: Sequence[IssuedRows]) -> None:
        """:meth:`add_issued` for each of ``rows``: one executemany per table, the tags of
        all of them in one more. Raises ConflictError when one is taken."""
        add_issued_many(self._conn, rows)
        tags = [
            {"certificate_id": r.certificate.id, "key": t.key, "value": t.value}
            for r in rows
            for t in r.certificate.tags
        ]
        if tags:
            with conflict_on_duplicate(f"a tag of one of {len(rows)} new certificates"):
                self._conn.execute(_INSERT_TAGS, tags)

    def update(self, certificate: Certificate) -> None:
        """Raises NotFoundError when there is no certificate of that id."""
        result = self._conn.execute(
            _UPDATE, {"id_key": certificate.id, **certificate_values(certificate)}
        )
        require_one(result.rowcount, f"certificate {certificate.arn}")
        self._conn.execute(_DELETE_TAGS, {"id_key": certificate.id})
        self._insert_tags(certificate)

    def set_renewal(self, certificate_id: str, summary: RenewalSummary) -> None:
        """Raises NotFoundError when there is no certificate of that id."""
        result = self._conn.execute(
            _SET_RENEWAL,
            {
                "id_key": certificate_id,
                "renewal_status": summary.status.value,
                "renewal_reason": None if summary.reason is None else summary.reason.value,
                "renewal_updated_at": summary.updated_at,
            },
        )
        require_one(result.rowcount, f"certificate {certificate_id}")

    def add_version(self, certificate: Certificate, version: CertificateVersion) -> None:
        """Raises ConflictError when the version number is taken, NotFoundError when the
        certificate does not exist."""
        with conflict_on_duplicate(f"version {version.number} of certificate {certificate.arn}"):
            INSERT_VERSION.execute(self._conn, version_values(certificate.id, version))
        self.update(certificate)

    def mark_version_exported(self, certificate_id: str, number: int, at: datetime) -> None:
        """Raises NotFoundError when there is no such version."""
        result = self._conn.execute(
            _MARK_EXPORTED, {"id_key": certificate_id, "number_key": number, "at": at}
        )
        require_one(result.rowcount, f"version {number} of certificate {certificate_id}")

    def delete(self, certificate_id: str) -> list[str]:
        """Nothing happens (and ``[]`` comes back) when there is no such certificate."""
        rows = self._conn.execute(_SECRETS_OF, {"id_key": certificate_id}).all()
        self._conn.execute(_DELETE, {"id_key": certificate_id})
        ordered = sorted(rows, key=lambda row: int(row.n))
        return list(dict.fromkeys(row.secret_id for row in ordered))

    def _insert_tags(self, certificate: Certificate) -> None:
        if certificate.tags:
            self._conn.execute(
                _INSERT_TAGS,
                [
                    {"certificate_id": certificate.id, "key": t.key, "value": t.value}
                    for t in certificate.tags
                ],
            )

    # -- reading ---------------------------------------------------------------------------

    def get(self, account: str, certificate_id: str) -> Certificate | None:
        row = self._conn.execute(_GET, {"id_key": certificate_id, "account_key": account}).first()
        if row is None:
            return None
        return self._with_tags([row])[0]

    def versions(self, certificate_id: str) -> list[CertificateVersion]:
        return [
            version_from_row(row)
            for row in self._conn.execute(_VERSIONS, {"id_key": certificate_id})
        ]

    def page(
        self, account: str, where: CertificateFilter, page: PageRequest, now: datetime
    ) -> tuple[list[Certificate], str | None]:
        """Raises ValidationError (NextToken) when the page's token is not one of ours."""
        conditions = matching(account, where, now)
        after = keyset_condition(page)
        if after is not None:
            conditions.append(after)
        statement = _SELECT.where(*conditions).order_by(*order_by(page)).limit(page.max_items + 1)
        rows = self._conn.execute(statement).all()
        more = len(rows) > page.max_items
        rows = rows[: page.max_items]
        token = None
        if more:
            last = rows[-1]
            sort_value = last._mapping[sort_column(page.sort_by)]
            token = cursor_after(page.sort_by, sort_value, last.id).encode()
        return self._with_tags(rows), token

    def count(self, account: str, where: CertificateFilter, now: datetime) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(certificates)
            .where(*matching(account, where, now))
        )
        return int(self._conn.execute(statement).scalar_one())

    def count_by_status(self, account: str | None, now: datetime) -> dict[str, int]:
        """Certificates per effective status at ``now``; every status is a key (0 if none)."""
        past = sa.func.sum(sa.case((_c.not_after <= now, 1), else_=0))
        statement = sa.select(_c.status, sa.func.count(), past).group_by(_c.status)
        if account is not None:
            statement = statement.where(_c.account == account)
        counts = dict.fromkeys((s.value for s in CertificateStatus), 0)
        for status, total, expired in self._conn.execute(statement):
            if status == CertificateStatus.ISSUED.value:
                counts[CertificateStatus.ISSUED.value] += int(total) - int(expired or 0)
                counts[CertificateStatus.EXPIRED.value] += int(expired or 0)
            else:
                counts[status] = counts.get(status, 0) + int(total)
        return counts

    def iter_all(self, account: str | None = None) -> Iterator[Certificate]:
        """Every certificate (of ``account``), in id order, read ITER_BATCH_SIZE at a time.

        Each batch is a short keyset query, so nothing stays open on the connection
        between batches and the caller may use the unit of work meanwhile.
        """
        base = _SELECT.order_by(_c.id).limit(ITER_BATCH_SIZE)
        if account is not None:
            base = base.where(_c.account == account)
        last: str | None = None
        while True:
            statement = base if last is None else base.where(_c.id > last)
            rows = self._conn.execute(statement).all()
            if not rows:
                return
            yield from self._with_tags(rows)
            if len(rows) < ITER_BATCH_SIZE:
                return
            last = rows[-1].id

    def find_by_token(self, account: str, token: str, since: datetime) -> str | None:
        row = _FIND_BY_TOKEN.first(
            self._conn, {"account_key": account, "token": token, "since": since}
        )
        return None if row is None else str(row[0])

    def _with_tags(self, rows: Sequence[sa.Row[Any]]) -> list[Certificate]:
        """Certificates of ``rows`` with their tags, read in one query."""
        if not rows:
            return []
        tags: defaultdict[str, list[Tag]] = defaultdict(list)
        if len(rows) == 1:  # get(): plain equality, cheaper than an expanded list
            tag_rows = self._conn.execute(_TAGS_OF_ONE, {"id_key": rows[0].id}).all()
        else:
            tag_rows = self._conn.execute(self._tags_of, {"ids": [row.id for row in rows]}).all()
        for certificate_id, key, value in sorted(tag_rows, key=lambda r: (r[0], r[1])):
            tags[certificate_id].append(Tag(key, value))
        return [certificate_from_row(row, tags.get(row.id, ())) for row in rows]
