"""What the webhook e2e test runs beside ``certherd serve``: a test CA with a certificate for
127.0.0.1, an HTTP(S) receiver that behaves as an SNS subscriber (checks every signature
with ``openssl`` and the signing certificate alone, confirms by fetching the SubscribeURL,
answers each path as scripted), an SMTP server, and ``certherd serve`` with extra settings.

The signature check is written here from SNS's documentation, not taken from certherd, so
that it checks certherd's messages independently.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import ipaddress
import json
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, TypeVar

import httpx
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from e2e_support import free_port

T = TypeVar("T")

# -- waiting -------------------------------------------------------------------------------


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Polls ``probe`` until it returns something other than None or False; fails with
    ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


# -- a test CA and a server certificate for 127.0.0.1 --------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path
    certificate: Path
    private_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.private_key)
        return context


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_tls_files(directory: Path) -> TlsFiles:
    """A CA (``ca.pem``) and a server certificate it issued for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Webhook Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_bundle.write_bytes(_pem(ca))
    files.certificate.write_bytes(_pem(leaf))
    files.private_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


# -- the SNS signature, checked as a subscriber does ---------------------------------------

#: The signed keys, in order, per SNS's "Verifying the signatures of Amazon SNS messages".
_NOTIFICATION_KEYS: Final = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_KEYS: Final = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_DIGESTS: Final = {"1": "-sha1", "2": "-sha256"}


def sns_string_to_sign(message: dict[str, Any]) -> bytes:
    """``Key\\nValue\\n`` for each signed key the message has, in SNS's order."""
    keys = _NOTIFICATION_KEYS if message["Type"] == "Notification" else _CONFIRMATION_KEYS
    return "".join(
        f"{key}\n{message[key]}\n" for key in keys if message.get(key) is not None
    ).encode()


class SignatureChecker:
    """Checks SNS signatures with ``openssl``: the public key of the certificate at the
    message's SigningCertURL (only URLs under ``cert_url_prefix`` are fetched, as a
    subscriber accepts certificates from SNS's host only). Files go to ``directory``."""

    def __init__(self, cert_url_prefix: str, directory: Path) -> None:
        self.cert_url_prefix = cert_url_prefix
        self._directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._public_keys: dict[str, Path] = {}
        self._lock = threading.Lock()

    def _public_key(self, url: str) -> Path:
        with self._lock:
            if url in self._public_keys:
                return self._public_keys[url]
            answer = httpx.get(url, timeout=5.0, trust_env=False)
            answer.raise_for_status()
            certificate = self._directory / f"cert-{len(self._public_keys)}.pem"
            certificate.write_bytes(answer.content)
            # ``openssl x509`` reads the first certificate of the file: the signing one.
            public_key = certificate.with_suffix(".pub")
            subprocess.run(
                ["openssl", "x509", "-in", str(certificate), "-noout", "-pubkey",
                 "-out", str(public_key)],
                check=True, capture_output=True, timeout=10,
            )  # fmt: skip
            self._public_keys[url] = public_key
            return public_key

    def verify(self, message: dict[str, Any]) -> bool:
        """Whether the message's Signature is valid for its SignatureVersion."""
        url = message.get("SigningCertURL", "")
        digest = _DIGESTS.get(message.get("SignatureVersion", ""))
        if digest is None or not url.startswith(self.cert_url_prefix):
            return False
        public_key = self._public_key(url)
        with tempfile.TemporaryDirectory(dir=self._directory) as work:
            data, signature = Path(work) / "data", Path(work) / "signature"
            data.write_bytes(sns_string_to_sign(message))
            signature.write_bytes(base64.b64decode(message["Signature"], validate=True))
            result = subprocess.run(
                ["openssl", "dgst", digest, "-verify", str(public_key),
                 "-signature", str(signature), str(data)],
                capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip
        return result.returncode == 0 and "Verified OK" in result.stdout


# -- the receiver --------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request as received (``at``: ``time.monotonic()`` on arrival): SNS messages
    with their signature check and the status answered; anything else (Apprise's JSON)
    with ``message`` its parsed body."""

    at: float
    path: str
    headers: dict[str, str]
    message: dict[str, Any]
    verified: bool
    answered: int


@dataclass
class Script:
    """The statuses a path answers notifications with, in order, then ``then``."""

    statuses: list[int] = field(default_factory=list)
    then: int = 200


class Receiver:
    """Records every POST; an SNS message (``x-amz-sns-message-type``) is checked as a
    subscriber does: signature first, then a SubscriptionConfirmation is confirmed by a
    GET of its SubscribeURL and a Notification is answered as its path's script says."""

    def __init__(self, server: ThreadingHTTPServer, scheme: str, checker: SignatureChecker):
        self.server, self.scheme, self.checker = server, scheme, checker
        self.scripts: dict[str, Script] = {}
        self.received: list[Received] = []
        #: path -> SubscriptionArn, once its SubscribeURL answered.
        self.confirmed: dict[str, str] = {}
        #: Exceptions raised while handling a request (answered 599).
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}{path}"

    def script(self, path: str, statuses: list[int], then: int = 200) -> None:
        with self.lock:
            self.scripts[path] = Script(list(statuses), then)

    def notifications(self, path: str) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if r.path == path and r.message.get("Type") == "Notification"
            ]

    def plain(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path and "Type" not in r.message]

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        at = time.monotonic()
        message = json.loads(body)
        kind = headers.get("x-amz-sns-message-type")
        if kind is None:
            return self._record(Received(at, path, headers, message, False, 200))
        verified = self.checker.verify(message)
        if not verified:
            return self._record(Received(at, path, headers, message, False, 400))
        if kind == "SubscriptionConfirmation":
            answer = httpx.get(
                message["SubscribeURL"],
                headers={"Accept": "application/json"},
                timeout=5.0,
                trust_env=False,
            )
            if answer.status_code == 200:
                with self.lock:
                    self.confirmed[path] = answer.json()["SubscriptionArn"]
            return self._record(Received(at, path, headers, message, True, answer.status_code))
        with self.lock:
            script = self.scripts.setdefault(path, Script())
            status = script.statuses.pop(0) if script.statuses else script.then
        return self._record(Received(at, path, headers, message, True, status))

    def _record(self, received: Received) -> int:
        with self.lock:
            self.received.append(received)
        return received.answered


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            status = self.server.receiver.handle(self.path, headers, body)
        except Exception as exc:  # shown to the test as a 599 answer
            self.server.receiver.errors.append(repr(exc))
            status = 599
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@contextlib.contextmanager
def running_receiver(
    checker: SignatureChecker, tls: ssl.SSLContext | None = None
) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (HTTPS when ``tls`` is given), stopped on exit."""
    server = _Server(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver = Receiver(server, "https" if tls else "http", checker)
    server.receiver = receiver
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- SMTP ----------------------------------------------------------------------------------


class MailCatcher:
    """aiosmtpd handler keeping each mail's raw content."""

    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(envelope.content)
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def running_mail_server() -> Iterator[tuple[int, MailCatcher]]:
    """A plain SMTP server (no TLS, no login) on 127.0.0.1: (port, catcher)."""
    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, catcher
    finally:
        controller.stop()
