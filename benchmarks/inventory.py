"""The certificate inventory at scale: "what expires in the next 45 days?" over 1,000,000 rows.

Loads ``--rows`` certificate rows (default 1,000,000) straight into certherd's tables with
SQLAlchemy Core ``executemany`` (services bypassed; the schema is made by certherd's own
migrations), in a realistic spread: NotAfter uniform from a month ago to two years ahead,
mostly ISSUED, four accounts of different sizes, PRIVATE and IMPORTED, tags on about 40%.
Versions are not loaded (nothing references them) and every row points at one dummy
secret. The file is kept at ``--db`` and reused while its schema still matches the
migrations and the load options are the same; ``--rebuild`` forces a new load.

It then times, through the service layer of ``bootstrap.build`` with the clock fixed at
the load's instant, the first page (100, by NotAfter ascending) of the biggest account's
certificates expiring within 45 days, and their count. Baseline, measured in the same
runs: the same page and count as hand-written SELECTs through the ``sqlite3`` module on
the same file. Medians of ``--runs`` runs after ``--warmup`` untimed ones; the EXPLAIN
QUERY PLAN of every statement certherd issues is printed.

Goals (SQLite): page < 50 ms, count < 20 ms.

    python benchmarks/inventory.py                 # first run loads (minutes), then reuses
    python benchmarks/inventory.py --runs 50 --days 30
    python benchmarks/inventory.py --rows 200000 --db /tmp/inv-200k.db
    python benchmarks/inventory.py --profile 20    # plus a cProfile of 20 page calls
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.engine import create_engine
from certherd.adapters.db.migrate import upgrade
from certherd.adapters.db.tables import certificate_tags, certificates, secrets

PAGE_GOAL_MS = 50.0
COUNT_GOAL_MS = 20.0
PAGE_SIZE = 100
DUMMY_SECRET_ID = "00000000-0000-4000-8000-00000000bench"
# Fixed and only for this benchmark's throw-away database: no key file is written.
MASTER_KEY = "YmVuY2htYXJrLW9ubHktbm90LWEtcmVhbC1rZXkhISE="
REGION = "us-east-1"
# (account, share of the rows); the benchmark asks about the biggest one by default.
ACCOUNTS = (
    ("111111111111", 0.55),
    ("222222222222", 0.25),
    ("333333333333", 0.15),
    ("444444444444", 0.05),
)
# Stored statuses: lifecycle marks some EXPIRED; ISSUED ones past NotAfter are EXPIRED too.
STATUSES = (("ISSUED", 0.94), ("EXPIRED", 0.02), ("REVOKED", 0.02), ("INACTIVE", 0.01))
STATUSES += (("FAILED", 0.01),)
TEAMS = ("payments", "identity", "search", "edge", "data", "platform", "mobile", "billing")
ENVS = (("prod", 0.5), ("staging", 0.3), ("dev", 0.2))
KEYS = (("RSA_2048", "SHA256WITHRSA"), ("EC_prime256v1", "SHA256WITHECDSA"))
KEYS += (("EC_secp384r1", "SHA384WITHECDSA"),)
# One issuing CA per team (ids made up; nothing references them).
TEAM_CAS = {t: str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{t}.ca.bench")) for t in TEAMS}
PUBLIC_ISSUER = "CN=R11,O=Let's Encrypt,C=US"
EKUS = [
    ["TLS_WEB_SERVER_AUTHENTICATION", "1.3.6.1.5.5.7.3.1"],
    ["TLS_WEB_CLIENT_AUTHENTICATION", "1.3.6.1.5.5.7.3.2"],
]


def sqlite_text(at: datetime) -> str:
    """An instant as certherd stores it on SQLite (naive UTC, fixed width; see UtcDateTime)."""
    return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


# -- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadSpec:
    rows: int
    seed: int
    batch: int


def meta_path(db: Path) -> Path:
    return db.with_name(db.name + ".meta.json")


def schema_of(path: Path) -> list[tuple[str, ...]]:
    """The schema (DDL of every table and index) and Alembic revision of a SQLite file."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        ddl = conn.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return [tuple(map(str, row)) for row in ddl + revision]


def current_schema() -> list[tuple[str, ...]]:
    """The schema certherd's migrations make today, on an empty scratch database."""
    with tempfile.TemporaryDirectory(prefix="certherd-bench-schema-") as tmp:
        path = Path(tmp) / "schema.db"
        engine = create_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        return schema_of(path)


