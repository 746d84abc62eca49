"""Helpers of the topic tests: a real HTTP receiver that answers as told and records what it
got, a queue subscriber's messages, and moving the clock through due deliveries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers with the next status of ``statuses`` (then 200) and records each request."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def http_receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    receiver = Receiver(statuses=list(statuses or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def deliver_all(container: Container, clock: FixedClock, *, until: timedelta) -> list[datetime]:
    """Deliver whatever is due, moving the clock a second at a time up to ``until`` later;
    return the instants at which deliveries were attempted."""
    end = clock.now() + until
    attempted: list[datetime] = []
    while True:
        if container.topic_delivery.deliver_due(clock.now()):
            attempted.append(clock.now())
            continue
        if clock.now() >= end:
            return attempted
        clock.advance(timedelta(seconds=1))


def queue_bodies(container: Container, account: str, name: str) -> list[dict[str, Any]]:
    found = []
    while batch := container.queues.receive(
        account=account,
        name=name,
        max_messages=10,
        visibility_timeout=3600,
        message_attribute_names=["All"],
    ):
        found += [
            {"body": message.body, "attributes": message.message_attributes} for message in batch
        ]
    return found
