"""The certificate manager's event envelopes, exactly as ACM sends them (``source: aws.acm``).

Every builder returns a plain ``dict`` ready to JSON-encode, in the EventBridge envelope
(spec §2.1): ``version`` "0", ``id`` (a v4 UUID), ``detail-type``, ``source``, ``account``,
``time``, ``region``, ``resources`` (the resource's ARN) and ``detail``. Instants are written
as AWS writes them, to the second in UTC: ``2019-12-22T18:43:48Z``.

ACM events (``source: aws.acm``, spec §1.1) carry exactly the detail fields of ACM's
documented examples, so a rule written for AWS matches here unchanged:

* ``ACM Certificate Approaching Expiration``: DaysToExpiry, CommonName,
  FirstSubjectAlternativeName, ValidityInDays, CertificateKeyPairOrigin.
* ``ACM Certificate Expired`` (never for imported certificates): CertificateType,
  CommonName, FirstSubjectAlternativeName, ValidityInDays, CertificateKeyPairOrigin,
  [DomainValidationMethod], CertificateCreatedDate, CertificateExpirationDate, InUse, Exported.
* ``ACM Certificate Available``: Action, CertificateType, CommonName,
  FirstSubjectAlternativeName, ValidityInDays, CertificateKeyPairOrigin,
  [DomainValidationMethod], CertificateCreatedDate, CertificateExpirationDate, DaysToExpiry,
  InUse, Exported.
* ``ACM Certificate Renewal Action Required`` (never for imported certificates):
  CertificateType, CommonName, FirstSubjectAlternativeName, ValidityInDays,
  CertificateKeyPairOrigin, [DomainValidationMethod], RenewalStatusReason, DaysToExpiry,
  CertificateCreatedDate, CertificateExpirationDate, InUse, Exported.
* ``ACM Certificate Revoked``: CertificateType, CommonName, FirstSubjectAlternativeName,
  ValidityInDays, CertificateKeyPairOrigin, CertificateExpirationDate, Exportable.

How the values are chosen:

* CommonName is the certificate's DomainName; FirstSubjectAlternativeName is its first
  subject alternative name, or the DomainName when it has none (an imported certificate
  without the extension), so the key is always present.
* ValidityInDays is the current document's whole days from NotBefore to NotAfter.
* CertificateKeyPairOrigin is AWS_MANAGED for certificates certherd issues (PRIVATE and
  AMAZON_ISSUED) and CUSTOMER_PROVIDED for imported ones.
* DomainValidationMethod (EMAIL | DNS) is about proving control of a public domain, so it is
  written only for AMAZON_ISSUED certificates; private and imported certificates are never
  domain-validated and their events leave the key out, as the schema registry's model marks
  it optional. The value is passed in (``validation_method``), DNS unless said otherwise.
* CertificateCreatedDate is the ARN's CreatedAt (it does not change on renewal, as in
  DescribeCertificate); CertificateExpirationDate is the current NotAfter.
* Exportable (Revoked only) is true for PRIVATE certificates, false for IMPORTED ones, and
  for AMAZON_ISSUED ones true when the certificate was exported.

certherd's own events, for what ACM leaves silent, are in
:mod:`certherd.domain.certherd_events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from certherd.domain.certificate import (
    Certificate,
    CertificateType,
    FailureReason,
    VersionAction,
    days_to_expiry,
)
from certherd.domain.clock import require_utc

#: An event envelope as targets receive it, ready to JSON-encode.
Envelope = dict[str, Any]
#: Makes the ``id`` of a new event.
IdFactory = Callable[[], str]

ACM_SOURCE = "aws.acm"
ENVELOPE_VERSION = "0"


class AcmDetailType(StrEnum):
    APPROACHING_EXPIRATION = "ACM Certificate Approaching Expiration"
    EXPIRED = "ACM Certificate Expired"
    AVAILABLE = "ACM Certificate Available"
    RENEWAL_ACTION_REQUIRED = "ACM Certificate Renewal Action Required"
    REVOKED = "ACM Certificate Revoked"


class KeyPairOrigin(StrEnum):
    AWS_MANAGED = "AWS_MANAGED"
    ACME = "ACME"
    CUSTOMER_PROVIDED = "CUSTOMER_PROVIDED"


class ValidationMethod(StrEnum):
    EMAIL = "EMAIL"
    DNS = "DNS"


def new_event_id() -> str:
    """A fresh v4 UUID, as EventBridge gives every event."""
    return str(uuid.uuid4())


def format_time(at: datetime) -> str:
    """``at`` as AWS writes event times: UTC, whole seconds, ``Z`` (``2019-12-22T18:43:48Z``).

    Raises ValueError when ``at`` is naive (an instant without a zone is a programming error).
    """
    if at.tzinfo is UTC:
        return _format_utc(at)
    return require_utc(at).strftime(_TIME_FORMAT)


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@lru_cache(maxsize=1024)
def _format_utc(at: datetime) -> str:
    # The events of a batch share their instants (now, the expiry of each validity), and
    # strftime costs more than the rest of an event's detail. Only UTC instants are
    # cached: two equal instants in UTC are the same wall-clock time, which is not so in
    # zones with a daylight-saving fold.
    return at.strftime(_TIME_FORMAT)


def envelope(
    *,
    source: str,
    detail_type: str,
    account: str,
    region: str,
    resources: Sequence[str],
    detail: dict[str, Any],
    now: datetime,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """The EventBridge envelope around ``detail``; ``event_id`` or else ``new_id()`` is its id."""
    return {
        "version": ENVELOPE_VERSION,
        "id": event_id if event_id is not None else new_id(),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": format_time(now),
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }


def key_pair_origin(cert: Certificate) -> KeyPairOrigin:
    """Who made the key pair: certherd for certificates it issues, the customer for imports."""
    if cert.type is CertificateType.IMPORTED:
        return KeyPairOrigin.CUSTOMER_PROVIDED
    return KeyPairOrigin.AWS_MANAGED


def validity_in_days(cert: Certificate) -> int:
    """Whole days from the current document's NotBefore to its NotAfter."""
    return (cert.not_after - cert.not_before).days


