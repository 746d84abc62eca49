"""Real servers the channel tests deliver to: an HTTP(S) receiver that records what it got,
a private CA with a server certificate for 127.0.0.1, and an SMTP server (aiosmtpd).

Each server runs in threads of the test process and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import queue
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    #: The client's port: requests with the same one came over the same connection.
    client_port: int


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    #: Send the body in chunks (``Transfer-Encoding: chunked``).
    chunked: bool = False
    #: Close the connection after answering, without saying so in the answer (as a
    #: server whose keep-alive timeout expired does).
    hang_up: bool = False
    #: Hang up without an answer on every request but the first of a connection (as a
    #: server closing an idle connection just as a request arrives on it does).
    drop_reused: bool = False
    #: Hang up without an answer on every request.
    drop_all: bool = False


class Receiver:
    """An HTTP server answering every request with ``reply`` and recording it.

    ``stall()`` makes it hold every answer until the test ends (for timeouts)."""

    def __init__(self, server: ThreadingHTTPServer, scheme: str) -> None:
        self.server = server
        self.scheme = scheme
        self.reply = Reply()
        self.received: queue.Queue[ReceivedRequest] = queue.Queue()
        self.released = threading.Event()
        self.stalled = False
        #: When set, no request is answered before this many are waiting at once.
        self.together: threading.Barrier | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def stall(self) -> None:
        self.stalled = True

    def next_request(self, timeout: float = 5.0) -> ReceivedRequest:
        return self.received.get(timeout=timeout)

    def requests_so_far(self) -> list[ReceivedRequest]:
        found = []
        while True:
            try:
                found.append(self.received.get_nowait())
            except queue.Empty:
                return found


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver.received.put(
            ReceivedRequest(
                self.command, self.path, dict(self.headers.items()), body, self.client_address[1]
            )
        )
        if receiver.stalled:
            receiver.released.wait(timeout=30)
            self.close_connection = True
            return
        reply = receiver.reply
        self.answered = getattr(self, "answered", 0) + 1
        if reply.drop_all or (reply.drop_reused and self.answered > 1):
            self.close_connection = True
            return
        if receiver.together is not None:
            receiver.together.wait(timeout=5)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(reply.body), 7):
                piece = reply.body[start : start + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        self.close_connection = reply.hang_up

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, refused certificates) are part of the tests.
        pass


@contextlib.contextmanager
def running_receiver(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (HTTPS when ``tls`` is given), stopped on exit."""
    server = _Server(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver = Receiver(server, "https" if tls is not None else "http")
    server.receiver = receiver
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- a private CA and a server certificate for 127.0.0.1 -------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path
    certificate: Path
    private_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.private_key)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_tls_files(directory: Path) -> TlsFiles:
    """A CA (``ca.pem``) and a certificate it issued for 127.0.0.1 and localhost."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Channel Test CA"))
        .issuer_name(_name("Channel Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(
        ca_bundle=directory / "ca.pem",
        certificate=directory / "server.pem",
        private_key=directory / "server.key",
    )
    files.ca_bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files.private_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


# -- SMTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    sender: str
    recipients: list[str]
    content: bytes


class _MailHandler:
    def __init__(self) -> None:
        self.received: queue.Queue[ReceivedMail] = queue.Queue()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.put(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"


@dataclass
class MailServer:
    port: int
    received: queue.Queue[ReceivedMail]

    def next_mail(self, timeout: float = 5.0) -> ReceivedMail:
        return self.received.get(timeout=timeout)


@contextlib.contextmanager
def running_mail_server() -> Iterator[MailServer]:
    """A plain SMTP server (no TLS, no login) on 127.0.0.1, stopped on exit."""
    handler = _MailHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield MailServer(port=port, received=handler.received)
    finally:
        controller.stop()
