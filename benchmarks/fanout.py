"""Fan-out from a topic to http subscribers: deliveries per second, and latency at 100/s.

Each repetition builds a fresh certherd (``bootstrap.build`` on an empty SQLite data
directory, workers off) with one topic and ``--subscriptions`` (10) http subscriptions,
confirmed through the real handshake, all pointing at one local receiver. The receiver is a
real HTTP/1.1 server in another process, so that it does not compete with certherd for the
GIL: by default a minimal asyncio server (keep-alive, Content-Length bodies, answers 200 at
once), or with ``--receiver uvicorn`` a bare ASGI app under uvicorn (h11). It notes the
arrival time of every request with the ``x-amz-sns-message-id`` header it carried.

1. **Throughput.** ``--messages`` (10,000) messages are published with PublishBatch, 10 per
   call (``container.publisher.publish_batch``), then ``topic_delivery.deliver_due`` runs
   in a loop, as the ``notifications`` job of the worker does (``certherd serve`` runs one
   worker thread; each batch is sent by the delivery worker's thread pool), until every
   delivery is DELIVERED. Every attempt is recorded as in production.
   Baseline: the same receiver hit directly by the same sender (the container's
   ``AiohttpSender``) in batches of the delivery worker's size, each sent at once as the
   worker sends them, as many POSTs with the body and headers of a real notification: what
   the channel alone can do. The ratio says what certherd's bookkeeping costs.
2. **Latency.** With the real worker loop running (``entrypoints.worker.build_worker``, in
   a thread), messages are published one per call (``publisher.publish``) at ``--rate``
   (100) per second for ``--latency-seconds`` (20); the latency of a delivery is its
   arrival time at the receiver minus the time the publish call began, p50 and p99 over
   all deliveries. Baseline: the same number of POSTs per tick sent straight through the
   same sender and pool, timed the same way.

Goals: at least 2,000 deliveries/s; p99 under 250 ms (SNS to Lambda is about 225 ms).

    python benchmarks/fanout.py                    # 3 repetitions of each
    python benchmarks/fanout.py --quick            # a smoke run: 1 x 1,000 messages, 5 s
    python benchmarks/fanout.py --profile          # plus a cProfile of one delivery loop
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

# certherd is imported where it is used: the receiver's process runs this file too.
ACCOUNT = "123456789012"
MASTER_KEY = "YmVuY2htYXJrLW9ubHktbm90LWEtcmVhbC1rZXkhISE="
THROUGHPUT_GOAL = 2000.0
LATENCY_GOAL_MS = 250.0
_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


# -- the receiver (its own process) ------------------------------------------------------------


class _Record:
    """What the receiver saw: (message id, arrival time) per request, the confirmation
    requests' bodies and one notification (headers and body) as a sample."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []
        self.confirmations: list[str] = []
        self.sample: dict[str, Any] | None = None

    def post(self, headers: dict[str, str], body: bytes) -> None:
        self.arrivals.append((headers.get("x-amz-sns-message-id", ""), time.time()))
        kind = headers.get("x-amz-sns-message-type")
        if kind == "SubscriptionConfirmation":
            self.confirmations.append(body.decode())
        elif kind == "Notification" and self.sample is None:
            self.sample = {"headers": headers, "body": body.decode()}

    def control(self, path: str) -> bytes:
        if path == "/_count":
            return str(len(self.arrivals)).encode()
        if path == "/_arrivals":
            return json.dumps(self.arrivals).encode()
        if path == "/_confirmations":
            found, self.confirmations = self.confirmations, []
            return json.dumps(found).encode()
        if path == "/_sample":
            return json.dumps(self.sample).encode()
        if path == "/_reset":
            self.arrivals = []
            return b"0"
        return b""