def first_subject_alternative_name(cert: Certificate) -> str:
    """The first SAN, or the DomainName when the certificate has none."""
    return cert.subject_alternative_names[0] if cert.subject_alternative_names else cert.domain_name


def name_fields(cert: Certificate) -> dict[str, Any]:
    """CommonName, FirstSubjectAlternativeName, ValidityInDays, CertificateKeyPairOrigin."""
    return {
        "CommonName": cert.domain_name,
        "FirstSubjectAlternativeName": first_subject_alternative_name(cert),
        "ValidityInDays": validity_in_days(cert),
        "CertificateKeyPairOrigin": key_pair_origin(cert).value,
    }


def _validation(cert: Certificate, method: ValidationMethod) -> dict[str, Any]:
    # Only public certificates prove domain control; see the module docstring.
    if cert.type is CertificateType.AMAZON_ISSUED:
        return {"DomainValidationMethod": method.value}
    return {}


def _not_imported(cert: Certificate, detail_type: AcmDetailType) -> None:
    if cert.type is CertificateType.IMPORTED:
        raise ValueError(f"ACM sends no {detail_type.value!r} event for imported certificates")


def _acm(
    cert: Certificate,
    detail_type: AcmDetailType,
    detail: dict[str, Any],
    *,
    now: datetime,
    region: str,
    event_id: str | None,
    new_id: IdFactory,
) -> Envelope:
    return envelope(
        source=ACM_SOURCE,
        detail_type=detail_type.value,
        account=cert.account,
        region=region,
        resources=[cert.arn],
        detail=detail,
        now=now,
        event_id=event_id,
        new_id=new_id,
    )


