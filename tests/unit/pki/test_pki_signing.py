"""certherd.pki.signing: defaults, compatibility and display names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm, SigningAlgorithm


@pytest.mark.parametrize(
    ("key_algorithm", "expected"),
    [
        (KeyAlgorithm.EC_prime256v1, SigningAlgorithm.SHA256WITHECDSA),
        (KeyAlgorithm.EC_secp384r1, SigningAlgorithm.SHA384WITHECDSA),
        (KeyAlgorithm.EC_secp521r1, SigningAlgorithm.SHA512WITHECDSA),
        (KeyAlgorithm.RSA_1024, SigningAlgorithm.SHA256WITHRSA),
        (KeyAlgorithm.RSA_4096, SigningAlgorithm.SHA256WITHRSA),
    ],
)
def test_defaults(key_algorithm: KeyAlgorithm, expected: SigningAlgorithm) -> None:
    assert pki.default_signing_algorithm(key_algorithm) is expected


def test_check_compatible(key_for) -> None:
    rsa_key = key_for(KeyAlgorithm.RSA_2048)
    ec_key = key_for(KeyAlgorithm.EC_prime256v1)
    pki.check_compatible(SigningAlgorithm.SHA512WITHRSA, rsa_key)
    pki.check_compatible(SigningAlgorithm.SHA384WITHECDSA, ec_key)
    with pytest.raises(ValidationError) as info:
        pki.check_compatible(SigningAlgorithm.SHA256WITHECDSA, rsa_key)
    assert info.value.field == "SigningAlgorithm"
    assert "EC key" in info.value.message
    with pytest.raises(ValidationError, match="RSA key"):
        pki.check_compatible(SigningAlgorithm.SHA256WITHRSA, ec_key)


def test_parse_signing_algorithm() -> None:
    assert pki.parse_signing_algorithm("SHA384WITHRSA") is SigningAlgorithm.SHA384WITHRSA
    with pytest.raises(ValidationError, match="SHA256WITHRSA_PSS"):
        pki.parse_signing_algorithm("SHA256WITHRSA_PSS")


@pytest.mark.parametrize("algorithm", list(SigningAlgorithm))
def test_signature_algorithm_name_round_trips(algorithm: SigningAlgorithm, key_for, now) -> None:
    key_alg = KeyAlgorithm.EC_secp384r1 if algorithm.is_ecdsa else KeyAlgorithm.RSA_2048
    cert = pki.self_signed_ca_certificate(
        key=key_for(key_alg),
        subject=pki.Subject(common_name="ca"),
        validity=pki.Validity(now, now + timedelta(days=1)),
        signing_algorithm=algorithm,
        serial=1,
    )
    assert pki.signature_algorithm_name(cert) == algorithm.value


def test_signature_algorithm_name_other(key_for, now) -> None:
    key = key_for(KeyAlgorithm.RSA_2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA224())
    )
    assert pki.signature_algorithm_name(cert) == "SHA224WITHRSA"
