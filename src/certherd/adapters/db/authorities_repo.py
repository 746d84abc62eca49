"""The private certificate authorities, with their tags and permissions."""

from __future__ import annotations

import builtins
import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.driver_statement import DriverStatement
from certherd.adapters.db.integrity import conflict_on_duplicate, require_one
from certherd.adapters.db.tables import authorities, authority_permissions, authority_tags
from certherd.domain.authority import (
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
    IssuingAuthority,
    Permission,
)
from certherd.domain.tags import Tag
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

__all__ = ["SqlAuthorityRepository"]

_ID: sa.BindParameter[str] = sa.bindparam("id_key", type_=sa.String())
_IDS: sa.BindParameter[str] = sa.bindparam("ids", type_=sa.String(), expanding=True)
_INSERT = authorities.insert()
_INSERT_TAGS = authority_tags.insert()
_INSERT_PERMISSIONS = authority_permissions.insert()
_UPDATE = authorities.update().where(authorities.c.id == _ID)
_GET = sa.select(authorities).where(
    authorities.c.id == _ID, authorities.c.account == sa.bindparam("account_key")
)
_a = authorities.c
# Issuing reads its CA for every certificate: only the columns it needs, no child rows.
_GET_ISSUING = DriverStatement(
    sa.select(
        _a.id,
        _a.arn,
        _a.account,
        _a.status,
        _a.signing_algorithm,
        _a.key_secret_id,
        _a.crl_enabled,
        _a.certificate_pem,
        _a.chain_pem,
        _a.serial,
        _a.not_after,
        _a.restorable_until,
    ).where(_a.id == _ID, _a.account == sa.bindparam("account_key"))
)
_STATUSES = {m.value: m for m in AuthorityStatus}
_SIGNING_ALGORITHMS = {m.value: m for m in SigningAlgorithm}
_LIST = (
    sa.select(authorities)
    .where(authorities.c.account == sa.bindparam("account_key"))
    .order_by(authorities.c.created_at, authorities.c.id)
)
_DELETE = authorities.delete().where(authorities.c.id == _ID)
_DELETE_TAGS = authority_tags.delete().where(authority_tags.c.authority_id == _ID)
_DELETE_PERMISSIONS = authority_permissions.delete().where(
    authority_permissions.c.authority_id == _ID
)
_TAGS = sa.select(authority_tags).order_by(authority_tags.c.authority_id, authority_tags.c.key)
_PERMISSIONS = sa.select(authority_permissions).order_by(
    authority_permissions.c.authority_id,
    authority_permissions.c.created_at,
    authority_permissions.c.principal,
    authority_permissions.c.source_account,
)
# One CA (every issuance reads its CA): plain equality, cheaper than an expanded IN list.
_TAGS_OF_ONE = _TAGS.where(authority_tags.c.authority_id == _ID)
_PERMISSIONS_OF_ONE = _PERMISSIONS.where(authority_permissions.c.authority_id == _ID)
_TAGS_OF = _TAGS.where(authority_tags.c.authority_id.in_(_IDS))
_PERMISSIONS_OF = _PERMISSIONS.where(authority_permissions.c.authority_id.in_(_IDS))


def _row(ca: CertificateAuthority) -> dict[str, Any]:
    return {
        "arn": ca.arn,
        "account": ca.account,
        "type": ca.type.value,
        "status": ca.status.value,
        "subject": ca.subject.to_dict(),
        "key_algorithm": ca.key_algorithm.value,
        "signing_algorithm": ca.signing_algorithm.value,
        "key_secret_id": ca.key_secret_id,
        "csr_pem": ca.csr_pem,
        "certificate_pem": ca.certificate_pem,
        "chain_pem": ca.chain_pem,
        "serial": ca.serial,
        "not_before": ca.not_before,
        "not_after": ca.not_after,
        "created_at": ca.created_at,
        "last_state_change_at": ca.last_state_change_at,
        "crl_enabled": ca.crl_enabled,
        "crl_expiration_days": ca.crl_expiration_days,
        "restorable_until": ca.restorable_until,
        "status_before_deletion": (
            None if ca.status_before_deletion is None else ca.status_before_deletion.value
        ),
        "path_length": ca.path_length,
    }


@functools.lru_cache(maxsize=256)
def _subject(items: tuple[tuple[str, str], ...]) -> Subject:
    # Subject.from_dict validates every attribute; a CA is read for every certificate it
    # issues, and its subject never changes (Subject is frozen, so sharing one is safe).
    return Subject.from_dict(dict(items))


