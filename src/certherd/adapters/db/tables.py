"""The database schema as SQLAlchemy Core tables (the migrations create exactly this).

Enumerations are stored as their string values (no database enum types, so that adding a
member needs no migration). Instants are :class:`UtcDateTime`. Serial numbers as integers
(up to 159 bits) do not fit a BIGINT and are stored as decimal text.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from certherd.adapters.db.column_types import UtcDateTime

__all__ = [
    "accounts",
    "api_tokens",
    "authorities",
    "authority_permissions",
    "authority_tags",
    "certificate_tags",
    "certificate_versions",
    "certificates",
    "crls",
    "issued_certificates",
    "metadata",
    "secrets",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID = 64  # ids are UUIDs or hex; leave room
ACCOUNT = 32  # 12 digits today; room for whatever a token's account may hold
SERIAL = 128  # hex bytes with colons: 20 bytes take 59 characters
SERIAL_INT = 64  # decimal digits of a serial number of up to 160 bits (49 digits)
ENUM = 40
ARN = 2048
NAME = 253
TAG_KEY = 128
TAG_VALUE = 256
#: The check that makes a certificate's ARN unique through its id (SQLite and PostgreSQL).
ARN_NAMES_ID = (
    # (backslash: a colon before a word would be a bind parameter to SQLAlchemy's text())
    r"substr(arn, length(arn) - length(id) - 12) = '\:certificate/' || id AND id NOT LIKE '%:%'"
)


def _bytewise(length: int) -> String:
    """Text that sorts by code point on every backend (SQLite does; PostgreSQL's default
    collation may follow a locale, which would order ``a.b`` and ``ab`` differently)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


