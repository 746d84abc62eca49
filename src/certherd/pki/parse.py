"""Reading certificates and chains, describing them ACM-style, and checking imports."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certherd.errors import ValidationError
from certherd.pki._pem import PARSE_ERRORS, as_bytes, looks_like_der, pem_blocks
from certherd.pki.keys import (
    KeyAlgorithm,
    PrivateKey,
    key_algorithm_of,
    load_private_key,
    public_key_matches,
)
from certherd.pki.names import sans_of
from certherd.pki.signing import signature_algorithm_name

#: ImportCertificate size limits (ACM API model and import guidelines), in bytes.
MAX_CERTIFICATE_BYTES = 32768
MAX_PRIVATE_KEY_BYTES = 5120
MAX_CHAIN_BYTES = 2097152


# Short names for attributes RFC 4514 has none for (else they show as dotted OIDs).
NAME_OVERRIDES: dict[x509.ObjectIdentifier, str] = {
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.TITLE: "T",
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
    NameOID.INITIALS: "INITIALS",
    NameOID.GENERATION_QUALIFIER: "GENERATION",
    NameOID.DN_QUALIFIER: "DNQ",
    NameOID.PSEUDONYM: "PSEUDONYM",
    NameOID.EMAIL_ADDRESS: "EMAILADDRESS",
}

_EKU_NAMES: dict[x509.ObjectIdentifier, str] = {
    ExtendedKeyUsageOID.SERVER_AUTH: "TLS_WEB_SERVER_AUTHENTICATION",
    ExtendedKeyUsageOID.CLIENT_AUTH: "TLS_WEB_CLIENT_AUTHENTICATION",
    ExtendedKeyUsageOID.CODE_SIGNING: "CODE_SIGNING",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "EMAIL_PROTECTION",
    ExtendedKeyUsageOID.TIME_STAMPING: "TIME_STAMPING",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSP_SIGNING",
    x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"): "IPSEC_END_SYSTEM",
    x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"): "IPSEC_TUNNEL",
    x509.ObjectIdentifier("1.3.6.1.5.5.7.3.7"): "IPSEC_USER",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "ANY",
}


def _read_certificate(block: bytes, field: str, where: str) -> x509.Certificate:
    try:
        with warnings.catch_warnings():
            # A non-positive serial is refused below; cryptography only warns of it today.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            cert = x509.load_pem_x509_certificate(block)
            # cryptography parses lazily; read every part now so bad input fails here, once.
            serial = cert.serial_number
        _ = (cert.subject, cert.issuer, cert.extensions)
        _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key())
    except PARSE_ERRORS as exc:
        raise ValidationError(
            f"{where}could not be parsed as an X.509 certificate", field=field
        ) from exc
    if serial <= 0:
        raise ValidationError(
            f"{where}has a serial number that is not positive (RFC 5280 requires one)",
            field=field,
        )
    return cert


def _certificate_blocks(data: bytes, field: str) -> list[bytes]:
    if not data.strip():
        raise ValidationError("is empty; a PEM-encoded certificate is required", field=field)
    blocks = pem_blocks(data, field)
    if not blocks:
        kind = "DER (binary)" if looks_like_der(data) else "not PEM-encoded"
        raise ValidationError(
            f"is {kind}; give certificates in PEM (-----BEGIN CERTIFICATE-----)", field=field
        )
    for block in blocks:
        if block.label != "CERTIFICATE":
            raise ValidationError(
                f"holds a {block.label} PEM block; only CERTIFICATE blocks are allowed", field=field
            )
    return [block.text for block in blocks]


def load_certificate(data: bytes, *, field: str = "Certificate") -> x509.Certificate:
    """Load exactly one PEM certificate.

    Raises:
        ValidationError: (naming ``field``) empty input, DER or other non-PEM input, other
            PEM blocks (a key, ...), more than one certificate, or a damaged certificate.
    """
    data = as_bytes(data, field)
    blocks = _certificate_blocks(data, field)
    if len(blocks) > 1:
        raise ValidationError(
            f"holds {len(blocks)} certificates; exactly one is expected "
            "(put intermediate certificates in the certificate chain)",
            field=field,
        )
    return _read_certificate(blocks[0], field, "")


def load_chain(data: bytes, *, field: str = "CertificateChain") -> list[x509.Certificate]:
    """Load one or more PEM certificates, in the order given.

    Raises:
        ValidationError: (naming ``field``) empty or non-PEM input, a non-certificate PEM
            block, or a damaged certificate (its position is named).
    """
    data = as_bytes(data, field)
    blocks = _certificate_blocks(data, field)
    return [
        _read_certificate(block, field, f"certificate {index + 1} of {len(blocks)} ")
        for index, block in enumerate(blocks)
    ]


def certificate_to_pem(cert: x509.Certificate) -> str:
    """``cert`` as PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def chain_to_pem(certs: Sequence[x509.Certificate]) -> str:
    """The certificates as concatenated PEM text, in the order given."""
    return "".join(certificate_to_pem(cert) for cert in certs)


