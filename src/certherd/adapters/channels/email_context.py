"""What a certificate event's mail says, worked out once from the event's JSON so that
templates only arrange words: which certificate, when it expires, how many days are left,
what went wrong.

Nothing here trusts the event's shape: a missing or mistyped field reads as unknown rather
than failing, so that a mail is always written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from certherd.adapters.channels.email_reasons import Reason, renewal_reason

__all__ = [
    "AuthorityFacts",
    "CertificateFacts",
    "DeadLetterFacts",
    "Moment",
    "days_left_text",
    "event_context",
    "parse_event",
    "template_for",
]

ACM_SOURCE: Final = "aws.acm"
CERTHERD_SOURCE: Final = "certherd"

#: The template (file stem) of each certificate event, by source and detail-type.
TEMPLATES: Final[dict[tuple[str, str], str]] = {
    (ACM_SOURCE, "ACM Certificate Approaching Expiration"): "acm-approaching-expiration",
    (ACM_SOURCE, "ACM Certificate Expired"): "acm-expired",
    (ACM_SOURCE, "ACM Certificate Available"): "acm-available",
    (ACM_SOURCE, "ACM Certificate Renewal Action Required"): "acm-renewal-action-required",
    (ACM_SOURCE, "ACM Certificate Revoked"): "acm-revoked",
    (CERTHERD_SOURCE, "Imported Certificate Expired"): "imported-certificate-expired",
    (
        CERTHERD_SOURCE,
        "Certificate Authority Approaching Expiration",
    ): "authority-approaching-expiration",
    (CERTHERD_SOURCE, "Event Delivery Dead-Lettered"): "delivery-dead-lettered",
    (CERTHERD_SOURCE, "Certificate Deployed"): "certificate-deployed",
    (CERTHERD_SOURCE, "Certificate Deployment Failed"): "certificate-deployment-failed",
}
#: Templates that read the event's detail alone (no certificate facts to gather).
_DETAIL_ONLY: Final = frozenset({"certificate-deployed", "certificate-deployment-failed"})

_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

#: What each ERROR_CODE of a dead-lettered delivery means.
_ERROR_HINTS: Final = {
    "NO_PERMISSIONS": "the target does not allow the rule to send to it",
    "NO_RESOURCE": "the target does not exist (it was deleted, or its ARN is wrong)",
    "RESOURCE_ALREADY_EXISTS": "the target refused the event as a duplicate",
    "THROTTLING": "the target refused events because too many arrived at once",
    "TIMEOUT": "the target did not answer in time",
    "CONNECTION_FAILURE": "the target could not be reached",
    "INVALID_PARAMETER": "the target refused the event as sent (too large, or not what it accepts)",
    "INTERNAL_ERROR": "certherd failed while delivering it",
}


@dataclass(frozen=True)
class Moment:
    """An instant as mails show it: ``iso`` (2026-12-28T07:11:00Z), ``date`` (2026-12-28),
    ``long`` (Monday 28 December 2026, 07:11 UTC) and ``long_date`` (Monday 28 December
    2026). Names of days and months are English whatever the locale."""

    at: datetime
    iso: str
    date: str
    long: str
    long_date: str


def moment(at: datetime) -> Moment:
    """``at`` (timezone-aware) as a Moment in UTC."""
    at = at.astimezone(UTC)
    day = f"{_DAYS[at.weekday()]} {at.day} {_MONTHS[at.month - 1]} {at.year}"
    return Moment(
        at=at,
        iso=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        date=at.strftime("%Y-%m-%d"),
        long=f"{day}, {at:%H:%M} UTC",
        long_date=day,
    )


def parse_moment(value: object) -> Moment | None:
    """An ISO 8601 instant (UTC when it names no zone) as a Moment; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment(at if at.tzinfo else at.replace(tzinfo=UTC))


def days_left_text(days: int | None, *, expired: bool = False) -> str:
    """``31 days left``, ``1 day left``, ``less than a day left``; once ``expired`` (or
    ``days`` is negative): ``expired less than a day ago``, ``expired 3 days ago``."""
    if days is None:
        return "expired" if expired else ""
    if expired or days < 0:
        ago = -days if days < 0 else 0
        if ago == 0:
            return "expired less than a day ago"
        return f"expired {ago} day{'s' if ago > 1 else ''} ago"
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return "1 day left"
    return "less than a day left"


_KINDS: Final = {
    "PRIVATE": "private, issued by a certherd certificate authority",
    "IMPORTED": "imported",
    "AMAZON_ISSUED": "public",
}


