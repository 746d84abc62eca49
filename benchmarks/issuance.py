"""Private certificate issuance through the service layer, against raw ``cryptography``.

Each repetition builds a fresh certherd (``bootstrap.build``) on an empty SQLite data
directory (or a scratch PostgreSQL database with ``--database-url``), creates an
EC_prime256v1 root CA and a subordinate CA under it, warms up, and then times
``container.certificates.request(...)`` for ``--certs`` certificates: key generation,
signing, parsing, the key sealed with AES-256-GCM, and one committed transaction per
certificate (secret, CA register, certificate and version rows).

The baseline, measured in the same repetition right before, is the least any issuer
must do: generate an EC P-256 key and sign a comparable end-entity certificate
(subject CN, SAN, BasicConstraints, KeyUsage, ExtendedKeyUsage, SKI, AKI, CRL
distribution point) with ``x509.CertificateBuilder`` under a P-256 CA, in a loop.

Prints certificates per second for both, and their ratio (service / raw), as medians
over the repetitions. Goal: ratio >= 0.33 (Vault reaches about 0.2).

    python benchmarks/issuance.py                      # 3 x 5,000 certificates, SQLite
    python benchmarks/issuance.py --certs 1000 --repeats 5
    python benchmarks/issuance.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python benchmarks/issuance.py --profile 1000       # plus a cProfile of 1,000 requests
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
class Repetition:
    """Certificates per second of wall-clock and of CPU time, for the service and raw."""

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


def run_once(args: argparse.Namespace, number: int) -> Repetition:
    """One repetition: fresh certherd and CAs, warm-up, then raw and service interleaved in
    chunks of ``--chunk`` certificates, so that the load of a shared machine hits both alike."""
    ca = raw_ca()
    raw_issue(ca, 0, args.warmup)
    with fresh_container(args.database_url) as container:
        authority_arn = make_issuing_ca(container)
        # Warm-up: pooled connections, the signer's cache of the opened CA key, compiled
        # statements.
        service_issue(container, authority_arn, 0, args.warmup)
        raw_time = service_time = (0.0, 0.0)
        done = 0
        while done < args.certs:
            size = min(args.chunk, args.certs - done)
            r = raw_issue(ca, args.warmup + done, size)
            s = service_issue(container, authority_arn, args.warmup + done, size)
            raw_time = (raw_time[0] + r[0], raw_time[1] + r[1])
            service_time = (service_time[0] + s[0], service_time[1] + s[1])
            done += size
        check_stored(container, args.warmup + args.certs)
    rep = Repetition(
        service=args.certs / service_time[0],
        raw=args.certs / raw_time[0],
        service_cpu=args.certs / service_time[1],
        raw_cpu=args.certs / raw_time[1],
    )
    print(
        f"  run {number}: service {rep.service:6.0f} certs/s ({1e6 / rep.service:5.0f} us/cert)"
        f"  raw {rep.raw:6.0f} certs/s ({1e6 / rep.raw:4.0f} us/cert)  ratio {rep.ratio:.3f}"
        f"  | CPU time: service {1e6 / rep.service_cpu:5.0f} us/cert"
        f"  raw {1e6 / rep.raw_cpu:4.0f} us/cert  ratio {rep.cpu_ratio:.3f}",
        flush=True,
    )
    return rep


def profile(args: argparse.Namespace) -> None:
    """cProfile ``--profile`` requests after a warm-up and print where the time goes."""
    with fresh_container(args.database_url) as container:
        authority_arn = make_issuing_ca(container)
        service_issue(container, authority_arn, 0, args.warmup)
        profiler = cProfile.Profile()
        profiler.enable()
        service_issue(container, authority_arn, args.warmup, args.profile)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.profile_lines)
    stats.sort_stats("tottime").print_stats(args.profile_lines)
    print(f"\ncProfile of {args.profile} requests (divide times by {args.profile} per request)")
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
        "--database-url",
        help="PostgreSQL server URL (postgresql+psycopg://...); a scratch database is "
        "created on it per repetition and dropped. Default: SQLite in a temp directory",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N requests"
    )
    parser.add_argument("--profile-lines", type=int, default=35)
    args = parser.parse_args(argv)
    if min(args.certs, args.repeats, args.warmup, args.chunk) < 1:
        parser.error("--certs, --repeats, --warmup and --chunk must be positive")

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"issuance: {args.repeats} x {args.certs} EC_prime256v1 private certificates on "
        f"{backend}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    reps = [run_once(args, n + 1) for n in range(args.repeats)]
    service = statistics.median(r.service for r in reps)
    raw = statistics.median(r.raw for r in reps)
    ratio = statistics.median(r.ratio for r in reps)
    cpu_ratio = statistics.median(r.cpu_ratio for r in reps)
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(
        f"service: {service:.0f} certs/s  raw: {raw:.0f} certs/s  ratio: {ratio:.2f} "
        f"(goal \u2265 {GOAL}: {verdict})"
    )
    print(
        f"  medians of {args.repeats} x {args.certs}: {1e6 / service:.0f} vs {1e6 / raw:.0f} "
        f"us/cert wall-clock; CPU-time ratio {cpu_ratio:.2f} "
        f"({1e6 / statistics.median(r.service_cpu for r in reps):.0f} vs "
        f"{1e6 / statistics.median(r.raw_cpu for r in reps):.0f} us/cert)"
    )
    if args.profile:
        profile(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
