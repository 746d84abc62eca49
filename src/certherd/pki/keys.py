"""Private and public keys: the algorithms certherd supports, generation and (de)serialisation.

Only the ACM ``KeyAlgorithm`` family is supported: RSA with 1024/2048/3072/4096-bit moduli and
EC on P-256, P-384 and P-521. Anything else (DSA, Ed25519, odd RSA sizes, other curves) is
refused with :class:`~certherd.errors.ValidationError` wherever a key enters the system.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NoReturn, TypeAlias, cast

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
    PublicKeyTypes,
)

from certherd.errors import ValidationError
from certherd.pki._pem import PARSE_ERRORS, as_bytes, looks_like_der, pem_blocks

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class KeyAlgorithm(StrEnum):
    """ACM / AWS Private CA key algorithm names (values equal the names)."""

    RSA_1024 = "RSA_1024"
    RSA_2048 = "RSA_2048"
    RSA_3072 = "RSA_3072"
    RSA_4096 = "RSA_4096"
    EC_prime256v1 = "EC_prime256v1"
    EC_secp384r1 = "EC_secp384r1"
    EC_secp521r1 = "EC_secp521r1"

    @property
    def is_rsa(self) -> bool:
        """True for the RSA members."""
        return self.value.startswith("RSA_")

    @property
    def is_ec(self) -> bool:
        """True for the elliptic-curve members."""
        return self.value.startswith("EC_")


_RSA_SIZES: dict[int, KeyAlgorithm] = {
    1024: KeyAlgorithm.RSA_1024,
    2048: KeyAlgorithm.RSA_2048,
    3072: KeyAlgorithm.RSA_3072,
    4096: KeyAlgorithm.RSA_4096,
}
_EC_CURVES: dict[str, KeyAlgorithm] = {
    "secp256r1": KeyAlgorithm.EC_prime256v1,
    "secp384r1": KeyAlgorithm.EC_secp384r1,
    "secp521r1": KeyAlgorithm.EC_secp521r1,
}
_CURVE_FOR: dict[KeyAlgorithm, type[ec.EllipticCurve]] = {
    KeyAlgorithm.EC_prime256v1: ec.SECP256R1,
    KeyAlgorithm.EC_secp384r1: ec.SECP384R1,
    KeyAlgorithm.EC_secp521r1: ec.SECP521R1,
}
_SUPPORTED = ", ".join(member.value for member in KeyAlgorithm)


def generate_private_key(algorithm: KeyAlgorithm) -> PrivateKey:
    """Generate a fresh private key of ``algorithm`` (RSA keys use public exponent 65537)."""
    algorithm = KeyAlgorithm(algorithm)
    if algorithm.is_rsa:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))
    return ec.generate_private_key(_CURVE_FOR[algorithm]())


def key_algorithm_of(
    key: PublicKey | PrivateKey | PublicKeyTypes | PrivateKeyTypes | CertificatePublicKeyTypes,
    *,
    field: str = "KeyAlgorithm",
) -> KeyAlgorithm:
    """Return the :class:`KeyAlgorithm` of a public or private key (of any type).

    Raises:
        ValidationError: (naming ``field``) the key type, RSA size or curve is not one of
            the supported algorithms.
    """
    kind = _KINDS.get(type(key))
    if kind is None:
        kind = _KINDS[type(key)] = _kind(key)
    if kind == "rsa":
        key = cast(rsa.RSAPrivateKey | rsa.RSAPublicKey, key)
        found = _RSA_SIZES.get(key.key_size)
        if found is None:
            raise ValidationError(
                f"RSA keys of {key.key_size} bits are not supported; supported: {_SUPPORTED}",
                field=field,
            )
        return found
    if kind == "ec":
        key = cast(ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, key)
        found = _EC_CURVES.get(key.curve.name)
        if found is None:
            raise ValidationError(
                f"elliptic curve {key.curve.name} is not supported; supported: {_SUPPORTED}",
                field=field,
            )
        return found
    _unsupported_kind(key, field)


# The kind of key ("rsa", "ec" or "" for neither) by class: which classes the key ABCs
# take as theirs does not change, and checking the ABCs takes longer than what follows.
_KINDS: dict[type, str] = {}


def _kind(key: object) -> str:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "rsa"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "ec"
    return ""


def _unsupported_kind(key: object, field: str) -> NoReturn:
    kind = type(key).__name__.lstrip("_")
    raise ValidationError(f"key type {kind} is not supported; supported: {_SUPPORTED}", field=field)


def _supported_private_key(key: object, field: str) -> PrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        _unsupported_kind(key, field)
    key_algorithm_of(key, field=field)
    return key


def private_key_to_pem(key: PrivateKey) -> bytes:
    """Serialise ``key`` as unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_to_der(key: PrivateKey) -> bytes:
    """Serialise ``key`` as unencrypted PKCS#8 DER (the form certherd stores, sealed)."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


_KEY_LABELS = frozenset({"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"})
_IGNORED_LABELS = frozenset({"EC PARAMETERS"})  # `openssl ecparam -genkey` writes one


def load_private_key(data: bytes, *, field: str = "PrivateKey") -> PrivateKey:
    """Load an unencrypted PEM private key (PKCS#8, or traditional RSA / EC).

    Text around the PEM block and an ``EC PARAMETERS`` block are ignored. RSA keys are
    fully checked for consistency, which OpenSSL 3 makes slow (about 75 ms for RSA 2048,
    600 ms for RSA 4096); that is the price of accepting user-supplied keys safely.

    Raises:
        ValidationError: (naming ``field``) the data is empty, not PEM (e.g. DER), holds no
            or several private keys or other PEM blocks, is encrypted, damaged, or of an
            unsupported algorithm.
    """
    data = as_bytes(data, field)
    if not data.strip():
        raise ValidationError("is empty; a PEM-encoded private key is required", field=field)
    blocks = [b for b in pem_blocks(data, field) if b.label not in _IGNORED_LABELS]
    if not blocks:
        kind = "DER (binary)" if looks_like_der(data) else "not PEM-encoded"
        raise ValidationError(
            f"is {kind}; give the private key in PEM (-----BEGIN PRIVATE KEY-----)", field=field
        )
    if any(
        b.label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in b.text for b in blocks
    ):
        raise ValidationError(
            "is encrypted; the private key must be given unencrypted", field=field
        )
    if len(blocks) != 1 or blocks[0].label not in _KEY_LABELS:
        found = ", ".join(b.label for b in blocks)
        raise ValidationError(
            f"must hold exactly one PEM private key, but holds: {found}", field=field
        )
    try:
        key = serialization.load_pem_private_key(blocks[0].text, password=None)
    except TypeError as exc:  # cryptography signals "needs a password" with TypeError
        raise ValidationError(
            "is encrypted; the private key must be given unencrypted", field=field
        ) from exc
    except UnsupportedAlgorithm as exc:
        raise ValidationError(
            f"uses an unsupported key algorithm; supported: {_SUPPORTED}", field=field
        ) from exc
    except PARSE_ERRORS as exc:
        raise ValidationError(
            "could not be parsed as a PEM private key (damaged or not a private key)",
            field=field,
        ) from exc
    return _supported_private_key(key, field)


def load_private_key_der(data: bytes, *, field: str = "PrivateKey") -> PrivateKey:
    """Load an unencrypted PKCS#8 (or traditional) DER private key that certherd stored.

    Only for keys certherd generated or already validated (they come back from the sealed
    key store): the RSA consistency check is skipped because it costs 75 ms (RSA 2048) to
    600 ms (RSA 4096) per load. User-supplied keys go through :func:`load_private_key`.

    Raises:
        ValidationError: the data is not a DER private key of a supported algorithm.
    """
    try:
        key = serialization.load_der_private_key(
            as_bytes(data, field), password=None, unsafe_skip_rsa_key_validation=True
        )
    except PARSE_ERRORS as exc:
        raise ValidationError(
            "could not be parsed as an unencrypted DER private key", field=field
        ) from exc
    return _supported_private_key(key, field)


def public_key_der(key: PublicKey | PrivateKey) -> bytes:
    """Return the DER SubjectPublicKeyInfo of a key (of the public half for a private key)."""
    public = (
        key.public_key() if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) else key
    )
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_matches(private_key: PrivateKey, certificate: x509.Certificate) -> bool:
    """True when ``certificate`` carries the public half of ``private_key``.

    Never raises: a certificate whose public key cannot be read simply does not match.
    """
    try:
        cert_spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except PARSE_ERRORS:
        return False
    return cert_spki == public_key_der(private_key)
