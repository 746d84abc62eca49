"""Private certificate issuance through the service layer, against raw ``cryptography``.

Each repetition builds a fresh certherd (``bootstrap.build``) on an empty SQLite data
directory (or a scratch PostgreSQL database with ``--database-url``), creates an
EC_prime256v1 root CA and a subordinate CA under it, warms up, and then times two ways of
issuing ``--certs`` certificates each, every one with key generation, signing, the key
sealed with AES-256-GCM and the rows stored (secret, CA register, certificate, version):

- per request: ``container.certificates.request(...)``, one committed transaction per
  certificate;
- batched: ``container.certificates.request_batch(...)`` with ``--batch`` entries per
  call, one committed transaction per batch.

The baseline, measured in the same repetition right before, is the least any issuer
must do: generate an EC P-256 key and sign a comparable end-entity certificate
(subject CN, SAN, BasicConstraints, KeyUsage, ExtendedKeyUsage, SKI, AKI, CRL
distribution point) with ``x509.CertificateBuilder`` under a P-256 CA, in a loop.

Each chunk of service requests is preceded by a chunk of raw issuing, and each way's ratio
(service / raw) uses the raw chunks timed next to it. Prints certificates per second and
the ratios, as medians over the repetitions. Goal: ratio >= 0.33 (Vault reaches about 0.2).

    python benchmarks/issuance.py                      # 3 x 5,000 + 5,000 certificates, SQLite
    python benchmarks/issuance.py --batch 1000         # batches of 1,000 instead of 100
    python benchmarks/issuance.py --certs 1000 --repeats 5
    python benchmarks/issuance.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python benchmarks/issuance.py --profile 1000       # plus a cProfile of 1,000 requests
    python benchmarks/issuance.py --profile 1000 --profile-batched   # ... made in batches
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certherd.adapters.db.tables import certificates, secrets
from certherd.bootstrap import Container, build
from certherd.config import load_settings
from certherd.domain.authority import AuthorityType
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.subject import Subject
from certherd.services.certificate_requests import RequestEntry

ACCOUNT = "123456789012"
GOAL = 0.33
VALIDITY = timedelta(days=395)  # ACM's default for private certificates, as the service uses
CRL_URL = "http://127.0.0.1:8600/crl/123456789012/bench.crl"


# -- the baseline: raw cryptography ------------------------------------------------------------


@dataclass(frozen=True)
class RawCa:
    key: ec.EllipticCurvePrivateKey
    name: x509.Name
    aki: x509.AuthorityKeyIdentifier
    crl: x509.CRLDistributionPoints


def raw_ca() -> RawCa:
    """A P-256 issuing CA, and what issuing needs from it computed once (as any issuer would)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "raw bench CA")])
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(CRL_URL)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return RawCa(
        key=key,
        name=name,
        aki=x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
        crl=x509.CRLDistributionPoints([point]),
    )


_BC = x509.BasicConstraints(ca=False, path_length=None)
_KU = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
_EKU = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])


Clock = tuple[float, float]  # (wall seconds, CPU seconds of this process)


def clocks() -> Clock:
    return time.perf_counter(), time.process_time()


def since(start: Clock) -> Clock:
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def raw_issue(ca: RawCa, first: int, count: int) -> Clock:
    """Generate ``count`` P-256 keys and sign a certificate for each; return the time taken."""
    start = clocks()
    for i in range(first, first + count):
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key()
        host = f"host{i}.bench.internal"
        now = datetime.now(UTC)
        (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca.name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + VALIDITY)
            .add_extension(_BC, critical=True)
            .add_extension(_KU, critical=True)
            .add_extension(_EKU, critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(ca.aki, critical=False)
            .add_extension(ca.crl, critical=False)
            .sign(ca.key, hashes.SHA256())
        )
    return since(start)


