"""Acceptance: the ``certherd`` CLI against a running ``certherd serve``, on SQLite and PostgreSQL.

A root CA, a subordinate CA under it, a certificate from the subordinate; the certificate is
exported under a passphrase, checked with openssl against its key and its chain, revoked,
and found on the CRL fetched from the URL the certificate itself names. Every step goes
through the CLI as a user runs it (a subprocess), which finds the server and its token in
the credentials file the server wrote.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import httpx
import pytest
from cryptography import x509
from e2e_support import Server, clean_env, cli, cli_json, running_server

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """``certherd serve`` on a free port with a fresh data dir and the test's database."""
    with running_server(tmp_path, database_url) as running:
        yield running


def openssl(*args: str, stdin: TextIO | None = None) -> str:
    assert Path(OPENSSL).exists(), "openssl is required for the e2e tests (/usr/bin/openssl)"
    result = subprocess.run(
        [OPENSSL, *args], capture_output=True, text=True, timeout=60, check=False, stdin=stdin
    )
    assert result.returncode == 0, f"openssl {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def _wait_issued(server: Server, arn: str) -> dict[str, Any]:
    """The certificate's detail once it is ISSUED (issuance may finish after the request)."""
    deadline = time.monotonic() + 30
    while True:
        detail: dict[str, Any] = cli_json(server, "cert", "describe", arn)["Certificate"]
        if detail["Status"] != "PENDING_VALIDATION" or time.monotonic() > deadline:
            return detail
        time.sleep(0.2)


