"""Signatures of SNS messages: what is signed, how it is signed, and how a subscriber checks it.

SNS signs every HTTP/S, SQS, email-json and Lambda message with an RSA key whose certificate
it serves at the message's ``SigningCertURL``. The signed bytes are the "string to sign": for
a fixed list of keys, in byte order, ``Key\\nValue\\n`` for each key the message has. Topic
attribute ``SignatureVersion`` picks the hash: ``1`` is SHA1withRSA, ``2`` SHA256withRSA, both
PKCS#1 v1.5; the signature travels Base64-encoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from certherd.errors import ValidationError

__all__ = [
    "CONFIRMATION_SIGNED_KEYS",
    "CONFIRMATION_TYPES",
    "NOTIFICATION_SIGNED_KEYS",
    "SIGNATURE_VERSIONS",
    "sign_message",
    "signer",
    "signing_cert_name",
    "string_to_sign",
    "verify_message",
]

#: Keys of a ``Notification`` that are signed, in signing order (``Subject`` only when the
#: message has one; ``UnsubscribeURL`` and ``MessageAttributes`` are never signed).
NOTIFICATION_SIGNED_KEYS: Final = (
    "Message",
    "MessageId",
    "Subject",
    "Timestamp",
    "TopicArn",
    "Type",
)
#: Keys of a ``SubscriptionConfirmation`` / ``UnsubscribeConfirmation`` that are signed.
CONFIRMATION_SIGNED_KEYS: Final = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
CONFIRMATION_TYPES: Final = frozenset({"SubscriptionConfirmation", "UnsubscribeConfirmation"})
#: The values topic attribute ``SignatureVersion`` takes.
SIGNATURE_VERSIONS: Final = ("1", "2")


def _hash_for(signature_version: str) -> hashes.SHA1 | hashes.SHA256:
    if signature_version == "1":
        # SNS's version 1 is SHA1withRSA; receivers expect exactly that.
        return hashes.SHA1()  # noqa: S303
    if signature_version == "2":
        return hashes.SHA256()
    raise ValidationError('must be "1" or "2"', field="SignatureVersion")


def string_to_sign(document: Mapping[str, object]) -> bytes:
    """The bytes SNS signs for ``document`` (a message as delivered, or a Lambda record's
    ``Sns`` object): for each signed key of its ``Type`` that is present and not null,
    ``Key\\nValue\\n``, UTF-8 encoded.

    Raises ``ValueError`` when ``Type`` is not ``Notification``, ``SubscriptionConfirmation``
    or ``UnsubscribeConfirmation``, or when a signed value is not a string.
    """
    kind = document.get("Type")
    if kind == "Notification":
        keys: tuple[str, ...] = NOTIFICATION_SIGNED_KEYS
    elif kind in CONFIRMATION_TYPES:
        keys = CONFIRMATION_SIGNED_KEYS
    else:
        raise ValueError(f"cannot sign a message of Type {kind!r}")
    parts: list[str] = []
    for key in keys:
        value = document.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"signed value {key!r} is not a string")
        parts.append(f"{key}\n{value}\n")
    return "".join(parts).encode()


def sign_message(private_key: rsa.RSAPrivateKey, data: bytes, *, signature_version: str) -> str:
    """The Base64 PKCS#1 v1.5 signature of ``data`` with ``private_key``, hashed as
    ``signature_version`` says (``"1"`` SHA-1, ``"2"`` SHA-256).

    Raises :class:`ValidationError` (field ``SignatureVersion``) for another version and
    (field ``SigningKey``) for a key that is not RSA.
    """
    algorithm = _hash_for(signature_version)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValidationError("SNS messages are signed with an RSA key", field="SigningKey")
    signature = private_key.sign(data, padding.PKCS1v15(), algorithm)
    return base64.b64encode(signature).decode("ascii")


def signer(private_key: rsa.RSAPrivateKey, *, signature_version: str) -> Callable[[bytes], str]:
    """A ``sign(data) -> Base64 signature`` function for the envelope builders.

    Raises :class:`ValidationError` at once for a version other than ``"1"`` or ``"2"``.
    """
    _hash_for(signature_version)

    def sign(data: bytes) -> str:
        return sign_message(private_key, data, signature_version=signature_version)

    return sign


def _load_certificate(certificate: bytes) -> x509.Certificate:
    if certificate.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(certificate)
    return x509.load_der_x509_certificate(certificate)


def verify_message(document: Mapping[str, object], certificate_pem: bytes) -> bool:
    """Whether ``document`` carries a valid SNS signature by the key of ``certificate_pem``
    (PEM, or DER): the check a subscriber makes before trusting a message.

    Builds the string to sign from the document's ``Type``, hashes it as its
    ``SignatureVersion`` says and checks its Base64 ``Signature``. Never raises for a bad
    message: a missing or malformed field, an unknown version or type, a tampered value, an
    unreadable certificate or a key that is not RSA all answer ``False``.
    """
    try:
        version = document.get("SignatureVersion")
        signature_text = document.get("Signature")
        if not isinstance(version, str) or not isinstance(signature_text, str):
            return False
        algorithm = _hash_for(version)
        signature = base64.b64decode(signature_text, validate=True)
        data = string_to_sign(document)
        public_key = _load_certificate(certificate_pem).public_key()
    except (ValueError, ValidationError, binascii.Error):
        return False
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def signing_cert_name(certificate_der: bytes) -> str:
    """The file name the signing certificate is served under:
    ``SimpleNotificationService-<SHA-1 hex of the DER certificate>.pem``."""
    # A name, not a security check: SHA-1 only keeps it short and stable.
    digest = hashlib.sha1(certificate_der, usedforsecurity=False).hexdigest()
    return f"SimpleNotificationService-{digest}.pem"