accounts = Table(
    "accounts",
    metadata,
    Column("account", String(ACCOUNT), primary_key=True),
    Column("days_before_expiry", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

secrets = Table(
    "secrets",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("blob", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

authorities = Table(
    "authorities",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("arn", String(ARN), nullable=False, unique=True),
    Column("account", String(ACCOUNT), nullable=False),
    Column("type", String(ENUM), nullable=False),
    Column("status", String(ENUM), nullable=False),
    Column("subject", JSON, nullable=False),
    Column("key_algorithm", String(ENUM), nullable=False),
    Column("signing_algorithm", String(ENUM), nullable=False),
    Column("key_secret_id", String(ID), ForeignKey("secrets.id"), nullable=False),
    Column("csr_pem", Text, nullable=False),
    Column("certificate_pem", Text),
    Column("chain_pem", Text),
    Column("serial", String(SERIAL)),
    Column("not_before", UtcDateTime),
    Column("not_after", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_state_change_at", UtcDateTime, nullable=False),
    Column("crl_enabled", Boolean, nullable=False),
    Column("crl_expiration_days", Integer, nullable=False),
    Column("restorable_until", UtcDateTime),
    Column("status_before_deletion", String(ENUM)),
    Column("path_length", Integer),
    Index(None, "account", "created_at", "id"),
)

authority_tags = Table(
    "authority_tags",
    metadata,
    Column(
        "authority_id", String(ID), ForeignKey("authorities.id", ondelete="CASCADE"), nullable=False
    ),
    Column("key", String(TAG_KEY), nullable=False),
    Column("value", String(TAG_VALUE), nullable=False),
    PrimaryKeyConstraint("authority_id", "key"),
)

authority_permissions = Table(
    "authority_permissions",
    metadata,
    Column(
        "authority_id", String(ID), ForeignKey("authorities.id", ondelete="CASCADE"), nullable=False
    ),
    Column("principal", String(NAME), nullable=False),
    Column("actions", JSON, nullable=False),
    Column("source_account", String(ACCOUNT), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("authority_id", "principal", "source_account"),
)

issued_certificates = Table(
    "issued_certificates",
    metadata,
    Column(
        "authority_id", String(ID), ForeignKey("authorities.id", ondelete="CASCADE"), nullable=False
    ),
    Column("serial", String(SERIAL), nullable=False),
    Column("serial_int", String(SERIAL_INT), nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("not_after", UtcDateTime, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("certificate_id", String(ID)),
    Column("revoked_at", UtcDateTime),
    Column("revocation_reason", String(ENUM)),
    PrimaryKeyConstraint("authority_id", "serial"),
    # What a CA's CRL lists; partial, so that issuing (revoked_at NULL) does not touch it.
    Index(
        None,
        "authority_id",
        "revoked_at",
        sqlite_where=text("revoked_at IS NOT NULL"),
        postgresql_where=text("revoked_at IS NOT NULL"),
    ),
)

crls = Table(
    "crls",
    metadata,
    Column(
        "authority_id", String(ID), ForeignKey("authorities.id", ondelete="CASCADE"), nullable=False
    ),
    Column("number", Integer, nullable=False),
    Column("der", LargeBinary, nullable=False),
    Column("this_update", UtcDateTime, nullable=False),
    Column("next_update", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("authority_id", "number"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", String(ID), primary_key=True),
    # Unique without an index of its own: it names the id (the primary key), see the check.
    Column("arn", String(ARN), nullable=False),
    Column("account", String(ACCOUNT), nullable=False),
    Column("type", String(ENUM), nullable=False),
    Column("status", String(ENUM), nullable=False),
    Column("domain_name", _bytewise(NAME), nullable=False),
    Column("sans", JSON, nullable=False),
    Column("key_algorithm", String(ENUM), nullable=False),
    Column("signature_algorithm", String(ENUM), nullable=False),
    Column("serial", String(SERIAL), nullable=False),
    Column("subject", Text, nullable=False),
    Column("issuer", Text, nullable=False),
    Column("not_before", UtcDateTime, nullable=False),
    Column("not_after", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("issued_at", UtcDateTime),
    Column("imported_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("revocation_reason", String(ENUM)),
    Column("authority_arn", String(ARN)),
    Column("exported_at", UtcDateTime),
    Column("in_use_by", JSON, nullable=False),
    Column("renewal_status", String(ENUM)),
    Column("renewal_reason", String(ENUM)),
    Column("renewal_updated_at", UtcDateTime),
    Column("key_usages", JSON, nullable=False),
    Column("extended_key_usages", JSON, nullable=False),
    Column("validity_days", Integer, nullable=False),
    Column("idempotency_token", String(NAME)),
    Column("version", Integer, nullable=False),
    Column("key_secret_id", String(ID), nullable=False),
    # The inventory's queries, all within one account:
    # "expiring within N days" (count and page sorted by NotAfter) ...
    Index(None, "account", "not_after", "status"),
    # The lifecycle tick: certificates of every account still ISSUED, by NotAfter. Partial,
    # so that it is small and never the inventory's choice (which is within one account).
    Index(
        "ix_certificates_issued_not_after_id",
        "not_after",
        "id",
        sqlite_where=text("status = 'ISSUED'"),
        postgresql_where=text("status = 'ISSUED'"),
    ),
    # ... the default order (CreatedAt, then id as tie-break) ...
    Index(None, "account", "created_at", "id"),
    # ... sorting by domain name ...
    Index(None, "account", "domain_name", "id"),
    # ... and the idempotency-token look-up of RequestCertificate (few have a token).
    Index(
        None,
        "account",
        "idempotency_token",
        "created_at",
        sqlite_where=text("idempotency_token IS NOT NULL"),
        postgresql_where=text("idempotency_token IS NOT NULL"),
    ),
    # The ARN ends with ":certificate/<id>" and ids hold no ":", so the ARN determines the
    # id: two rows with one ARN would share the primary key.
    CheckConstraint(ARN_NAMES_ID, name="arn_names_id"),
)

certificate_versions = Table(
    "certificate_versions",
    metadata,
    Column(
        "certificate_id",
        String(ID),
        ForeignKey("certificates.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column("action", String(ENUM), nullable=False),
    Column("serial", String(SERIAL), nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("chain_pem", Text),
    Column("key_secret_id", String(ID), nullable=False),
    Column("not_before", UtcDateTime, nullable=False),
    Column("not_after", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("exported_at", UtcDateTime),
    PrimaryKeyConstraint("certificate_id", "number"),
)

certificate_tags = Table(
    "certificate_tags",
    metadata,
    Column(
        "certificate_id",
        String(ID),
        ForeignKey("certificates.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(TAG_KEY), nullable=False),
    Column("value", String(TAG_VALUE), nullable=False),
    PrimaryKeyConstraint("certificate_id", "key"),
    # Tag filters of the inventory: EXISTS (key = ? [AND value = ?] AND certificate_id = c.id).
    Index(None, "key", "value", "certificate_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("account", String(ACCOUNT), nullable=False),
    Column("digest", String(128), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("is_admin", Boolean, nullable=False),
)
