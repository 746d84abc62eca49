"""The lifecycle at scale: one daily tick over 1,000,000 certificates, then routing its events.

The certificates are the inventory benchmark's (``benchmarks/inventory.py``, reused from its
cache or loaded first): NotAfter spread uniformly from a month ago to two years ahead, four
accounts, private and imported, some exported or in use. Each repetition works on a fresh
copy of that file.

1. **Tick.** ``container.lifecycle.tick()`` with the clock at the load's instant: every
   certificate within 60 days of expiry is looked at; Approaching Expiration and Expired
   events are written to the outbox with their ledger entries, due renewal attempts are
   made (they fail here: the benchmark's CAs do not exist), expired certificates are
   marked. The first tick after the load also catches up the month of certificates that
   expired unannounced; a second tick a day later shows the steady state.
   Baseline: the least storage work for the same outcome, by hand through ``sqlite3`` on a
   copy of the same file: select the same candidate rows, insert as many ledger rows and
   outbox rows (of the same size) in one transaction.
2. **Routing.** 1,000 rules on each account's default bus (60% exact, 10% prefix, 10%
   numeric range, 10% anything-but, 10% exists or wildcard, scoped as real rules are), then
   ``router.route_all``: every event of the tick matched against its bus's rules, one
   invocation written per matching target. Baseline: the same events matched against the
   same rules with ``RuleIndex`` alone, in memory (JSON parsing included).
3. **PutEvents to a queue.** With the workers running, ``--latency-events`` events are put
   at 100 per second on a bus whose rule targets a queue, and received by a long-polling
   receiver; the latency from put to receipt is reported (p50, p99). Baseline: the same
   messages sent straight to a queue and received the same way.

Goals (SQLite): the tick under 60 s; routing at least 10,000 events/s; PutEvents-to-queue
p99 under 250 ms.

    python benchmarks/lifecycle.py                 # 3 repetitions on 1,000,000 rows
    python benchmarks/lifecycle.py --rows 100000 --db /tmp/inv-100k.db --repeats 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import inventory

from certherd.bootstrap import Container, build
from certherd.config import load_settings
from certherd.domain.clock import FixedClock
from certherd.patterns import RuleIndex

TICK_GOAL_S = 60.0
ROUTING_GOAL = 10_000.0
LATENCY_GOAL_MS = 250.0
RULES_PER_BUS = 1000
APPROACHING = "ACM Certificate Approaching Expiration"
EXPIRED = "ACM Certificate Expired"
AVAILABLE = "ACM Certificate Available"
ACTION_REQUIRED = "ACM Certificate Renewal Action Required"
DETAIL_TYPES = (APPROACHING, EXPIRED, AVAILABLE, ACTION_REQUIRED)


@contextlib.contextmanager
def copy_of(db: Path) -> Iterator[Path]:
    """A scratch copy of the SQLite file (the tick writes), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="certherd-bench-lifecycle-") as tmp:
        target = Path(tmp) / "certherd.db"
        shutil.copyfile(db, target)
        yield target


def container_on(path: Path, clock: FixedClock) -> Container:
    settings = load_settings(
        env={},
        overrides={
            "data_dir": path.parent,
            "database_url": f"sqlite:///{path}",
            "master_key": inventory.MASTER_KEY,
            "region": inventory.REGION,
            "workers": False,
        },
    )
    return build(settings, clock=clock)


# -- 1. the tick -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickFigures:
    seconds: float
    certificates: int
    events: int
    renewals: int
    expired: int


def certherd_tick(container: Container, at: datetime) -> TickFigures:
    started = time.perf_counter()
    report = container.lifecycle.tick(at)
    elapsed = time.perf_counter() - started
    return TickFigures(
        elapsed, report.certificates, report.events, report.renewals_attempted, report.expired
    )


def raw_tick(path: Path, at: datetime, events: int, envelope_bytes: int) -> float:
    """The storage floor: read the candidates, write ``events`` ledger and outbox rows."""
    horizon = inventory.sqlite_text(at + timedelta(days=61))
    now = inventory.sqlite_text(at)
    body = "x" * envelope_bytes
    started = time.perf_counter()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT * FROM certificates WHERE status = 'ISSUED' AND not_after <= ? "
            "ORDER BY not_after, id",
            (horizon,),
        ).fetchall()
        ids = [row[0] for row in rows][:events] or ["none"]
        conn.executemany(
            "INSERT INTO lifecycle_ledger (subject_id, kind, occasion, account, event_id, "
            "created_at) VALUES (?, 'raw', ?, '111111111111', ?, ?)",
            ((ids[i % len(ids)], str(i), str(uuid.uuid4()), now) for i in range(events)),
        )
        conn.executemany(
            "INSERT INTO events (id, account, bus, source, detail_type, resource, time, "
            "ingested_at, envelope) "
            "VALUES (?, '111111111111', 'default', 'aws.acm', ?, ?, ?, ?, ?)",
            (
                (str(uuid.uuid4()), APPROACHING, ids[i % len(ids)], now, now, body)
                for i in range(events)
            ),
        )
        conn.execute("ROLLBACK")  # the copy is used again by certherd
    return time.perf_counter() - started


