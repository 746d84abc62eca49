"""An SMTP server (aiosmtpd) for the mail relay tests, started in the test process.

``smtp_server(...)`` starts one on 127.0.0.1 (a free port the system picks) plain, with
STARTTLS or with implicit TLS (a certificate for 127.0.0.1 from a private CA, trusted
through ``SmtpServer.client_context()``), with a login (AUTH LOGIN only), and refusing
or deferring given recipients. Servers stop when the test ends.
"""

from __future__ import annotations

import queue
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

sys.path.insert(0, str(Path(__file__).parent))

from channel_servers import TlsFiles, write_tls_files


@dataclass(frozen=True)
class SmtpDelivery:
    """One mail as the server got it: envelope, raw content, and how the client came."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    starttls: bool
    login: str | None


class _Handler:
    def __init__(self, *, refuse: frozenset[str], defer: frozenset[str]) -> None:
        self.refuse = refuse
        self.defer = defer
        self.received: queue.Queue[SmtpDelivery] = queue.Queue()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.defer:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.login_data.decode() if session.login_data else None
        self.received.put(
            SmtpDelivery(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                content=envelope.original_content or envelope.content,
                starttls=session.ssl is not None,
                login=login,
            )
        )
        return "250 Message accepted for delivery"


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.mechanisms: list[str] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.mechanisms.append(mechanism)
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


class _AnyPortController(Controller):
    """A controller on the port the system picks (aiosmtpd wants one known in advance)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()


@dataclass
class SmtpServer:
    port: int
    tls: TlsFiles
    handler: _Handler
    authenticator: _Authenticator | None

    def next_mail(self, timeout: float = 5.0) -> SmtpDelivery:
        return self.handler.received.get(timeout=timeout)

    def mails_so_far(self) -> list[SmtpDelivery]:
        found = []
        while not self.handler.received.empty():
            found.append(self.handler.received.get_nowait())
        return found

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the server's CA (and checks its name)."""
        return ssl.create_default_context(cafile=str(self.tls.ca_bundle))


@pytest.fixture(scope="session")
def smtp_tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return write_tls_files(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_server(smtp_tls_files: TlsFiles) -> Iterator[Callable[..., SmtpServer]]:
    """Starts SMTP servers: ``smtp_server(security="none"|"starttls"|"tls",
    users={"name": "password"}, refuse={addresses}, defer={addresses})``."""
    controllers: list[Controller] = []

    def start(
        *,
        security: str = "none",
        users: dict[str, str] | None = None,
        refuse: frozenset[str] | set[str] = frozenset(),
        defer: frozenset[str] | set[str] = frozenset(),
    ) -> SmtpServer:
        handler = _Handler(refuse=frozenset(refuse), defer=frozenset(defer))
        authenticator = _Authenticator(users) if users is not None else None
        options: dict[str, Any] = {"server_hostname": "mail.test", "ready_timeout": 10}
        if security == "starttls":
            options.update(tls_context=smtp_tls_files.server_context(), require_starttls=True)
        elif security == "tls":
            options["ssl_context"] = smtp_tls_files.server_context()
        if authenticator is not None:
            # LOGIN only, so that the client is seen to use it.
            options.update(
                authenticator=authenticator,
                auth_require_tls=True,
                auth_exclude_mechanism=["PLAIN"],
            )
        controller = _AnyPortController(handler, hostname="127.0.0.1", port=0, **options)
        controller.start()
        controllers.append(controller)
        return SmtpServer(
            port=controller.port, tls=smtp_tls_files, handler=handler, authenticator=authenticator
        )

    yield start
    for controller in controllers:
        controller.stop()
