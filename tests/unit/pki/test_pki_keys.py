"""certherd.pki.keys: generation, algorithms, PEM/DER round trips and refusals."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_round_trip_every_algorithm(algorithm: KeyAlgorithm, key_for) -> None:
    key = key_for(algorithm)
    assert pki.key_algorithm_of(key) is algorithm
    assert pki.key_algorithm_of(key.public_key()) is algorithm

    pem = pki.private_key_to_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    from_pem = pki.load_private_key(pem)
    from_der = pki.load_private_key_der(pki.private_key_to_der(key))
    for loaded in (from_pem, from_der):
        assert pki.key_algorithm_of(loaded) is algorithm
        assert pki.private_key_to_der(loaded) == pki.private_key_to_der(key)


def test_generated_keys_have_expected_shape() -> None:
    rsa_key = pki.generate_private_key(KeyAlgorithm.RSA_2048)
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    assert rsa_key.key_size == 2048
    assert rsa_key.public_key().public_numbers().e == 65537
    ec_key = pki.generate_private_key(KeyAlgorithm.EC_secp384r1)
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    assert ec_key.curve.name == "secp384r1"


def test_key_algorithm_values_equal_names() -> None:
    assert [m.value for m in KeyAlgorithm] == [m.name for m in KeyAlgorithm]
    assert KeyAlgorithm.RSA_2048.is_rsa and not KeyAlgorithm.RSA_2048.is_ec
    assert KeyAlgorithm.EC_prime256v1.is_ec


@pytest.mark.parametrize(
    "fmt",
    [serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8],
)
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_prime256v1])
def test_loads_traditional_and_pkcs8_pem(algorithm, fmt, key_for) -> None:
    key = key_for(algorithm)
    pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    loaded = pki.load_private_key(b"some text before\n" + pem + b"\ntrailing")
    assert pki.private_key_to_der(loaded) == pki.private_key_to_der(key)


def test_ec_parameters_block_is_ignored(key_for) -> None:
    key = key_for(KeyAlgorithm.EC_prime256v1)
    params = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert pki.key_algorithm_of(pki.load_private_key(params + pem)) is KeyAlgorithm.EC_prime256v1


def _error(data: bytes, **kwargs: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        pki.load_private_key(data, **kwargs)
    return info.value


@pytest.mark.parametrize(
    "fmt",
    [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL],
)
def test_refuses_encrypted_keys(fmt, key_for) -> None:
    key = key_for(KeyAlgorithm.RSA_2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, fmt, serialization.BestAvailableEncryption(b"secret")
    )
    error = _error(pem)
    assert error.field == "PrivateKey"
    assert "encrypted" in error.message


def test_refuses_der_and_names_the_field(key_for) -> None:
    error = _error(pki.private_key_to_der(key_for(KeyAlgorithm.EC_prime256v1)), field="Key")
    assert error.field == "Key"
    assert "DER" in error.message
    assert str(error).startswith("Key: ")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"hello world", "not PEM"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "could not be parsed"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n", "without its END"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "CERTIFICATE"),
    ],
)
def test_refuses_garbage(data: bytes, words: str) -> None:
    error = _error(data)
    assert error.field == "PrivateKey"
    assert words in error.message


def test_refuses_two_keys(key_for) -> None:
    pem = pki.private_key_to_pem(key_for(KeyAlgorithm.EC_prime256v1))
    assert "exactly one" in _error(pem + pem).message


@pytest.mark.parametrize(
    "key",
    [
        ed25519.Ed25519PrivateKey.generate(),
        dsa.generate_private_key(1024),
        ec.generate_private_key(ec.SECP256K1()),
        rsa.generate_private_key(65537, 1536),
    ],
    ids=["ed25519", "dsa", "secp256k1", "rsa1536"],
)
def test_refuses_unsupported_algorithms(key) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    error = _error(pem)
    assert error.field == "PrivateKey"
    assert "not supported" in error.message
    with pytest.raises(ValidationError, match="not supported"):
        pki.key_algorithm_of(key)


def test_load_der_refuses_garbage() -> None:
    with pytest.raises(ValidationError) as info:
        pki.load_private_key_der(b"\x30\x03\x02\x01\x00")
    assert info.value.field == "PrivateKey"


def test_public_key_matches(hierarchy) -> None:
    assert pki.public_key_matches(hierarchy.leaf_key, hierarchy.leaf)
    assert not pki.public_key_matches(hierarchy.sub_key, hierarchy.leaf)
    assert pki.public_key_matches(hierarchy.root_key, hierarchy.root)