# -- 2. routing --------------------------------------------------------------------------------


def make_rules(
    rng: random.Random, account: str, arns: list[str], names: list[str]
) -> list[dict[str, Any]]:
    """``RULES_PER_BUS`` patterns for one account's bus, the mix of benchmarks/patterns.py,
    over this database's certificates (ARNs and names sampled from it)."""
    kinds = ["exact"] * 6 + ["prefix", "numeric", "anything-but", "exists-or-wildcard"]
    teams = inventory.TEAMS
    rules: list[dict[str, Any]] = []
    for n in range(RULES_PER_BUS):
        kind = kinds[n % len(kinds)]
        detail_type = rng.choice(DETAIL_TYPES)
        arn, name = rng.choice(arns), rng.choice(names)
        team = rng.choice(teams)
        if kind == "exact":
            shape = n % 3
            if shape == 0:
                rules.append(
                    {"source": ["aws.acm"], "detail-type": [detail_type], "resources": [arn]}
                )
            elif shape == 1:
                rules.append({"detail-type": [detail_type], "detail": {"CommonName": [name]}})
            else:
                rules.append(
                    {
                        "source": ["aws.acm"],
                        "account": [account],
                        "detail-type": [ACTION_REQUIRED],
                        "detail": {"CommonName": [name]},
                    }
                )
        elif kind == "prefix":
            rules.append(
                {
                    "detail-type": [detail_type],
                    "detail": {"CommonName": [{"prefix": name.split(".")[0] + "."}]},
                }
            )
        elif kind == "numeric":
            low = rng.randrange(0, 45)
            rules.append(
                {
                    "detail-type": [APPROACHING],
                    "detail": {
                        "DaysToExpiry": [{"numeric": [">", low, "<=", low + 1]}],
                        "CommonName": [{"suffix": f".{team}.example.internal"}],
                    },
                }
            )
        elif kind == "anything-but":
            rules.append(
                {"detail-type": [{"anything-but": [AVAILABLE, EXPIRED]}], "resources": [arn]}
            )
        elif n % 2:
            rules.append(
                {
                    "detail-type": [EXPIRED],
                    "detail": {
                        "CommonName": [
                            {"wildcard": f"{name.split('.')[0]}*.{team}.example.internal"}
                        ]
                    },
                }
            )
        else:
            rules.append(
                {
                    "detail-type": [ACTION_REQUIRED],
                    "resources": [arn],
                    "detail": {"RenewalStatusReason": [{"exists": True}]},
                }
            )
    # And the rules every team has: everything that needs a person, to the on-call queue.
    rules[-1] = {"source": ["aws.acm"], "detail-type": [ACTION_REQUIRED, EXPIRED]}
    return rules


def sample_names(
    path: Path, account: str, k: int, rng: random.Random
) -> tuple[list[str], list[str]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT arn, domain_name FROM certificates "
            "WHERE account = ? AND rowid % 97 = 0 LIMIT 20000",
            (account,),
        ).fetchall()
    picked = rng.sample(rows, min(k, len(rows)))
    return [r[0] for r in picked], [r[1] for r in picked]


def install_rules(
    container: Container, path: Path, rng: random.Random
) -> dict[str, list[dict[str, Any]]]:
    by_account: dict[str, list[dict[str, Any]]] = {}
    for account, _ in inventory.ACCOUNTS:
        arns, names = sample_names(path, account, 400, rng)
        patterns = make_rules(rng, account, arns, names)
        queue = f"arn:aws:sqs:{inventory.REGION}:{account}:bench-{account}"
        for n, pattern in enumerate(patterns):
            name = f"bench-{n:04d}"
            container.rules.put_rule(account=account, name=name, event_pattern=json.dumps(pattern))
            container.rules.put_targets(
                account=account, rule=name, targets=[{"Id": "q", "Arn": queue}]
            )
        by_account[account] = patterns
    return by_account


def outbox_envelopes(path: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "SELECT account, envelope FROM events WHERE routed_at IS NULL ORDER BY seq"
        ).fetchall()


