"""PKCS#12 files (a certificate, its chain and its key, under a password) and the facts a
served certificate is compared by."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from certherd.pki.keys import PrivateKey
from certherd.pki.parse import serial_to_string

__all__ = ["fingerprint_sha256", "pem_identity", "pkcs12_bundle", "served_identity"]


def pkcs12_bundle(
    *,
    name: str,
    key: PrivateKey,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    password: bytes,
) -> bytes:
    """A PKCS#12 file of ``key``, ``certificate`` and ``chain`` encrypted under ``password``
    (AES-256 with PBKDF2, which OpenSSL 3 reads with ``openssl pkcs12 -passin``)."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, certificate, chain or None, encryption
    )


def fingerprint_sha256(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate as colon-separated upper-case hex."""
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def served_identity(der: bytes) -> tuple[str, str]:
    """``(serial, SHA-256 fingerprint)`` of a DER certificate, the serial as certherd
    writes it (colon-separated hex)."""
    cert = x509.load_der_x509_certificate(der)
    return serial_to_string(cert.serial_number), fingerprint_sha256(der)


def pem_identity(pem: bytes) -> tuple[str, str]:
    """:func:`served_identity` of the first certificate of ``pem``."""
    cert = x509.load_pem_x509_certificate(pem)
    return served_identity(cert.public_bytes(serialization.Encoding.DER))


def pem_server_name(pem: bytes) -> str:
    """The name to ask a server for the first certificate of ``pem`` by: its first DNS
    name, else its common name ("" when it has neither). Raises ValueError when ``pem``
    holds no certificate."""
    cert = x509.load_pem_x509_certificate(pem)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = names.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns = []
    if dns:
        return str(dns[0])
    common = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(common[0].value) if common else ""
