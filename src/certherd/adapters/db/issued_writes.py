"""Storing a certificate one of our CAs just issued: its sealed key, the CA's register
entry, the certificate and its first version.

On PostgreSQL the four rows go in one statement (INSERTs chained as WITH queries: one
round trip instead of four; foreign keys are checked at its end, so the version may refer
to the certificate inserted beside it). Elsewhere (SQLite, where a statement costs no
round trip) they are four INSERTs. Both run on the driver (see :mod:`.driver_statement`).

Many certificates at once (:func:`add_issued_many`) are one ``executemany`` per table on
every database (psycopg sends them in one pipeline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.certificate_rows import certificate_values, version_values
from certherd.adapters.db.driver_statement import DriverStatement
from certherd.adapters.db.integrity import conflict_on_duplicate
from certherd.adapters.db.records_repo import INSERT_ISSUED, INSERT_SECRET, issued_values
from certherd.adapters.db.tables import (
    certificate_versions,
    certificates,
    issued_certificates,
    secrets,
)
from certherd.domain.certificate import Certificate, CertificateVersion
from certherd.domain.records import IssuedCertificate
from certherd.services.ports import IssuedRows

__all__ = ["INSERT_CERTIFICATE", "INSERT_VERSION", "add_issued", "add_issued_many"]

INSERT_CERTIFICATE = DriverStatement(certificates.insert())
INSERT_VERSION = DriverStatement(certificate_versions.insert())

# Each table's INSERT in the combined statement gets its own parameter names (several
# tables have a created_at, a serial, ...), except for the values the rows share: the
# certificate's id, its serial and its key's secret id are one parameter each, which
# keeps the statement within the 50 parameters psycopg caches the parsing of.
_SHARED = {
    "c_id": sa.bindparam("c_id", type_=certificates.c.id.type),
    "c_serial": sa.bindparam("c_serial", type_=certificates.c.serial.type),
    "c_key_secret_id": sa.bindparam("c_key_secret_id", type_=certificates.c.key_secret_id.type),
    "v_created_at": sa.bindparam("v_created_at", type_=certificate_versions.c.created_at.type),
}
_SAME_AS = {
    "s_id": "c_key_secret_id",
    "s_created_at": "v_created_at",
    "i_serial": "c_serial",
    "i_certificate_id": "c_id",
    "v_certificate_id": "c_id",
    "v_serial": "c_serial",
    "v_key_secret_id": "c_key_secret_id",
}


def _values(table: sa.Table, prefix: str) -> dict[str, sa.BindParameter[Any]]:
    values = {}
    for column in table.columns:
        name = _SAME_AS.get(prefix + column.name, prefix + column.name)
        shared = _SHARED.get(name)
        values[column.name] = sa.bindparam(name, type_=column.type) if shared is None else shared
    return values


_INSERT_ALL = DriverStatement(
    certificate_versions.insert()
    .values(_values(certificate_versions, "v_"))
    .add_cte(
        *(
            table.insert().values(_values(table, prefix)).cte(f"new_{table.name}")
            for prefix, table in (
                ("s_", secrets),
                ("i_", issued_certificates),
                ("c_", certificates),
            )
        )
    )
)


def _check_issued_together(
    certificate: Certificate, version: CertificateVersion, issued: IssuedCertificate
) -> None:
    if not (
        issued.certificate_id == certificate.id
        and issued.serial == version.serial == certificate.serial
        and version.key_secret_id == certificate.key_secret_id
        and version.number == certificate.version
    ):
        raise ValueError(
            f"certificate {certificate.id}: its version and register entry do not belong together"
        )


def _rows(
    certificate: Certificate, version: CertificateVersion, issued: IssuedCertificate, blob: bytes
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The secret's, the register entry's, the certificate's and the version's values."""
    _check_issued_together(certificate, version, issued)
    secret = {"id": version.key_secret_id, "blob": blob, "created_at": version.created_at}
    row = certificate_values(certificate)
    row["id"] = certificate.id
    return secret, issued_values(issued), row, version_values(certificate.id, version)


def add_issued_many(conn: sa.Connection, rows: Sequence[IssuedRows]) -> None:
    """Insert the four rows of each of ``rows`` (tags are the caller's), one executemany per
    table; ConflictError when one is taken (the caller rolls back: some may be in).

    Raises ValueError as :func:`add_issued` does, before anything is written.
    """
    values = [_rows(*r) for r in rows]
    with conflict_on_duplicate(f"one of {len(rows)} new certificates, its key or its serial"):
        INSERT_SECRET.execute_many(conn, [v[0] for v in values])
        INSERT_ISSUED.execute_many(conn, [v[1] for v in values])
        INSERT_CERTIFICATE.execute_many(conn, [v[2] for v in values])
        INSERT_VERSION.execute_many(conn, [v[3] for v in values])


def add_issued(
    conn: sa.Connection,
    certificate: Certificate,
    version: CertificateVersion,
    issued: IssuedCertificate,
    key_blob: bytes,
) -> None:
    """Insert the four rows (tags are the caller's); ConflictError when one is taken.

    Raises ValueError when ``version`` and ``issued`` are not the certificate's (id, serial,
    key and version number must agree).
    """
    secret, register, row, first = _rows(certificate, version, issued, key_blob)
    if conn.dialect.name == "postgresql":
        params: dict[str, Any] = {}
        for prefix, values in (("s_", secret), ("i_", register), ("c_", row), ("v_", first)):
            params.update((prefix + name, value) for name, value in values.items())
        # (the shared values are equal, as checked above; the extra keys are ignored)
        with conflict_on_duplicate(f"certificate {certificate.arn}, its key or its serial"):
            _INSERT_ALL.execute(conn, params)
        return
    with conflict_on_duplicate(f"secret {version.key_secret_id}"):
        INSERT_SECRET.execute(conn, secret)
    with conflict_on_duplicate(f"serial {issued.serial} of CA {issued.authority_id}"):
        INSERT_ISSUED.execute(conn, register)
    with conflict_on_duplicate(f"certificate {certificate.arn}"):
        INSERT_CERTIFICATE.execute(conn, row)
        INSERT_VERSION.execute(conn, first)
