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
    started = time.perf_counter()
    matches = 0
    for account, envelope in envelopes:
        matches += len(indexes[account].match(json.loads(envelope)))
    return time.perf_counter() - started, matches


def count_invocations(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM invocations").fetchone()[0])


# -- the runs -----------------------------------------------------------------------------------


@dataclass
class Repetition:
    first: TickFigures
    second: TickFigures
    raw_tick: float
    route_seconds: float
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
            started = time.perf_counter()
            routed = container.router.route_all(loaded_at)
            route_seconds = time.perf_counter() - started
            match_seconds, matches = raw_match(rules, envelopes)
            invocations = count_invocations(path)
            clock.set(loaded_at + timedelta(days=1))
            second = certherd_tick(container, loaded_at + timedelta(days=1))
        finally:
            container.close()
    return Repetition(
        first, second, raw, route_seconds, routed, invocations, match_seconds, matches
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
    raw_rate = med(r.routed / r.raw_match_seconds for r in runs)
    print(
        f"routing: {rate:,.0f} events/s ({runs[0].routed:,} events against {RULES_PER_BUS:,} "
        f"rules per bus, {runs[0].invocations:,} invocations written); RuleIndex alone "
        f"{raw_rate:,.0f} events/s; ratio {rate / raw_rate:.2f} "
        f"(goal: at least {ROUTING_GOAL:,.0f}/s: {verdict(rate >= ROUTING_GOAL)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "certherd-bench-inventory.db"
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    db = args.db.expanduser().absolute()
    spec = inventory.LoadSpec(rows=args.rows, seed=args.seed, batch=20_000)
    print(
        f"lifecycle: {args.rows:,} certificates ({os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, SQLite {sqlite3.sqlite_version})"
    )
    loaded_at = inventory.cached_instant(db, spec) or inventory.load(db, spec)
    runs = []
    for n in range(args.repeats):
        run = repetition(db, loaded_at, args.seed + n)
        print(
            f"  run {n + 1}: tick {run.first.seconds:.1f} s (raw {run.raw_tick:.1f} s), "
            f"next day {run.second.seconds:.1f} s; routing {run.routed / run.route_seconds:,.0f} "
            f"events/s (RuleIndex alone {run.routed / run.raw_match_seconds:,.0f}/s)",
            flush=True,
        )
        runs.append(run)
    report(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
