"""A real SMTP server (aiosmtpd) for the e2e tests, in a thread of the test process, that
collects every mail it is handed (imported by name, as e2e_support is).

``running_smtp_server()`` listens on 127.0.0.1, on a port the system picks, plain SMTP (no
TLS, no login: what ``mail relay set --security none`` talks to). Each mail is kept with its
envelope and parsed with :mod:`email` (``policy.default``), so tests read the subject and
the text and HTML parts as a mail client would.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, cast

from aiosmtpd.controller import Controller

__all__ = ["ReceivedMail", "SmtpServer", "running_smtp_server"]


@dataclass(frozen=True)
class ReceivedMail:
    """One mail as the SMTP server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str | None:
        """The decoded text of the ``text/<subtype>`` body part, None when there is none."""
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            return None
        return str(cast(EmailMessage, body).get_content())

    @property
    def text(self) -> str:
        found = self.part("plain")
        assert found is not None, f"the mail {self.subject!r} has no text/plain part"
        return found


class _Collector:
    def __init__(self) -> None:
        self.received: queue.Queue[ReceivedMail] = queue.Queue()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=default_policy)
        self.received.put(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=message,
            )
        )
        return "250 Message accepted for delivery"


class _AnyPortController(Controller):
    """Listens on the port the system picks (aiosmtpd wants a port known in advance)."""

    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = int(server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass
class SmtpServer:
    host: str
    port: int
    _collector: _Collector

    def next_mail(self, timeout: float = 20.0) -> ReceivedMail:
        """The next mail received, waiting up to ``timeout`` seconds for it (the relay is
        used by the server's worker, which sends in its own time)."""
        try:
            return self._collector.received.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the SMTP server received no mail in {timeout}s") from None

    def mails_so_far(self, settle: float = 0.0) -> list[ReceivedMail]:
        """Every mail received and not yet taken, after waiting ``settle`` seconds for
        any still on its way."""
        if settle:
            time.sleep(settle)
        found: list[ReceivedMail] = []
        while True:
            try:
                found.append(self._collector.received.get_nowait())
            except queue.Empty:
                return found


@contextlib.contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1, stopped on exit."""
    collector = _Collector()
    controller = _AnyPortController(
        collector, hostname="127.0.0.1", port=0, server_hostname="mail.test", ready_timeout=10
    )
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=controller.port, _collector=collector)
    finally:
        controller.stop()
