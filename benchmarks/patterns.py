"""Benchmark: matching ACM events against many EventBridge rules.

Synthetic ACM events (the four detail types of spec section 1.1, 100 accounts, 20
certificates each, certificate ARNs, ``CommonName``, ``DaysToExpiry``) are matched
against 10, 100, 1,000 and 10,000 rules of a mixed kind: 60% exact, 10% prefix, 10%
numeric range, 10% anything-but and 10% exists or wildcard. Rules are scoped like real
ones: to an account or a certificate, and usually to one detail type. Three engines run
on the same events and rules:

* ``RuleIndex`` (certherd.patterns): one automaton for all rules;
* a loop over single compiled patterns (``CompiledPattern.matches``);
* moto's EventBridge matcher (``moto.events.models.EventPattern``), when moto is
  installed (``pip install -r benchmarks/requirements-patterns.txt``).

Every engine gets the events as decoded JSON objects. Each measurement runs over at most
``--events`` events or ``--budget`` seconds, after a warm-up; the index is measured for
all sizes in turn, ``--repeat`` times, so that every size sees the same machine noise.
Medians are printed, with the ratios. ``--clock cpu`` (the default) counts the process's
CPU time, which a busy shared machine disturbs less than wall time (``--clock wall``).

Usage: python benchmarks/patterns.py [--repeat 7] [--budget 1.0] [--clock cpu|wall]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from certherd.patterns import CompiledPattern, RuleIndex, compile_pattern

Event = dict[str, Any]
Rule = dict[str, Any]
DETAIL_TYPES = [
    "ACM Certificate Approaching Expiration",
    "ACM Certificate Expired",
    "ACM Certificate Available",
    "ACM Certificate Renewal Action Required",
]
APPROACHING, EXPIRED, AVAILABLE, ACTION_REQUIRED = DETAIL_TYPES
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
SERVICES = ["api", "www", "auth", "billing", "search", "mail", "cdn", "admin"]
ACTIONS = ["ISSUANCE", "RENEWAL", "IMPORT", "REIMPORT"]
REASONS = ["CAA_ERROR", "PENDING_DOMAIN_VALIDATION", "NO_AVAILABLE_CONTACTS", "OTHER"]
KINDS = ["exact"] * 6 + ["prefix", "numeric", "anything-but", "exists-or-wildcard"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


class World:
    """100 accounts, each with certificates in a few regions."""

    def __init__(self, rng: random.Random, accounts: int = 100, certs: int = 20) -> None:
        self.accounts = [f"{rng.randrange(10**11, 10**12)}" for _ in range(accounts)]
        self.domains = {a: f"team{i}.example.com" for i, a in enumerate(self.accounts)}
        self.certs: dict[str, list[tuple[str, str, str]]] = {}
        for account in self.accounts:
            mine = []
            for _ in range(certs):
                region = rng.choice(REGIONS)
                arn = f"arn:aws:acm:{region}:{account}:certificate/{_uuid(rng)}"
                name = f"{rng.choice(SERVICES)}{rng.randrange(10)}.{self.domains[account]}"
                mine.append((region, arn, name))
            self.certs[account] = mine

    def event(self, rng: random.Random) -> Event:
        account = rng.choice(self.accounts)
        region, arn, name = rng.choice(self.certs[account])
        detail_type = rng.choice(DETAIL_TYPES)
        detail: dict[str, Any] = {
            "CommonName": name,
            "FirstSubjectAlternativeName": name,
            "ValidityInDays": 90,
            "CertificateKeyPairOrigin": "AWS_MANAGED",
        }
        if detail_type == APPROACHING:
            detail["DaysToExpiry"] = rng.randrange(1, 46)
        elif detail_type == AVAILABLE:
            detail.update(Action=rng.choice(ACTIONS), DaysToExpiry=rng.randrange(30, 400))
            detail.update(CertificateType="AMAZON_ISSUED", InUse=rng.random() < 0.5)
        elif detail_type == ACTION_REQUIRED:
            detail.update(RenewalStatusReason=rng.choice(REASONS))
            detail.update(DaysToExpiry=rng.choice([30, 15, 3, 1]), InUse=True)
        else:
            detail.update(CertificateType="AMAZON_ISSUED", InUse=True, Exported=False)
        return {
            "version": "0",
            "id": _uuid(rng),
            "detail-type": detail_type,
            "source": "aws.acm",
            "account": account,
            "time": "2026-01-01T06:51:08Z",
            "region": region,
            "resources": [arn],
            "detail": detail,
        }

    def rule(self, rng: random.Random, kind: str) -> Rule:
        account = rng.choice(self.accounts)
        region, arn, name = rng.choice(self.certs[account])
        detail_type = rng.choice(DETAIL_TYPES)
        scoped: Rule = {"account": [account], "detail-type": [detail_type]}
        shape = rng.randrange(4)
        if kind == "exact":
            if shape == 0:  # one certificate
                return {"source": ["aws.acm"], "detail-type": [detail_type], "resources": [arn]}
            if shape == 1:  # one name in one account
                return {"source": ["aws.acm"], **scoped, "detail": {"CommonName": [name]}}
            if shape == 2:  # renewals of one name
                detail = {"Action": [rng.choice(ACTIONS)], "CommonName": [name]}
                return {"account": [account], "detail-type": [AVAILABLE], "detail": detail}
            return {"source": ["aws.acm"], **scoped, "region": [region]}
        if kind == "prefix":
            if shape < 2:
                prefix = f"arn:aws:acm:{region}:{account}:certificate/"
                return {"detail-type": [detail_type], "resources": [{"prefix": prefix}]}
            return {**scoped, "detail": {"CommonName": [{"prefix": rng.choice(SERVICES)}]}}
        if kind == "numeric":
            low = rng.randrange(0, 40)
            days = [{"numeric": [">", low, "<=", low + 5]}]
            return {
                "account": [account],
                "detail-type": [APPROACHING],
                "detail": {"DaysToExpiry": days},
            }
        if kind == "anything-but":
            if shape < 2:
                not_these = [{"anything-but": [EXPIRED, AVAILABLE]}]
                return {"account": [account], "region": [region], "detail-type": not_these}
            reason = [{"anything-but": rng.choice(REASONS)}]
            detail = {"RenewalStatusReason": reason}
            return {"account": [account], "detail-type": [ACTION_REQUIRED], "detail": detail}
        if shape < 2:
            detail = {"RenewalStatusReason": [{"exists": True}], "InUse": [True]}
            return {"account": [account], "detail-type": [ACTION_REQUIRED], "detail": detail}
        wildcard = f"{rng.choice(SERVICES)}*.{self.domains[account]}"
        return {**scoped, "detail": {"CommonName": [{"wildcard": wildcard}]}}


def make_rules(world: World, seed: int, count: int) -> list[Rule]:
    rng = random.Random(seed)
    return [world.rule(rng, KINDS[i % len(KINDS)]) for i in range(count)]


def rate(run: Callable[[Event], object], events: Sequence[Event], budget: float,
         clock: Callable[[], float]) -> float:  # fmt: skip
    """Events per second over at most ``len(events)`` events or ``budget`` seconds."""
    done = 0
    start = clock()
    for event in events:
        run(event)
        done += 1
        if done >= 3 and clock() - start > budget:
            break
    return done / max(clock() - start, 1e-9)


def moto_engine(rules: list[Rule]) -> Callable[[Event], object] | None:
    try:
        from moto.events.models import EventPattern
    except ImportError:
        return None
    patterns = [EventPattern.load(json.dumps(rule)) for rule in rules]
    return lambda event: [i for i, p in enumerate(patterns) if p.matches_event(event)]


def loop_engine(compiled: list[CompiledPattern]) -> Callable[[Event], object]:
    return lambda event: [i for i, p in enumerate(compiled) if p.matches(event)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions (median)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per measurement")
    parser.add_argument("--events", type=int, default=5000, help="distinct events")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    rng = random.Random(args.seed)
    world = World(rng)
    events = [world.event(rng) for _ in range(args.events)]
    sizes = [int(x) for x in args.sizes.split(",")]

    indexes: dict[int, RuleIndex] = {}
    loops: dict[int, Callable[[Event], object]] = {}
    motos: dict[int, Callable[[Event], object] | None] = {}
    matched: dict[int, float] = {}
    for size in sizes:
        rules = make_rules(world, args.seed + size, size)
        index = indexes[size] = RuleIndex()
        for i, rule in enumerate(rules):
            index.add(i, rule)
        compiled = [compile_pattern(rule) for rule in rules]
        loops[size] = loop_engine(compiled)
        motos[size] = moto_engine(rules)
        sample = events[:200]
        for event in sample[:20]:  # the two engines of this package must agree
            expected = {i for i, p in enumerate(compiled) if p.matches(event)}
            assert index.match(event) == expected, "RuleIndex and single patterns disagree"
        matched[size] = sum(len(index.match(e)) for e in sample) / len(sample)
        for event in events:  # warm-up: every index state and cache touched once
            index.match(event)

    index_rates: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(args.repeat):
        for size in sizes:
            index_rates[size].append(rate(indexes[size].match, events, args.budget, clock))
    slow_repeat = max(3, args.repeat // 2)
    rows: dict[int, dict[str, float]] = {}
    for size in sizes:
        moto = motos[size]
        rows[size] = {
            "index": statistics.median(index_rates[size]),
            "loop": statistics.median(
                rate(loops[size], events, args.budget, clock) for _ in range(slow_repeat)
            ),
            "moto": statistics.median(
                rate(moto, events, args.budget, clock) for _ in range(slow_repeat)
            )
            if moto
            else 0.0,
        }

    print(
        f"python {sys.version.split()[0]}; {len(events)} events; {args.clock} clock; "
        f"median of {args.repeat} (index) / {slow_repeat} (loop, moto) runs of <= "
        f"{args.budget}s"
    )
    print(
        f"{'rules':>6} {'index ev/s':>11} {'loop ev/s':>10} {'moto ev/s':>10} "
        f"{'index/loop':>11} {'index/moto':>11} {'matches/ev':>11}"
    )
    for size, row in rows.items():
        versus_moto = f"{row['index'] / row['moto']:>11.0f}" if row["moto"] else f"{'n/a':>11}"
        print(
            f"{size:>6} {row['index']:>11.0f} {row['loop']:>10.1f} {row['moto']:>10.1f} "
            f"{row['index'] / row['loop']:>11.0f} {versus_moto} {matched[size]:>11.2f}"
        )
    if 10 in rows and 10000 in rows:
        big, small = rows[10000], rows[10]
        print(
            f"goal 1: index at 10,000 rules / index at 10 rules = "
            f"{big['index'] / small['index']:.2f} (goal >= 0.5)"
        )
        if big["moto"]:
            print(
                f"goal 2: index / moto at 10,000 rules = {big['index'] / big['moto']:.0f}x "
                "(goal >= 1000x)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
