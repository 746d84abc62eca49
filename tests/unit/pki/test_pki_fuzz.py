"""Fuzzing the loaders: whatever bytes come in, the only error is ValidationError."""

from __future__ import annotations

import base64
import contextlib
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import Subject

NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def pem_wrap(label: str, der: bytes) -> bytes:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few random flips, deletions, insertions, truncations or copies."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate", "set"]))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        else:
            data[at] = draw(st.sampled_from([0x00, 0x30, 0x80, 0x81, 0x82, 0xFF, 0x7F]))
    return bytes(data)


def der_mutations(label: str, der: bytes) -> st.SearchStrategy[bytes]:
    """PEM whose base64 is intact but whose DER content is damaged: reaches the ASN.1 parser."""
    return mutations(der).map(lambda damaged: pem_wrap(label, damaged))


def only_validation_errors(call: Callable[[], object]) -> None:
    """Run ``call``; success and ValidationError are fine, any other exception fails the test."""
    with contextlib.suppress(ValidationError):
        call()


@pytest.fixture(scope="module")
def material(make_hierarchy):
    # An EC leaf: loading a user-supplied RSA key runs OpenSSL's slow RSA key check, which
    # would make every example that happens to parse cost ~75 ms.
    h = make_hierarchy(NOW)
    leaf_key = pki.generate_private_key(pki.KeyAlgorithm.EC_prime256v1)
    leaf = pki.issue_certificate(
        issuer_certificate=h.sub,
        issuer_key=h.sub_key,
        public_key=leaf_key.public_key(),
        subject=Subject(common_name="fuzz.example"),
        sans=["fuzz.example", "10.9.8.7"],
        validity=pki.Validity(h.leaf.not_valid_before_utc, h.leaf.not_valid_after_utc),
        serial=pki.new_serial(),
    )
    csr = pki.build_csr(leaf_key, Subject(common_name="fuzz.example"), ["fuzz.example"])
    return {
        "cert": leaf.public_bytes(serialization.Encoding.PEM),
        "cert_der": leaf.public_bytes(serialization.Encoding.DER),
        "chain": pki.chain_to_pem([h.sub, h.root]).encode(),
        "key": pki.private_key_to_pem(leaf_key),
        "key_der": pki.private_key_to_der(leaf_key),
        "ec_key_der": pki.private_key_to_der(h.sub_key),
        "csr": csr.public_bytes(serialization.Encoding.PEM),
        "csr_der": csr.public_bytes(serialization.Encoding.DER),
    }


LOADERS: list[Callable[[bytes], object]] = [
    pki.load_certificate,
    pki.load_chain,
    pki.load_private_key,
    pki.load_csr,
    pki.load_private_key_der,
]


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    for loader in LOADERS:
        only_validation_errors(lambda loader=loader: loader(data))


@FUZZ
@given(
    body=st.binary(max_size=512),
    label=st.sampled_from(
        [
            "CERTIFICATE",
            "PRIVATE KEY",
            "EC PRIVATE KEY",
            "RSA PRIVATE KEY",
            "CERTIFICATE REQUEST",
            "ENCRYPTED PRIVATE KEY",
        ]
    ),
)
def test_random_der_in_pem(body: bytes, label: str) -> None:
    data = pem_wrap(label, body)
    for loader in LOADERS:
        only_validation_errors(lambda loader=loader: loader(data))


@FUZZ
@given(st.data())
def test_mutated_certificates_and_chains(material, data: st.DataObject) -> None:
    cert = data.draw(
        st.one_of(mutations(material["cert"]), der_mutations("CERTIFICATE", material["cert_der"]))
    )
    only_validation_errors(lambda: pki.load_certificate(cert))
    only_validation_errors(lambda: pki.load_chain(cert + material["chain"]))
    only_validation_errors(lambda: pki.describe_certificate(pki.load_certificate(cert)))


@FUZZ
@given(st.data())
def test_mutated_private_keys(material, data: st.DataObject) -> None:
    key = data.draw(
        st.one_of(
            mutations(material["key"]),
            der_mutations("PRIVATE KEY", material["key_der"]),
            der_mutations("PRIVATE KEY", material["ec_key_der"]),
        )
    )
    only_validation_errors(lambda: pki.load_private_key(key))
    der = data.draw(mutations(material["ec_key_der"]))
    only_validation_errors(lambda: pki.load_private_key_der(der))


@FUZZ
@given(st.data())
def test_mutated_csrs(material, data: st.DataObject) -> None:
    csr = data.draw(
        st.one_of(
            mutations(material["csr"]),
            mutations(material["csr_der"]),
            der_mutations("CERTIFICATE REQUEST", material["csr_der"]),
        )
    )
    only_validation_errors(lambda: pki.describe_csr(pki.load_csr(csr)))


@FUZZ
@given(st.data())
def test_mutated_imports(material, data: st.DataObject) -> None:
    which = data.draw(st.sampled_from(["cert", "key", "chain"]))
    parts = {"cert": material["cert"], "key": material["key"], "chain": material["chain"]}
    if which == "cert":
        parts["cert"] = data.draw(der_mutations("CERTIFICATE", material["cert_der"]))
    else:
        parts[which] = data.draw(mutations(parts[which]))
    only_validation_errors(
        lambda: pki.check_import(parts["cert"], parts["key"], parts["chain"], NOW)
    )


@FUZZ
@given(
    cert=st.binary(max_size=600),
    key=st.binary(max_size=600),
    chain=st.none() | st.binary(max_size=600),
)
def test_random_imports(cert: bytes, key: bytes, chain: bytes | None) -> None:
    only_validation_errors(lambda: pki.check_import(cert, key, chain, NOW))


@FUZZ
@given(name=st.text(max_size=300))
def test_random_domain_names(name: str) -> None:
    only_validation_errors(lambda: pki.validate_domain_name(name))
    only_validation_errors(lambda: pki.validate_san(name))