# -- certherd --------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """A fresh database on the server of ``server_url``, dropped afterwards.

    Falls back to the URL's own database when the role may not create databases.
    """
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    admin_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"certherd_bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"  (cannot create a scratch database, using the URL's own: {exc})")
        yield server_url
        return
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def fresh_container(database_url: str | None) -> Iterator[Container]:
    """certherd built on an empty temporary data directory (and database)."""
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="certherd-bench-"))
        # No master key: the key file is generated, as on a default installation.
        overrides: dict[str, object] = {"data_dir": data_dir}
        if database_url:
            overrides["database_url"] = stack.enter_context(scratch_postgres(database_url))
        # env={}: stray CERTHERD_* variables must not redirect the benchmark.
        container = build(load_settings(env={}, overrides=overrides))
        stack.callback(container.close)
        yield container


def make_issuing_ca(container: Container) -> str:
    """An EC_prime256v1 root and a subordinate under it; return the subordinate's ARN."""
    root = container.authorities.create(
        account=ACCOUNT,
        type=AuthorityType.ROOT,
        subject=Subject(common_name="certherd bench root", organization="certherd"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
    )
    sub = container.authorities.create(
        account=ACCOUNT,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="certherd bench issuing CA", organization="certherd"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        parent_arn=root.arn,
    )
    return sub.arn


def service_issue(container: Container, authority_arn: str, first: int, count: int) -> Clock:
    """Request ``count`` private certificates; return the time taken."""
    request = container.certificates.request
    start = clocks()
    for i in range(first, first + count):
        request(
            account=ACCOUNT,
            domain_name=f"host{i}.bench.internal",
            authority_arn=authority_arn,
            key_algorithm=KeyAlgorithm.EC_prime256v1,
        )
    return since(start)


def service_issue_batched(
    container: Container, authority_arn: str, first: int, count: int, batch: int
) -> Clock:
    """Request ``count`` private certificates, ``batch`` per call; return the time taken."""
    request_batch = container.certificates.request_batch
    start = clocks()
    for low in range(first, first + count, batch):
        request_batch(
            account=ACCOUNT,
            entries=[
                RequestEntry(
                    domain_name=f"host{i}.bench.internal",
                    authority_arn=authority_arn,
                    key_algorithm=KeyAlgorithm.EC_prime256v1,
                )
                for i in range(low, min(low + batch, first + count))
            ],
        )
    return since(start)


def check_stored(container: Container, expected: int) -> None:
    """Every requested certificate is listed, and the last one's key is sealed at rest."""
    counted = container.certificates.count(account=ACCOUNT)
    if counted != expected:
        sys.exit(f"error: {counted} certificates stored, {expected} requested")
    with container.engine.connect() as conn:
        secret_id = conn.execute(
            sa.select(certificates.c.key_secret_id).order_by(certificates.c.created_at.desc())
        ).first()
        blob = conn.execute(sa.select(secrets.c.blob).where(secrets.c.id == secret_id[0])).scalar()
    if blob is None or b"PRIVATE KEY" in bytes(blob) or bytes(blob)[:1] != b"\x01":
        sys.exit("error: the certificate's key is not stored sealed")


# -- running -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """Certificates per second of wall-clock and of CPU time, for one way and its raw."""

    service: float
    raw: float
    service_cpu: float
    raw_cpu: float

    @property
    def ratio(self) -> float:
        return self.service / self.raw

    @property
    def cpu_ratio(self) -> float:
        return self.service_cpu / self.raw_cpu

    def line(self, label: str) -> str:
        return (
            f"{label:<12} service {self.service:6.0f} certs/s ({1e6 / self.service:5.0f} us/cert)"
            f"  raw {self.raw:6.0f} certs/s ({1e6 / self.raw:4.0f} us/cert)"
            f"  ratio {self.ratio:.3f}  | CPU time: service {1e6 / self.service_cpu:5.0f} us/cert"
            f"  raw {1e6 / self.raw_cpu:4.0f} us/cert  ratio {self.cpu_ratio:.3f}"
        )


@dataclass(frozen=True)
class Repetition:
    single: Rates  # one request, one transaction
    batched: Rates  # --batch requests per call and transaction


class _Tally:
    """Summed (wall, CPU) times of a service and of the raw chunks timed next to it."""

    def __init__(self) -> None:
        self.service = self.raw = (0.0, 0.0)

    def add(self, service: Clock, raw: Clock) -> None:
        self.service = (self.service[0] + service[0], self.service[1] + service[1])
        self.raw = (self.raw[0] + raw[0], self.raw[1] + raw[1])

    def rates(self, count: int) -> Rates:
        return Rates(
            service=count / self.service[0],
            raw=count / self.raw[0],
            service_cpu=count / self.service[1],
            raw_cpu=count / self.raw[1],
        )


def run_once(args: argparse.Namespace, number: int) -> Repetition:
    """One repetition: fresh certherd and CAs, warm-up, then chunks of ``--chunk``
    certificates in turn: raw, per request, raw, batched; so that the load of a shared
    machine hits each way and its baseline alike."""
    ca = raw_ca()
    raw_issue(ca, 0, args.warmup)
    with fresh_container(args.database_url) as container:
        authority_arn = make_issuing_ca(container)
        # Warm-up: pooled connections, the signer's cache of the opened CA key, compiled
        # statements.
        service_issue(container, authority_arn, 0, args.warmup)
        service_issue_batched(container, authority_arn, args.warmup, args.warmup, args.batch)
        single, batched = _Tally(), _Tally()
        first = 2 * args.warmup
        done = 0
        while done < args.certs:
            size = min(args.chunk, args.certs - done)
            r = raw_issue(ca, first, size)
            single.add(service_issue(container, authority_arn, first, size), r)
            first += size
            r = raw_issue(ca, first, size)
            batched.add(service_issue_batched(container, authority_arn, first, size, args.batch), r)
            first += size
            done += size
        check_stored(container, first)
    rep = Repetition(single.rates(args.certs), batched.rates(args.certs))
    print(f"  run {number}: {rep.single.line('per request')}", flush=True)
    print(f"         {rep.batched.line(f'batch {args.batch}')}", flush=True)
    return rep


def profile(args: argparse.Namespace) -> None:
    """cProfile ``--profile`` requests after a warm-up and print where the time goes."""
    with fresh_container(args.database_url) as container:
        authority_arn = make_issuing_ca(container)
        service_issue(container, authority_arn, 0, args.warmup)
        service_issue_batched(container, authority_arn, args.warmup, args.warmup, args.batch)
        first = 2 * args.warmup
        profiler = cProfile.Profile()
        profiler.enable()
        if args.profile_batched:
            service_issue_batched(container, authority_arn, first, args.profile, args.batch)
        else:
            service_issue(container, authority_arn, first, args.profile)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.profile_lines)
    stats.sort_stats("tottime").print_stats(args.profile_lines)
    how = f"in batches of {args.batch}" if args.profile_batched else "one per transaction"
    print(
        f"\ncProfile of {args.profile} requests {how} "
        f"(divide times by {args.profile} per certificate)"
    )
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certs", type=int, default=5000, help="certificates per repetition")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions (median reported)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument(
        "--chunk", type=int, default=250, help="raw and service alternate every N certificates"
    )
    parser.add_argument(
        "--batch", type=int, default=100, help="entries per request_batch call (1-1000)"
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL (postgresql+psycopg://...); a scratch database is "
        "created on it per repetition and dropped. Default: SQLite in a temp directory",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N requests"
    )
    parser.add_argument(
        "--profile-batched", action="store_true", help="profile batched requests instead"
    )
    parser.add_argument("--profile-lines", type=int, default=35)
    args = parser.parse_args(argv)
    if min(args.certs, args.repeats, args.warmup, args.chunk) < 1:
        parser.error("--certs, --repeats, --warmup and --chunk must be positive")
    if not 1 <= args.batch <= 1000:
        parser.error("--batch must be between 1 and 1000")

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"issuance: {args.repeats} x ({args.certs} per request + {args.certs} in batches of "
        f"{args.batch}) EC_prime256v1 private certificates on {backend}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    reps = [run_once(args, n + 1) for n in range(args.repeats)]
    for label, rates in (
        ("per request", [r.single for r in reps]),
        (f"batch {args.batch}", [r.batched for r in reps]),
    ):
        service = statistics.median(r.service for r in rates)
        raw = statistics.median(r.raw for r in rates)
        ratio = statistics.median(r.ratio for r in rates)
        cpu_ratio = statistics.median(r.cpu_ratio for r in rates)
        verdict = "met" if ratio >= GOAL else "NOT met"
        print(
            f"{label + ':':<13} service: {service:.0f} certs/s  raw: {raw:.0f} certs/s  "
            f"ratio: {ratio:.2f} (goal \u2265 {GOAL}: {verdict})"
        )
        print(
            f"{'':<13} medians of {args.repeats} x {args.certs}: {1e6 / service:.0f} vs "
            f"{1e6 / raw:.0f} us/cert wall-clock; CPU-time ratio {cpu_ratio:.2f} "
            f"({1e6 / statistics.median(r.service_cpu for r in rates):.0f} vs "
            f"{1e6 / statistics.median(r.raw_cpu for r in rates):.0f} us/cert)"
        )
    if args.profile:
        profile(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
