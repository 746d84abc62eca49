"""certherd.pki.export: passphrase rules and encrypted PKCS#8."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm

# DER encodings of the OIDs that make up PBES2 / PBKDF2 / HMAC-SHA256 / AES-256-CBC.
PBES2 = bytes.fromhex("06092a864886f70d01050d")
PBKDF2 = bytes.fromhex("06092a864886f70d01050c")
HMAC_SHA256 = bytes.fromhex("06082a864886f70d0209")
AES_256_CBC = bytes.fromhex("060960864801650304012a")


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_prime256v1])
def test_encrypted_key_decrypts_with_same_passphrase(algorithm, key_for) -> None:
    key = key_for(algorithm)
    pem = pki.encrypt_private_key(key, b"correct horse")
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = serialization.load_pem_private_key(pem.encode(), password=b"correct horse")
    assert pki.private_key_to_der(loaded) == pki.private_key_to_der(key)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(pem.encode(), password=b"wrong horse")
    # And certherd's own loader refuses it, as ACM's import does.
    with pytest.raises(ValidationError, match="encrypted"):
        pki.load_private_key(pem.encode())


def test_encryption_is_pbes2_aes256(key_for) -> None:
    pem = pki.encrypt_private_key(key_for(KeyAlgorithm.EC_prime256v1), b"abcd")
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    assert PBES2 in der and PBKDF2 in der and HMAC_SHA256 in der and AES_256_CBC in der


@pytest.mark.parametrize("passphrase", [b"abcd", b"x" * 128, b"with space ok!", b"~^&*()"])
def test_passphrase_accepted(passphrase: bytes) -> None:
    pki.check_passphrase(passphrase)


@pytest.mark.parametrize(
    ("passphrase", "words"),
    [
        (b"abc", "4 to 128"),
        (b"x" * 129, "4 to 128"),
        (b"pass#word", "#, $ or %"),
        (b"pa$$word", "#, $ or %"),
        (b"100%sure", "#, $ or %"),
        (b"tab\there", "printable ASCII"),
        ("pässword".encode(), "printable ASCII"),
        ("text", "bytes"),
    ],
)
def test_passphrase_rejected_without_echoing_it(passphrase, words: str, key_for) -> None:
    with pytest.raises(ValidationError) as info:
        pki.check_passphrase(passphrase)
    assert info.value.field == "Passphrase"
    assert words in info.value.message
    if isinstance(passphrase, bytes) and len(passphrase) >= 4:
        assert passphrase.decode("latin-1") not in str(info.value)
    with pytest.raises(ValidationError):
        pki.encrypt_private_key(key_for(KeyAlgorithm.EC_prime256v1), passphrase)
