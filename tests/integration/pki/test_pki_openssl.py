"""certherd.pki against the OpenSSL command line: what we write, OpenSSL reads and accepts."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm, RevocationReason, RevokedEntry, Subject, Validity

# The openssl command line is a test dependency (Debian's openssl package): a machine
# without it fails these tests rather than skipping them.
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)


def openssl(*args: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(
        [OPENSSL, *args], input=stdin, capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_secp384r1])
@pytest.mark.parametrize("passphrase", [b"abcd", b"with spaces & symbols!*"])
def test_openssl_decrypts_exported_key(tmp_path: Path, algorithm, passphrase: bytes) -> None:
    key = pki.generate_private_key(algorithm)
    path = tmp_path / "key.pem"
    path.write_text(pki.encrypt_private_key(key, passphrase))
    out = openssl("pkcs8", "-in", str(path), "-passin", "pass:" + passphrase.decode())
    assert out.startswith("-----BEGIN PRIVATE KEY-----")
    assert pki.load_private_key(out.encode()).private_numbers() == key.private_numbers()


def _hierarchy(tmp_path: Path) -> dict[str, Path]:
    root_key = pki.generate_private_key(KeyAlgorithm.RSA_2048)
    root = pki.self_signed_ca_certificate(
        key=root_key,
        subject=Subject(common_name="OpenSSL Root", country="NL"),
        validity=Validity(NOW - timedelta(days=1), NOW + timedelta(days=3650)),
        serial=pki.new_serial(),
    )
    sub_key = pki.generate_private_key(KeyAlgorithm.EC_prime256v1)
    sub = pki.issue_certificate(
        issuer_certificate=root,
        issuer_key=root_key,
        public_key=sub_key.public_key(),
        subject=Subject(common_name="OpenSSL Sub"),
        validity=Validity(NOW - timedelta(days=1), NOW + timedelta(days=365)),
        serial=pki.new_serial(),
        ca_path_length=0,
    )
    leaf_key = pki.generate_private_key(KeyAlgorithm.EC_prime256v1)
    leaf = pki.issue_certificate(
        issuer=pki.Issuer.from_certificate(sub, sub_key),
        public_key=leaf_key.public_key(),
        subject=Subject(common_name="svc.example"),
        sans=["svc.example", "*.svc.example", "192.0.2.7"],
        validity=Validity.for_days(30, now=NOW),
        serial=pki.new_serial(),
        crl_distribution_point="http://crl.example/sub.crl",
    )
    crl = pki.build_crl(
        issuer_certificate=sub,
        issuer_key=sub_key,
        revoked=[RevokedEntry(leaf.serial_number, NOW, RevocationReason.KEY_COMPROMISE)],
        this_update=NOW,
        next_update=NOW + timedelta(days=7),
        crl_number=1,
    )
    csr = pki.build_csr(leaf_key, Subject(common_name="svc.example"), ["svc.example"])
    paths = {
        "root": pki.certificate_to_pem(root),
        "sub": pki.certificate_to_pem(sub),
        "leaf": pki.certificate_to_pem(leaf),
        "crl": pki.crl_to_pem(crl),
        "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
    }
    out = {}
    for name, text in paths.items():
        out[name] = tmp_path / f"{name}.pem"
        out[name].write_text(text)
    return out


def test_openssl_verifies_chain_crl_and_csr(tmp_path: Path) -> None:
    files = _hierarchy(tmp_path)
    at = str(int((NOW + timedelta(hours=1)).timestamp()))
    out = openssl(
        "verify",
        "-attime",
        at,
        "-purpose",
        "sslserver",
        "-CAfile",
        str(files["root"]),
        "-untrusted",
        str(files["sub"]),
        str(files["leaf"]),
    )
    assert "OK" in out
    assert "verify OK" in openssl(
        "crl", "-in", str(files["crl"]), "-CAfile", str(files["sub"]), "-noout"
    )
    assert "Key Compromise" in openssl("crl", "-in", str(files["crl"]), "-noout", "-text")
    assert "verify OK" in openssl("req", "-in", str(files["csr"]), "-verify", "-noout")
    text = openssl("x509", "-in", str(files["leaf"]), "-noout", "-text")
    assert "DNS:*.svc.example" in text and "IP Address:192.0.2.7" in text
    assert "http://crl.example/sub.crl" in text


def test_keys_made_by_openssl_load(tmp_path: Path) -> None:
    ec_path = tmp_path / "ec.pem"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", str(ec_path))
    assert pki.key_algorithm_of(pki.load_private_key(ec_path.read_bytes())) is (
        KeyAlgorithm.EC_prime256v1
    )
    rsa_path = tmp_path / "rsa.pem"
    openssl(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(rsa_path)
    )
    assert (
        pki.key_algorithm_of(pki.load_private_key(rsa_path.read_bytes())) is KeyAlgorithm.RSA_2048
    )
    ed_path = tmp_path / "ed.pem"
    openssl("genpkey", "-algorithm", "ED25519", "-out", str(ed_path))
    with pytest.raises(ValidationError, match="not supported"):
        pki.load_private_key(ed_path.read_bytes())
