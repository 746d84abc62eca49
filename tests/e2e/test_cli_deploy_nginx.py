"""Acceptance: deployments end to end, through the CLI against a running server, with a real
nginx (Debian's package) started here on a loopback port.

nginx serves a placeholder certificate from the deployment's directory. A deployment of a
private certificate writes the full chain and key there, reloads nginx (``nginx -s
reload``) and verifies over TLS with SNI that nginx serves it. A rule on ``ACM Certificate
Available`` with ``Action: RENEWAL`` targets the deployment: renewing the certificate
writes the new files, reloads nginx, and nginx serves the new serial. With nginx's
configuration broken, the reload fails: the run is FAILED with ``Certificate Deployment
Failed`` (with the reason), and ``deploy rollback`` restores the previous files.

It runs on SQLite only: what it stores is covered on both databases by the service
tests, and a server on PostgreSQL adds minutes to the suite, not coverage.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from e2e_support import Server, cli, cli_json, free_port, running_server

from certherd.pki.parse import serial_to_string

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="needs nginx (Debian package nginx)")

START = datetime(2026, 3, 1, tzinfo=UTC)
DOMAIN = "www.deploy.test"
RULE = "deploy-renewed"
PATTERN = {
    "source": ["aws.acm"],
    "detail-type": ["ACM Certificate Available"],
    "detail": {"Action": ["RENEWAL"]},
}


class Nginx:
    def __init__(self, root: Path, tls: Path, port: int) -> None:
        self.root, self.tls, self.port = root, tls, port
        self.conf = root / "nginx.conf"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [str(NGINX), "-p", str(self.root), "-c", str(self.conf)]

    def write_config(self, *, broken: bool = False) -> None:
        temp = self.root / "tmp"
        self.conf.write_text(
            f"pid {self.root}/nginx.pid;\n"
            f"error_log {self.root}/error.log;\n"
            "events {}\n"
            "http {\n"
            "  access_log off;\n"
            + "".join(f"  {kind}_temp_path {temp};\n" for kind in ("client_body", "proxy"))
            + "".join(f"  {kind}_temp_path {temp};\n" for kind in ("fastcgi", "uwsgi", "scgi"))
            + f"  server {{\n    listen 127.0.0.1:{self.port} ssl;\n"
            f"    server_name {DOMAIN};\n"
            f"    ssl_certificate {self.tls}/fullchain.pem;\n"
            f"    ssl_certificate_key {self.tls}/key.pem;\n"
            "    return 200 ok;\n  }\n"
            + ("  this_is_not_a_directive on;\n" if broken else "")
            + "}\n"
        )


def _placeholder(tls: Path) -> None:
    """A self-signed certificate for nginx to start with."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "placeholder")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tls / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tls / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tls / "key.pem").chmod(0o600)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    root = tmp_path / "nginx"
    tls = tmp_path / "tls"
    for directory in (root, root / "tmp", root / "logs", tls):
        directory.mkdir()
    _placeholder(tls)
    server = Nginx(root, tls, free_port())
    server.write_config()
    server.process = subprocess.Popen(
        [*server.command, "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(root / "stderr.log").open("wb"),
    )
    try:
        deadline = time.monotonic() + 15
        while _served_serial(server) is None:
            assert server.process.poll() is None, (root / "stderr.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=15)


def _served_serial(server: Nginx) -> str | None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection(("127.0.0.1", server.port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname=DOMAIN) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except OSError:
        return None
    assert der is not None
    return serial_to_string(x509.load_der_x509_certificate(der).serial_number)


def _file_serial(path: Path) -> str:
    return serial_to_string(x509.load_pem_x509_certificate(path.read_bytes()).serial_number)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _runs(server: Server) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = cli_json(server, "deploy", "history", "web")["Runs"]
    return runs


def _wait_for_runs(server: Server, count: int) -> list[dict[str, Any]]:
    """The history once it holds ``count`` runs (the worker delivers the event)."""
    deadline = time.monotonic() + 60
    while True:
        runs = _runs(server)
        if len(runs) >= count or time.monotonic() > deadline:
            return runs
        time.sleep(0.3)


def _serial(server: Server, arn: str) -> str:
    detail: dict[str, Any] = cli_json(server, "cert", "describe", arn)["Certificate"]
    serial: str = detail["Serial"]
    return serial


def test_a_renewal_is_deployed_to_nginx_and_a_failed_reload_is_rolled_back(
    tmp_path: Path, sqlite_url: str, nginx: Nginx
) -> None:
    with running_server(tmp_path, sqlite_url, "--now", _stamp(START)) as server:
        root = cli_json(
            server, "ca", "create", "--type", "ROOT", "--common-name", "Deploy Root CA",
            "--key-algorithm", "EC_prime256v1",
        )  # fmt: skip
        cert_arn = cli_json(
            server, "cert", "request", DOMAIN, "--ca", root["Arn"],
            "--key-algorithm", "EC_prime256v1",
        )["CertificateArn"]  # fmt: skip
        reload = [arg for part in [*nginx.command, "-s", "reload"] for arg in ("--command", part)]
        deployment_arn = cli(
            server, "deploy", "create", "web", "--certificate", cert_arn,
            "--directory", str(nginx.tls),
            "--file", "fullchain=fullchain.pem", "--file", "key=key.pem", *reload,
            "--verify-host", "127.0.0.1", "--verify-port", str(nginx.port),
            "--verify-timeout", "10",
        ).stdout.strip()  # fmt: skip
        assert deployment_arn.endswith(":deployment/web")
        detail = cli_json(server, "cert", "describe", cert_arn)["Certificate"]
        assert detail["InUseBy"] == [deployment_arn]
        assert detail["RenewalEligibility"] == "ELIGIBLE"

        # By hand: the certificate replaces the placeholder, nginx serves it.
        first_serial = _serial(server, cert_arn)
        [first] = cli_json(server, "deploy", "run", "web")["Runs"]
        assert first["Outcome"] == "SUCCEEDED", first
        assert _served_serial(nginx) == first_serial
        assert (nginx.tls / "key.pem").stat().st_mode & 0o777 == 0o600

        # A renewal reaches the deployment through the rule.
        cli(server, "rule", "create", RULE, "--pattern", json.dumps(PATTERN))
        cli(server, "rule", "target", "add", RULE, "--id", "web", "--arn", deployment_arn)
        cli(server, "cert", "renew", cert_arn)
        second_serial = _serial(server, cert_arn)
        assert second_serial != first_serial
        cli(server, "lifecycle", "run", "--until", _stamp(START + timedelta(minutes=1)))
        runs = _wait_for_runs(server, 2)
        assert runs[0]["Trigger"] == "EVENT" and runs[0]["Outcome"] == "SUCCEEDED", runs
        assert runs[0]["SerialNumber"] == second_serial
        assert _file_serial(nginx.tls / "fullchain.pem") == second_serial
        assert _served_serial(nginx) == second_serial
        deployed = cli_json(server, "events", "list", "--detail-type", "Certificate Deployed")
        assert {e["Event"]["detail"]["SerialNumber"] for e in deployed["Events"]} >= {second_serial}

        # nginx's configuration breaks: the reload fails and the run with it.
        nginx.write_config(broken=True)
        cli(server, "cert", "renew", cert_arn)
        third_serial = _serial(server, cert_arn)
        cli(server, "lifecycle", "run", "--until", _stamp(START + timedelta(minutes=2)))
        runs = _wait_for_runs(server, 3)
        assert runs[0]["Outcome"] == "FAILED", runs
        assert runs[0]["Reason"].startswith("COMMAND: the post-deploy command exited with status")
        assert "this_is_not_a_directive" in runs[0]["Reason"]
        failed = cli_json(
            server, "events", "list", "--detail-type", "Certificate Deployment Failed"
        )["Events"]
        assert [e["Event"]["detail"]["SerialNumber"] for e in failed] == [third_serial]
        assert failed[0]["Event"]["detail"]["Stage"] == "COMMAND"
        assert failed[0]["Source"] == "certherd"
        assert _file_serial(nginx.tls / "fullchain.pem") == third_serial
        assert _served_serial(nginx) == second_serial  # still the old configuration

        # Rolled back (with the configuration repaired, so the reload works again).
        nginx.write_config()
        rolled = cli_json(server, "deploy", "rollback", "web")
        assert rolled["Outcome"] == "ROLLED_BACK", rolled
        assert _file_serial(nginx.tls / "fullchain.pem") == second_serial
        assert (nginx.tls / "key.pem").stat().st_mode & 0o777 == 0o600
        deadline = time.monotonic() + 10
        while _served_serial(nginx) != second_serial and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _served_serial(nginx) == second_serial
        assert [r["Outcome"] for r in _runs(server)][:2] == ["ROLLED_BACK", "FAILED"]
