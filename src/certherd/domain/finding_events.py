"""From an event to the findings it raises: one :class:`Observation` per resource.

Each kind of event is a *generator* (GeneratorId ``certherd/<kind>``), so one certificate
has at most one finding per kind. The kinds certherd knows:

=============================================  ==========================================
event (``source`` / ``detail-type``)           severity
=============================================  ==========================================
aws.acm ACM Certificate Expired                CRITICAL when InUse, else HIGH
certherd Imported Certificate Expired          CRITICAL when InUse, else HIGH
aws.acm ACM Certificate Revoked                HIGH
aws.acm ACM Certificate Renewal Action Req.    CRITICAL <= 7 days left, HIGH <= 30, else MEDIUM
aws.acm ACM Certificate Approaching Exp.       HIGH <= 7 days left, MEDIUM <= 30, else LOW
certherd Certificate Authority Approaching     HIGH <= 30 days left, MEDIUM <= 90, else LOW
=============================================  ==========================================

Any other event raises an INFORMATIONAL finding per resource it names (GeneratorId
``certherd/<source>/<detail-type>``, lower-case words joined by ``-``), or, naming none,
one about the account (``AWS::::Account:<id>``, type ``AwsAccount``). ``ACM Certificate
Available`` raises none: it is what resolves them (:func:`is_remedy`).

Types: an expired or revoked certificate is ``Software and Configuration Checks/AWS Security
Best Practices`` and ``Effects/Denial of Service`` (clients refuse it); one about to expire,
or whose renewal failed, and a CA about to expire, the first only; other events
``Software and Configuration Checks``.

A certificate resource is ``AwsCertificateManagerCertificate`` with
``Details.AwsCertificateManagerCertificate`` from the certificate as stored, when it still is
and has not been renewed since the event (:func:`superseded`), else from the event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from certherd.domain.acm_events import ACM_SOURCE, AcmDetailType, format_time
from certherd.domain.arns import parse_arn
from certherd.domain.certherd_events import CERTHERD_SOURCE, CertherdDetailType
from certherd.domain.certificate import Certificate, effective_status, renewal_eligibility
from certherd.domain.findings import NORMALIZED, Observation, SeverityLabel
from certherd.errors import ValidationError

__all__ = [
    "CERTIFICATE_RESOURCE",
    "EventFacts",
    "generator_of",
    "is_remedy",
    "observations",
    "parse_event",
    "superseded",
]

CERTIFICATE_RESOURCE: Final = "AwsCertificateManagerCertificate"
BEST_PRACTICES: Final = "Software and Configuration Checks/AWS Security Best Practices"
DENIAL_OF_SERVICE: Final = "Effects/Denial of Service"
_GENERATOR_MAX = 256

_KNOWN: Final[Mapping[tuple[str, str], str]] = {
    (ACM_SOURCE, AcmDetailType.EXPIRED): "acm-certificate-expired",
    (ACM_SOURCE, AcmDetailType.APPROACHING_EXPIRATION): "acm-certificate-approaching-expiration",
    (ACM_SOURCE, AcmDetailType.RENEWAL_ACTION_REQUIRED): "acm-certificate-renewal-action-required",
    (ACM_SOURCE, AcmDetailType.REVOKED): "acm-certificate-revoked",
    (CERTHERD_SOURCE, CertherdDetailType.IMPORTED_CERTIFICATE_EXPIRED): (
        "imported-certificate-expired"
    ),
    (CERTHERD_SOURCE, CertherdDetailType.AUTHORITY_APPROACHING_EXPIRATION): (
        "certificate-authority-approaching-expiration"
    ),
}


@dataclass(frozen=True)
class EventFacts:
    """The parts of an event envelope a finding is made of."""

    id: str
    source: str
    detail_type: str
    account: str
    time: datetime
    resources: tuple[str, ...]
    detail: Mapping[str, Any]


def parse_event(envelope: object) -> EventFacts:
    """The facts of an EventBridge envelope. Raises ValidationError (field ``Event``) for
    anything else, such as what a target's input transformer made of one."""
    if not isinstance(envelope, Mapping):
        raise ValidationError("a finding is made from a whole event (a JSON object)", field="Event")
    try:
        resources = envelope.get("resources", [])
        detail = envelope.get("detail", {})
        facts = EventFacts(
            id=str(envelope["id"]),
            source=_text(envelope["source"]),
            detail_type=_text(envelope["detail-type"]),
            account=_text(envelope["account"]),
            time=datetime.fromisoformat(_text(envelope["time"])),
            resources=tuple(_text(r) for r in resources),
            detail=detail if isinstance(detail, Mapping) else {},
        )
    except (KeyError, TypeError, ValueError):
        raise ValidationError(
            "a finding is made from a whole event: id, source, detail-type, account, time "
            "and resources, as EventBridge sends them (remove the target's input options)",
            field="Event",
        ) from None
    if facts.time.tzinfo is None or not isinstance(resources, list):
        raise ValidationError("the event's time needs a zone", field="Event")
    return facts


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("expected text")
    return value


