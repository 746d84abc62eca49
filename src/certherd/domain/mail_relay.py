"""The SMTP relay that email subscriptions are sent through: where it is, how the connection
is protected, who logs in and who the mail is from.

The relay's password is not part of these values: it is sealed in the key store like every
other secret and handed to the relay adapter only when a mail is sent.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from certherd.errors import ValidationError

__all__ = [
    "DEFAULT_PORTS",
    "DEFAULT_TIMEOUT_SECONDS",
    "MailRelayConfig",
    "SmtpSecurity",
    "check_mail_address",
    "check_mail_relay",
]


class SmtpSecurity(StrEnum):
    """How the connection to the relay is protected."""

    #: Plain connection upgraded with STARTTLS before anything else is said (RFC 3207).
    STARTTLS = "starttls"
    #: TLS from the first byte ("implicit TLS", SMTPS; RFC 8314).
    TLS = "tls"
    #: No encryption: for a relay on the same machine or a trusted network only.
    NONE = "none"


#: The port each kind of connection listens on by convention (submission, submissions, smtp).
DEFAULT_PORTS: Final[dict[SmtpSecurity, int]] = {
    SmtpSecurity.STARTTLS: 587,
    SmtpSecurity.TLS: 465,
    SmtpSecurity.NONE: 25,
}
DEFAULT_TIMEOUT_SECONDS: Final = 30.0
MAX_TIMEOUT_SECONDS: Final = 300.0
MAX_HOST_LENGTH: Final = 253
MAX_USERNAME_LENGTH: Final = 256
MAX_SENDER_NAME_LENGTH: Final = 256
MAX_ADDRESS_LENGTH: Final = 254  # RFC 5321's path limit, less the angle brackets

_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
_HOST_RE: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
# The dot-atom form of RFC 5322's local part; quoted local parts are refused, as most
# relays and mailbox providers refuse them too.
_ATOM: Final = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE: Final = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_DOMAIN_RE: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


@dataclass(frozen=True)
class MailRelayConfig:
    """A checked relay configuration; build it with :func:`check_mail_relay`."""

    host: str
    port: int
    security: SmtpSecurity
    sender: str
    username: str | None = None
    sender_name: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def logs_in(self) -> bool:
        """Whether the relay is given a username and password."""
        return self.username is not None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _check_host(host: object) -> str:
    if not isinstance(host, str) or not host.strip():
        raise ValidationError("must be the relay's host name or IP address", field="Host")
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]  # an IPv6 literal as written in URLs
    if _is_ip(text):
        return text
    if len(text) > MAX_HOST_LENGTH or not _HOST_RE.fullmatch(text):
        raise ValidationError(
            f"{host!r} is not a host name (labels of letters, digits and '-', joined by '.') "
            "or an IP address; give the host alone, without a scheme or port",
            field="Host",
        )
    return text.rstrip(".").lower()


def _check_security(security: object) -> SmtpSecurity:
    if isinstance(security, SmtpSecurity):
        return security
    if isinstance(security, str):
        try:
            return SmtpSecurity(security.strip().lower())
        except ValueError:
            pass
    choices = ", ".join(s.value for s in SmtpSecurity)
    raise ValidationError(f"must be one of {choices}", field="Security")


def _check_port(port: object, security: SmtpSecurity) -> int:
    if port is None:
        return DEFAULT_PORTS[security]
    value: int | None = None
    if isinstance(port, int) and not isinstance(port, bool):
        value = port
    elif isinstance(port, str) and port.strip().isdigit():
        value = int(port.strip())
    if value is None or not 1 <= value <= 65535:
        raise ValidationError("must be a whole number from 1 to 65535", field="Port")
    return value


def check_mail_address(address: object, *, field: str) -> str:
    """``address`` if it is a plain mail address (``local@domain``, no display name, at most
    254 characters); raises ValidationError naming ``field`` otherwise."""
    rule = "must be a mail address such as alerts@example.com (no display name)"
    if not isinstance(address, str):
        raise ValidationError(rule, field=field)
    text = address.strip()
    local, at, domain = text.rpartition("@")
    if (
        not at
        or len(text) > MAX_ADDRESS_LENGTH
        or len(local) > 64
        or not _LOCAL_RE.fullmatch(local)
        or not _DOMAIN_RE.fullmatch(domain)
    ):
        raise ValidationError(f"{address!r}: {rule}", field=field)
    return text


def _check_printable(text: str, *, field: str, limit: int, what: str) -> str:
    if not text.strip() or len(text) > limit:
        raise ValidationError(f"must be a {what} of 1 to {limit} characters", field=field)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValidationError("must not contain line breaks or control characters", field=field)
    return text


def _check_timeout(timeout: object) -> float:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 1 <= timeout <= MAX_TIMEOUT_SECONDS
    ):
        raise ValidationError(
            f"must be a number of seconds from 1 to {MAX_TIMEOUT_SECONDS:g}",
            field="TimeoutSeconds",
        )
    return float(timeout)


def check_mail_relay(
    *,
    host: object,
    sender: object,
    security: object = SmtpSecurity.STARTTLS,
    port: object = None,
    username: object = None,
    sender_name: object = None,
    timeout_seconds: object = DEFAULT_TIMEOUT_SECONDS,
) -> MailRelayConfig:
    """A relay configuration from raw input, checked field by field.

    ``port`` defaults by ``security``: 587 for STARTTLS, 465 for implicit TLS, 25 for none.
    A ``username`` needs STARTTLS or TLS: the password is never sent over a plain
    connection. Raises ValidationError naming the field (Host, Port, Security, Sender,
    SenderName, Username or TimeoutSeconds) and the rule it broke.
    """
    checked_host = _check_host(host)
    checked_security = _check_security(security)
    checked_port = _check_port(port, checked_security)
    checked_sender = check_mail_address(sender, field="Sender")
    checked_username: str | None = None
    if username is not None:
        if not isinstance(username, str):
            raise ValidationError("must be a string", field="Username")
        checked_username = _check_printable(
            username, field="Username", limit=MAX_USERNAME_LENGTH, what="user name"
        )
        if checked_security is SmtpSecurity.NONE:
            raise ValidationError(
                "a login needs security starttls or tls, so that the password is never "
                "sent in clear",
                field="Username",
            )
    checked_name: str | None = None
    if sender_name is not None:
        if not isinstance(sender_name, str):
            raise ValidationError("must be a string", field="SenderName")
        checked_name = _check_printable(
            sender_name.strip(), field="SenderName", limit=MAX_SENDER_NAME_LENGTH, what="name"
        )
    return MailRelayConfig(
        host=checked_host,
        port=checked_port,
        security=checked_security,
        sender=checked_sender,
        username=checked_username,
        sender_name=checked_name,
        timeout_seconds=_check_timeout(timeout_seconds),
    )