def raw_match(
    rules: dict[str, list[dict[str, Any]]], envelopes: list[tuple[str, str]]
) -> tuple[float, int]:
    indexes = {}
    for account, patterns in rules.items():
        index = RuleIndex()
        for n, pattern in enumerate(patterns):
            index.add(n, pattern)
        indexes[account] = index
    started = time.process_time()
    matches = 0
    for account, envelope in envelopes:
        matches += len(indexes[account].match(json.loads(envelope)))
    return time.process_time() - started, matches


def count_invocations(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM invocations").fetchone()[0])


# -- 3. PutEvents to a queue --------------------------------------------------------------------

LATENCY_RATE = 100.0  # events per second


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    received: int


def _receiver(
    container: Container, account: str, queue: str, expected: int, seen: list[float]
) -> None:
    """Long-poll ``queue`` until ``expected`` messages arrived; record each one's latency."""
    deadline = time.monotonic() + expected / LATENCY_RATE + 30
    while len(seen) < expected and time.monotonic() < deadline:
        batch = container.queues.receive(
            account=account, name=queue, max_messages=10, wait_seconds=1
        )
        arrived = time.perf_counter()
        for message in batch:
            body = json.loads(message.body)
            sent = body["detail"]["sent"] if "detail" in body else body["sent"]
            seen.append((arrived - sent) * 1000)
        if batch:
            container.queues.delete_message_batch(
                account=account,
                name=queue,
                entries=[(str(n), m.receipt_handle) for n, m in enumerate(batch)],
            )


def measure_latency(count: int, *, through_bus: bool) -> Latency:
    """Put ``count`` events (or, for the baseline, queue messages) at 100 per second with
    the workers running; the latency of each from put to receipt."""
    from certherd.domain.events import PutEventsEntry
    from certherd.entrypoints.worker import build_worker
    from certherd.services.queue_messaging import Outgoing

    account = inventory.ACCOUNTS[0][0]
    with tempfile.TemporaryDirectory(prefix="certherd-bench-latency-") as tmp:
        settings = load_settings(
            env={},
            overrides={
                "data_dir": Path(tmp),
                "master_key": inventory.MASTER_KEY,
                "region": inventory.REGION,
                "workers": False,
            },
        )
        container = build(settings)
        worker = build_worker(container)
        try:
            queue = container.queues.create(account=account, name="latency")
            pattern = json.dumps({"source": ["bench.latency"]})
            container.rules.put_rule(account=account, name="latency", event_pattern=pattern)
            container.rules.put_targets(
                account=account,
                rule="latency",
                targets=[{"Id": "q", "Arn": container.queues.arn(queue)}],
            )
            worker.start()
            seen: list[float] = []
            receiver = threading.Thread(
                target=_receiver, args=(container, account, "latency", count, seen)
            )
            receiver.start()
            start = time.perf_counter()
            for n in range(count):
                pause = start + n / LATENCY_RATE - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                detail = json.dumps({"n": n, "sent": time.perf_counter()})
                if through_bus:
                    container.event_bus.put_events(
                        account=account,
                        entries=[
                            PutEventsEntry(
                                source="bench.latency", detail_type="Tick", detail=detail
                            )
                        ],
                    )
                else:
                    container.queues.send(
                        account=account, name="latency", message=Outgoing(body=detail)
                    )
            receiver.join()
        finally:
            worker.stop()
            container.close()
    ordered = sorted(seen)
    if not ordered:
        return Latency(float("nan"), float("nan"), 0)
    return Latency(
        ordered[len(ordered) // 2],
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        len(ordered),
    )


# -- the runs -----------------------------------------------------------------------------------


@dataclass
class Repetition:
    first: TickFigures
    second: TickFigures
    raw_tick: float
    prepare_seconds: float
    route_seconds: float
    route_cpu: float
    routed: int
    invocations: int
    raw_match_seconds: float
    raw_matches: int


def repetition(db: Path, loaded_at: datetime, seed: int) -> Repetition:
    rng = random.Random(seed)
    with copy_of(db) as path:
        clock = FixedClock(loaded_at)
        container = container_on(path, clock)
        try:
            rules = install_rules(container, path, rng)
            first = certherd_tick(container, loaded_at)
            envelopes = outbox_envelopes(path)
            average = int(statistics.fmean(len(e) for _, e in envelopes)) if envelopes else 600
            raw = raw_tick(path, loaded_at, first.events, average)
            # As a worker does when it starts: the rule indexes are built before events come.
            started = time.perf_counter()
            container.router.prepare()
            prepare_seconds = time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            routed = container.router.route_all(loaded_at)
            route_seconds = time.perf_counter() - started
            route_cpu = time.process_time() - cpu
            match_seconds, matches = raw_match(rules, envelopes)
            invocations = count_invocations(path)
            clock.set(loaded_at + timedelta(days=1))
            second = certherd_tick(container, loaded_at + timedelta(days=1))
        finally:
            container.close()
    return Repetition(
        first,
        second,
        raw,
        prepare_seconds,
        route_seconds,
        route_cpu,
        routed,
        invocations,
        match_seconds,
        matches,
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(runs: list[Repetition]) -> None:
    med = statistics.median
    tick = med(r.first.seconds for r in runs)
    raw = med(r.raw_tick for r in runs)
    steady = med(r.second.seconds for r in runs)
    first = runs[0].first
    print(
        f"tick (first after load): {tick:.1f} s for {first.certificates:,} certificates in "
        f"the window, {first.events:,} events, {first.renewals:,} renewal attempts, "
        f"{first.expired:,} expired; raw storage floor {raw:.1f} s; ratio raw/certherd "
        f"{raw / tick:.2f} (goal: under {TICK_GOAL_S:.0f} s: {verdict(tick < TICK_GOAL_S)})"
    )
    second = runs[0].second
    print(f"tick (the next day): {steady:.1f} s, {second.events:,} events")
    rate = med(r.routed / r.route_seconds for r in runs)
    cpu_rate = med(r.routed / r.route_cpu for r in runs)
    raw_rate = med(r.routed / r.raw_match_seconds for r in runs)
    print(
        f"routing: {rate:,.0f} events/s wall-clock, {cpu_rate:,.0f}/s of CPU time "
        f"({runs[0].routed:,} events against {RULES_PER_BUS:,} rules per bus, "
        f"{runs[0].invocations:,} invocations written); RuleIndex alone (CPU time) "
        f"{raw_rate:,.0f} events/s; CPU ratio {cpu_rate / raw_rate:.2f}; indexes of "
        f"{len(inventory.ACCOUNTS) * RULES_PER_BUS:,} rules built in "
        f"{med(r.prepare_seconds for r in runs):.1f} s beforehand "
        f"(goal: at least {ROUTING_GOAL:,.0f}/s: {verdict(rate >= ROUTING_GOAL)})"
    )


def latency(count: int, repeats: int) -> None:
    through_bus: list[Latency] = []
    direct: list[Latency] = []
    for n in range(repeats):
        direct.append(measure_latency(count, through_bus=False))
        through_bus.append(measure_latency(count, through_bus=True))
        print(
            f"  latency run {n + 1}: PutEvents->queue p50 {through_bus[-1].p50_ms:.0f} ms, "
            f"p99 {through_bus[-1].p99_ms:.0f} ms ({through_bus[-1].received}/{count}); "
            f"queue alone p50 {direct[-1].p50_ms:.0f} ms, p99 {direct[-1].p99_ms:.0f} ms",
            flush=True,
        )
    med = statistics.median
    p50, p99 = med(r.p50_ms for r in through_bus), med(r.p99_ms for r in through_bus)
    base50, base99 = med(r.p50_ms for r in direct), med(r.p99_ms for r in direct)
    print(
        f"PutEvents to a queue at {LATENCY_RATE:.0f} events/s: p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
        f"sending to the queue directly: p50 {base50:.0f} ms, p99 {base99:.0f} ms; ratio of "
        f"p99s {p99 / base99:.1f} (goal: p99 under {LATENCY_GOAL_MS:.0f} ms: "
        f"{verdict(p99 < LATENCY_GOAL_MS)})",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "certherd-bench-inventory.db"
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--latency-events", type=int, default=1000, help="events put at 100/s (0: skip)"
    )
    parser.add_argument("--skip-tick", action="store_true", help="only the latency part")
    args = parser.parse_args(argv)
    db = args.db.expanduser().absolute()
    spec = inventory.LoadSpec(rows=args.rows, seed=args.seed, batch=20_000)
    print(
        f"lifecycle: {args.rows:,} certificates ({os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, SQLite {sqlite3.sqlite_version})"
    )
    if args.latency_events > 0:
        latency(args.latency_events, args.repeats)
    if args.skip_tick:
        return 0
    loaded_at = inventory.cached_instant(db, spec) or inventory.load(db, spec)
    runs = []
    for n in range(args.repeats):
        run = repetition(db, loaded_at, args.seed + n)
        print(
            f"  run {n + 1}: tick {run.first.seconds:.1f} s (raw {run.raw_tick:.1f} s), "
            f"next day {run.second.seconds:.1f} s; routing {run.routed / run.route_seconds:,.0f} "
            f"events/s ({run.routed / run.route_cpu:,.0f}/s CPU; RuleIndex alone "
            f"{run.routed / run.raw_match_seconds:,.0f}/s CPU)",
            flush=True,
        )
        runs.append(run)
    report(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