def generator_of(event: EventFacts) -> str:
    """The GeneratorId of ``event``'s kind (see the module docstring)."""
    known = _KNOWN.get((event.source, event.detail_type))
    if known is not None:
        return f"certherd/{known}"
    return f"certherd/{_slug(event.source)}/{_slug(event.detail_type)}"[:_GENERATOR_MAX]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "event"


def is_remedy(event: EventFacts) -> bool:
    """Whether ``event`` says its certificates were (re)issued: ``ACM Certificate Available``."""
    return event.source == ACM_SOURCE and event.detail_type == AcmDetailType.AVAILABLE


def superseded(event: EventFacts, certificate: Certificate) -> bool:
    """Whether ``certificate`` was renewed or replaced after ``event`` spoke of it: it now
    expires later than the event said (CertificateExpirationDate, or DaysToExpiry counted
    from the event's time)."""
    said = event.detail.get("CertificateExpirationDate")
    days = event.detail.get("DaysToExpiry")
    if isinstance(said, str):
        try:
            expiry = datetime.fromisoformat(said)
        except ValueError:
            return False
        return certificate.not_after > expiry + timedelta(seconds=1)
    if isinstance(days, int):
        return certificate.not_after > event.time + timedelta(days=days + 1)
    return False


def observations(
    event: EventFacts,
    *,
    certificates: Mapping[str, Certificate],
    rule_arn: str | None,
    now: datetime,
) -> list[Observation]:
    """One observation per resource of ``event`` (one about the account when it names
    none). ``certificates`` are those of its resources still stored and not superseded."""
    generator = generator_of(event)
    fields = {
        "certherd/EventId": event.id,
        "certherd/EventSource": event.source,
        "certherd/EventDetailType": event.detail_type,
    }
    if rule_arn is not None:
        fields["certherd/RuleArn"] = rule_arn
    resources = event.resources or (f"AWS::::Account:{event.account}",)
    found: list[Observation] = []
    for arn in resources:
        cert = certificates.get(arn)
        severity, types, title, description, remedy = _words(event, arn, cert)
        title = title[:256]
        body = {
            "Types": list(types),
            "Title": title,
            "Description": description[:1024],
            "Severity": {"Label": severity.value, "Normalized": NORMALIZED[severity]},
            "Resources": [_resource(event, arn, cert, now)],
            "Remediation": {"Recommendation": {"Text": remedy[:512]}},
            "ProductFields": fields,
        }
        found.append(Observation(generator, arn, severity, title, body, event.time))
    return found


def _by_days(days: object, steps: Sequence[tuple[int, SeverityLabel]]) -> SeverityLabel:
    left = days if isinstance(days, int) else 0
    for limit, label in steps[:-1]:
        if left <= limit:
            return label
    return steps[-1][1]


_LOW, _MEDIUM, _HIGH, _CRITICAL = (
    SeverityLabel.LOW,
    SeverityLabel.MEDIUM,
    SeverityLabel.HIGH,
    SeverityLabel.CRITICAL,
)