class _AsyncioHttp(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length bodies: all a delivery needs."""

    def __init__(self, record: _Record) -> None:
        self._record = record
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self._buffer[:end].decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            assert self._transport is not None
            if path.startswith("/_"):
                answer = self._record.control(path)
                self._transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(answer) + answer
                )
            else:
                if method == "POST":
                    self._record.post(headers, body)
                self._transport.write(_OK)


def _asgi_app(record: _Record) -> Callable[..., Any]:
    async def app(
        scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        path = scope["path"]
        answer = b""
        if path.startswith("/_"):
            answer = record.control(path)
        elif scope["method"] == "POST":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            record.post(headers, body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": answer})

    return app


def serve_receiver(kind: str) -> None:
    """Serve on 127.0.0.1 (a free port, printed first) until stdin closes."""
    import socket

    record = _Record()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(sock.getsockname()[1], flush=True)
    if kind == "uvicorn":
        import uvicorn

        config = uvicorn.Config(
            _asgi_app(record), log_level="error", access_log=False, http="h11", lifespan="off"
        )
        server = uvicorn.Server(config)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        server.run(sockets=[sock])
        return

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _AsyncioHttp(record), sock=sock)
        closed = loop.run_in_executor(None, sys.stdin.read)
        async with server:
            await closed

    asyncio.run(main())


class Receiver:
    """The receiver process, seen from the benchmark."""

    def __init__(self, kind: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--serve-receiver", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())
        self._control = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> Any:
        return json.loads(self._control.get(path).content)

    def count(self) -> int:
        return int(self.get("/_count"))

    def reset(self) -> None:
        self.get("/_reset")

    def close(self) -> None:
        self._control.close()
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()


# -- certherd ------------------------------------------------------------------------------------


@contextlib.contextmanager
def certherd(receiver: Receiver, subscriptions: int) -> Iterator[tuple[Any, str]]:
    """A fresh certherd with a topic whose ``subscriptions`` http subscribers are confirmed;
    yields (container, topic ARN)."""
    from certherd.bootstrap import build
    from certherd.config import load_settings
    from certherd.services.topics import Caller

    with tempfile.TemporaryDirectory(prefix="certherd-bench-fanout-") as tmp:
        settings = load_settings(
            env={},
            overrides={"data_dir": Path(tmp), "master_key": MASTER_KEY, "workers": False},
        )
        container = build(settings)
        try:
            caller = Caller.of_account(ACCOUNT)
            topic = container.topics.create(ACCOUNT, "fanout").arn
            for n in range(subscriptions):
                container.subscriptions.subscribe(caller, topic, "http", receiver.url(f"/s{n}"))
            drain(container)
            for body in receiver.get("/_confirmations"):
                url = json.loads(body)["SubscribeURL"]
                container.subscriptions.confirm(topic, parse_qs(urlsplit(url).query)["Token"][0])
            yield container, topic
        finally:
            container.close()


def drain(container: Any) -> int:
    """Deliver until nothing is due; how many deliveries were claimed."""
    claimed = 0
    while count := container.topic_delivery.deliver_due(container.clock.now()):
        claimed += count
    return claimed


def publish_batches(container: Any, topic: str, count: int, tag: str) -> None:
    from certherd.services.publishing import PublishEntry
    from certherd.services.topics import Caller

    caller = Caller.of_account(ACCOUNT)
    for start in range(0, count, 10):
        entries = [
            PublishEntry(id=str(n), message=json.dumps({"n": n, "run": tag, "text": "x" * 200}))
            for n in range(start, min(start + 10, count))
        ]
        result = container.publisher.publish_batch(caller, topic, entries)
        assert not result.failed, result.failed


def states(container: Any) -> dict[str, int]:
    with container.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT state, count(*) FROM topic_deliveries WHERE kind = 'Notification' "
            "GROUP BY state"
        ).all()
        attempts = conn.exec_driver_sql("SELECT count(*) FROM delivery_attempts").scalar_one()
    return {**{row[0]: row[1] for row in rows}, "attempts": attempts}


# -- 1. throughput ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    deliveries: int
    seconds: float
    cpu: float
    base_seconds: float
    base_cpu: float
    publish_seconds: float

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds

    @property
    def base_rate(self) -> float:
        return self.deliveries / self.base_seconds


def direct_posts(sender: Any, sample: dict[str, Any], count: int) -> tuple[float, float]:
    """The baseline: ``count`` POSTs of ``sample`` through ``sender``, in batches of the
    delivery worker's size sent at once, as the worker sends them; (wall, CPU) seconds."""
    from certherd.services.channel_ports import HttpRequest
    from certherd.services.topic_delivery import DEFAULT_BATCH

    headers = {
        k: v
        for k, v in sample["headers"].items()
        if k.startswith("x-amz-sns") or k == "content-type"
    }
    request = HttpRequest(
        url=sample["url"], body=sample["body"].encode(), headers=headers, timeout_seconds=10.0
    )
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, count, DEFAULT_BATCH):
        answers = sender.send_many([request] * min(DEFAULT_BATCH, count - start))
        assert all(getattr(answer, "status_code", None) == 200 for answer in answers), answers
    return time.perf_counter() - started, time.process_time() - cpu


