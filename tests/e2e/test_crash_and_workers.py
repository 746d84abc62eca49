"""Acceptance: nothing committed is lost when the server is killed mid-delivery, and
several workers on one database send each lifecycle event once.

* A rule sends custom events to a queue; 300 events are put and the server is killed with
  SIGKILL while it routes and delivers them. After a restart every event that PutEvents
  accepted reaches the queue, exactly once (queue deliveries commit with their invocation).
* Two ``certherd worker`` processes and the server, on one PostgreSQL database and on
  simulated time, tick the lifecycle at the same moments: each certificate's Approaching
  Expiration event of the day exists once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import CLI, Server, clean_env, cli, cli_json, running_server
from test_cli_lifecycle_events import write_bundle

EVENTS = 300
START = datetime(2026, 3, 1, tzinfo=UTC)


def api(server: Server) -> httpx.Client:
    token = json.loads(server.credentials_file.read_text())["token"]
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    )


def put_events(client: httpx.Client, first: int, count: int) -> list[str]:
    entries = [
        {"Source": "shop.orders", "DetailType": "Order Placed", "Detail": json.dumps({"n": n})}
        for n in range(first, first + count)
    ]
    response = client.post("/v1/events", json={"Entries": entries})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["FailedEntryCount"] == 0, body
    return [entry["EventId"] for entry in body["Entries"]]


def received_ids(server: Server, queue: str, expected: int, timeout: float = 60.0) -> list[str]:
    """Event ids of the messages on the queue (deleting them), until ``expected`` arrived."""
    ids: list[str] = []
    deadline = time.monotonic() + timeout
    while len(ids) < expected and time.monotonic() < deadline:
        batch = cli_json(server, "queue", "receive", queue, "--delete", "--wait", "1")["Messages"]
        ids.extend(json.loads(m["Body"])["id"] for m in batch)
    # Anything more (a duplicate) would show up now.
    ids.extend(
        json.loads(m["Body"])["id"]
        for m in cli_json(server, "queue", "receive", queue, "--delete")["Messages"]
    )
    return ids


def test_a_killed_server_loses_nothing_it_accepted(tmp_path: Path, database_url: str) -> None:
    # Short leases: what the killed server had claimed is delivered again 5 s later.
    with running_server(tmp_path, database_url, name="first", lease_seconds=5) as server:
        queue = cli_json(server, "queue", "create", "orders")
        pattern = json.dumps({"source": ["shop.orders"]})
        cli(server, "rule", "create", "orders", "--pattern", pattern)
        cli(server, "rule", "target", "add", "orders", "--id", "q", "--arn", queue["QueueArn"])
        with api(server) as client:
            accepted = [
                event_id for n in range(0, EVENTS, 10) for event_id in put_events(client, n, 10)
            ]
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=15)
    with running_server(tmp_path, database_url, name="second", lease_seconds=5) as server:
        ids = received_ids(server, "orders", EVENTS)
    assert sorted(ids) == sorted(accepted)


@pytest.mark.postgres
def test_workers_side_by_side_send_each_lifecycle_event_once(
    tmp_path: Path, postgres_url: str
) -> None:
    now = START.strftime("%Y-%m-%dT%H:%M:%SZ")
    with running_server(tmp_path, postgres_url, "--now", now) as server:
        for n in range(10):
            cert, key, chain = write_bundle(tmp_path, not_before=START, days=30 + n)
            cli(
                server, "cert", "import", "--certificate", str(cert), "--private-key", str(key),
                "--chain", str(chain),
            )  # fmt: skip
        env = clean_env(
            CERTHERD_DATABASE_URL=postgres_url,
            CERTHERD_DATA_DIR=str(server.data_dir),
            CERTHERD_NOW=now,
            CERTHERD_TICK_SECONDS="10",
        )
        workers = [
            subprocess.Popen(
                [*CLI, "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / f"worker{n}.log").open("wb"),
            )
            for n in range(2)
        ]
        try:
            # Both workers tick at start, at the same simulated instant, as the server does.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                events = cli_json(
                    server, "events", "list", "--detail-type",
                    "ACM Certificate Approaching Expiration",
                )["Events"]  # fmt: skip
                if len(events) >= 10:
                    break
                time.sleep(0.5)
            time.sleep(3)  # room for a duplicate to show up, if there were one
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                assert worker.wait(timeout=30) == 0, (tmp_path / "worker0.log").read_text()
        events = cli_json(
            server, "events", "list", "--detail-type", "ACM Certificate Approaching Expiration"
        )["Events"]
        resources = [e["Resources"][0] for e in events]
        assert len(resources) == 10
        assert len(set(resources)) == 10
