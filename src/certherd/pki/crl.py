"""Certificate revocation lists: revocation reasons (AWS Private CA names) and building CRLs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certherd.errors import ValidationError
from certherd.pki.keys import PrivateKey, key_algorithm_of
from certherd.pki.signing import SigningAlgorithm, check_compatible, default_signing_algorithm

#: CRL numbers are at most 20 octets (RFC 5280 section 5.2.3).
MAX_CRL_NUMBER = (1 << 159) - 1


class RevocationReason(StrEnum):
    """AWS Private CA ``RevocationReason`` names."""

    UNSPECIFIED = "UNSPECIFIED"
    KEY_COMPROMISE = "KEY_COMPROMISE"
    CERTIFICATE_AUTHORITY_COMPROMISE = "CERTIFICATE_AUTHORITY_COMPROMISE"
    AFFILIATION_CHANGED = "AFFILIATION_CHANGED"
    SUPERSEDED = "SUPERSEDED"
    CESSATION_OF_OPERATION = "CESSATION_OF_OPERATION"
    PRIVILEGE_WITHDRAWN = "PRIVILEGE_WITHDRAWN"
    A_A_COMPROMISE = "A_A_COMPROMISE"

    @property
    def reason_flag(self) -> x509.ReasonFlags:
        """The X.509 CRL reason code."""
        return _FLAGS[self]

    @classmethod
    def from_reason_flag(cls, flag: x509.ReasonFlags) -> RevocationReason:
        """The AWS name of an X.509 reason code (codes AWS has no name for: UNSPECIFIED)."""
        return _REASONS.get(flag, cls.UNSPECIFIED)

    @classmethod
    def parse(cls, value: str, *, field: str = "RevocationReason") -> RevocationReason:
        """Parse an AWS revocation reason name.

        Raises:
            ValidationError: (naming ``field``) not one of the AWS Private CA names.
        """
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(cls)
            raise ValidationError(f"{value!r} is not one of {allowed}", field=field) from None


_FLAGS: dict[RevocationReason, x509.ReasonFlags] = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.CERTIFICATE_AUTHORITY_COMPROMISE: x509.ReasonFlags.ca_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.PRIVILEGE_WITHDRAWN: x509.ReasonFlags.privilege_withdrawn,
    RevocationReason.A_A_COMPROMISE: x509.ReasonFlags.aa_compromise,
}
_REASONS = {flag: reason for reason, flag in _FLAGS.items()}


def _aware(moment: datetime, field: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError("must be a timezone-aware datetime", field=field)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class RevokedEntry:
    """One revoked certificate: its serial, when it was revoked and why."""

    serial: int
    revoked_at: datetime
    reason: RevocationReason = RevocationReason.UNSPECIFIED


def _entry(entry: RevokedEntry) -> x509.RevokedCertificate:
    if isinstance(entry.serial, bool) or not isinstance(entry.serial, int) or entry.serial < 1:
        raise ValidationError(f"serial {entry.serial!r} must be a positive integer", field="Serial")
    builder = (
        x509.RevokedCertificateBuilder()
        .serial_number(entry.serial)
        .revocation_date(_aware(entry.revoked_at, "RevokedAt"))
    )
    reason = RevocationReason(entry.reason)
    if reason is not RevocationReason.UNSPECIFIED:  # RFC 5280: omit rather than "unspecified"
        builder = builder.add_extension(x509.CRLReason(reason.reason_flag), critical=False)
    return builder.build()


def build_crl(
    *,
    issuer_certificate: x509.Certificate,
    issuer_key: PrivateKey,
    revoked: Iterable[RevokedEntry],
    this_update: datetime,
    next_update: datetime,
    crl_number: int,
    signing_algorithm: SigningAlgorithm | None = None,
) -> x509.CertificateRevocationList:
    """A CRL signed by the CA, listing ``revoked`` (in the order given).

    Carries the CRLNumber and AuthorityKeyIdentifier extensions; each entry has a reason
    code extension unless its reason is UNSPECIFIED. Without ``signing_algorithm`` the
    default for the CA key is used.

    Raises:
        ValidationError: naive datetimes, ``next_update`` not after ``this_update``, a CRL
            number outside 0..2**159-1, a non-positive serial, or a signing algorithm that
            does not fit the key.
    """
    start = _aware(this_update, "ThisUpdate")
    end = _aware(next_update, "NextUpdate")
    if end <= start:
        raise ValidationError("must be later than ThisUpdate", field="NextUpdate")
    if isinstance(crl_number, bool) or not isinstance(crl_number, int):
        raise ValidationError("must be an integer", field="CrlNumber")
    if not 0 <= crl_number <= MAX_CRL_NUMBER:
        raise ValidationError("must be between 0 and 2**159 - 1", field="CrlNumber")
    if signing_algorithm is None:
        signing_algorithm = default_signing_algorithm(key_algorithm_of(issuer_key))
    check_compatible(signing_algorithm, issuer_key)
    try:
        ski = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_certificate.subject)
        .last_update(start)
        .next_update(end)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(aki, critical=False)
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(_entry(entry))
    return builder.sign(issuer_key, SigningAlgorithm(signing_algorithm).hash_algorithm())


def crl_to_der(crl: x509.CertificateRevocationList) -> bytes:
    """``crl`` as DER (the form served at a CRL distribution point)."""
    return crl.public_bytes(serialization.Encoding.DER)


def crl_to_pem(crl: x509.CertificateRevocationList) -> str:
    """``crl`` as PEM text (``-----BEGIN X509 CRL-----``)."""
    return crl.public_bytes(serialization.Encoding.PEM).decode("ascii")
