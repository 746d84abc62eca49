"""Exporting private keys the way ACM's ExportCertificate does: passphrase-encrypted PKCS#8."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from certherd.errors import ValidationError
from certherd.pki.keys import PrivateKey

MIN_PASSPHRASE_BYTES = 4
MAX_PASSPHRASE_BYTES = 128
FORBIDDEN_PASSPHRASE_CHARACTERS = frozenset(b"#$%")


def check_passphrase(passphrase: bytes) -> None:
    """Check an export passphrase against ACM's rules.

    The rules: 4-128 bytes of printable ASCII (space to ``~``), none of ``#``, ``$`` or
    ``%``. The message states the rule broken and never contains the passphrase.

    Raises:
        ValidationError: (field ``Passphrase``) a rule is broken.
    """
    if not isinstance(passphrase, bytes | bytearray):
        raise ValidationError("must be bytes", field="Passphrase")
    if not MIN_PASSPHRASE_BYTES <= len(passphrase) <= MAX_PASSPHRASE_BYTES:
        raise ValidationError(
            f"must be {MIN_PASSPHRASE_BYTES} to {MAX_PASSPHRASE_BYTES} bytes long",
            field="Passphrase",
        )
    if any(byte < 0x20 or byte > 0x7E for byte in passphrase):
        raise ValidationError(
            "may only contain printable ASCII characters (no control or non-ASCII characters)",
            field="Passphrase",
        )
    if FORBIDDEN_PASSPHRASE_CHARACTERS.intersection(passphrase):
        raise ValidationError("must not contain the characters #, $ or %", field="Passphrase")


def encrypt_private_key(key: PrivateKey, passphrase: bytes) -> str:
    """``key`` as encrypted PKCS#8 PEM (``-----BEGIN ENCRYPTED PRIVATE KEY-----``).

    The encryption is PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, which OpenSSL reads
    with ``openssl pkcs8 -in key.pem -passin pass:...``.

    Raises:
        ValidationError: (field ``Passphrase``) the passphrase breaks ACM's rules.
    """
    check_passphrase(passphrase)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(bytes(passphrase)),
    )
    return pem.decode("ascii")
