"""Issuing certificates: self-signed roots, subordinate CAs and end-entity certificates.

Issuing is on the hot path, so everything that depends only on the issuing CA (its name,
its authority key identifier, its validity and path length) is computed once in
:class:`Issuer`, and the extensions that never vary, or vary only with the CA, are encoded
once (:mod:`certherd.pki.issued_parts`). A certificate is encoded to DER once, for both
its fingerprint and its PEM text (:func:`issue_certificate_encoded`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

from certherd.errors import ValidationError
from certherd.pki.issued_parts import (
    BC_LEAF_EXTENSION,
    EKU_SERVER,
    EKU_SERVER_CLIENT,
    KU_CA,
    KU_EC_LEAF,
    KU_RSA_LEAF,
    Extension,
    authority_key_extension,
    common_name_subject,
    crl_extension,
    der_to_pem,
    encoded,
    extended_key_usage_extension,
    extended_key_usage_names_of,
    key_usage_extension,
    key_usage_names_of,
    name_and_common_name,
)
from certherd.pki.issuer import Issuer
from certherd.pki.keys import KeyAlgorithm, PrivateKey, PublicKey, key_algorithm_of
from certherd.pki.names import san_strings, to_general_names, validate_sans
from certherd.pki.parse import CertificateInfo, serial_to_string
from certherd.pki.signing import SigningAlgorithm, signed_with_name, signing_algorithm_for
from certherd.pki.subject import Subject
from certherd.pki.templates import Template, TemplateSpec, parse_template_arn
from certherd.pki.validity import Validity

__all__ = [
    "EncodedCertificate",
    "Issuer",
    "Template",
    "TemplateSpec",
    "Validity",
    "common_name_subject",
    "der_to_pem",
    "issue_certificate",
    "issue_certificate_described",
    "issue_certificate_encoded",
    "new_serial",
    "parse_template_arn",
    "self_signed_ca_certificate",
]

#: Serials are positive and fit in 20 octets (RFC 5280 section 4.1.2.2).
MAX_SERIAL = (1 << 159) - 1
_SAN = ExtensionOID.SUBJECT_ALTERNATIVE_NAME
_SKI = ExtensionOID.SUBJECT_KEY_IDENTIFIER


def new_serial() -> int:
    """A fresh positive random serial number of at most 159 bits (from :mod:`secrets`)."""
    while True:
        serial = secrets.randbits(159)
        if serial:
            return serial


def _check_serial(serial: int) -> None:
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 < serial <= MAX_SERIAL:
        raise ValidationError("must be a positive integer of at most 159 bits", field="Serial")


@lru_cache(maxsize=256)
def _subject_name(subject: Subject) -> x509.Name:
    # Building an x509.Name costs several microseconds; callers often reuse subjects.
    return subject.to_x509_name()


def _name(subject: Subject | x509.Name) -> x509.Name:
    return subject if isinstance(subject, x509.Name) else _subject_name(subject)


def self_signed_ca_certificate(
    *,
    key: PrivateKey,
    subject: Subject | x509.Name,
    validity: Validity,
    signing_algorithm: SigningAlgorithm | None = None,
    serial: int,
    path_length: int | None = None,
) -> x509.Certificate:
    """A self-signed root CA certificate for ``key``.

    Extensions: BasicConstraints CA:TRUE (with ``path_length`` if given), critical;
    KeyUsage digitalSignature, keyCertSign, cRLSign, critical; SubjectKeyIdentifier; and an
    AuthorityKeyIdentifier equal to it.

    Raises:
        ValidationError: an empty subject (field ``Subject``), a bad serial, a negative
            path length, an unsupported key or a signing algorithm that does not fit it.
    """
    key_alg = key_algorithm_of(key, field="KeyAlgorithm")
    algorithm = signing_algorithm_for(signing_algorithm, key_alg)
    _check_serial(serial)
    if path_length is not None and path_length < 0:
        raise ValidationError("must not be negative", field="PathLength")
    name = _name(subject)
    if len(name) == 0:
        raise ValidationError("a CA certificate needs a non-empty subject", field="Subject")
    public_key = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(KU_CA, critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    return builder.sign(key, algorithm.hash_algorithm())


def _resolve_issuer(
    issuer: Issuer | None, certificate: x509.Certificate | None, key: PrivateKey | None
) -> Issuer:
    if issuer is not None:
        if certificate is not None or key is not None:
            raise TypeError("pass either issuer= or issuer_certificate=/issuer_key=, not both")
        return issuer
    if certificate is None or key is None:
        raise TypeError("issuer= or both issuer_certificate= and issuer_key= are required")
    return Issuer.from_certificate(certificate, key)


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _clip(validity: Validity, issuer: Issuer) -> tuple[datetime, datetime]:
    if validity.not_after > issuer.not_after:
        raise ValidationError(
            f"the CA's certificate expires at {issuer.not_after.isoformat()}, before the "
            f"requested end {validity.not_after.isoformat()}",
            field="Validity",
        )
    start = max(validity.not_before, issuer.not_before)
    if validity.not_after <= start:
        raise ValidationError(
            f"the requested end {validity.not_after.isoformat()} is before the CA's "
            f"certificate becomes valid ({issuer.not_before.isoformat()})",
            field="Validity",
        )
    return start, validity.not_after


@dataclass(slots=True)
class _Prepared:
    """An end-entity or subordinate certificate, checked and ready to sign (private, and
    not frozen: a frozen dataclass's __init__ is several times slower)."""

    builder: x509.CertificateBuilder
    ca: Issuer
    algorithm: SigningAlgorithm
    name: x509.Name
    general_names: list[x509.GeneralName]
    serial: int
    start: datetime
    end: datetime
    key_algorithm: KeyAlgorithm
    key_usage: x509.KeyUsage
    extended_key_usage: x509.ExtendedKeyUsage | None
    ca_path_length: int | None

    def sign(self) -> x509.Certificate:
        return self.builder.sign(self.ca.key, self.algorithm.hash_algorithm())

    def describe(self, der: bytes) -> CertificateInfo:
        """What describe_certificate says of the certificate signed from this, ``der``,
        without parsing it."""
        eku = self.extended_key_usage
        subject, common_name = name_and_common_name(self.name)
        return CertificateInfo(
            serial=serial_to_string(self.serial),
            serial_int=self.serial,
            subject=subject,
            issuer=self.ca.name_text,
            common_name=common_name,
            sans=san_strings(self.general_names),
            not_before=self.start,
            not_after=self.end,
            key_algorithm=self.key_algorithm,
            signature_algorithm=signed_with_name(self.algorithm),
            key_usages=key_usage_names_of(self.key_usage),
            extended_key_usages=() if eku is None else extended_key_usage_names_of(eku),
            is_ca=self.ca_path_length is not None,
            path_length=self.ca_path_length,
            fingerprint_sha256=hashlib.sha256(der).hexdigest(),
        )


def issue_certificate(
    *,
    issuer: Issuer | None = None,
    issuer_certificate: x509.Certificate | None = None,
    issuer_key: PrivateKey | None = None,
    public_key: PublicKey,
    subject: Subject | x509.Name,
    sans: Sequence[str] = (),
    validity: Validity,
    signing_algorithm: SigningAlgorithm | None = None,
    serial: int,
    ca_path_length: int | None = None,
    crl_distribution_point: str | None = None,
    server_auth_only: bool = False,
) -> x509.Certificate:
    """Issue a certificate for ``public_key`` signed by a CA.

    Give the CA as ``issuer`` (an :class:`Issuer`, fastest for repeated issuing) or as
    ``issuer_certificate`` + ``issuer_key``. With ``ca_path_length=None`` the certificate is
    an end entity: BasicConstraints CA:FALSE; KeyUsage digitalSignature (+ keyEncipherment
    for RSA keys), critical; ExtendedKeyUsage serverAuth + clientAuth (serverAuth only with
    ``server_auth_only``). With a path length it is a subordinate CA: BasicConstraints
    CA:TRUE pathlen, critical; KeyUsage digitalSignature, keyCertSign, cRLSign, critical.
    Both get SubjectAlternativeName (DNS names; IP addresses; wildcards; critical when the
    subject is empty), SubjectKeyIdentifier, the issuer's AuthorityKeyIdentifier and, when
    ``crl_distribution_point`` is given, a CRLDistributionPoints extension.

    The start is moved up to the CA certificate's start if it is earlier.

    Raises:
        ValidationError: (field ``Validity``) the CA's certificate expires before the
            requested end, or becomes valid after it; (``SubjectAlternativeNames``) an
            invalid name; (``Subject``) an empty subject with no SANs, or an empty subject
            for a CA; (``Serial``) a bad serial; (``TemplateArn``) a path length the CA's own
            path length does not allow; (``SigningAlgorithm``) an algorithm that does not
            fit the CA key; (``PublicKey``) an unsupported key; see also
            :meth:`Issuer.from_certificate`.
        TypeError: neither or both ways of giving the CA were used.
    """
    return _prepare(
        issuer=_resolve_issuer(issuer, issuer_certificate, issuer_key),
        public_key=public_key,
        subject=subject,
        sans=sans,
        validity=validity,
        signing_algorithm=signing_algorithm,
        serial=serial,
        ca_path_length=ca_path_length,
        crl_distribution_point=crl_distribution_point,
        server_auth_only=server_auth_only,
    ).sign()


def issue_certificate_described(
    *,
    issuer: Issuer,
    public_key: PublicKey,
    subject: Subject | x509.Name,
    sans: Sequence[str] = (),
    validity: Validity,
    signing_algorithm: SigningAlgorithm | None = None,
    serial: int,
    ca_path_length: int | None = None,
    crl_distribution_point: str | None = None,
    server_auth_only: bool = False,
) -> tuple[x509.Certificate, CertificateInfo]:
    """:func:`issue_certificate`, and what :func:`~certherd.pki.parse.describe_certificate`
    would say of the result, known from what went into it instead of parsed back out.

    Raises what :func:`issue_certificate` raises.
    """
    cert, info, _ = issue_certificate_encoded(
        issuer=issuer,
        public_key=public_key,
        subject=subject,
        sans=sans,
        validity=validity,
        signing_algorithm=signing_algorithm,
        serial=serial,
        ca_path_length=ca_path_length,
        crl_distribution_point=crl_distribution_point,
        server_auth_only=server_auth_only,
    )
    return cert, info


class EncodedCertificate(NamedTuple):
    """A certificate just issued, what describe_certificate says of it, and its PEM text."""

    certificate: x509.Certificate
    info: CertificateInfo
    pem: str


def issue_certificate_encoded(
    *,
    issuer: Issuer,
    public_key: PublicKey,
    subject: Subject | x509.Name,
    sans: Sequence[str] = (),
    validity: Validity,
    signing_algorithm: SigningAlgorithm | None = None,
    serial: int,
    ca_path_length: int | None = None,
    crl_distribution_point: str | None = None,
    server_auth_only: bool = False,
) -> EncodedCertificate:
    """:func:`issue_certificate_described`, and the certificate's PEM text (what
    :func:`~certherd.pki.parse.certificate_to_pem` gives): the certificate is encoded
    once, for both its fingerprint and its PEM.

    Raises what :func:`issue_certificate` raises.
    """
    prepared = _prepare(
        issuer=issuer,
        public_key=public_key,
        subject=subject,
        sans=sans,
        validity=validity,
        signing_algorithm=signing_algorithm,
        serial=serial,
        ca_path_length=ca_path_length,
        crl_distribution_point=crl_distribution_point,
        server_auth_only=server_auth_only,
    )
    cert = prepared.sign()
    der = cert.public_bytes(serialization.Encoding.DER)
    return EncodedCertificate(cert, prepared.describe(der), der_to_pem(der))


def _prepare(
    *,
    issuer: Issuer,
    public_key: PublicKey,
    subject: Subject | x509.Name,
    sans: Sequence[str],
    validity: Validity,
    signing_algorithm: SigningAlgorithm | None,
    serial: int,
    ca_path_length: int | None,
    crl_distribution_point: str | None,
    server_auth_only: bool,
) -> _Prepared:
    ca = issuer
    algorithm = signing_algorithm_for(signing_algorithm, ca.key_algorithm)
    key_algorithm = key_algorithm_of(public_key, field="PublicKey")
    _check_serial(serial)
    start, end = _clip(validity, ca)
    name = _name(subject)
    names = validate_sans(sans)
    if ca_path_length is not None:
        if ca_path_length < 0:
            raise ValidationError("the CA path length must not be negative", field="TemplateArn")
        if ca.path_length is not None and ca_path_length >= ca.path_length:
            raise ValidationError(
                f"the issuing CA's path length constraint ({ca.path_length}) does not allow "
                f"a subordinate CA with path length {ca_path_length}",
                field="TemplateArn",
            )
        if len(name) == 0:
            raise ValidationError("a CA certificate needs a non-empty subject", field="Subject")
    elif len(name) == 0 and not names:
        raise ValidationError(
            "the certificate needs a subject or at least one subject alternative name",
            field="Subject",
        )
    extensions: list[Extension] = []
    extended_key_usage: x509.ExtendedKeyUsage | None = None
    if ca_path_length is None:
        key_usage = KU_RSA_LEAF if key_algorithm.is_rsa else KU_EC_LEAF
        extended_key_usage = EKU_SERVER if server_auth_only else EKU_SERVER_CLIENT
        extensions += (
            BC_LEAF_EXTENSION,
            key_usage_extension(key_usage),
            extended_key_usage_extension(extended_key_usage),
        )
    else:
        key_usage = KU_CA
        extensions += (
            encoded(x509.BasicConstraints(ca=True, path_length=ca_path_length), critical=True),
            key_usage_extension(key_usage),
        )
    general_names = to_general_names(names)
    if general_names:
        extensions.append(
            x509.Extension(_SAN, len(name) == 0, x509.SubjectAlternativeName(general_names))
        )
    extensions += (
        x509.Extension(_SKI, False, x509.SubjectKeyIdentifier.from_public_key(public_key)),
        authority_key_extension(ca.authority_key_identifier),
    )
    if crl_distribution_point is not None:
        extensions.append(crl_extension(crl_distribution_point))
    # The builder's setters check what _prepare has checked above, and copy the builder
    # each time; the constructor takes it all at once. Times go in as naive UTC, as the
    # setters would pass them on.
    builder = x509.CertificateBuilder(
        issuer_name=ca.name,
        subject_name=name,
        public_key=public_key,
        serial_number=serial,
        not_valid_before=_naive_utc(start),
        not_valid_after=_naive_utc(end),
        extensions=extensions,
    )
    return _Prepared(
        builder=builder,
        ca=ca,
        algorithm=algorithm,
        name=name,
        general_names=general_names,
        serial=serial,
        start=start,
        end=end,
        key_algorithm=key_algorithm,
        key_usage=key_usage,
        extended_key_usage=extended_key_usage,
        ca_path_length=ca_path_length,
    )