def throughput(receiver: Receiver, args: argparse.Namespace, profile: bool, tag: str) -> Throughput:
    messages, subscriptions = args.messages, args.subscriptions
    with certherd(receiver, subscriptions) as (container, topic):
        sender = container.http
        # Warm-up (the signing key, connections, statement caches) and a sample notification.
        publish_batches(container, topic, 20, tag + "-warmup")
        drain(container)
        sample = receiver.get("/_sample")
        sample["url"] = receiver.url("/s0")
        expected = messages * subscriptions

        receiver.reset()
        base_seconds, base_cpu = direct_posts(sender, sample, expected)
        assert receiver.count() == expected

        started = time.perf_counter()
        publish_batches(container, topic, messages, tag)
        publish_seconds = time.perf_counter() - started

        receiver.reset()
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        claimed = drain(container)
        if profiler is not None:
            profiler.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        found = states(container)
        delivered = found.get("DELIVERED", 0) - 20 * subscriptions
        if claimed != expected or delivered != expected or receiver.count() < expected:
            raise SystemExit(
                f"not every delivery was made once: claimed {claimed}, states {found}, "
                f"received {receiver.count()} of {expected}"
            )
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())
    return Throughput(expected, seconds, cpu, base_seconds, base_cpu, publish_seconds)


# -- 2. latency ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    received: int
    expected: int


