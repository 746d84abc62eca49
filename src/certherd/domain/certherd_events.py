"""certherd's own events, for what ACM leaves silent (``source: certherd``).

Envelopes as in :mod:`certherd.domain.acm_events`; detail fields named in ACM's PascalCase
style:

* ``Imported Certificate Expired`` (resources: the certificate ARN): the detail of ``ACM
  Certificate Expired`` for an imported certificate — CertificateType "IMPORTED",
  CommonName, FirstSubjectAlternativeName, ValidityInDays, CertificateKeyPairOrigin
  "CUSTOMER_PROVIDED", CertificateCreatedDate, CertificateExpirationDate, InUse, Exported —
  so a rule for one needs only its ``source`` and ``detail-type`` changed for the other.
* ``Certificate Authority Approaching Expiration`` (resources: the CA ARN): DaysToExpiry,
  CertificateAuthorityArn, Type (ROOT | SUBORDINATE), CommonName (of the CA's subject; the
  empty string when it has none), NotAfter.
* ``Event Delivery Dead-Lettered`` (resources: the rule ARN): RuleArn, TargetArn, EventId
  (the ``id`` of the event that could not be delivered), ErrorCode, ErrorMessage,
  RetryAttempts (number) and, when retries ran out, ExhaustedRetryCondition
  (``MaximumRetryAttempts`` | ``MaximumEventAgeInSeconds``) — the attributes EventBridge puts
  on a dead-letter queue message (spec §2.6).
* ``Certificate Deployed`` / ``Certificate Deployment Failed`` (resources: the certificate
  ARN): see :func:`certificate_deployed` and :func:`deployment_failed`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from certherd.domain.acm_events import (
    Envelope,
    IdFactory,
    envelope,
    format_time,
    name_fields,
    new_event_id,
)
from certherd.domain.authority import CertificateAuthority
from certherd.domain.certificate import Certificate, CertificateType, days_to_expiry

CERTHERD_SOURCE = "certherd"


class CertherdDetailType(StrEnum):
    IMPORTED_CERTIFICATE_EXPIRED = "Imported Certificate Expired"
    AUTHORITY_APPROACHING_EXPIRATION = "Certificate Authority Approaching Expiration"
    DELIVERY_DEAD_LETTERED = "Event Delivery Dead-Lettered"
    CERTIFICATE_DEPLOYED = "Certificate Deployed"
    DEPLOYMENT_FAILED = "Certificate Deployment Failed"


def imported_expired(
    cert: Certificate,
    *,
    now: datetime,
    region: str,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """certherd's ``Imported Certificate Expired`` for an imported certificate.

    Raises ValueError for any other type (those get ``ACM Certificate Expired``).
    """
    if cert.type is not CertificateType.IMPORTED:
        raise ValueError(f"a {cert.type.value} certificate expires with ACM's own event")
    detail = {
        "CertificateType": cert.type.value,
        **name_fields(cert),
        "CertificateCreatedDate": format_time(cert.created_at),
        "CertificateExpirationDate": format_time(cert.not_after),
        "InUse": cert.in_use,
        "Exported": cert.exported,
    }
    return envelope(
        source=CERTHERD_SOURCE,
        detail_type=CertherdDetailType.IMPORTED_CERTIFICATE_EXPIRED.value,
        account=cert.account,
        region=region,
        resources=[cert.arn],
        detail=detail,
        now=now,
        event_id=event_id,
        new_id=new_id,
    )


def authority_approaching_expiration(
    ca: CertificateAuthority,
    *,
    now: datetime,
    region: str,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """certherd's ``Certificate Authority Approaching Expiration`` for ``ca`` at ``now``.

    Raises ValueError when the CA has no certificate yet (no NotAfter).
    """
    if ca.not_after is None:
        raise ValueError(f"certificate authority {ca.arn} has no certificate, so no NotAfter")
    detail = {
        "DaysToExpiry": days_to_expiry(ca.not_after, now),
        "CertificateAuthorityArn": ca.arn,
        "Type": ca.type.value,
        "CommonName": ca.subject.common_name or "",
        "NotAfter": format_time(ca.not_after),
    }
    return envelope(
        source=CERTHERD_SOURCE,
        detail_type=CertherdDetailType.AUTHORITY_APPROACHING_EXPIRATION.value,
        account=ca.account,
        region=region,
        resources=[ca.arn],
        detail=detail,
        now=now,
        event_id=event_id,
        new_id=new_id,
    )


def delivery_dead_lettered(
    *,
    account: str,
    region: str,
    rule_arn: str,
    target_arn: str,
    failed_event_id: str,
    error_code: str,
    error_message: str,
    retry_attempts: int,
    exhausted_retry_condition: str | None = None,
    now: datetime,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """certherd's ``Event Delivery Dead-Lettered``: an event could not reach a rule's target.

    ``error_message`` goes into the event as given: callers pass a message fit to show
    (never a secret such as a webhook's signing key).
    """
    detail: dict[str, Any] = {
        "RuleArn": rule_arn,
        "TargetArn": target_arn,
        "EventId": failed_event_id,
        "ErrorCode": error_code,
        "ErrorMessage": error_message,
        "RetryAttempts": retry_attempts,
    }
    if exhausted_retry_condition is not None:
        detail["ExhaustedRetryCondition"] = exhausted_retry_condition
    return envelope(
        source=CERTHERD_SOURCE,
        detail_type=CertherdDetailType.DELIVERY_DEAD_LETTERED.value,
        account=account,
        region=region,
        resources=[rule_arn],
        detail=detail,
        now=now,
        event_id=event_id,
        new_id=new_id,
    )


def certificate_deployed(
    *,
    account: str,
    region: str,
    deployment_arn: str,
    deployment_name: str,
    certificate_arn: str,
    serial: str,
    run_id: str,
    files: list[str],
    verified: bool,
    now: datetime,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """certherd's ``Certificate Deployed`` (resources: the certificate ARN, as ACM's own):
    DeploymentArn, DeploymentName, CertificateArn, SerialNumber, RunId, Files (the paths
    written) and Verified (whether the served certificate was checked and matched)."""
    detail: dict[str, Any] = {
        "DeploymentArn": deployment_arn,
        "DeploymentName": deployment_name,
        "CertificateArn": certificate_arn,
        "SerialNumber": serial,
        "RunId": run_id,
        "Files": list(files),
        "Verified": verified,
    }
    return envelope(
        source=CERTHERD_SOURCE,
        detail_type=CertherdDetailType.CERTIFICATE_DEPLOYED.value,
        account=account,
        region=region,
        resources=[certificate_arn],
        detail=detail,
        now=now,
        event_id=event_id,
        new_id=new_id,
    )


def deployment_failed(
    *,
    account: str,
    region: str,
    deployment_arn: str,
    deployment_name: str,
    certificate_arn: str | None,
    serial: str | None,
    run_id: str,
    stage: str,
    reason: str,
    now: datetime,
    event_id: str | None = None,
    new_id: IdFactory = new_event_id,
) -> Envelope:
    """certherd's ``Certificate Deployment Failed`` (resources: the certificate ARN, or the
    deployment's when no certificate is known): DeploymentArn, DeploymentName, CertificateArn,
    SerialNumber, RunId, Stage (``WRITE`` | ``COMMAND`` | ``VERIFY``) and Reason (a message
    fit to show, never key material)."""
    detail: dict[str, Any] = {
        "DeploymentArn": deployment_arn,
        "DeploymentName": deployment_name,
        "CertificateArn": certificate_arn,
        "SerialNumber": serial,
        "RunId": run_id,
        "Stage": stage,
        "Reason": reason,
    }
    resources = [certificate_arn] if certificate_arn else [deployment_arn]
    return envelope(
        source=CERTHERD_SOURCE,
        detail_type=CertherdDetailType.DEPLOYMENT_FAILED.value,
        account=account,
        region=region,
        resources=resources,
        detail=detail,
        now=now,
        event_id=event_id,
        new_id=new_id,
    )