def name_to_string(name: x509.Name) -> str:
    """RFC 4514 text of ``name`` (most specific first: ``CN=...,O=...,C=...``)."""
    return name.rfc4514_string(NAME_OVERRIDES)


def serial_to_string(serial: int) -> str:
    """ACM's serial format: lowercase hex bytes joined by colons, e.g. ``0a:1b:2c``."""
    length = max(
        1, (serial.bit_length() + 8) // 8 if serial < 0 else (serial.bit_length() + 7) // 8
    )
    return serial.to_bytes(length, "big", signed=serial < 0).hex(":")


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What ACM's DescribeCertificate shows about a certificate."""

    serial: str
    serial_int: int
    subject: str
    issuer: str
    common_name: str | None
    sans: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    key_algorithm: KeyAlgorithm
    signature_algorithm: str
    key_usages: tuple[str, ...]
    extended_key_usages: tuple[tuple[str, str], ...]
    is_ca: bool
    path_length: int | None
    fingerprint_sha256: str

    @property
    def domain_name(self) -> str | None:
        """ACM's ``DomainName``: the common name, else the first SAN, else ``None``."""
        return self.common_name or (self.sans[0] if self.sans else None)


def key_usage_names(usage: x509.KeyUsage) -> tuple[str, ...]:
    """ACM's names of the bits set in a KeyUsage extension, in ACM's order."""
    flags = [
        (usage.digital_signature, "DIGITAL_SIGNATURE"),
        (usage.content_commitment, "NON_REPUDIATION"),
        (usage.key_encipherment, "KEY_ENCIPHERMENT"),
        (usage.data_encipherment, "DATA_ENCIPHERMENT"),
        (usage.key_agreement, "KEY_AGREEMENT"),
        (usage.key_cert_sign, "CERTIFICATE_SIGNING"),
        (usage.crl_sign, "CRL_SIGNING"),
    ]
    if usage.key_agreement:  # encipher_only / decipher_only are only defined then
        flags += [(usage.encipher_only, "ENCIPHER_ONLY"), (usage.decipher_only, "DECIPHER_ONLY")]
    return tuple(name for present, name in flags if present)


def extended_key_usage_names(usage: x509.ExtendedKeyUsage) -> tuple[tuple[str, str], ...]:
    """(ACM name, dotted OID) of each purpose of an ExtendedKeyUsage extension, in order."""
    return tuple((_EKU_NAMES.get(oid, "CUSTOM"), oid.dotted_string) for oid in usage)


def common_name_of(name: x509.Name) -> str | None:
    """The first CommonName of ``name`` (None when it has none or it is not text)."""
    common_names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = common_names[0].value if common_names else None
    return common_name if isinstance(common_name, str) else None


def _key_usages(extensions: x509.Extensions) -> tuple[str, ...]:
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    return key_usage_names(usage)


def _extended_key_usages(extensions: x509.Extensions) -> tuple[tuple[str, str], ...]:
    try:
        usage = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    return extended_key_usage_names(usage)


def describe_certificate(cert: x509.Certificate) -> CertificateInfo:
    """Describe ``cert`` the way ACM's DescribeCertificate does.

    Raises:
        ValidationError: (field ``Certificate``) the certificate's key algorithm is not
            supported, or a part of it cannot be read.
    """
    try:
        extensions = cert.extensions
        try:
            constraints: x509.BasicConstraints | None = extensions.get_extension_for_class(
                x509.BasicConstraints
            ).value
        except x509.ExtensionNotFound:
            constraints = None
        return CertificateInfo(
            serial=serial_to_string(cert.serial_number),
            serial_int=cert.serial_number,
            subject=name_to_string(cert.subject),
            issuer=name_to_string(cert.issuer),
            common_name=common_name_of(cert.subject),
            sans=sans_of(extensions),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key_algorithm=key_algorithm_of(cert.public_key(), field="Certificate"),
            signature_algorithm=signature_algorithm_name(cert),
            key_usages=_key_usages(extensions),
            extended_key_usages=_extended_key_usages(extensions),
            is_ca=bool(constraints and constraints.ca),
            path_length=constraints.path_length if constraints else None,
            fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        )
    except PARSE_ERRORS as exc:
        raise ValidationError(
            "could not be read as an X.509 certificate", field="Certificate"
        ) from exc