def percentiles(latencies: list[float], expected: int) -> Latency:
    ordered = sorted(latencies)
    if not ordered:
        return Latency(float("nan"), float("nan"), 0, expected)
    return Latency(
        ordered[len(ordered) // 2],
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        len(ordered),
        expected,
    )


def wait_for_count(receiver: Receiver, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while receiver.count() < expected and time.monotonic() < deadline:
        time.sleep(0.1)


def latencies(receiver: Receiver, sent: dict[str, float], expected: int) -> Latency:
    arrivals = receiver.get("/_arrivals")
    return percentiles([(at - sent[mid]) * 1000 for mid, at in arrivals if mid in sent], expected)


def paced(rate: float, seconds: float) -> Iterator[int]:
    """Tick numbers at ``rate`` per second for ``seconds``, each yielded on time."""
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        pause = start + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        yield n


def latency_certherd(receiver: Receiver, args: argparse.Namespace, tag: str) -> Latency:
    from certherd.entrypoints.worker import build_worker
    from certherd.services.topics import Caller

    subscriptions, rate, seconds = args.subscriptions, args.rate, args.latency_seconds
    with certherd(receiver, subscriptions) as (container, topic):
        publish_batches(container, topic, 20, tag + "-warmup")
        drain(container)
        caller = Caller.of_account(ACCOUNT)
        worker = build_worker(container)
        worker.start()
        try:
            receiver.reset()
            sent: dict[str, float] = {}
            for n in paced(rate, seconds):
                at = time.time()
                message = json.dumps({"n": n, "run": tag, "text": "x" * 200})
                sent[container.publisher.publish(caller, topic, message)] = at
            expected = len(sent) * subscriptions
            wait_for_count(receiver, expected, 60)
        finally:
            worker.stop()
        return latencies(receiver, sent, expected)


def latency_direct(receiver: Receiver, args: argparse.Namespace) -> Latency:
    """The baseline: ``subscriptions`` POSTs per tick straight through the sender."""
    from certherd.services.channel_ports import HttpRequest

    subscriptions, rate, seconds = args.subscriptions, args.rate, args.latency_seconds
    with certherd(receiver, subscriptions) as (container, topic):
        sender = container.http
        publish_batches(container, topic, 20, "direct-warmup")
        drain(container)
        sample = receiver.get("/_sample")
        receiver.reset()
        sent: dict[str, float] = {}
        body = sample["body"].encode()
        # Each tick's POSTs are sent at once, from a thread of their own, as a batch of
        # the delivery worker is.
        with ThreadPoolExecutor(4) as pool:
            for n in paced(rate, seconds):
                at = time.time()
                message_id = f"direct-{n}"
                headers = {**sample["headers"], "x-amz-sns-message-id": message_id}
                headers = {
                    k: v
                    for k, v in headers.items()
                    if k.startswith("x-amz-sns") or k == "content-type"
                }
                sent[message_id] = at
                pool.submit(
                    sender.send_many,
                    [
                        HttpRequest(
                            url=receiver.url(f"/s{s}"),
                            body=body,
                            headers=headers,
                            timeout_seconds=10.0,
                        )
                        for s in range(subscriptions)
                    ],
                )
        expected = len(sent) * subscriptions
        wait_for_count(receiver, expected, 60)
        return latencies(receiver, sent, expected)


# -- the runs -----------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def alone(args: argparse.Namespace) -> str:
    del args
    return "the sender alone"


def run_throughput(args: argparse.Namespace, receiver: Receiver) -> None:
    runs: list[Throughput] = []
    for n in range(args.repeats):
        run = throughput(receiver, args, args.profile and n == 0, f"t{n}")
        runs.append(run)
        print(
            f"  throughput run {n + 1}: certherd {run.rate:,.0f} deliveries/s "
            f"({run.seconds:.1f} s, CPU {run.cpu:.1f} s); {alone(args)} "
            f"{run.base_rate:,.0f} POSTs/s ({run.base_seconds:.1f} s, CPU {run.base_cpu:.1f} s); "
            f"publishing took {run.publish_seconds:.1f} s",
            flush=True,
        )
    med = statistics.median
    rate, base = med(r.rate for r in runs), med(r.base_rate for r in runs)
    us = med(r.seconds / r.deliveries * 1e6 for r in runs)
    base_us = med(r.base_seconds / r.deliveries * 1e6 for r in runs)
    cpu_us = med(r.cpu / r.deliveries * 1e6 for r in runs)
    base_cpu_us = med(r.base_cpu / r.deliveries * 1e6 for r in runs)
    publish = med(args.messages / r.publish_seconds for r in runs)
    print(
        f"throughput: certherd {rate:,.0f} deliveries/s, {alone(args)} {base:,.0f} POSTs/s, "
        f"ratio {rate / base:.2f} (goal: at least {THROUGHPUT_GOAL:,.0f}/s: "
        f"{verdict(rate >= THROUGHPUT_GOAL)})\n"
        f"            medians of {len(runs)} x {runs[0].deliveries:,}: {us:.0f} vs {base_us:.0f} "
        f"us/delivery wall-clock; CPU {cpu_us:.0f} vs {base_cpu_us:.0f} us/delivery (CPU-time "
        f"ratio {base_cpu_us / cpu_us:.2f}; per CPU-second {1e6 / cpu_us:,.0f} vs "
        f"{1e6 / base_cpu_us:,.0f}); published beforehand at {publish:,.0f} messages/s "
        f"(PublishBatch of 10)",
        flush=True,
    )


def run_latency(args: argparse.Namespace, receiver: Receiver) -> None:
    ours: list[Latency] = []
    direct: list[Latency] = []
    for n in range(args.repeats):
        direct.append(latency_direct(receiver, args))
        ours.append(latency_certherd(receiver, args, f"l{n}"))
        print(
            f"  latency run {n + 1}: certherd p50 {ours[-1].p50_ms:.0f} ms, p99 "
            f"{ours[-1].p99_ms:.0f} ms ({ours[-1].received:,}/{ours[-1].expected:,}); "
            f"{alone(args)} p50 {direct[-1].p50_ms:.0f} ms, p99 {direct[-1].p99_ms:.0f} ms",
            flush=True,
        )
    med = statistics.median
    p50, p99 = med(r.p50_ms for r in ours), med(r.p99_ms for r in ours)
    base50, base99 = med(r.p50_ms for r in direct), med(r.p99_ms for r in direct)
    print(
        f"latency at {args.rate:.0f} messages/s x {args.subscriptions} subscriptions: "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; {alone(args)}: p50 {base50:.1f} ms, "
        f"p99 {base99:.1f} ms; ratio of p99s {p99 / base99:.1f} (goal: p99 under "
        f"{LATENCY_GOAL_MS:.0f} ms: {verdict(p99 < LATENCY_GOAL_MS)})",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s (latency)")
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--receiver", choices=["asyncio", "uvicorn"], default="asyncio")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the first delivery loop")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 x 1,000 messages, 5 s of latency"
    )
    parser.add_argument("--serve-receiver", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_receiver:
        serve_receiver(args.serve_receiver)
        return 0
    if args.quick:
        args.messages, args.repeats, args.latency_seconds = 1000, 1, 5.0
    print(
        f"fanout: {args.messages:,} messages x {args.subscriptions} http subscriptions, "
        f"receiver: {args.receiver} in its own process "
        f"({os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, SQLite {sqlite3.sqlite_version})",
        flush=True,
    )
    receiver = Receiver(args.receiver)
    try:
        if not args.skip_throughput:
            run_throughput(args, receiver)
        if not args.skip_latency:
            run_latency(args, receiver)
    finally:
        receiver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
