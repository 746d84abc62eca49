"""Signature algorithms: AWS Private CA names, defaults per key, and names for display."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import SignatureAlgorithmOID

from certherd.errors import ValidationError
from certherd.pki.keys import KeyAlgorithm, PrivateKey


class SigningAlgorithm(StrEnum):
    """AWS Private CA ``SigningAlgorithm`` names supported by certherd."""

    SHA256WITHECDSA = "SHA256WITHECDSA"
    SHA384WITHECDSA = "SHA384WITHECDSA"
    SHA512WITHECDSA = "SHA512WITHECDSA"
    SHA256WITHRSA = "SHA256WITHRSA"
    SHA384WITHRSA = "SHA384WITHRSA"
    SHA512WITHRSA = "SHA512WITHRSA"

    @property
    def is_ecdsa(self) -> bool:
        """True for the ECDSA members (which need an EC key)."""
        return self.value.endswith("ECDSA")

    def hash_algorithm(self) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
        """A fresh hash object for signing with this algorithm."""
        size = self.value[3:6]
        if size == "256":
            return hashes.SHA256()
        if size == "384":
            return hashes.SHA384()
        return hashes.SHA512()


_DEFAULTS: dict[KeyAlgorithm, SigningAlgorithm] = {
    KeyAlgorithm.EC_prime256v1: SigningAlgorithm.SHA256WITHECDSA,
    KeyAlgorithm.EC_secp384r1: SigningAlgorithm.SHA384WITHECDSA,
    KeyAlgorithm.EC_secp521r1: SigningAlgorithm.SHA512WITHECDSA,
}

# Display names follow ACM DescribeCertificate's SignatureAlgorithm strings.
_DISPLAY_NAMES: dict[x509.ObjectIdentifier, str] = {
    SignatureAlgorithmOID.RSA_WITH_MD5: "MD5WITHRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA1: "SHA1WITHRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA224: "SHA224WITHRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "SHA256WITHRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "SHA384WITHRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "SHA512WITHRSA",
    SignatureAlgorithmOID.RSASSA_PSS: "RSASSA-PSS",
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: "SHA1WITHECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA224: "SHA224WITHECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "SHA256WITHECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "SHA384WITHECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "SHA512WITHECDSA",
    SignatureAlgorithmOID.DSA_WITH_SHA1: "SHA1WITHDSA",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "SHA256WITHDSA",
    SignatureAlgorithmOID.ED25519: "ED25519",
    SignatureAlgorithmOID.ED448: "ED448",
}


# The OID each algorithm signs with (RSA: PKCS#1 v1.5, what certherd signs RSA with).
_OIDS: dict[SigningAlgorithm, x509.ObjectIdentifier] = {
    SigningAlgorithm.SHA256WITHECDSA: SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    SigningAlgorithm.SHA384WITHECDSA: SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SigningAlgorithm.SHA512WITHECDSA: SignatureAlgorithmOID.ECDSA_WITH_SHA512,
    SigningAlgorithm.SHA256WITHRSA: SignatureAlgorithmOID.RSA_WITH_SHA256,
    SigningAlgorithm.SHA384WITHRSA: SignatureAlgorithmOID.RSA_WITH_SHA384,
    SigningAlgorithm.SHA512WITHRSA: SignatureAlgorithmOID.RSA_WITH_SHA512,
}


def default_signing_algorithm(key_algorithm: KeyAlgorithm) -> SigningAlgorithm:
    """The signing algorithm to use with a key when none was asked for.

    EC keys get the hash matching their curve size (P-256 -> SHA256WITHECDSA, P-384 ->
    SHA384WITHECDSA, P-521 -> SHA512WITHECDSA); RSA keys of any size get SHA256WITHRSA.
    """
    return _DEFAULTS.get(KeyAlgorithm(key_algorithm), SigningAlgorithm.SHA256WITHRSA)


def parse_signing_algorithm(value: str, *, field: str = "SigningAlgorithm") -> SigningAlgorithm:
    """Parse an AWS ``SigningAlgorithm`` name.

    Raises:
        ValidationError: the name is not one certherd supports.
    """
    try:
        return SigningAlgorithm(value)
    except ValueError:
        supported = ", ".join(SigningAlgorithm)
        raise ValidationError(
            f"{value!r} is not a supported signing algorithm; supported: {supported}",
            field=field,
        ) from None


def check_compatible(signing_algorithm: SigningAlgorithm, key: PrivateKey) -> None:
    """Check that ``key`` can sign with ``signing_algorithm``.

    Raises:
        ValidationError: (field ``SigningAlgorithm``) an ECDSA algorithm with an RSA key or
            an RSA algorithm with an EC key.
    """
    algorithm = SigningAlgorithm(signing_algorithm)
    if algorithm.is_ecdsa and not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValidationError(
            f"{algorithm} needs an EC key, but the signing key is RSA", field="SigningAlgorithm"
        )
    if not algorithm.is_ecdsa and not isinstance(key, rsa.RSAPrivateKey):
        raise ValidationError(
            f"{algorithm} needs an RSA key, but the signing key is EC", field="SigningAlgorithm"
        )


@lru_cache(maxsize=64)
def signing_algorithm_for(
    signing_algorithm: SigningAlgorithm | None, key_algorithm: KeyAlgorithm
) -> SigningAlgorithm:
    """The algorithm a key of ``key_algorithm`` signs with: ``signing_algorithm`` when given,
    else :func:`default_signing_algorithm`.

    Decides what :func:`check_compatible` decides, from the key's algorithm rather than
    the key, and once per pair (issuing asks for every certificate).

    Raises:
        ValidationError: as :func:`check_compatible` raises it.
    """
    if signing_algorithm is None:
        return default_signing_algorithm(key_algorithm)
    algorithm = SigningAlgorithm(signing_algorithm)
    if algorithm.is_ecdsa != KeyAlgorithm(key_algorithm).is_ec:
        kinds = ("EC", "RSA") if algorithm.is_ecdsa else ("RSA", "EC")
        raise ValidationError(
            f"{algorithm} needs an {kinds[0]} key, but the signing key is {kinds[1]}",
            field="SigningAlgorithm",
        )
    return algorithm


def signed_with_name(algorithm: SigningAlgorithm) -> str:
    """What :func:`signature_algorithm_name` says of a certificate certherd signed with
    ``algorithm``."""
    return _DISPLAY_NAMES[_OIDS[algorithm]]


def signature_algorithm_name(
    cert: x509.Certificate | x509.CertificateSigningRequest | x509.CertificateRevocationList,
) -> str:
    """The ACM-style name of the algorithm ``cert`` was signed with, e.g. ``SHA256WITHRSA``.

    Unknown algorithms are shown as the OID's dotted string. Never raises.
    """
    oid = cert.signature_algorithm_oid
    return _DISPLAY_NAMES.get(oid, oid.dotted_string)
