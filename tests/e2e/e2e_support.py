"""Running ``certherd serve`` and the ``certherd`` CLI as subprocesses, as users do
(imported by name: the e2e conftest puts this folder on sys.path)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CLI = [sys.executable, "-m", "certherd.entrypoints.cli.main"]
START_TIMEOUT = 60.0


@dataclass
class Server:
    url: str
    data_dir: Path
    database_url: str
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "credentials.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any CERTHERD_* setting, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CERTHERD_")}
    # Tables as wide as their contents, whatever terminal (or none) the tests run in.
    env["COLUMNS"] = "250"
    env.update(extra)
    return env


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"certherd serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"certherd serve did not become healthy in {START_TIMEOUT}s:\n{log.read_text()}")


@contextlib.contextmanager
def running_server(
    base: Path,
    database_url: str,
    *extra_args: str,
    name: str = "server",
    lease_seconds: int | None = None,
    **settings: str,
) -> Iterator[Server]:
    """``certherd serve`` on a free port with the data dir ``base/data`` (kept across
    restarts) and the given database; stopped (SIGTERM, then SIGKILL) on exit.
    ``lease_seconds`` sets CERTHERD_DELIVERY_LEASE_SECONDS; ``settings`` are more
    ``CERTHERD_*`` variables for its environment."""
    port = free_port()
    data_dir = base / "data"
    log = base / f"{name}.log"
    args = [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    with log.open("ab") as log_stream:
        process = subprocess.Popen(
            [*args, *extra_args],
            env=clean_env(
                CERTHERD_DATABASE_URL=database_url,
                **(
                    {}
                    if lease_seconds is None
                    else {"CERTHERD_DELIVERY_LEASE_SECONDS": str(lease_seconds)}
                ),
                **settings,
            ),
            stdout=log_stream,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, log)
        yield Server(
            url=url, data_dir=data_dir, database_url=database_url, log=log, process=process
        )
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def cli(
    server: Server, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``certherd ARGS`` as a user on the server's machine would (data dir set)."""
    environment = env if env is not None else clean_env(CERTHERD_DATA_DIR=str(server.data_dir))
    result = subprocess.run(
        [*CLI, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert result.returncode == 0, (
            f"certherd {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def cli_json(server: Server, *args: str) -> Any:
    return json.loads(cli(server, *args, "--output", "json").stdout)
