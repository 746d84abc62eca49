"""Acceptance: an HTTP destination with OAuth client credentials, against a running
``certherd serve`` and a local token endpoint and receiver. The
token is fetched, cached, refreshed after a 401, and the body the rule's input transformer
made arrives.

It runs on SQLite only: what it stores is covered on both databases by the service
tests, and a server on PostgreSQL adds minutes to the suite, not coverage.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from e2e_support import Server, clean_env, cli, cli_json, running_server

CLIENT_SECRET = "e2e-client-secret-2f7c"
WAIT_SECONDS = 30.0
TRANSFORMER = {
    "InputPathsMap": {"cert": "$.detail.certificate", "days": "$.detail.days"},
    "InputTemplate": '{"title": "Renew <cert>", "body": "<cert> expires in <days> days", '
    '"labels": ["certificates"]}',
}


class Endpoints:
    """A token endpoint (``/token``: ``token-1``, ``token-2`` ... for the right client) and a
    receiver (``/issues``: 201 for a token not in ``refused``, 401 otherwise)."""

    def __init__(self) -> None:
        self.tokens = 0
        self.refused: set[str] = set()
        self.issues: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        with self.lock:
            if path == "/token":
                basic = base64.b64encode(f"certherd:{CLIENT_SECRET}".encode()).decode()
                if headers.get("authorization") != f"Basic {basic}":
                    return 401, "{}"
                self.tokens += 1
                return 200, json.dumps({"access_token": f"token-{self.tokens}", "expires_in": 3600})
            token = headers.get("authorization", "").removeprefix("Bearer ")
            self.issues.append((token, json.loads(body)))
            return (401, "{}") if token in self.refused else (201, '{"number": 7}')


@contextmanager
def endpoints() -> Iterator[tuple[Endpoints, int]]:
    state = Endpoints()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, text = state.answer(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _put(server: Server, certificate: str, days: int) -> None:
    cli(
        server, "events", "put", "--source", "my.app", "--detail-type", "Expiring",
        "--detail", json.dumps({"certificate": certificate, "days": days}),
    )  # fmt: skip


def test_an_oauth_destination_through_the_cli(tmp_path: Path, sqlite_url: str) -> None:
    with endpoints() as (state, port), running_server(tmp_path, sqlite_url) as server:
        env = clean_env(CERTHERD_DATA_DIR=str(server.data_dir), GH_SECRET=CLIENT_SECRET)
        connection = json.loads(
            cli(
                server, "connection", "create", "github", "--auth", "oauth",
                "--token-endpoint", f"http://127.0.0.1:{port}/token", "--client-id", "certherd",
                "--secret-env", "GH_SECRET", "--oauth-body", "scope=issues",
                "--output", "json", env=env,
            ).stdout
        )  # fmt: skip
        assert connection["ConnectionState"] == "AUTHORIZING"
        described = cli(server, "connection", "describe", "github").stdout
        assert CLIENT_SECRET not in described
        destination = cli_json(
            server, "destination", "create", "issues", "--connection", "github",
            "--endpoint", f"http://127.0.0.1:{port}/issues", "--rate", "50",
        )  # fmt: skip
        assert destination["InvocationRateLimitPerSecond"] == 50
        cli(server, "rule", "create", "tickets", "--pattern", '{"source": ["my.app"]}')
        cli(
            server, "rule", "target", "add", "tickets", "--id", "gh",
            "--arn", destination["ApiDestinationArn"],
            "--input-transformer", json.dumps(TRANSFORMER),
        )  # fmt: skip

        _put(server, "db.example.com", 7)
        _until(lambda: state.issues, "the first issue")
        assert state.issues[0] == (
            "token-1",
            {
                "title": "Renew db.example.com",
                "body": "db.example.com expires in 7 days",
                "labels": ["certificates"],
            },
        )
        assert cli_json(server, "connection", "describe", "github")["ConnectionState"] == (
            "AUTHORIZED"
        )

        _put(server, "web.example.com", 3)
        _until(lambda: len(state.issues) >= 2, "the second issue")
        assert state.issues[1][0] == "token-1"
        assert state.tokens == 1  # cached

        state.refused.add("token-1")
        _put(server, "mail.example.com", 1)
        _until(lambda: len(state.issues) >= 4, "the refused issue sent again")
        assert [token for token, _ in state.issues[2:]] == ["token-1", "token-2"]
        assert state.issues[3][1]["title"] == "Renew mail.example.com"
        assert state.tokens == 2

        listed = cli(server, "destination", "list").stdout
        assert "issues" in listed
        refused = cli(
            server, "destination", "create", "meta", "--connection", "github",
            "--endpoint", "http://169.254.169.254/latest/meta-data/", check=False,
        )  # fmt: skip
        assert refused.returncode != 0
        assert "InvocationEndpoint" in refused.stderr + refused.stdout
