"""Sending mail: through the configured SMTP relay, or, when none is configured, into the
local mailbox, where ``certherd mailbox`` and the API show it, marked as not delivered, so a
first run works with no mail server.

The relay is the installation's (one for all accounts); its password is sealed by the key
store. Mailbox entries are sealed as well: they hold what was published.
"""

from __future__ import annotations

import html
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from certherd.domain.clock import Clock
from certherd.domain.mail_relay import MailRelayConfig, SmtpSecurity, check_mail_relay
from certherd.errors import NotFoundError, ValidationError
from certherd.services.channel_ports import MailContent, MailMessage, MailRelay
from certherd.services.ports import SecretBox, UnitOfWorkFactory
from certherd.services.topic_ports import MailboxEntry, MailRelayRecord

__all__ = [
    "DEFAULT_SENDER",
    "MAX_MAILBOX_PAGE",
    "MailRelayFactory",
    "MailService",
    "MailboxMail",
    "MailboxPage",
    "RelaySettings",
    "SentMail",
    "mail_content",
]

#: The sender of mail put in the mailbox when no relay is configured.
DEFAULT_SENDER: Final = "no-reply@certherd.invalid"
MAX_MAILBOX_PAGE: Final = 100
_PASSWORD_CONTEXT: Final = "mail-relay-password"  # noqa: S105 (a key store context, not a password)
#: How long the relay's settings are trusted before they are read again (a cache's age, on
#: the monotonic clock: it decides nothing the simulated clock governs).
_RELAY_TTL_SECONDS: Final = 5.0

#: Makes a relay client from its settings and password (the SMTP adapter).
MailRelayFactory = Callable[[MailRelayConfig, str | None], MailRelay]


def _mailbox_context(mail_id: str) -> str:
    return f"mailbox:{mail_id}"


@dataclass(frozen=True)
class RelaySettings:
    """The relay as shown: never the password, only whether there is one."""

    config: MailRelayConfig
    has_password: bool
    updated_at: datetime


@dataclass(frozen=True)
class MailboxMail:
    id: str
    account: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str
    created_at: datetime
    delivery_id: str | None = None
    #: Mail in the mailbox was never handed to a mail server.
    delivered: bool = False


@dataclass(frozen=True)
class MailboxPage:
    mails: list[MailboxMail]
    next_token: str | None


@dataclass(frozen=True)
class SentMail:
    """Where a mail went: ``mailbox_id`` when it was put in the mailbox."""

    relayed: bool
    mailbox_id: str | None = None