def test_certificate_lifecycle_through_the_cli(server: Server, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()

    # Two CAs: a root, and a subordinate it signs.
    root = cli_json(
        server,
        "ca", "create", "--type", "ROOT", "--common-name", "E2E Root CA",
        "--organization", "certherd e2e", "--key-algorithm", "EC_prime256v1",
    )  # fmt: skip
    assert root["Type"] == "ROOT" and root["Status"] == "ACTIVE"
    sub = cli_json(
        server,
        "ca", "create", "--type", "SUBORDINATE", "--common-name", "E2E Issuing CA",
        "--key-algorithm", "EC_prime256v1", "--parent", root["Arn"], "--path-length", "0",
    )  # fmt: skip
    assert sub["Type"] == "SUBORDINATE" and sub["Status"] == "ACTIVE"
    listed = cli(server, "ca", "list").stdout
    assert root["Arn"] in listed and sub["Arn"] in listed

    # A certificate from the subordinate.
    requested = cli_json(
        server,
        "cert", "request", "www.e2e.example", "--san", "api.e2e.example",
        "--ca", sub["Arn"], "--key-algorithm", "EC_prime256v1", "--tag", "env=e2e",
    )  # fmt: skip
    arn = requested["CertificateArn"]
    detail = _wait_issued(server, arn)
    assert detail["Status"] == "ISSUED", detail
    assert detail["KeyAlgorithm"] == "EC_prime256v1"
    assert set(detail["SubjectAlternativeNames"]) >= {"www.e2e.example", "api.e2e.example"}

    # The inventory shows it as expiring within 400 days, in JSON and in the table.
    expiring = cli_json(server, "cert", "list", "--expiring-within", "400")
    assert arn in [item["CertificateArn"] for item in expiring["CertificateSummaryList"]]
    table = cli(server, "cert", "list", "--expiring-within", "400").stdout
    row = next(line for line in table.splitlines() if arn in line)
    assert "www.e2e.example" in row and "ISSUED" in row

    # A second certificate, to follow NextToken pages with --all.
    second = cli_json(
        server, "cert", "request", "second.e2e.example", "--ca", sub["Arn"],
        "--key-algorithm", "EC_prime256v1",
    )["CertificateArn"]  # fmt: skip
    first_page = cli_json(server, "cert", "list", "--max-items", "1")
    assert len(first_page["CertificateSummaryList"]) == 1 and first_page["NextToken"]
    every = cli_json(server, "cert", "list", "--max-items", "1", "--all")
    assert {item["CertificateArn"] for item in every["CertificateSummaryList"]} == {arn, second}
    assert every["NextToken"] is None

    # Export under a passphrase read from a file; the key is written 0600, encrypted.
    passphrase_file = work / "passphrase"
    passphrase_file.write_text("e2e-Passphrase-42\n")
    export_dir = work / "export"
    export_dir.mkdir()
    cli(
        server,
        "cert", "export", arn, "--out-dir", str(export_dir),
        "--passphrase-file", str(passphrase_file),
    )  # fmt: skip
    cert_pem, key_pem = export_dir / "cert.pem", export_dir / "key.pem"
    assert stat.S_IMODE(key_pem.stat().st_mode) == 0o600
    assert key_pem.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert (export_dir / "chain.pem").read_text().count("BEGIN CERTIFICATE") >= 1

    # openssl decrypts the key with the passphrase, and it belongs to the certificate.
    plain = work / "plain.pem"
    openssl(
        "pkcs8", "-in", str(key_pem), "-passin", f"file:{passphrase_file}", "-out", str(plain)
    )  # fmt: skip
    key_public = openssl("pkey", "-in", str(plain), "-pubout")
    cert_public = openssl("x509", "-in", str(cert_pem), "-pubkey", "-noout")
    assert key_public.strip() == cert_public.strip()

    # The chain verifies: root -> subordinate -> certificate.
    root_pem, sub_pem = work / "root.pem", work / "sub.pem"
    cli(server, "ca", "certificate", root["Arn"], "--out", str(root_pem))
    cli(server, "ca", "certificate", sub["Arn"], "--out", str(sub_pem))
    verified = openssl(
        "verify", "-CAfile", str(root_pem), "-untrusted", str(sub_pem), str(cert_pem)
    )  # fmt: skip
    assert verified.strip() == f"{cert_pem}: OK"

    # Revoke it; the CRL at the URL the certificate names lists its serial.
    cli(server, "cert", "revoke", arn, "--reason", "KEY_COMPROMISE")
    assert _wait_issued(server, arn)["Status"] == "REVOKED"
    certificate = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    crl_url = points[0].full_name[0].value
    assert crl_url.startswith(f"{server.url}/crl/"), (crl_url, server.url)
    response = httpx.get(crl_url, timeout=10.0)
    assert response.status_code == 200, response.text
    crl_der = work / "crl.der"
    crl_der.write_bytes(response.content)
    crl_text = openssl("crl", "-inform", "DER", "-in", str(crl_der), "-noout", "-text")
    listed_serials = {
        int(serial, 16) for serial in re.findall(r"Serial Number:\s*([0-9A-Fa-f]+)", crl_text)
    }
    assert certificate.serial_number in listed_serials, crl_text
    assert "Key Compromise" in crl_text

    # The CLI's own CRL download says the same.
    crl_pem = work / "crl.pem"
    cli(server, "ca", "crl", sub["Arn"], "--pem", "--out", str(crl_pem))
    crl_text = openssl("crl", "-in", str(crl_pem), "-noout", "-text")
    assert certificate.serial_number in {
        int(serial, 16) for serial in re.findall(r"Serial Number:\s*([0-9A-Fa-f]+)", crl_text)
    }


def test_credentials_file_and_clear_errors(server: Server, tmp_path: Path) -> None:
    # The first start wrote the credentials file 0600 and said where.
    credentials = server.credentials_file
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    document = json.loads(credentials.read_text())
    assert document["url"] == server.url and document["token"]
    assert str(credentials) in server.log.read_text()

    # An invalid domain: exit code 1 and one line naming DomainName, no traceback.
    root = cli_json(
        server, "ca", "create", "--common-name", "E2E Errors Root", "--key-algorithm",
        "EC_prime256v1",
    )  # fmt: skip
    bad = cli(server, "cert", "request", "ab--c.example", "--ca", root["Arn"], check=False)
    assert bad.returncode == 1
    assert bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1, bad.stderr
    assert lines[0].startswith("error: DomainName"), lines[0]

    # Usage errors stay exit code 2.
    usage = cli(server, "cert", "request", "www.e2e.example", check=False)
    assert usage.returncode == 2

    # No token anywhere: a clear 401 naming where the credentials file was expected.
    elsewhere = tmp_path / "other-data"
    anonymous = cli(
        server,
        "cert", "list",
        env=clean_env(CERTHERD_URL=server.url, CERTHERD_DATA_DIR=str(elsewhere)),
        check=False,
    )  # fmt: skip
    assert anonymous.returncode == 1
    message = anonymous.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: unauthorized: no API token"), message
    assert str(elsewhere / "credentials.json") in message
    assert "CERTHERD_TOKEN" in message and "Traceback" not in message

    # A wrong token: rejected, and said so.
    wrong = cli(server, "--token", "chd_not-a-token", "cert", "list", check=False)
    assert wrong.returncode == 1
    assert "rejected" in wrong.stderr and "--token" in wrong.stderr


def test_local_admin_commands(server: Server) -> None:
    """``db upgrade`` and ``keys rotate`` work on the server's data dir and database."""
    local = clean_env(
        CERTHERD_DATA_DIR=str(server.data_dir), CERTHERD_DATABASE_URL=server.database_url
    )
    cli_json(server, "ca", "create", "--common-name", "E2E Keys Root", "--key-algorithm",
             "EC_prime256v1")  # fmt: skip
    upgraded = cli(server, "db", "upgrade", "--output", "json", env=local)
    assert json.loads(upgraded.stdout)["Revision"]
    assert "database at revision" in cli(server, "db", "upgrade", env=local).stdout
    key_file = server.data_dir / "master.key"
    before = key_file.read_bytes()
    rotated = json.loads(cli(server, "keys", "rotate", "--output", "json", env=local).stdout)
    assert rotated["Rewrapped"] >= 1  # at least the CA's private key
    assert key_file.read_bytes() != before
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
