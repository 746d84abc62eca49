"""certherd.pki.csr: building, loading (PEM/DER) and describing CSRs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm, SigningAlgorithm, Subject


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_secp521r1])
def test_build_load_describe(algorithm: KeyAlgorithm, key_for) -> None:
    key = key_for(algorithm)
    subject = Subject(common_name="app.example", organization="Org")
    csr = pki.build_csr(key, subject, ["app.example", "10.1.2.3"])
    for data in (
        csr.public_bytes(serialization.Encoding.PEM),
        csr.public_bytes(serialization.Encoding.DER),
    ):
        loaded = pki.load_csr(data)
        info = pki.describe_csr(loaded)
        assert info.subject == subject
        assert info.sans == ("app.example", "10.1.2.3")
        assert info.key_algorithm is algorithm
        assert pki.public_key_matches(key, _self_signed(key, info.public_key))


def _self_signed(key, public_key) -> x509.Certificate:
    # A throwaway certificate carrying public_key, to compare keys with public_key_matches.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    from datetime import UTC, datetime

    start = datetime(2030, 1, 1, tzinfo=UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def test_ca_csr_requests_ca(key_for) -> None:
    csr = pki.build_csr(key_for(KeyAlgorithm.EC_prime256v1), Subject(common_name="CA"), is_ca=True)
    bc = csr.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    assert csr.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_signing_algorithm_choice(key_for) -> None:
    key = key_for(KeyAlgorithm.RSA_2048)
    csr = pki.build_csr(
        key, Subject(common_name="x"), signing_algorithm=SigningAlgorithm.SHA512WITHRSA
    )
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA512)
    with pytest.raises(ValidationError) as info:
        pki.build_csr(
            key, Subject(common_name="x"), signing_algorithm=SigningAlgorithm.SHA256WITHECDSA
        )
    assert info.value.field == "SigningAlgorithm"


def test_build_refuses_empty_and_bad_sans(key_for) -> None:
    key = key_for(KeyAlgorithm.EC_prime256v1)
    with pytest.raises(ValidationError) as info:
        pki.build_csr(key, Subject())
    assert info.value.field == "Subject"
    with pytest.raises(ValidationError) as info:
        pki.build_csr(key, Subject(common_name="x"), ["-bad-.example"])
    assert info.value.field == "SubjectAlternativeNames"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"garbage", "could not be parsed"),
        (b"\x30\x82\x01\x00" + b"\x00" * 20, "could not be parsed"),
        (
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            "could not be parsed",
        ),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "PRIVATE KEY"),
    ],
)
def test_load_refuses_garbage(data: bytes, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        pki.load_csr(data, field="Csr")
    assert info.value.field == "Csr"
    assert words in info.value.message


def test_load_refuses_bad_signature(key_for) -> None:
    csr = pki.build_csr(key_for(KeyAlgorithm.EC_prime256v1), Subject(common_name="x"))
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # flip a bit of the signature
    with pytest.raises(ValidationError) as info:
        pki.load_csr(bytes(der))
    assert info.value.field == "Csr"


def test_describe_refuses_unsupported_key() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
        .sign(key, None)
    )
    loaded = pki.load_csr(csr.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(ValidationError) as info:
        pki.describe_csr(loaded)
    assert info.value.field == "Csr"
    assert "not supported" in info.value.message
