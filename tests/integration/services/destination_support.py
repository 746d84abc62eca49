"""A local HTTP server for the HTTP destination tests: it records every request and answers
each path with what its responder says (an OAuth token endpoint, a receiver that refuses a
token once, ...)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


Responder = Callable[[Seen], tuple[int, str]]


class Server:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.responders: dict[str, Responder] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Seen(
                    self.command,
                    parts.path,
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                with server._lock:
                    server.seen.append(request)
                    responder = server.responders.get(parts.path)
                    status, body = responder(request) if responder else (200, "{}")
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def serve(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_server() -> Iterator[Server]:
    server = Server()
    server.serve()
    try:
        yield server
    finally:
        server.close()


def token_endpoint(client_id: str, secret: str, *, expires_in: int = 3600) -> Responder:
    """Issues ``token-1``, ``token-2``... to a client authenticating with HTTP Basic."""
    import base64

    issued = 0
    expected = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()

    def respond(request: Seen) -> tuple[int, str]:
        nonlocal issued
        if request.headers.get("authorization") != expected:
            return 401, '{"error": "invalid_client"}'
        if b"grant_type=client_credentials" not in request.body:
            return 400, '{"error": "unsupported_grant_type"}'
        issued += 1
        return 200, json.dumps({"access_token": f"token-{issued}", "expires_in": expires_in})

    return respond


def bearer_receiver(*, refuse: set[str]) -> Responder:
    """201 to a request with a bearer token, 401 when the token is in ``refuse``."""

    def respond(request: Seen) -> tuple[int, str]:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") in refuse:
            return 401, '{"message": "Bad credentials"}'
        return 201, '{"number": 1}'

    return respond