_ORIGINS: Final = {
    "AWS_MANAGED": "issued by certherd",
    "ACME": "issued over ACME",
    "CUSTOMER_PROVIDED": "imported",
}


def _expires_text(expires: Moment | None, *, approximately: bool) -> str:
    if expires is None:
        return "unknown"
    return f"around {expires.long_date}" if approximately else expires.long


@dataclass(frozen=True)
class CertificateFacts:
    """A certificate as its event describes it; None (or "") where the event is silent."""

    arn: str
    common_name: str
    first_san: str
    certificate_type: str
    key_origin: str
    imported: bool
    action: str
    in_use: bool | None
    exported: bool | None
    exportable: bool | None
    validity_days: int | None
    created: Moment | None
    expires: Moment | None
    #: True when ``expires`` is worked out from DaysToExpiry (to the day, not the minute).
    expires_approximately: bool
    #: Whole days left (negative: whole days since it expired); None when unknown.
    days_left: int | None
    days_left_text: str
    expired: bool

    @property
    def expires_text(self) -> str:
        """When it expires, in words ("around ..." when only the day is known)."""
        return _expires_text(self.expires, approximately=self.expires_approximately)

    @property
    def kind_text(self) -> str:
        """What kind of certificate it is, in words ("" when the event does not say)."""
        if self.certificate_type:
            return _KINDS.get(self.certificate_type, self.certificate_type)
        return _ORIGINS.get(self.key_origin, "")

    @property
    def also_named(self) -> str:
        """The first subject alternative name when it differs from the common name."""
        return self.first_san if self.first_san != self.common_name else ""


@dataclass(frozen=True)
class AuthorityFacts:
    arn: str
    common_name: str
    authority_type: str
    expires: Moment | None
    days_left: int | None
    days_left_text: str

    @property
    def expires_text(self) -> str:
        return _expires_text(self.expires, approximately=False)


@dataclass(frozen=True)
class DeadLetterFacts:
    rule_arn: str
    rule_name: str
    bus_name: str
    target_arn: str
    failed_event_id: str
    error_code: str
    error_hint: str
    error_message: str
    retry_attempts: int | None
    exhausted_condition: str


def parse_event(message: str) -> dict[str, Any] | None:
    """``message`` as an EventBridge event (a JSON object with a string ``source`` and
    ``detail-type`` and an object ``detail``), or None when it is not one."""
    try:
        value = json.loads(message)
    except (ValueError, RecursionError):
        return None
    if (
        isinstance(value, dict)
        and isinstance(value.get("source"), str)
        and isinstance(value.get("detail-type"), str)
        and isinstance(value.get("detail"), dict)
    ):
        return value
    return None


def template_for(event: dict[str, Any]) -> str | None:
    """The template stem for a certificate event, or None for any other event."""
    return TEMPLATES.get((event["source"], event["detail-type"]))


def _text(detail: dict[str, Any], key: str) -> str:
    value = detail.get(key)
    return value if isinstance(value, str) else ""


def _int(detail: dict[str, Any], key: str) -> int | None:
    value = detail.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _bool(detail: dict[str, Any], key: str) -> bool | None:
    value = detail.get(key)
    return value if isinstance(value, bool) else None


def _expired(expires: Moment | None, sent: Moment | None) -> bool:
    return expires is not None and sent is not None and expires.at <= sent.at


def _days_left(expires: Moment | None, sent: Moment | None) -> int | None:
    """Whole days from ``sent`` to ``expires``, as DaysToExpiry counts them; once expired,
    minus the whole days since (so five minutes after expiry is 0, not -1)."""
    if expires is None or sent is None:
        return None
    if expires.at <= sent.at:
        return -(sent.at - expires.at).days
    return (expires.at - sent.at).days


def _resource(event: dict[str, Any]) -> str:
    resources = event.get("resources")
    if isinstance(resources, list) and resources and isinstance(resources[0], str):
        return resources[0]
    return ""