def cached_instant(db: Path, spec: LoadSpec) -> datetime | None:
    """The load instant of a reusable database at ``db``, or None if it must be (re)built."""
    meta = meta_path(db)
    if not db.exists() or not meta.exists():
        return None
    try:
        saved = json.loads(meta.read_text())
    except ValueError:
        return None
    if saved.get("rows") != spec.rows or saved.get("seed") != spec.seed:
        print(f"  {db}: built with other options; rebuilding")
        return None
    if [list(x) for x in current_schema()] != saved.get("schema"):
        print(f"  {db}: the migrations changed the schema since it was built; rebuilding")
        return None
    return datetime.fromisoformat(saved["now"])


def weighted(rng: random.Random, table: tuple[tuple[str, float], ...], k: int) -> list[str]:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table], k=k)


def generate(
    rng: random.Random, start: int, count: int, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` certificate rows (numbered from ``start``) and their tag rows."""
    accounts = weighted(rng, ACCOUNTS, count)
    statuses = weighted(rng, STATUSES, count)
    envs = weighted(rng, ENVS, count)
    earliest = now - timedelta(days=30)
    span = timedelta(days=760).total_seconds()
    rows: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for n in range(count):
        number = start + n
        cert_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        account = accounts[n]
        status = statuses[n]
        team = TEAMS[number % len(TEAMS)]
        private = rng.random() < 0.75
        validity = 395 if private else rng.choice((90, 365, 397))
        not_after = earliest + timedelta(seconds=rng.random() * span)
        not_before = not_after - timedelta(days=validity)
        created = not_before - timedelta(seconds=rng.randrange(1, 600))
        key_algorithm, signature = rng.choice(KEYS)
        domain = f"svc{number}.{team}.example.internal"
        exported = private and rng.random() < 0.3
        rows.append(
            {
                "id": cert_id,
                "arn": f"arn:aws:acm:{REGION}:{account}:certificate/{cert_id}",
                "account": account,
                "type": "PRIVATE" if private else "IMPORTED",
                "status": status,
                "domain_name": domain,
                "sans": [domain, f"www.{domain}"] if number % 3 == 0 else [domain],
                "key_algorithm": key_algorithm,
                "signature_algorithm": signature,
                "serial": ":".join(f"{b:02x}" for b in rng.randbytes(16)),
                "subject": f"CN={domain}",
                "issuer": f"CN=issuing CA {team},O=Example"
                if private
                else "CN=R11,O=Let's Encrypt",
                "not_before": not_before,
                "not_after": not_after,
                "created_at": created,
                "issued_at": created if private else None,
                "imported_at": None if private else created,
                "revoked_at": not_before + timedelta(days=3) if status == "REVOKED" else None,
                "revocation_reason": "KEY_COMPROMISE" if status == "REVOKED" else None,
                "authority_arn": (
                    f"arn:aws:acm-pca:{REGION}:{account}:certificate-authority/{TEAM_CAS[team]}"
                    if private
                    else None
                ),
                "exported_at": created + timedelta(hours=1) if exported else None,
                "in_use_by": (
                    [f"arn:aws:elasticloadbalancing:{REGION}:{account}:loadbalancer/app/{team}"]
                    if number % 10 == 0
                    else []
                ),
                "renewal_status": "SUCCESS" if exported and number % 4 == 0 else None,
                "renewal_reason": None,
                "renewal_updated_at": created if exported and number % 4 == 0 else None,
                "key_usages": (
                    ["DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT"]
                    if key_algorithm.startswith("RSA")
                    else ["DIGITAL_SIGNATURE"]
                ),
                "extended_key_usages": EKUS,
                "validity_days": validity,
                "idempotency_token": None,
                "version": 2 if exported and number % 4 == 0 else 1,
                "key_secret_id": DUMMY_SECRET_ID,
            }
        )
        if rng.random() < 0.4:
            tags.append({"certificate_id": cert_id, "key": "env", "value": envs[n]})
            if number % 2 == 0:
                tags.append({"certificate_id": cert_id, "key": "team", "value": team})
            if number % 4 == 0:
                tags.append({"certificate_id": cert_id, "key": "cost-center", "value": str(n % 97)})
    return rows, tags


def load(db: Path, spec: LoadSpec) -> datetime:
    """Build the database at ``db`` from scratch; return the instant it was built for."""
    for stale in (
        db,
        db.with_name(db.name + "-wal"),
        db.with_name(db.name + "-shm"),
        meta_path(db),
    ):
        stale.unlink(missing_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    engine = create_engine(f"sqlite:///{db}")
    try:
        upgrade(engine)

        @sa.event.listens_for(engine, "connect")
        def _fast_load(dbapi_connection: Any, _record: Any) -> None:
            # Only for loading: a big page cache for the six B-trees of random UUIDs.
            dbapi_connection.execute("PRAGMA cache_size=-1048576")
            dbapi_connection.execute("PRAGMA synchronous=OFF")

        engine.dispose()  # so that the listener applies to the next connection
        rng = random.Random(spec.seed)
        started = time.perf_counter()
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(
                    secrets.insert(),
                    {"id": DUMMY_SECRET_ID, "blob": b"\x01" + bytes(96), "created_at": now},
                )
            done = 0
            while done < spec.rows:
                size = min(spec.batch, spec.rows - done)
                rows, tags = generate(rng, done, size, now)
                with conn.begin():
                    conn.execute(certificates.insert(), rows)
                    if tags:
                        conn.execute(certificate_tags.insert(), tags)
                done += size
                elapsed = time.perf_counter() - started
                print(
                    f"  loaded {done:>9,} / {spec.rows:,} rows  "
                    f"({done / elapsed:,.0f} rows/s, {elapsed:.0f} s)",
                    flush=True,
                )
    finally:
        engine.dispose()
    with contextlib.closing(sqlite3.connect(db)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Written last: a load that was interrupted is never mistaken for a complete one.
    meta_path(db).write_text(
        json.dumps(
            {
                "rows": spec.rows,
                "seed": spec.seed,
                "now": now.isoformat(),
                "schema": [list(x) for x in schema_of(db)],
            }
        )
    )
    return now


# -- measuring ---------------------------------------------------------------------------------

RAW_WHERE = "account = ? AND status = 'ISSUED' AND not_after > ? AND not_after <= ?"
RAW_PAGE = f"SELECT * FROM certificates WHERE {RAW_WHERE} ORDER BY not_after, id LIMIT ?"
RAW_COUNT = f"SELECT count(*) FROM certificates WHERE {RAW_WHERE}"


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """Milliseconds of wall-clock and of this process's CPU time that ``call()`` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0


@contextlib.contextmanager
def captured_statements(
    engine: sa.Engine,
) -> Iterator[tuple[list[tuple[str, Any]], list[str]]]:
    """The statements (with parameters) SQLAlchemy sends to the driver inside the block, and
    every statement SQLite runs (BEGIN, COMMIT and ROLLBACK too, which may bypass SQLAlchemy's
    cursor events), traced on each connection checked out meanwhile."""
    seen: list[tuple[str, Any]] = []
    traced: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    def trace(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_trace_callback(traced.append)

    def untrace(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_trace_callback(None)

    sa.event.listen(engine, "before_cursor_execute", capture)
    sa.event.listen(engine, "checkout", trace)
    sa.event.listen(engine, "checkin", untrace)
    try:
        yield seen, traced
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
        sa.event.remove(engine, "checkout", trace)
        sa.event.remove(engine, "checkin", untrace)


def print_plan(raw: sqlite3.Connection, label: str, statement: str, parameters: Any) -> None:
    shown = " ".join(statement.split())
    if len(shown) > 400:
        shown = shown[:300] + " ... " + shown[-90:]
    print(f"\n  [{label}] {shown}")
    rows = raw.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()).fetchall()
    depth: dict[int, int] = {0: 0}
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        print("      " + "  " * (depth[node] - 1) + detail)


def measure(db: Path, now: datetime, args: argparse.Namespace) -> int:
    # Imported here: loading needs only the schema, so it can run on its own.
    from certherd.bootstrap import build
    from certherd.config import load_settings
    from certherd.domain.clock import FixedClock
    from certherd.domain.inventory import CertificateFilter, PageRequest, SortBy, SortOrder

    settings = load_settings(
        env={},
        overrides={
            "data_dir": str(db.parent),
            "database_url": f"sqlite:///{db}",
            "master_key": MASTER_KEY,
        },
    )
    container = build(settings, clock=FixedClock(now))
    service = container.certificates
    where = CertificateFilter(expiring_within_days=args.days)
    page = PageRequest(
        max_items=PAGE_SIZE, sort_by=SortBy.NOT_AFTER, sort_order=SortOrder.ASCENDING
    )
    end = now + timedelta(days=args.days)
    raw_params = (args.account, sqlite_text(now), sqlite_text(end))
    raw = sqlite3.connect(db)

    def service_page() -> object:
        return service.list(account=args.account, where=where, page=page)

    def service_count() -> object:
        return service.count(account=args.account, where=where)

    def raw_page() -> object:
        return raw.execute(RAW_PAGE, (*raw_params, PAGE_SIZE + 1)).fetchall()

    def raw_count() -> object:
        return raw.execute(RAW_COUNT, raw_params).fetchone()[0]

    try:
        for _ in range(args.warmup):
            service_page(), service_count(), raw_page(), raw_count()

        # The service and the baseline agree (or the timing means nothing).
        got = service_page()
        expected = raw_page()
        got_ids = [view.certificate.id for view in got.items]  # type: ignore[attr-defined]
        if got_ids != [row[0] for row in expected][:PAGE_SIZE]:
            sys.exit("error: the service's page differs from the hand-written query's")
        total = raw_count()
        if service_count() != total:
            sys.exit("error: the service's count differs from the hand-written query's")

        wall: dict[str, list[float]] = {k: [] for k in ("sp", "rp", "sc", "rc")}
        cpu: dict[str, list[float]] = {k: [] for k in wall}
        calls = {"rp": raw_page, "sp": service_page, "rc": raw_count, "sc": service_count}
        for _ in range(args.runs):  # interleaved, so that noise hits both alike
            for key, call in calls.items():
                w, c = timed(call)
                wall[key].append(w)
                cpu[key].append(c)
        med = {k: statistics.median(v) for k, v in wall.items()}
        med_cpu = {k: statistics.median(v) for k, v in cpu.items()}

        print(
            f"\naccount {args.account}: {total:,} certificates expire within {args.days} days "
            f"of {now.isoformat()} (medians of {args.runs} runs after {args.warmup} warm-up)"
        )
        for label, s, r, goal in (
            (f"page (first {PAGE_SIZE} by NotAfter):", "sp", "rp", PAGE_GOAL_MS),
            ("count:", "sc", "rc", COUNT_GOAL_MS),
        ):
            verdict = "met" if med[s] < goal else "NOT met"
            print(
                f"  {label:<30} service {med[s]:6.2f} ms  raw {med[r]:6.2f} ms  "
                f"service/raw {med[s] / med[r]:5.2f}  (goal < {goal:.0f} ms: {verdict})"
            )
            print(
                f"  {'':<30} CPU time: service {med_cpu[s]:6.2f} ms  raw {med_cpu[r]:6.2f} ms  "
                f"service/raw {med_cpu[s] / med_cpu[r]:5.2f}; service wall min/max "
                f"{min(wall[s]):.1f}/{max(wall[s]):.1f} ms"
            )

        print("\nEXPLAIN QUERY PLAN of the statements certherd issues:")
        for label, call in (("list", service_page), ("count", service_count)):
            with captured_statements(container.engine) as (seen, traced):
                call()
            steps = [t if t.split()[0].upper() != "SELECT" else "SELECT" for t in traced]
            print(f"\n  [{label}] what SQLite ran: {', '.join(steps)}")
            for statement, parameters in seen:
                if statement.lstrip().upper().startswith("SELECT"):
                    print_plan(raw, label, statement, parameters)
                else:
                    print(f"\n  [{label}] {statement}")
        print("\nand of the hand-written baseline:")
        print_plan(raw, "raw page", RAW_PAGE, (*raw_params, PAGE_SIZE + 1))
        print_plan(raw, "raw count", RAW_COUNT, raw_params)

        if args.profile:
            for name, call in (("list", service_page), ("count", service_count)):
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.profile):
                    call()
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
                    args.profile_lines
                )
                print(f"\ncProfile of {args.profile} {name} calls")
                print(out.getvalue())
    finally:
        raw.close()
        container.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(tempfile.gettempdir()) / "certherd-bench-inventory.db",
        help="SQLite file to build or reuse (default: %(default)s)",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="certificate rows to load")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per executemany")
    parser.add_argument("--seed", type=int, default=20260101, help="of the generated data")
    parser.add_argument("--rebuild", action="store_true", help="load again even if cached")
    parser.add_argument("--load-only", action="store_true", help="build the database, stop")
    parser.add_argument("--runs", type=int, default=20, help="timed runs (median reported)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    parser.add_argument("--days", type=int, default=45, help="expiring within this many days")
    parser.add_argument("--account", default=ACCOUNTS[0][0], help="whose inventory to ask about")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N calls of each"
    )
    parser.add_argument("--profile-lines", type=int, default=30)
    args = parser.parse_args(argv)
    if min(args.rows, args.batch, args.runs, args.days) < 1 or args.warmup < 0:
        parser.error("sizes and counts must be positive")

    db = args.db.expanduser().absolute()
    spec = LoadSpec(rows=args.rows, seed=args.seed, batch=args.batch)
    print(
        f"inventory: {args.rows:,} certificates in {db} "
        f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version})"
    )
    now = None if args.rebuild else cached_instant(db, spec)
    if now is None:
        started = time.perf_counter()
        now = load(db, spec)
        print(
            f"  loaded in {time.perf_counter() - started:.0f} s; "
            f"{db.stat().st_size / 2**20:,.0f} MiB"
        )
    else:
        print(f"  reusing the database built for {now.isoformat()}")
    if args.load_only:
        return 0
    return measure(db, now, args)


if __name__ == "__main__":
    raise SystemExit(main())
