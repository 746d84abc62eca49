"""Repositories of the records beside the aggregates: secrets, what CAs issued, CRLs,
account settings and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certherd.adapters.db.driver_statement import DriverStatement
from certherd.adapters.db.integrity import conflict_on_duplicate, require_one
from certherd.adapters.db.tables import accounts, api_tokens, crls, issued_certificates, secrets
from certherd.domain.clock import Clock
from certherd.domain.records import AccountConfig, ApiToken, Crl, IssuedCertificate
from certherd.pki.crl import RevocationReason as CrlReason

__all__ = [
    "INSERT_ISSUED",
    "INSERT_SECRET",
    "SqlAccountRepository",
    "SqlCrlRepository",
    "SqlIssuedCertificateRepository",
    "SqlSecretRepository",
    "SqlTokenRepository",
    "issued_values",
]

INSERT_SECRET = DriverStatement(secrets.insert())
_SECRET_ID = secrets.c.id == sa.bindparam("secret_id")
_GET_SECRET = sa.select(secrets.c.blob).where(_SECRET_ID)
_REPLACE_SECRET = secrets.update().where(_SECRET_ID).values(blob=sa.bindparam("blob"))
_DELETE_SECRET = secrets.delete().where(_SECRET_ID)


class SqlSecretRepository:
    """Sealed blobs by id."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, secret_id: str, blob: bytes, *, created_at: datetime) -> None:
        with conflict_on_duplicate(f"secret {secret_id}"):
            INSERT_SECRET.execute(
                self._conn, {"id": secret_id, "blob": blob, "created_at": created_at}
            )

    def get(self, secret_id: str) -> bytes | None:
        blob = self._conn.execute(_GET_SECRET, {"secret_id": secret_id}).scalar()
        return None if blob is None else bytes(blob)

    def replace(self, secret_id: str, blob: bytes) -> None:
        """Raises NotFoundError when there is no such secret."""
        result = self._conn.execute(_REPLACE_SECRET, {"secret_id": secret_id, "blob": blob})
        require_one(result.rowcount, f"secret {secret_id}")

    def delete(self, secret_id: str) -> None:
        """Deleting a secret that is not there is not an error."""
        self._conn.execute(_DELETE_SECRET, {"secret_id": secret_id})

    def ids(self) -> list[str]:
        """Every secret id, in id order."""
        return list(self._conn.execute(sa.select(secrets.c.id).order_by(secrets.c.id)).scalars())


_ISSUED_KEY = sa.and_(
    issued_certificates.c.authority_id == sa.bindparam("authority_key"),
    issued_certificates.c.serial == sa.bindparam("serial_key"),
)
INSERT_ISSUED = DriverStatement(issued_certificates.insert())
_GET_ISSUED = sa.select(issued_certificates).where(_ISSUED_KEY)
_REVOKE_ISSUED = (
    issued_certificates.update()
    .where(_ISSUED_KEY)
    .values(revoked_at=sa.bindparam("at"), revocation_reason=sa.bindparam("reason"))
)
_REVOKED = (
    sa.select(issued_certificates)
    .where(
        issued_certificates.c.authority_id == sa.bindparam("authority_id"),
        issued_certificates.c.revoked_at.is_not(None),
    )
    .order_by(issued_certificates.c.revoked_at, issued_certificates.c.serial)
)
_REVOKED_AFTER = _REVOKED.where(issued_certificates.c.not_after > sa.bindparam("now"))


def issued_values(record: IssuedCertificate) -> dict[str, Any]:
    """The column values of a CA's register entry."""
    return {
        "authority_id": record.authority_id,
        "serial": record.serial,
        "serial_int": str(record.serial_int),
        "certificate_pem": record.certificate_pem,
        "not_after": record.not_after,
        "issued_at": record.issued_at,
        "certificate_id": record.certificate_id,
        "revoked_at": record.revoked_at,
        "revocation_reason": (
            None if record.revocation_reason is None else record.revocation_reason.value
        ),
    }


def _issued(row: sa.Row[Any]) -> IssuedCertificate:
    return IssuedCertificate(
        authority_id=row.authority_id,
        serial=row.serial,
        serial_int=int(row.serial_int),
        certificate_pem=row.certificate_pem,
        not_after=row.not_after,
        issued_at=row.issued_at,
        certificate_id=row.certificate_id,
        revoked_at=row.revoked_at,
        revocation_reason=(
            None if row.revocation_reason is None else CrlReason(row.revocation_reason)
        ),
    )


