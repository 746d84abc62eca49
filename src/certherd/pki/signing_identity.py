"""The key pair certherd signs its notifications with, and the certificate that vouches for it.

A signing identity is an RSA key (SNS signs with RSA) and a certificate for it issued by a CA
of its own, made for this one purpose: a subscriber can check a message with the signing
certificate alone, and check that certificate against the CA's, which certherd serves too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["SIGNING_VALIDITY", "SigningIdentity", "new_signing_identity"]

#: How long a signing certificate is valid; a new one is made when less than a tenth is left.
SIGNING_VALIDITY: Final = timedelta(days=365)
_CA_VALIDITY: Final = timedelta(days=3650)
_BACKDATE: Final = timedelta(minutes=5)


@dataclass(frozen=True)
class SigningIdentity:
    key_pem: bytes
    certificate_pem: bytes
    ca_certificate_pem: bytes
    not_after: datetime


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certherd"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_signing_identity(*, now: datetime, host: str) -> SigningIdentity:
    """A new RSA-2048 signing key with a certificate (``host`` as its DNS name, as SNS's
    certificates name ``sns.<region>.amazonaws.com``) issued by a new EC P-256 CA."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("certherd notification signing CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    not_after = now + SIGNING_VALIDITY
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return SigningIdentity(
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        ca_certificate_pem=ca_certificate.public_bytes(serialization.Encoding.PEM),
        not_after=not_after,
    )