def _issues(parent: x509.Certificate, child: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except InvalidSignature:
        return False
    except PARSE_ERRORS:
        return False
    return True


def check_chain(
    leaf: x509.Certificate, chain: Sequence[x509.Certificate], *, field: str = "CertificateChain"
) -> None:
    """Check that each certificate is issued by the next: ``leaf`` by ``chain[0]``, ``chain[i]``
    by ``chain[i + 1]`` (names and signature; the last certificate needs no issuer).

    Raises:
        ValidationError: (naming ``field``) a certificate is not issued by its successor;
            the message names the positions (1-based) and says when the right issuer is
            elsewhere in the chain (out of order).
    """
    certs = [leaf, *chain]
    for index in range(len(certs) - 1):
        child, parent = certs[index], certs[index + 1]
        if _issues(parent, child):
            continue
        what = "the certificate" if index == 0 else f"chain certificate {index}"
        elsewhere = [
            position
            for position, other in enumerate(chain, start=1)
            if position != index + 1 and other is not child and _issues(other, child)
        ]
        if elsewhere:
            raise ValidationError(
                f"is out of order: the issuer of {what} ({name_to_string(child.issuer)}) is "
                f"chain certificate {elsewhere[0]}, but it must come right after it, at "
                f"position {index + 1}",
                field=field,
            )
        raise ValidationError(
            f"chain certificate {index + 1} ({name_to_string(parent.subject)}) is not the "
            f"issuer of {what} (issued by {name_to_string(child.issuer)}); each certificate "
            "must be followed by the one that signed it",
            field=field,
        )


def check_within_validity(
    cert: x509.Certificate, now: datetime, *, field: str = "Certificate"
) -> None:
    """Check that ``now`` (timezone-aware) lies within the certificate's validity.

    Raises:
        ValidationError: (naming ``field``) the certificate is not yet valid or has expired.
    """
    if now < cert.not_valid_before_utc:
        raise ValidationError(
            f"certificate is not yet valid (NotBefore {cert.not_valid_before_utc.isoformat()})",
            field=field,
        )
    if now > cert.not_valid_after_utc:
        raise ValidationError(
            f"certificate has expired (NotAfter {cert.not_valid_after_utc.isoformat()})",
            field=field,
        )


@dataclass(frozen=True, slots=True)
class ImportedMaterial:
    """A checked ImportCertificate request: parsed certificate, key, chain and description."""

    certificate: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...]
    info: CertificateInfo


def _check_size(data: bytes | None, limit: int, field: str) -> None:
    if data is not None and len(data) > limit:
        raise ValidationError(f"is {len(data)} bytes; at most {limit} are allowed", field=field)


def check_import(
    certificate: bytes, private_key: bytes, chain: bytes | None, now: datetime
) -> ImportedMaterial:
    """Apply ACM's ImportCertificate rules and return the parsed material.

    The certificate, key and chain must be PEM; the key unencrypted and matching the
    certificate; the certificate's issuer non-empty, ``now`` within its validity, its key
    algorithm supported; each chain certificate issued by the next.

    Raises:
        ValidationError: naming ``Certificate``, ``PrivateKey`` or ``CertificateChain``
            and the rule broken.
    """
    _check_size(certificate, MAX_CERTIFICATE_BYTES, "Certificate")
    _check_size(private_key, MAX_PRIVATE_KEY_BYTES, "PrivateKey")
    _check_size(chain, MAX_CHAIN_BYTES, "CertificateChain")
    cert = load_certificate(certificate, field="Certificate")
    info = describe_certificate(cert)
    key = load_private_key(private_key, field="PrivateKey")
    if not public_key_matches(key, cert):
        raise ValidationError(
            "private key does not match the certificate's public key", field="PrivateKey"
        )
    if len(cert.issuer) == 0:
        raise ValidationError("the certificate's Issuer is empty", field="Certificate")
    check_within_validity(cert, now, field="Certificate")
    certs: list[x509.Certificate] = []
    if chain is not None and as_bytes(chain, "CertificateChain").strip():  # empty = no chain
        certs = load_chain(chain, field="CertificateChain")
    check_chain(cert, certs, field="CertificateChain")
    return ImportedMaterial(certificate=cert, key=key, chain=tuple(certs), info=info)