def _certificate(event: dict[str, Any], sent: Moment | None) -> CertificateFacts:
    detail: dict[str, Any] = event["detail"]
    expires = parse_moment(detail.get("CertificateExpirationDate"))
    days = _int(detail, "DaysToExpiry")
    approximately = False
    expired = _expired(expires, sent) or (days is not None and days < 0)
    if days is None:
        days = _days_left(expires, sent)
    elif expires is None and sent is not None:
        # DaysToExpiry is whole days from the event's time: the day is known, not the hour.
        expires = moment(sent.at + timedelta(days=days))
        approximately = True
    key_origin = _text(detail, "CertificateKeyPairOrigin")
    certificate_type = _text(detail, "CertificateType")
    common_name = _text(detail, "CommonName")
    return CertificateFacts(
        arn=_resource(event),
        common_name=common_name or "(no common name)",
        first_san=_text(detail, "FirstSubjectAlternativeName"),
        certificate_type=certificate_type,
        key_origin=key_origin,
        imported=certificate_type == "IMPORTED" or key_origin == "CUSTOMER_PROVIDED",
        action=_text(detail, "Action"),
        in_use=_bool(detail, "InUse"),
        exported=_bool(detail, "Exported"),
        exportable=_bool(detail, "Exportable"),
        validity_days=_int(detail, "ValidityInDays"),
        created=parse_moment(detail.get("CertificateCreatedDate")),
        expires=expires,
        expires_approximately=approximately,
        days_left=days,
        days_left_text=days_left_text(days, expired=expired),
        expired=expired,
    )


def _authority(event: dict[str, Any], sent: Moment | None) -> AuthorityFacts:
    detail: dict[str, Any] = event["detail"]
    expires = parse_moment(detail.get("NotAfter"))
    days = _int(detail, "DaysToExpiry")
    expired = _expired(expires, sent) or (days is not None and days < 0)
    if days is None:
        days = _days_left(expires, sent)
    return AuthorityFacts(
        arn=_text(detail, "CertificateAuthorityArn") or _resource(event),
        common_name=_text(detail, "CommonName") or "(no common name)",
        authority_type=_text(detail, "Type"),
        expires=expires,
        days_left=days,
        days_left_text=days_left_text(days, expired=expired),
    )


def _rule_names(rule_arn: str) -> tuple[str, str]:
    """(bus, rule) from ``...:rule/NAME`` (the default bus) or ``...:rule/BUS/NAME``."""
    resource = rule_arn.split(":", 5)[-1] if rule_arn.count(":") >= 5 else ""
    parts = resource.split("/")
    if len(parts) == 2 and parts[0] == "rule":
        return "default", parts[1]
    if len(parts) >= 3 and parts[0] == "rule":
        return "/".join(parts[1:-1]), parts[-1]
    return "default", rule_arn


def _dead_letter(event: dict[str, Any]) -> DeadLetterFacts:
    detail: dict[str, Any] = event["detail"]
    rule_arn = _text(detail, "RuleArn") or _resource(event)
    bus, rule = _rule_names(rule_arn)
    code = _text(detail, "ErrorCode")
    return DeadLetterFacts(
        rule_arn=rule_arn,
        rule_name=rule,
        bus_name=bus,
        target_arn=_text(detail, "TargetArn"),
        failed_event_id=_text(detail, "EventId"),
        error_code=code,
        error_hint=_ERROR_HINTS.get(code, "the target could not take the event"),
        error_message=_text(detail, "ErrorMessage"),
        retry_attempts=_int(detail, "RetryAttempts"),
        exhausted_condition=_text(detail, "ExhaustedRetryCondition"),
    )


def event_context(event: dict[str, Any]) -> dict[str, Any]:
    """The template variables of an event's mail: ``event``, ``detail``, ``detail_type``,
    ``source``, ``account``, ``region``, ``event_time`` (Moment or None), ``resource_arn``,
    and ``certificate``, ``authority``, ``dead_letter``, ``reason`` (each None unless the
    event is of that kind)."""
    detail: dict[str, Any] = event["detail"]
    sent = parse_moment(event.get("time"))
    stem = template_for(event)
    certificate = authority = dead_letter = None
    reason: Reason | None = None
    if stem == "authority-approaching-expiration":
        authority = _authority(event, sent)
    elif stem == "delivery-dead-lettered":
        dead_letter = _dead_letter(event)
    elif stem is not None and stem not in _DETAIL_ONLY:
        certificate = _certificate(event, sent)
        if stem == "acm-renewal-action-required":
            reason = renewal_reason(
                _text(detail, "RenewalStatusReason"),
                arn=certificate.arn or "CERTIFICATE_ARN",
                name=_text(detail, "CommonName") or "DOMAIN_NAME",
            )
    account = event.get("account")
    region = event.get("region")
    return {
        "event": event,
        "detail": detail,
        "detail_type": event["detail-type"],
        "source": event["source"],
        "account": account if isinstance(account, str) else "",
        "region": region if isinstance(region, str) else "",
        "event_time": sent,
        "resource_arn": _resource(event),
        "certificate": certificate,
        "authority": authority,
        "dead_letter": dead_letter,
        "reason": reason,
    }