def _authority(
    row: sa.Row[Any], tags: Sequence[Tag], permissions: Sequence[Permission]
) -> CertificateAuthority:
    return CertificateAuthority(
        id=row.id,
        arn=row.arn,
        account=row.account,
        type=AuthorityType(row.type),
        status=AuthorityStatus(row.status),
        subject=_subject(tuple(row.subject.items())),
        key_algorithm=KeyAlgorithm(row.key_algorithm),
        signing_algorithm=SigningAlgorithm(row.signing_algorithm),
        key_secret_id=row.key_secret_id,
        csr_pem=row.csr_pem,
        created_at=row.created_at,
        last_state_change_at=row.last_state_change_at,
        crl_enabled=bool(row.crl_enabled),
        crl_expiration_days=row.crl_expiration_days,
        certificate_pem=row.certificate_pem,
        chain_pem=row.chain_pem,
        serial=row.serial,
        not_before=row.not_before,
        not_after=row.not_after,
        restorable_until=row.restorable_until,
        status_before_deletion=(
            None
            if row.status_before_deletion is None
            else AuthorityStatus(row.status_before_deletion)
        ),
        path_length=row.path_length,
        tags=tuple(tags),
        permissions=tuple(permissions),
    )


class SqlAuthorityRepository:
    """CAs by id within an account. Tags come back ordered by key, permissions by creation."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, authority: CertificateAuthority) -> None:
        """Raises ConflictError when the id or ARN is taken or the key secret is missing."""
        with conflict_on_duplicate(f"certificate authority {authority.arn}"):
            self._conn.execute(_INSERT, {"id": authority.id, **_row(authority)})
            self._insert_children(authority)

    def update(self, authority: CertificateAuthority) -> None:
        """Raises NotFoundError when there is no CA of that id."""
        result = self._conn.execute(_UPDATE, {"id_key": authority.id, **_row(authority)})
        require_one(result.rowcount, f"certificate authority {authority.arn}")
        self._conn.execute(_DELETE_TAGS, {"id_key": authority.id})
        self._conn.execute(_DELETE_PERMISSIONS, {"id_key": authority.id})
        with conflict_on_duplicate(f"a permission of certificate authority {authority.arn}"):
            self._insert_children(authority)

    def get(self, account: str, authority_id: str) -> CertificateAuthority | None:
        row = self._conn.execute(_GET, {"id_key": authority_id, "account_key": account}).first()
        if row is None:
            return None
        return self._with_children([row])[0]

    def get_issuing(self, account: str, authority_id: str) -> IssuingAuthority | None:
        row = _GET_ISSUING.first(self._conn, {"id_key": authority_id, "account_key": account})
        if row is None:
            return None
        (id_, arn, account_, status, signing, secret, crl, pem, chain, serial, end, until) = row
        return IssuingAuthority(
            id=id_,
            arn=arn,
            account=account_,
            status=_STATUSES[status],
            signing_algorithm=_SIGNING_ALGORITHMS[signing],
            key_secret_id=secret,
            crl_enabled=bool(crl),
            certificate_pem=pem,
            chain_pem=chain,
            serial=serial,
            not_after=end,
            restorable_until=until,
        )

    def list(self, account: str) -> list[CertificateAuthority]:
        rows = self._conn.execute(_LIST, {"account_key": account}).all()
        return self._with_children(rows) if rows else []

    def delete(self, authority_id: str) -> None:
        """Remove the CA with its tags, permissions, issued-certificate records and CRLs."""
        self._conn.execute(_DELETE, {"id_key": authority_id})

    def _insert_children(self, authority: CertificateAuthority) -> None:
        if authority.tags:
            self._conn.execute(
                _INSERT_TAGS,
                [
                    {"authority_id": authority.id, "key": t.key, "value": t.value}
                    for t in authority.tags
                ],
            )
        if authority.permissions:
            self._conn.execute(
                _INSERT_PERMISSIONS,
                [
                    {
                        "authority_id": authority.id,
                        "principal": p.principal,
                        "actions": list(p.actions),
                        "source_account": p.source_account,
                        "created_at": p.created_at,
                    }
                    for p in authority.permissions
                ],
            )

    def _with_children(self, rows: Sequence[sa.Row[Any]]) -> builtins.list[CertificateAuthority]:
        if len(rows) == 1:
            key: dict[str, Any] = {"id_key": rows[0].id}
            tag_rows = self._conn.execute(_TAGS_OF_ONE, key).all()
            permission_rows = self._conn.execute(_PERMISSIONS_OF_ONE, key).all()
        else:
            ids = {"ids": [row.id for row in rows]}
            tag_rows = self._conn.execute(_TAGS_OF, ids).all()
            permission_rows = self._conn.execute(_PERMISSIONS_OF, ids).all()
        tags: defaultdict[str, list[Tag]] = defaultdict(list)
        for t in tag_rows:
            tags[t.authority_id].append(Tag(t.key, t.value))
        permissions: defaultdict[str, list[Permission]] = defaultdict(list)
        for p in permission_rows:
            permissions[p.authority_id].append(
                Permission(
                    principal=p.principal,
                    actions=tuple(p.actions),
                    source_account=p.source_account,
                    created_at=p.created_at,
                )
            )
        return [_authority(row, tags[row.id], permissions[row.id]) for row in rows]
