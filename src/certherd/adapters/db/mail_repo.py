"""The mail relay's settings, the local mailbox and the message-signing keys, on SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from certherd.adapters.db.topic_tables import mail_relay, mailbox, signing_keys
from certherd.services.topic_ports import MailboxEntry, MailRelayRecord, SigningKeyRecord

__all__ = ["SqlMailRelayRepository", "SqlMailboxRepository", "SqlSigningKeyRepository"]

_RELAY_ID: Final = "default"
_r = mail_relay.c
_b = mailbox.c
_k = signing_keys.c


class SqlMailRelayRepository:
    """The one relay of the installation (the row ``default``)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def get(self) -> MailRelayRecord | None:
        row = self._conn.execute(sa.select(mail_relay).where(_r.id == _RELAY_ID)).first()
        if row is None:
            return None
        return MailRelayRecord(
            host=row.host,
            port=row.port,
            security=row.security,
            username=row.username,
            sealed_password=row.password_sealed,
            sender=row.sender,
            sender_name=row.sender_name,
            timeout_seconds=row.timeout_seconds,
            updated_at=row.updated_at,
        )

    def put(self, relay: MailRelayRecord) -> None:
        values = {
            "host": relay.host,
            "port": relay.port,
            "security": relay.security,
            "username": relay.username,
            "password_sealed": relay.sealed_password,
            "sender": relay.sender,
            "sender_name": relay.sender_name,
            "timeout_seconds": relay.timeout_seconds,
            "updated_at": relay.updated_at,
        }
        updated = self._conn.execute(mail_relay.update().where(_r.id == _RELAY_ID).values(values))
        if updated.rowcount == 0:
            self._conn.execute(mail_relay.insert().values(id=_RELAY_ID, **values))

    def delete(self) -> bool:
        return self._conn.execute(mail_relay.delete().where(_r.id == _RELAY_ID)).rowcount == 1


def _entry(row: sa.Row[Any]) -> MailboxEntry:
    return MailboxEntry(
        id=row.id,
        seq=row.seq,
        account=row.account,
        delivery_id=row.delivery_id,
        sender=row.sender,
        recipients=tuple(row.recipients),
        sealed_content=row.content_sealed,
        created_at=row.created_at,
    )


class SqlMailboxRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, entry: MailboxEntry) -> None:
        self._conn.execute(
            mailbox.insert().values(
                id=entry.id,
                account=entry.account,
                delivery_id=entry.delivery_id,
                recipients=list(entry.recipients),
                sender=entry.sender,
                content_sealed=entry.sealed_content,
                created_at=entry.created_at,
            )
        )

    def get(self, account: str, mail_id: str) -> MailboxEntry | None:
        row = self._conn.execute(
            sa.select(mailbox).where(_b.account == account, _b.id == mail_id)
        ).first()
        return None if row is None else _entry(row)

    def page(self, account: str, *, before_seq: int | None, limit: int) -> list[MailboxEntry]:
        query = sa.select(mailbox).where(_b.account == account)
        if before_seq is not None:
            query = query.where(_b.seq < before_seq)
        query = query.order_by(_b.seq.desc()).limit(limit)
        return [_entry(row) for row in self._conn.execute(query)]


def _key(row: sa.Row[Any]) -> SigningKeyRecord:
    return SigningKeyRecord(
        id=row.id,
        purpose=row.purpose,
        certificate_pem=row.certificate_pem,
        sealed_key=row.key_sealed,
        not_after=row.not_after,
        created_at=row.created_at,
    )


class SqlSigningKeyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def current(self, purpose: str, *, valid_at: datetime) -> SigningKeyRecord | None:
        row = self._conn.execute(
            sa.select(signing_keys)
            .where(_k.purpose == purpose, _k.not_after > valid_at)
            .order_by(_k.created_at.desc(), _k.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _key(row)

    def add(self, record: SigningKeyRecord) -> None:
        self._conn.execute(
            signing_keys.insert().values(
                id=record.id,
                purpose=record.purpose,
                certificate_pem=record.certificate_pem,
                key_sealed=record.sealed_key,
                not_after=record.not_after,
                created_at=record.created_at,
            )
        )

    def by_certificate_name(self, purpose: str) -> list[SigningKeyRecord]:
        query = (
            sa.select(signing_keys)
            .where(_k.purpose == purpose)
            .order_by(_k.created_at.desc(), _k.id.desc())
        )
        return [_key(row) for row in self._conn.execute(query)]
