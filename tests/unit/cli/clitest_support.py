"""A stand-in for the server: the CLI's HTTP client goes through an httpx MockTransport that
records each request and answers what the test set up, so that tests see exactly what a
command sends and how it shows the answer (the real API is the integration tests' business)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN = "chd_test"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # decoded
    raw_path: str  # as sent, percent-encoded
    params: dict[str, str]
    body: Any
    #: How long the client would wait for the answer (httpx's read timeout), in seconds.
    read_timeout: float | None = None


class FakeApi:
    """Answers per (method, path): the answers given to :meth:`answer`, one per request
    in turn, the last one again when they run out; an unknown route is a 404 problem."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._answers: dict[tuple[str, str], list[tuple[int, Any]]] = {}

    def answer(self, method: str, path: str, *bodies: Any, status: int = 200) -> None:
        self._answers[(method, path)] = [(status, body) for body in bodies or (None,)]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content) if request.content else None
        self.calls.append(
            Call(
                method=request.method,
                path=request.url.path,
                raw_path=request.url.raw_path.decode("ascii").split("?", 1)[0],
                params=dict(request.url.params),
                body=body,
                read_timeout=request.extensions.get("timeout", {}).get("read"),
            )
        )
        answers = self._answers.get((request.method, request.url.path))
        if not answers:
            problem = {"status": 404, "title": "NotFound", "detail": f"no route {request.url.path}"}
            return httpx.Response(404, json=problem)
        status, answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if answer is None:
            return httpx.Response(status)
        content_type = "application/json" if status < 400 else "application/problem+json"
        return httpx.Response(status, json=answer, headers={"Content-Type": content_type})

    @property
    def only(self) -> Call:
        assert len(self.calls) == 1, self.calls
        return self.calls[0]