def approaching_expiration(
    cert: Certificate,
    *,
    now: datetime,
    region: str,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """``ACM Certificate Approaching Expiration`` for ``cert`` at ``now`` (any type)."""
    detail = {"DaysToExpiry": days_to_expiry(cert.not_after, now), **name_fields(cert)}
    return _acm(
        cert,
        AcmDetailType.APPROACHING_EXPIRATION,
        detail,
        now=now,
        region=region,
        event_id=event_id,
        new_id=new_id,
    )


def expired(
    cert: Certificate,
    *,
    now: datetime,
    region: str,
    validation_method: ValidationMethod = ValidationMethod.DNS,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """``ACM Certificate Expired`` for a PRIVATE or AMAZON_ISSUED certificate.

    Raises ValueError for an imported certificate (see :func:`imported_expired`).
    """
    _not_imported(cert, AcmDetailType.EXPIRED)
    detail = {
        "CertificateType": cert.type.value,
        **name_fields(cert),
        **_validation(cert, validation_method),
        "CertificateCreatedDate": format_time(cert.created_at),
        "CertificateExpirationDate": format_time(cert.not_after),
        "InUse": cert.in_use,
        "Exported": cert.exported,
    }
    return _acm(
        cert,
        AcmDetailType.EXPIRED,
        detail,
        now=now,
        region=region,
        event_id=event_id,
        new_id=new_id,
    )


def available(
    cert: Certificate,
    *,
    action: VersionAction,
    now: datetime,
    region: str,
    validation_method: ValidationMethod = ValidationMethod.DNS,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """``ACM Certificate Available`` for the current version of ``cert``, made by ``action``.

    Raises ValueError when ``action`` does not fit the type (IMPORT/REIMPORT are for
    imported certificates only, ISSUANCE/RENEWAL for the others).
    """
    imports = action in (VersionAction.IMPORT, VersionAction.REIMPORT)
    if imports != (cert.type is CertificateType.IMPORTED):
        raise ValueError(f"a {cert.type.value} certificate is not made by {action.value}")
    detail = {
        "Action": action.value,
        "CertificateType": cert.type.value,
        **name_fields(cert),
        **_validation(cert, validation_method),
        "CertificateCreatedDate": format_time(cert.created_at),
        "CertificateExpirationDate": format_time(cert.not_after),
        "DaysToExpiry": days_to_expiry(cert.not_after, now),
        "InUse": cert.in_use,
        "Exported": cert.exported,
    }
    return _acm(
        cert,
        AcmDetailType.AVAILABLE,
        detail,
        now=now,
        region=region,
        event_id=event_id,
        new_id=new_id,
    )


def renewal_action_required(
    cert: Certificate,
    *,
    reason: FailureReason,
    now: datetime,
    region: str,
    validation_method: ValidationMethod = ValidationMethod.DNS,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """``ACM Certificate Renewal Action Required``: a renewal of ``cert`` failed for ``reason``.

    Raises ValueError for an imported certificate (ACM never renews those).
    """
    _not_imported(cert, AcmDetailType.RENEWAL_ACTION_REQUIRED)
    detail = {
        "CertificateType": cert.type.value,
        **name_fields(cert),
        **_validation(cert, validation_method),
        "RenewalStatusReason": reason.value,
        "DaysToExpiry": days_to_expiry(cert.not_after, now),
        "CertificateCreatedDate": format_time(cert.created_at),
        "CertificateExpirationDate": format_time(cert.not_after),
        "InUse": cert.in_use,
        "Exported": cert.exported,
    }
    return _acm(
        cert,
        AcmDetailType.RENEWAL_ACTION_REQUIRED,
        detail,
        now=now,
        region=region,
        event_id=event_id,
        new_id=new_id,
    )


def exportable(cert: Certificate) -> bool:
    """Whether ``cert``'s key can be exported (see the module docstring)."""
    if cert.type is CertificateType.PRIVATE:
        return True
    if cert.type is CertificateType.IMPORTED:
        return False
    return cert.exported


def revoked(
    cert: Certificate,
    *,
    now: datetime,
    region: str,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """``ACM Certificate Revoked`` for ``cert``.

    Raises ValueError for an imported certificate (only exported ACM certificates can be
    revoked).
    """
    _not_imported(cert, AcmDetailType.REVOKED)
    detail = {
        "CertificateType": cert.type.value,
        **name_fields(cert),
        "CertificateExpirationDate": format_time(cert.not_after),
        "Exportable": exportable(cert),
    }
    return _acm(
        cert,
        AcmDetailType.REVOKED,
        detail,
        now=now,
        region=region,
        event_id=event_id,
        new_id=new_id,
    )