class SqlIssuedCertificateRepository:
    """The certificates each CA signed, by (authority id, serial)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, record: IssuedCertificate) -> None:
        """Raises ConflictError when the CA already issued this serial."""
        with conflict_on_duplicate(f"serial {record.serial} of CA {record.authority_id}"):
            INSERT_ISSUED.execute(self._conn, issued_values(record))

    def get(self, authority_id: str, serial: str) -> IssuedCertificate | None:
        row = self._conn.execute(
            _GET_ISSUED, {"authority_key": authority_id, "serial_key": serial}
        ).first()
        return None if row is None else _issued(row)

    def revoke(self, authority_id: str, serial: str, at: datetime, reason: CrlReason) -> None:
        """Raises NotFoundError when the CA has no certificate with this serial."""
        result = self._conn.execute(
            _REVOKE_ISSUED,
            {"authority_key": authority_id, "serial_key": serial, "at": at, "reason": reason.value},
        )
        require_one(result.rowcount, f"certificate {serial} of CA {authority_id}")

    def revoked(self, authority_id: str) -> list[IssuedCertificate]:
        """Every revoked certificate of the CA, in order of revocation.

        Without ``now`` this cannot leave out the expired ones; use :meth:`revoked_after`.
        """
        rows = self._conn.execute(_REVOKED, {"authority_id": authority_id})
        return [_issued(row) for row in rows]

    def revoked_after(self, authority_id: str, now: datetime) -> list[IssuedCertificate]:
        rows = self._conn.execute(_REVOKED_AFTER, {"authority_id": authority_id, "now": now})
        return [_issued(row) for row in rows]


_INSERT_CRL = crls.insert()
_LATEST_CRL = (
    sa.select(crls)
    .where(crls.c.authority_id == sa.bindparam("authority_id"))
    .order_by(crls.c.number.desc())
    .limit(1)
)


class SqlCrlRepository:
    """CRLs each CA published, by number."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def save(self, crl: Crl) -> None:
        """Raises ConflictError when the CA already has a CRL of this number."""
        with conflict_on_duplicate(f"CRL {crl.number} of CA {crl.authority_id}"):
            self._conn.execute(
                _INSERT_CRL,
                {
                    "authority_id": crl.authority_id,
                    "number": crl.number,
                    "der": crl.der,
                    "this_update": crl.this_update,
                    "next_update": crl.next_update,
                },
            )

    def latest(self, authority_id: str) -> Crl | None:
        row = self._conn.execute(_LATEST_CRL, {"authority_id": authority_id}).first()
        if row is None:
            return None
        return Crl(
            authority_id=row.authority_id,
            number=row.number,
            der=bytes(row.der),
            this_update=row.this_update,
            next_update=row.next_update,
        )


_GET_ACCOUNT = sa.select(accounts.c.account, accounts.c.days_before_expiry).where(
    accounts.c.account == sa.bindparam("account_key")
)


class SqlAccountRepository:
    """Per-account settings; ``clock`` stamps when an account was first stored."""

    def __init__(self, connection: sa.Connection, *, clock: Clock) -> None:
        self._conn = connection
        self._clock = clock

    def get(self, account: str) -> AccountConfig | None:
        row = self._conn.execute(_GET_ACCOUNT, {"account_key": account}).first()
        if row is None:
            return None
        return AccountConfig(account=row.account, days_before_expiry=row.days_before_expiry)

    def put(self, config: AccountConfig) -> None:
        """Insert or replace the settings of ``config.account`` (one statement, race-free)."""
        values = {
            "account": config.account,
            "days_before_expiry": config.days_before_expiry,
            "created_at": self._clock.now(),
        }
        insert: postgresql.Insert | sqlite.Insert
        if self._conn.dialect.name == "postgresql":
            insert = postgresql.insert(accounts)
        else:
            insert = sqlite.insert(accounts)
        statement = insert.on_conflict_do_update(
            index_elements=[accounts.c.account],
            set_={"days_before_expiry": insert.excluded.days_before_expiry},
        )
        self._conn.execute(statement, values)


_INSERT_TOKEN = api_tokens.insert()
_FIND_TOKEN = sa.select(api_tokens).where(api_tokens.c.digest == sa.bindparam("digest_key"))
_COUNT_TOKENS = sa.select(sa.func.count()).select_from(api_tokens)


class SqlTokenRepository:
    """API tokens, found by the digest of the bearer token."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, token: ApiToken) -> None:
        """Raises ConflictError when the id or the digest is taken."""
        with conflict_on_duplicate(f"API token {token.id}"):
            self._conn.execute(
                _INSERT_TOKEN,
                {
                    "id": token.id,
                    "name": token.name,
                    "account": token.account,
                    "digest": token.digest,
                    "created_at": token.created_at,
                    "is_admin": token.is_admin,
                },
            )

    def find(self, digest: str) -> ApiToken | None:
        row = self._conn.execute(_FIND_TOKEN, {"digest_key": digest}).first()
        if row is None:
            return None
        return ApiToken(
            id=row.id,
            name=row.name,
            account=row.account,
            digest=row.digest,
            created_at=row.created_at,
            is_admin=bool(row.is_admin),
        )

    def count(self) -> int:
        return int(self._conn.execute(_COUNT_TOKENS).scalar_one())
