"""What issuing puts in certificates, worked out once rather than for every certificate.

* The extensions that never vary (BasicConstraints of an end entity, the key usages) or
  vary only with the CA (its authority key identifier, its CRL distribution point), both
  as typed values and ready to sign (:func:`encoded`).
* The names describe_certificate gives the key usages.
* Short cuts for what a requested certificate has: a subject of a common name alone
  (:func:`common_name_subject`, :func:`name_and_common_name`) and PEM text from DER the
  issuer already has (:func:`der_to_pem`).

Every short cut gives exactly what the long way gives; ``tests/unit/pki`` compares them.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import TypeAlias

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certherd.errors import ValidationError
from certherd.pki.parse import (
    common_name_of,
    extended_key_usage_names,
    key_usage_names,
    name_to_string,
)
from certherd.pki.subject import Subject

__all__ = [
    "BC_LEAF_EXTENSION",
    "EKU_SERVER",
    "EKU_SERVER_CLIENT",
    "KU_CA",
    "KU_EC_LEAF",
    "KU_RSA_LEAF",
    "Extension",
    "authority_key_extension",
    "common_name_subject",
    "crl_distribution_points",
    "crl_extension",
    "der_to_pem",
    "encoded",
    "extended_key_usage_extension",
    "extended_key_usage_names_of",
    "key_usage_extension",
    "key_usage_names_of",
    "name_and_common_name",
]

Extension: TypeAlias = x509.Extension[x509.ExtensionType]


def encoded(value: x509.ExtensionType, *, critical: bool) -> Extension:
    """``value`` as an extension whose DER is worked out now, once.

    Signing copies an ``UnrecognizedExtension``'s bytes as they are, whereas a typed value
    is encoded again, attribute by attribute, for every certificate: for the extensions
    that never vary (or vary only with the CA) that was about a quarter of the time that
    building and signing an end-entity certificate took. The certificate comes out byte
    for byte the same, and parses back to the typed value.
    """
    return x509.Extension(
        value.oid, critical, x509.UnrecognizedExtension(value.oid, value.public_bytes())
    )


def _key_usage(*, digital_signature: bool, key_encipherment: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


KU_CA = _key_usage(digital_signature=True, key_encipherment=False, ca=True)
KU_RSA_LEAF = _key_usage(digital_signature=True, key_encipherment=True, ca=False)
KU_EC_LEAF = _key_usage(digital_signature=True, key_encipherment=False, ca=False)
EKU_SERVER_CLIENT = x509.ExtendedKeyUsage(
    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
)
EKU_SERVER = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
#: BasicConstraints CA:FALSE, critical, ready to sign.
BC_LEAF_EXTENSION = encoded(x509.BasicConstraints(ca=False, path_length=None), critical=True)

# Keyed by identity: these are the module's own constants.
_KU_EXTENSIONS = {id(u): encoded(u, critical=True) for u in (KU_CA, KU_RSA_LEAF, KU_EC_LEAF)}
_EKU_EXTENSIONS = {id(u): encoded(u, critical=False) for u in (EKU_SERVER_CLIENT, EKU_SERVER)}
_KU_NAMES = {id(u): key_usage_names(u) for u in (KU_CA, KU_RSA_LEAF, KU_EC_LEAF)}
_EKU_NAMES = {id(u): extended_key_usage_names(u) for u in (EKU_SERVER_CLIENT, EKU_SERVER)}


def key_usage_extension(usage: x509.KeyUsage) -> Extension:
    """``usage`` (one of the KU_ constants, or any other), critical, ready to sign."""
    found = _KU_EXTENSIONS.get(id(usage))
    return encoded(usage, critical=True) if found is None else found


def extended_key_usage_extension(usage: x509.ExtendedKeyUsage) -> Extension:
    """``usage`` (one of the EKU_ constants, or any other), not critical, ready to sign."""
    found = _EKU_EXTENSIONS.get(id(usage))
    return encoded(usage, critical=False) if found is None else found


def key_usage_names_of(usage: x509.KeyUsage) -> tuple[str, ...]:
    """What describe_certificate says of ``usage``."""
    names = _KU_NAMES.get(id(usage))
    return key_usage_names(usage) if names is None else names


def extended_key_usage_names_of(usage: x509.ExtendedKeyUsage) -> tuple[tuple[str, str], ...]:
    """What describe_certificate says of ``usage``."""
    names = _EKU_NAMES.get(id(usage))
    return extended_key_usage_names(usage) if names is None else names


@lru_cache(maxsize=64)
def crl_distribution_points(url: str) -> x509.CRLDistributionPoints:
    """CRLDistributionPoints naming ``url``; ValidationError (``CrlDistributionPoint``) for
    anything but an ASCII http(s) URL."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not url.isascii():
        raise ValidationError("must be an http(s) URL", field="CrlDistributionPoint")
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])


@lru_cache(maxsize=64)
def crl_extension(url: str) -> Extension:
    """:func:`crl_distribution_points`, not critical, ready to sign."""
    return encoded(crl_distribution_points(url), critical=False)


@lru_cache(maxsize=64)
def authority_key_extension(identifier: x509.AuthorityKeyIdentifier) -> Extension:
    """``identifier``, not critical, ready to sign (an identifier equal to another encodes
    the same, so they are looked up by value)."""
    return encoded(identifier, critical=False)


_EMPTY_NAME = x509.Name([])


def common_name_subject(common_name: str | None) -> x509.Name:
    """The name ``Subject(common_name=common_name)`` stands for: a CommonName alone, or
    the empty name for None.

    Raises:
        ValidationError: what :meth:`Subject.to_x509_name` raises for that common name.
    """
    if common_name is None:
        return _EMPTY_NAME
    if type(common_name) is str and 0 < len(common_name) <= 64 and common_name.isprintable():
        # The rules Subject checks a common name against, passed: the same name, built
        # without going through every attribute a subject may have.
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return Subject(common_name=common_name).to_x509_name()


# A value RFC 4514 writes as it is (no character it escapes, nor a leading '#').
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._*-]+")


def name_and_common_name(name: x509.Name) -> tuple[str, str | None]:
    """What name_to_string and common_name_of say of ``name``."""
    rdns = name.rdns
    if len(rdns) == 1 and len(rdns[0]) == 1:
        # A common name alone (what a requested certificate has) is quicker written here.
        (attribute,) = rdns[0]
        value = attribute.value
        if (
            attribute.oid == NameOID.COMMON_NAME
            and isinstance(value, str)
            and _PLAIN_VALUE.fullmatch(value)
        ):
            return f"CN={value}", value
    return name_to_string(name), common_name_of(name)


def der_to_pem(der: bytes, label: str = "CERTIFICATE") -> str:
    """``der`` as PEM text, exactly as ``cryptography`` writes it (RFC 7468: base64 in lines
    of 64 characters, each ending in a newline)."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"