class MailService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        secrets: SecretBox,
        relay_factory: MailRelayFactory,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._secrets = secrets
        self._relay_factory = relay_factory
        self._lock = threading.Lock()
        self._cached: tuple[float, MailRelayRecord | None] | None = None

    # -- the relay -----------------------------------------------------------------------------

    def configure_relay(
        self,
        *,
        host: object,
        sender: object,
        security: object = SmtpSecurity.STARTTLS.value,
        port: object = None,
        username: object = None,
        password: str | None = None,
        sender_name: object = None,
        timeout_seconds: object = None,
    ) -> RelaySettings:
        """Set the relay (replacing any). Raises ValidationError naming the field; a
        password needs a username."""
        config = check_mail_relay(
            host=host,
            sender=sender,
            security=security,
            port=port,
            username=username,
            sender_name=sender_name,
            **({} if timeout_seconds is None else {"timeout_seconds": timeout_seconds}),
        )
        if password is not None and config.username is None:
            raise ValidationError("a password needs a Username", field="Password")
        if password is not None and not password:
            raise ValidationError("must not be empty", field="Password")
        now = self._clock.now()
        record = MailRelayRecord(
            host=config.host,
            port=config.port,
            security=config.security.value,
            username=config.username,
            sealed_password=(
                self._secrets.seal(password.encode(), context=_PASSWORD_CONTEXT)
                if password
                else None
            ),
            sender=config.sender,
            sender_name=config.sender_name,
            timeout_seconds=config.timeout_seconds,
            updated_at=now,
        )
        with self._uow() as uow:
            uow.mail_relay.put(record)
            uow.commit()
        self._forget()
        return RelaySettings(config, record.sealed_password is not None, now)

    def relay(self) -> RelaySettings | None:
        """The relay's settings, or None when mail goes to the mailbox."""
        with self._uow() as uow:
            record = uow.mail_relay.get()
        if record is None:
            return None
        return RelaySettings(_config(record), record.sealed_password is not None, record.updated_at)

    def remove_relay(self) -> bool:
        """Forget the relay (mail goes to the mailbox again); whether there was one."""
        with self._uow() as uow:
            removed = uow.mail_relay.delete()
            uow.commit()
        self._forget()
        return removed

    def sender(self) -> tuple[str, str | None]:
        """The sender address and name mail is sent with."""
        record = self._record()
        return (record.sender, record.sender_name) if record else (DEFAULT_SENDER, None)

    # -- sending -------------------------------------------------------------------------------

    def send(
        self, account: str, message: MailMessage, *, delivery_id: str | None = None
    ) -> SentMail:
        """Relay ``message``, or put it in the account's mailbox when no relay is set.
        Raises ChannelError when the relay refuses it or cannot be reached."""
        record = self._record()
        if record is None:
            return SentMail(False, self._to_mailbox(account, message, delivery_id))
        password = (
            self._secrets.open(record.sealed_password, context=_PASSWORD_CONTEXT).decode()
            if record.sealed_password
            else None
        )
        self._relay_factory(_config(record), password).send(message)
        return SentMail(True)

    def _to_mailbox(self, account: str, message: MailMessage, delivery_id: str | None) -> str:
        mail_id = str(uuid.uuid4())
        content = json.dumps(
            {
                "subject": message.content.subject,
                "text": message.content.text,
                "html": message.content.html,
                "sender_name": message.sender_name,
            }
        ).encode()
        with self._uow() as uow:
            uow.mailbox.add(
                MailboxEntry(
                    id=mail_id,
                    seq=0,
                    account=account,
                    delivery_id=delivery_id,
                    sender=message.sender,
                    recipients=tuple(message.recipients),
                    sealed_content=self._secrets.seal(content, context=_mailbox_context(mail_id)),
                    created_at=self._clock.now(),
                )
            )
            uow.commit()
        return mail_id

    # -- the mailbox ---------------------------------------------------------------------------

    def mailbox(
        self, account: str, *, next_token: str | None = None, limit: int = 20
    ) -> MailboxPage:
        """The account's mailbox, newest first. Raises ValidationError for a bad token or
        limit."""
        if not 1 <= limit <= MAX_MAILBOX_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_MAILBOX_PAGE}", field="MaxItems")
        before = _decode_token(next_token) if next_token else None
        with self._uow() as uow:
            entries = uow.mailbox.page(account, before_seq=before, limit=limit + 1)
        page = [self._open(entry) for entry in entries[:limit]]
        more = len(entries) > limit
        return MailboxPage(page, str(entries[limit - 1].seq) if more else None)

    def mail(self, account: str, mail_id: str) -> MailboxMail:
        """One mail of the account's mailbox. Raises NotFoundError."""
        with self._uow() as uow:
            entry = uow.mailbox.get(account, mail_id)
        if entry is None:
            raise NotFoundError(f"no mail {mail_id} in the mailbox", field="MailId")
        return self._open(entry)

    def _open(self, entry: MailboxEntry) -> MailboxMail:
        content = json.loads(
            self._secrets.open(entry.sealed_content, context=_mailbox_context(entry.id))
        )
        return MailboxMail(
            id=entry.id,
            account=entry.account,
            sender=entry.sender,
            recipients=tuple(entry.recipients),
            subject=content["subject"],
            text=content["text"],
            html=content["html"],
            created_at=entry.created_at,
            delivery_id=entry.delivery_id,
        )

    # -- caching the relay's settings ----------------------------------------------------------

    def _record(self) -> MailRelayRecord | None:
        with self._lock:
            cached = self._cached
            if cached is not None and time.monotonic() - cached[0] < _RELAY_TTL_SECONDS:
                return cached[1]
        with self._uow() as uow:
            record = uow.mail_relay.get()
        with self._lock:
            self._cached = (time.monotonic(), record)
        return record

    def _forget(self) -> None:
        with self._lock:
            self._cached = None


def _config(record: MailRelayRecord) -> MailRelayConfig:
    return MailRelayConfig(
        host=record.host,
        port=record.port,
        security=SmtpSecurity(record.security),
        sender=record.sender,
        username=record.username,
        sender_name=record.sender_name,
        timeout_seconds=record.timeout_seconds,
    )


def _decode_token(token: str) -> int:
    if not token.isdigit():
        raise ValidationError("is not a token this server gave", field="NextToken")
    return int(token)


def mail_content(subject: str, text: str) -> MailContent:
    """A plain mail (the HTML part is the text, escaped, in a ``<pre>``)."""
    return MailContent(subject=subject, text=text, html=f"<pre>{html.escape(text)}</pre>")
