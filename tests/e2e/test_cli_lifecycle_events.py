"""Acceptance: lifecycle events reach a queue through a rule, on a running server on
simulated time, driven by the CLI (SQLite and PostgreSQL).

An imported certificate expiring in 50 days and a rule on ``ACM Certificate Approaching
Expiration`` targeting a queue; ``certherd lifecycle run`` to nine days later leaves one
event per day from the day the certificate is 45 days from expiry: exactly five messages,
with DaysToExpiry 45, 44, 43, 42 and 41. The forecast announced them beforehand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from e2e_support import Server, cli, cli_json, running_server

from certherd.pki.issue import Validity, issue_certificate, new_serial, self_signed_ca_certificate
from certherd.pki.keys import KeyAlgorithm, generate_private_key, private_key_to_pem
from certherd.pki.parse import certificate_to_pem
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

START = datetime(2026, 3, 1, tzinfo=UTC)
PATTERN = {"source": ["aws.acm"], "detail-type": ["ACM Certificate Approaching Expiration"]}


def write_bundle(directory: Path, *, not_before: datetime, days: int) -> tuple[Path, Path, Path]:
    """A certificate (valid ``days`` from ``not_before``), its key and its CA, as PEM files."""
    ca_key = generate_private_key(KeyAlgorithm.EC_prime256v1)
    ca = self_signed_ca_certificate(
        key=ca_key,
        subject=Subject(common_name="Outside CA"),
        validity=Validity(not_before - timedelta(days=1), not_before + timedelta(days=3650)),
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        serial=new_serial(),
    )
    key = generate_private_key(KeyAlgorithm.EC_prime256v1)
    leaf = issue_certificate(
        issuer_certificate=ca,
        issuer_key=ca_key,
        public_key=key.public_key(),
        subject=Subject(common_name="shop.example.com"),
        sans=["shop.example.com"],
        validity=Validity(not_before, not_before + timedelta(days=days)),
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        serial=new_serial(),
    )
    paths = (directory / "cert.pem", directory / "key.pem", directory / "chain.pem")
    paths[0].write_text(certificate_to_pem(leaf))
    paths[1].write_bytes(private_key_to_pem(key))
    paths[2].write_text(certificate_to_pem(ca))
    return paths


def drain(server: Server, queue: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := cli_json(server, "queue", "receive", queue, "--delete")["Messages"]:
        messages.extend(batch)
    return messages


def test_approaching_expiration_events_reach_a_queue_once_a_day(
    tmp_path: Path, database_url: str
) -> None:
    now = START.strftime("%Y-%m-%dT%H:%M:%SZ")
    with running_server(tmp_path, database_url, "--now", now) as server:
        clock = cli_json(server, "lifecycle", "clock")
        assert clock == {"Now": now, "Simulated": True}
        # Kept 14 days: the default 4 would drop the first message before the last arrives.
        queue = cli_json(server, "queue", "create", "expiring", "--retention", "1209600")
        cli(server, "rule", "create", "expiring-soon", "--pattern", json.dumps(PATTERN))
        cli(
            server,
            "rule",
            "target",
            "add",
            "expiring-soon",
            "--id",
            "q",
            "--arn",
            queue["QueueArn"],
        )
        cert, key, chain = write_bundle(tmp_path, not_before=START, days=50)
        arn = cli_json(
            server, "cert", "import", "--certificate", str(cert), "--private-key", str(key),
            "--chain", str(chain),
        )["CertificateArn"]  # fmt: skip

        forecast = cli_json(server, "lifecycle", "forecast", "--days", "10")["Entries"]
        assert [
            (e["Date"], e["DaysToExpiry"])
            for e in forecast
            if e["CertificateArn"] == arn and e["DetailType"] == PATTERN["detail-type"][0]
        ] == [(f"2026-03-{day:02d}", 50 - day + 1) for day in range(6, 11)]

        ran = cli(server, "lifecycle", "run", "--until", "2026-03-10")
        assert "Ran 10 day(s)" in ran.stdout

        messages = drain(server, "expiring")
        bodies = [json.loads(m["Body"]) for m in messages]
        assert sorted((b["detail"]["DaysToExpiry"] for b in bodies), reverse=True) == [
            45,
            44,
            43,
            42,
            41,
        ]
        assert {b["resources"][0] for b in bodies} == {arn}
        assert {b["source"] for b in bodies} == {"aws.acm"}
        # Running the same days again sends nothing more.
        cli(server, "lifecycle", "run", "--until", "2026-03-10")
        assert drain(server, "expiring") == []