def _words(
    event: EventFacts, arn: str, cert: Certificate | None
) -> tuple[SeverityLabel, tuple[str, ...], str, str, str]:
    """Severity, Types, Title, Description and the recommendation for ``event``."""
    detail = event.detail
    name = str(detail.get("CommonName") or (cert.domain_name if cert else "") or arn)
    days = detail.get("DaysToExpiry")
    expiry = detail.get("CertificateExpirationDate") or detail.get("NotAfter") or "its NotAfter"
    kind = _KNOWN.get((event.source, event.detail_type))
    renew = (
        "Renew or re-import the certificate and deploy it where it is used; the finding is "
        "resolved when the certificate is renewed, replaced or deleted."
    )
    if kind in ("acm-certificate-expired", "imported-certificate-expired"):
        severity = _CRITICAL if detail.get("InUse") is True else _HIGH
        return (
            severity,
            (BEST_PRACTICES, DENIAL_OF_SERVICE),
            f"Certificate for {name} has expired",
            f"The certificate {arn} for {name} expired at {expiry}. Clients refuse it: "
            "services still presenting it fail their TLS handshakes.",
            renew,
        )
    if kind == "acm-certificate-revoked":
        return (
            _HIGH,
            (BEST_PRACTICES, DENIAL_OF_SERVICE),
            f"Certificate for {name} was revoked",
            f"The certificate {arn} for {name} was revoked; clients that check revocation "
            "refuse it.",
            "Request a new certificate, deploy it in place of the revoked one, then delete "
            "the revoked certificate.",
        )
    if kind == "acm-certificate-renewal-action-required":
        reason = detail.get("RenewalStatusReason", "OTHER")
        return (
            _by_days(days, ((7, _CRITICAL), (30, _HIGH), (0, _MEDIUM))),
            (BEST_PRACTICES,),
            f"Renewal of the certificate for {name} failed ({reason})",
            f"Managed renewal of {arn} for {name} failed with {reason}; it expires in "
            f"{days} day(s), at {expiry}.",
            "Fix the cause (the CA's state, its permissions for the certificate manager) "
            "so that the next attempt renews it, or renew it now.",
        )
    if kind == "acm-certificate-approaching-expiration":
        return (
            _by_days(days, ((7, _HIGH), (30, _MEDIUM), (0, _LOW))),
            (BEST_PRACTICES,),
            f"Certificate for {name} expires in {days} day(s)",
            f"The certificate {arn} for {name} expires in {days} day(s).",
            renew,
        )
    if kind == "certificate-authority-approaching-expiration":
        ca_name = detail.get("CommonName") or arn
        return (
            _by_days(days, ((30, _HIGH), (90, _MEDIUM), (0, _LOW))),
            (BEST_PRACTICES,),
            f"Certificate authority {ca_name} expires in {days} day(s)",
            f"The certificate of the certificate authority {arn} expires in {days} day(s), "
            f"at {expiry}; certificates it issues cannot outlive it.",
            "Renew the CA's certificate (or create a successor CA) before it expires.",
        )
    return (
        SeverityLabel.INFORMATIONAL,
        ("Software and Configuration Checks",),
        f"{event.detail_type} ({event.source})",
        f"Event {event.id} ({event.source}, {event.detail_type}) about {arn}.",
        "Review the event.",
    )


def _resource(
    event: EventFacts, arn: str, cert: Certificate | None, now: datetime
) -> dict[str, Any]:
    if arn.startswith("AWS::::Account:"):
        return {"Type": "AwsAccount", "Id": arn}
    try:
        parsed = parse_arn(arn, field="resources")
    except ValidationError:
        return {"Type": "Other", "Id": arn}
    resource: dict[str, Any] = {
        "Type": "Other",
        "Id": arn,
        "Partition": parsed.partition,
        "Region": parsed.region,
    }
    if parsed.service == "acm" and parsed.resource.startswith("certificate/"):
        resource["Type"] = CERTIFICATE_RESOURCE
        details = _certificate_details(cert, now) if cert else _event_details(event.detail)
        resource["Details"] = {CERTIFICATE_RESOURCE: details}
    elif event.detail:
        other = {k: str(v) for k, v in event.detail.items() if isinstance(v, str | int | bool)}
        if other:
            resource["Details"] = {"Other": other}
    return resource


def _event_details(detail: Mapping[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for key, value in (
        ("DomainName", detail.get("CommonName")),
        ("NotAfter", detail.get("CertificateExpirationDate")),
        ("Type", detail.get("CertificateType")),
        ("CreatedAt", detail.get("CertificateCreatedDate")),
    ):
        if value is not None:
            details[key] = value
    return details


def _certificate_details(cert: Certificate, now: datetime) -> dict[str, Any]:
    details: dict[str, Any] = {
        "DomainName": cert.domain_name,
        "SubjectAlternativeNames": list(cert.subject_alternative_names),
        "Status": effective_status(cert, now).value,
        "Type": cert.type.value,
        "Serial": cert.serial,
        "Subject": cert.subject,
        "Issuer": cert.issuer,
        "KeyAlgorithm": cert.key_algorithm.value,
        "SignatureAlgorithm": cert.signature_algorithm,
        "NotBefore": format_time(cert.not_before),
        "NotAfter": format_time(cert.not_after),
        "CreatedAt": format_time(cert.created_at),
        "InUseBy": list(cert.in_use_by),
        "RenewalEligibility": renewal_eligibility(cert, now).value,
    }
    for key, at in (("IssuedAt", cert.issued_at), ("ImportedAt", cert.imported_at)):
        if at is not None:
            details[key] = format_time(at)
    if cert.authority_arn is not None:
        details["CertificateAuthorityArn"] = cert.authority_arn
    return details
