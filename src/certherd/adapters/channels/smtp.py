"""The mail channel: hands readable mails to an SMTP relay with :mod:`smtplib`.

One connection per mail: STARTTLS or implicit TLS (the server's certificate verified
against the given context, by default the system's CAs, and its name checked), then a
login when the relay configuration has a username, then the mail as multipart/alternative
(plain text first, HTML second).

Failures raise :class:`ChannelError`. Whether to try again follows the relay's reply: a
4xx reply, a dropped or refused connection, a timeout or a failed TLS handshake may pass,
a 5xx reply will not, nor will a relay that lacks what the configuration asks for
(STARTTLS, a login). Messages name the relay as ``host:port`` and quote its reply; the
password never appears in them.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Final

from certherd.domain.clock import Clock, SystemClock
from certherd.domain.mail_relay import MailRelayConfig, SmtpSecurity
from certherd.services.channel_ports import ChannelError, MailMessage

__all__ = ["SmtpMailRelay"]

_log = logging.getLogger("certherd.channels.smtp")

#: Headers the relay writes from the message itself; extra headers may not replace them.
_PROTECTED: Final = frozenset(
    {"from", "to", "cc", "bcc", "subject", "sender", "mime-version", "content-type",
     "content-transfer-encoding", "content-disposition"}
)  # fmt: skip
_REPLY_LIMIT: Final = 300


class _Refused(Exception):
    """The relay lacks what the configuration needs; never worth retrying."""


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    flat = " ".join(text.split())
    return flat if len(flat) <= _REPLY_LIMIT else flat[:_REPLY_LIMIT] + "..."


def _check_header(name: str, value: str) -> None:
    if not name or any(not 33 <= ord(ch) <= 126 or ch == ":" for ch in name):
        raise ValueError(f"{name!r} is not a header name")
    if name.lower() in _PROTECTED:
        raise ValueError(f"the {name} header is written from the message itself")
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header's value has a line break")


class SmtpMailRelay:
    """The MailRelay port over SMTP, for one relay configuration and its password."""

    def __init__(
        self,
        config: MailRelayConfig,
        password: str | None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
    ) -> None:
        """``ssl_context`` verifies the relay's certificate (default: the system's CAs);
        ``clock`` dates the mails (default: the wall clock)."""
        self._config = config
        self._password = password or ""
        self._context = ssl_context if ssl_context is not None else ssl.create_default_context()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._where = f"{config.host}:{config.port}"

    def __repr__(self) -> str:
        return f"SmtpMailRelay({self._where}, {self._config.security.value})"

    def send(self, message: MailMessage) -> None:
        """Send ``message`` through the relay. Raises ChannelError (see the module
        docstring for which failures are retryable)."""
        started = time.perf_counter()
        try:
            mail = self._build(message)
        except ValueError as exc:
            raise ChannelError(f"the mail could not be written: {exc}", retryable=False) from None
        sender = message.sender or self._config.sender
        recipients = list(message.recipients)
        if not recipients:
            raise ChannelError("the mail has no recipient", retryable=False)
        try:
            refused = self._deliver(mail, sender, recipients)
        except _Refused as exc:
            raise self._error(str(exc), retryable=False, started=started) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise self._error(
                f"refused every recipient: {self._refusals(exc.recipients)}",
                retryable=all(not 500 <= code < 600 for code in codes),
                started=started,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise self._error(
                f"{self._step(exc)}: {exc.smtp_code} {_reply_text(exc.smtp_error)}",
                retryable=not 500 <= exc.smtp_code < 600,
                started=started,
            ) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise self._error(
                f"closed the connection: {exc}", retryable=True, started=started
            ) from None
        except smtplib.SMTPException as exc:
            # What smtplib raises on its own: a missing extension or login mechanism.
            raise self._error(
                f"cannot take the mail: {exc}", retryable=False, started=started
            ) from None
        except ssl.SSLError as exc:
            raise self._error(
                f"TLS failed: {exc.reason or exc}", retryable=True, started=started
            ) from None
        except OSError as exc:
            raise self._error(
                f"could not be reached: {exc.strerror or exc}", retryable=True, started=started
            ) from None
        if refused:
            # The others have the mail already: sending again would duplicate it.
            raise self._error(
                f"refused some recipients (the others got the mail): {self._refusals(refused)}",
                retryable=False,
                started=started,
            )
        _log.debug("mail %s sent through %s", mail["Message-ID"], self._where)

    # -- the mail ----------------------------------------------------------------------

    def _build(self, message: MailMessage) -> EmailMessage:
        sender = message.sender or self._config.sender
        name = message.sender_name or self._config.sender_name
        mail = EmailMessage()
        mail["From"] = formataddr((name, sender)) if name else sender
        mail["To"] = ", ".join(message.recipients)
        mail["Subject"] = " ".join(
            "".join(ch if ch.isprintable() else " " for ch in message.content.subject).split()
        )
        mail["Date"] = format_datetime(self._clock.now())
        mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        for header, value in message.headers.items():
            _check_header(header, value)
            del mail[header]  # an extra Date or Message-ID replaces the relay's own
            mail[header] = value
        mail.set_content(message.content.text)
        mail.add_alternative(message.content.html, subtype="html")
        return mail

    # -- the conversation ----------------------------------------------------------------

    def _deliver(
        self, mail: EmailMessage, sender: str, recipients: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        config = self._config
        smtp: smtplib.SMTP
        if config.security is SmtpSecurity.TLS:
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_seconds, context=self._context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with smtp:
            if config.security is SmtpSecurity.STARTTLS:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise _Refused("does not offer STARTTLS, so the mail was not sent in clear")
                smtp.starttls(context=self._context)
            if config.username is not None:
                self._login(smtp, config.username)
            return smtp.send_message(mail, from_addr=sender, to_addrs=recipients)

    def _login(self, smtp: smtplib.SMTP, username: str) -> None:
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("auth"):
            raise _Refused("does not offer a login (AUTH), but a username is configured")
        try:
            smtp.login(username, self._password)
        except UnicodeEncodeError:
            # smtplib sends credentials as ASCII; the exception would quote the password.
            raise _Refused(
                "cannot take the login: the user name or password is not plain ASCII"
            ) from None

    # -- errors ----------------------------------------------------------------------

    @staticmethod
    def _step(exc: smtplib.SMTPResponseException) -> str:
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return "refused the login"
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return f"refused the sender {exc.sender}"
        if isinstance(exc, smtplib.SMTPDataError):
            return "refused the mail"
        if isinstance(exc, smtplib.SMTPConnectError):
            return "refused the connection"
        if isinstance(exc, smtplib.SMTPHeloError):
            return "refused the greeting"
        return "answered"

    @staticmethod
    def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
        return "; ".join(
            f"{address} ({code} {_reply_text(reply)})" for address, (code, reply) in refused.items()
        )

    def _error(self, what: str, *, retryable: bool, started: float) -> ChannelError:
        return ChannelError(
            self._scrub(f"the mail relay {self._where} {what}"),
            retryable=retryable,
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    def _scrub(self, text: str) -> str:
        """``text`` without the password, raw or base64 (as AUTH sends it)."""
        if not self._password:
            return text
        encoded = base64.b64encode(self._password.encode("utf-8", "replace")).decode()
        for form in (encoded, self._password):
            # One or two characters would blank out ordinary words, not hide a secret.
            if len(form) >= 3:
                text = text.replace(form, "***")
        return text
