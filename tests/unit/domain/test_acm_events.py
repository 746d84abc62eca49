"""Event envelopes: ACM's exact shapes (spec §1.1) and certherd's own events."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certherd.domain import acm_events, certherd_events
from certherd.domain.acm_events import AcmDetailType, ValidationMethod
from certherd.domain.authority import (
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
)
from certherd.domain.certherd_events import CertherdDetailType
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    FailureReason,
    VersionAction,
)
from certherd.domain.event_samples import sample_events
from certherd.patterns import compile_pattern
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

NOW = datetime(2026, 6, 1, 18, 43, 48, 123456, tzinfo=UTC)
ACCOUNT = "123456789012"
REGION = "eu-west-1"
ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/61f50cd4-45b9-4259-b049-d0a53682fa4b"
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ENVELOPE_KEYS = [
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
]

# The detail keys of the spec's examples (§1.1.1-1.1.5), Acme* left out: certherd's
# certificates are not ACME-issued.
SPEC_APPROACHING = {
    "DaysToExpiry",
    "CommonName",
    "FirstSubjectAlternativeName",
    "ValidityInDays",
    "CertificateKeyPairOrigin",
}
SPEC_EXPIRED = {
    "CertificateType",
    "CommonName",
    "FirstSubjectAlternativeName",
    "ValidityInDays",
    "CertificateKeyPairOrigin",
    "DomainValidationMethod",
    "CertificateCreatedDate",
    "CertificateExpirationDate",
    "InUse",
    "Exported",
}
SPEC_AVAILABLE = {"Action", "DaysToExpiry"} | SPEC_EXPIRED
SPEC_ACTION_REQUIRED = {
    "CertificateType",
    "CommonName",
    "FirstSubjectAlternativeName",
    "ValidityInDays",
    "CertificateKeyPairOrigin",
    "DomainValidationMethod",
    "RenewalStatusReason",
    "DaysToExpiry",
    "CertificateExpirationDate",
    "InUse",
    "Exported",
}
SPEC_REVOKED = {
    "CertificateType",
    "CommonName",
    "FirstSubjectAlternativeName",
    "ValidityInDays",
    "CertificateKeyPairOrigin",
    "CertificateExpirationDate",
    "Exportable",
}


def cert(**changes: object) -> Certificate:
    base = Certificate(
        id="61f50cd4-45b9-4259-b049-d0a53682fa4b",
        arn=ARN,
        account=ACCOUNT,
        type=CertificateType.PRIVATE,
        status=CertificateStatus.ISSUED,
        domain_name="example.com",
        subject_alternative_names=("example.com", "www.example.com"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signature_algorithm="SHA256WITHECDSA",
        serial="01",
        subject="CN=example.com",
        issuer="CN=CA",
        not_before=datetime(2025, 6, 1, 11, tzinfo=UTC),
        not_after=datetime(2026, 7, 1, 12, tzinfo=UTC),
        created_at=datetime(2025, 6, 1, 12, tzinfo=UTC),
        version=1,
        key_secret_id="s",
        exported_at=datetime(2025, 6, 2, tzinfo=UTC),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def ids() -> Iterator[str]:
    return (f"00000000-0000-4000-8000-{n:012d}" for n in itertools.count(1))


def check_envelope(event: dict[str, Any], *, source: str, detail_type: str) -> None:
    assert list(event) == ENVELOPE_KEYS
    assert event["version"] == "0"
    assert event["source"] == source
    assert event["detail-type"] == detail_type
    assert event["account"] == ACCOUNT
    assert event["region"] == REGION
    assert TIME_RE.match(event["time"])
    assert isinstance(event["resources"], list)
    assert len(event["resources"]) == 1
    assert isinstance(event["detail"], dict)
    assert json.loads(json.dumps(event)) == event


def test_approaching_expiration_has_the_spec_shape() -> None:
    counter = ids()
    event = acm_events.approaching_expiration(
        cert(), now=NOW, region=REGION, new_id=lambda: next(counter)
    )
    check_envelope(event, source="aws.acm", detail_type="ACM Certificate Approaching Expiration")
    assert event["id"] == "00000000-0000-4000-8000-000000000001"
    assert event["time"] == "2026-06-01T18:43:48Z"
    assert event["resources"] == [ARN]
    assert event["detail"] == {
        "DaysToExpiry": 29,
        "CommonName": "example.com",
        "FirstSubjectAlternativeName": "example.com",
        "ValidityInDays": 395,
        "CertificateKeyPairOrigin": "AWS_MANAGED",
    }
    assert set(event["detail"]) == SPEC_APPROACHING


def test_imported_certificates_are_customer_provided() -> None:
    imported = cert(type=CertificateType.IMPORTED, exported_at=None)
    detail = acm_events.approaching_expiration(imported, now=NOW, region=REGION)["detail"]
    assert detail["CertificateKeyPairOrigin"] == "CUSTOMER_PROVIDED"


def test_ids_are_v4_uuids_unless_given() -> None:
    first = acm_events.approaching_expiration(cert(), now=NOW, region=REGION)
    second = acm_events.approaching_expiration(cert(), now=NOW, region=REGION)
    assert UUID4_RE.match(first["id"]) and UUID4_RE.match(second["id"])
    assert first["id"] != second["id"]
    given_id = acm_events.approaching_expiration(cert(), now=NOW, region=REGION, event_id="e-1")
    assert given_id["id"] == "e-1"


def test_expired_of_a_public_certificate_matches_the_spec_example_keys() -> None:
    public = cert(type=CertificateType.AMAZON_ISSUED, in_use_by=("arn:lb",))
    event = acm_events.expired(public, now=NOW, region=REGION)
    check_envelope(event, source="aws.acm", detail_type="ACM Certificate Expired")
    detail = event["detail"]
    assert set(detail) == SPEC_EXPIRED
    assert detail["CertificateType"] == "AMAZON_ISSUED"
    assert detail["DomainValidationMethod"] == "DNS"
    assert detail["CertificateCreatedDate"] == "2025-06-01T12:00:00Z"
    assert detail["CertificateExpirationDate"] == "2026-07-01T12:00:00Z"
    assert detail["InUse"] is True
    assert detail["Exported"] is True
    email = acm_events.expired(
        public, now=NOW, region=REGION, validation_method=ValidationMethod.EMAIL
    )
    assert email["detail"]["DomainValidationMethod"] == "EMAIL"


def test_private_certificates_have_no_domain_validation_method() -> None:
    private = cert(exported_at=None)
    expired = acm_events.expired(private, now=NOW, region=REGION)["detail"]
    assert set(expired) == SPEC_EXPIRED - {"DomainValidationMethod"}
    assert expired["CertificateType"] == "PRIVATE"
    assert expired["InUse"] is False
    assert expired["Exported"] is False
    available = acm_events.available(
        private, action=VersionAction.ISSUANCE, now=NOW, region=REGION
    )["detail"]
    assert set(available) == SPEC_AVAILABLE - {"DomainValidationMethod"}


@pytest.mark.parametrize(
    ("kind", "action", "expected_keys"),
    [
        (CertificateType.AMAZON_ISSUED, VersionAction.ISSUANCE, SPEC_AVAILABLE),
        (
            CertificateType.PRIVATE,
            VersionAction.RENEWAL,
            SPEC_AVAILABLE - {"DomainValidationMethod"},
        ),
        (
            CertificateType.IMPORTED,
            VersionAction.IMPORT,
            SPEC_AVAILABLE - {"DomainValidationMethod"},
        ),
        (
            CertificateType.IMPORTED,
            VersionAction.REIMPORT,
            SPEC_AVAILABLE - {"DomainValidationMethod"},
        ),
    ],
)
def test_available(kind: CertificateType, action: VersionAction, expected_keys: set[str]) -> None:
    event = acm_events.available(cert(type=kind), action=action, now=NOW, region=REGION)
    check_envelope(event, source="aws.acm", detail_type="ACM Certificate Available")
    detail = event["detail"]
    assert set(detail) == expected_keys
    assert list(detail)[:2] == ["Action", "CertificateType"]
    assert detail["Action"] == action.value
    assert detail["CertificateType"] == kind.value
    assert detail["DaysToExpiry"] == 29
    assert isinstance(detail["DaysToExpiry"], int)


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (CertificateType.PRIVATE, VersionAction.IMPORT),
        (CertificateType.AMAZON_ISSUED, VersionAction.REIMPORT),
        (CertificateType.IMPORTED, VersionAction.RENEWAL),
        (CertificateType.IMPORTED, VersionAction.ISSUANCE),
    ],
)
def test_available_refuses_an_action_that_does_not_fit(
    kind: CertificateType, action: VersionAction
) -> None:
    with pytest.raises(ValueError, match="is not made by"):
        acm_events.available(cert(type=kind), action=action, now=NOW, region=REGION)


def test_renewal_action_required() -> None:
    event = acm_events.renewal_action_required(
        cert(), reason=FailureReason.PCA_ACCESS_DENIED, now=NOW, region=REGION
    )
    check_envelope(event, source="aws.acm", detail_type="ACM Certificate Renewal Action Required")
    detail = event["detail"]
    # The schema registry adds CertificateCreatedDate to the documented example.
    expected = (SPEC_ACTION_REQUIRED - {"DomainValidationMethod"}) | {"CertificateCreatedDate"}
    assert set(detail) == expected
    assert detail["RenewalStatusReason"] == "PCA_ACCESS_DENIED"
    assert detail["DaysToExpiry"] == 29
    public = acm_events.renewal_action_required(
        cert(type=CertificateType.AMAZON_ISSUED),
        reason=FailureReason.CAA_ERROR,
        now=NOW,
        region=REGION,
    )
    assert set(public["detail"]) == SPEC_ACTION_REQUIRED | {"CertificateCreatedDate"}


def test_revoked() -> None:
    event = acm_events.revoked(cert(status=CertificateStatus.REVOKED), now=NOW, region=REGION)
    check_envelope(event, source="aws.acm", detail_type="ACM Certificate Revoked")
    assert set(event["detail"]) == SPEC_REVOKED
    assert event["detail"]["Exportable"] is True
    public = cert(type=CertificateType.AMAZON_ISSUED, status=CertificateStatus.REVOKED)
    assert acm_events.revoked(public, now=NOW, region=REGION)["detail"]["Exportable"] is True
    never_exported = replace(public, exported_at=None)
    assert (
        acm_events.revoked(never_exported, now=NOW, region=REGION)["detail"]["Exportable"] is False
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda c: acm_events.expired(c, now=NOW, region=REGION),
        lambda c: acm_events.revoked(c, now=NOW, region=REGION),
        lambda c: acm_events.renewal_action_required(
            c, reason=FailureReason.OTHER, now=NOW, region=REGION
        ),
    ],
)
def test_acm_sends_no_such_event_for_imported_certificates(build: Any) -> None:
    with pytest.raises(ValueError, match="imported"):
        build(cert(type=CertificateType.IMPORTED))


def test_first_subject_alternative_name_falls_back_to_the_domain_name() -> None:
    bare = cert(type=CertificateType.IMPORTED, subject_alternative_names=())
    detail = acm_events.approaching_expiration(bare, now=NOW, region=REGION)["detail"]
    assert detail["FirstSubjectAlternativeName"] == "example.com"


def test_format_time() -> None:
    assert acm_events.format_time(NOW) == "2026-06-01T18:43:48Z"
    plus_two = timezone(timedelta(hours=2))
    assert acm_events.format_time(datetime(2026, 1, 1, 1, tzinfo=plus_two)) == (
        "2025-12-31T23:00:00Z"
    )
    with pytest.raises(ValueError, match="naive"):
        acm_events.format_time(datetime(2026, 1, 1))


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    left=st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)),
)
def test_days_to_expiry_and_time_for_any_instant(now: datetime, left: timedelta) -> None:
    event = acm_events.approaching_expiration(
        cert(not_after=now + left), now=now, region=REGION, event_id="e"
    )
    assert event["detail"]["DaysToExpiry"] == left.days
    parsed = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert parsed == now.replace(microsecond=0)


def authority(**changes: object) -> CertificateAuthority:
    base = CertificateAuthority(
        id="ca-1",
        arn=f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/ca-1",
        account=ACCOUNT,
        type=AuthorityType.ROOT,
        status=AuthorityStatus.ACTIVE,
        subject=Subject(common_name="Example Root", organization="Example"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        key_secret_id="s",
        csr_pem="",
        created_at=NOW - timedelta(days=3000),
        last_state_change_at=NOW - timedelta(days=3000),
        not_before=NOW - timedelta(days=3000),
        not_after=NOW + timedelta(days=60, hours=3),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_imported_certificate_expired_mirrors_acm_expired() -> None:
    imported = cert(type=CertificateType.IMPORTED, exported_at=None, not_after=NOW)
    event = certherd_events.imported_expired(imported, now=NOW, region=REGION)
    check_envelope(event, source="certherd", detail_type="Imported Certificate Expired")
    detail = event["detail"]
    assert set(detail) == SPEC_EXPIRED - {"DomainValidationMethod"}
    assert detail["CertificateType"] == "IMPORTED"
    assert detail["CertificateKeyPairOrigin"] == "CUSTOMER_PROVIDED"
    assert detail["Exported"] is False
    with pytest.raises(ValueError, match="ACM's own event"):
        certherd_events.imported_expired(cert(), now=NOW, region=REGION)


def test_authority_approaching_expiration() -> None:
    ca = authority()
    event = certherd_events.authority_approaching_expiration(ca, now=NOW, region=REGION)
    check_envelope(
        event, source="certherd", detail_type="Certificate Authority Approaching Expiration"
    )
    assert event["resources"] == [ca.arn]
    assert event["detail"] == {
        "DaysToExpiry": 60,
        "CertificateAuthorityArn": ca.arn,
        "Type": "ROOT",
        "CommonName": "Example Root",
        "NotAfter": "2026-07-31T21:43:48Z",
    }
    unnamed = authority(subject=Subject(organization="Example"))
    detail = certherd_events.authority_approaching_expiration(unnamed, now=NOW, region=REGION)
    assert detail["detail"]["CommonName"] == ""
    with pytest.raises(ValueError, match="no certificate"):
        certherd_events.authority_approaching_expiration(
            authority(not_after=None, status=AuthorityStatus.PENDING_CERTIFICATE),
            now=NOW,
            region=REGION,
        )


def test_delivery_dead_lettered() -> None:
    rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/expiring"
    target = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    common: dict[str, Any] = {
        "account": ACCOUNT,
        "region": REGION,
        "rule_arn": rule,
        "target_arn": target,
        "failed_event_id": "e-1",
        "error_code": "NO_RESOURCE",
        "error_message": "The topic does not exist.",
        "now": NOW,
    }
    event = certherd_events.delivery_dead_lettered(retry_attempts=0, **common)
    check_envelope(event, source="certherd", detail_type="Event Delivery Dead-Lettered")
    assert event["resources"] == [rule]
    assert event["detail"] == {
        "RuleArn": rule,
        "TargetArn": target,
        "EventId": "e-1",
        "ErrorCode": "NO_RESOURCE",
        "ErrorMessage": "The topic does not exist.",
        "RetryAttempts": 0,
    }
    exhausted = certherd_events.delivery_dead_lettered(
        retry_attempts=185, exhausted_retry_condition="MaximumRetryAttempts", **common
    )
    assert exhausted["detail"]["ExhaustedRetryCondition"] == "MaximumRetryAttempts"
    assert exhausted["detail"]["RetryAttempts"] == 185


def test_samples_cover_every_detail_type_with_the_builders_shapes() -> None:
    counter = ids()
    samples = sample_events(now=NOW, region=REGION, account=ACCOUNT, new_id=lambda: next(counter))
    expected = [t.value for t in AcmDetailType] + [t.value for t in CertherdDetailType]
    assert list(samples) == expected
    for detail_type, event in samples.items():
        source = "aws.acm" if detail_type.startswith("ACM ") else "certherd"
        check_envelope(event, source=source, detail_type=detail_type)
    assert set(samples["ACM Certificate Approaching Expiration"]["detail"]) == SPEC_APPROACHING
    assert set(samples["ACM Certificate Revoked"]["detail"]) == SPEC_REVOKED
    assert samples["ACM Certificate Expired"]["detail"]["ValidityInDays"] == 395
    assert len({event["id"] for event in samples.values()}) == len(samples)


@pytest.mark.parametrize(
    ("pattern", "detail_type"),
    [
        (
            {
                "source": ["aws.acm"],
                "detail-type": ["ACM Certificate Approaching Expiration"],
                "detail": {"DaysToExpiry": [{"numeric": ["<=", 31]}]},
            },
            "ACM Certificate Approaching Expiration",
        ),
        (
            {
                "source": ["aws.acm"],
                "detail-type": ["ACM Certificate Renewal Action Required"],
                "detail": {"RenewalStatusReason": [{"prefix": "PCA_"}]},
            },
            "ACM Certificate Renewal Action Required",
        ),
        (
            {"source": ["certherd"], "detail": {"CertificateType": ["IMPORTED"]}},
            "Imported Certificate Expired",
        ),
    ],
)
def test_patterns_written_for_aws_match_the_samples(
    pattern: dict[str, Any], detail_type: str
) -> None:
    samples = sample_events(now=NOW, region=REGION)
    assert compile_pattern(pattern).matches(samples[detail_type])


def test_the_renewal_rule_of_the_spec_matches_a_renewal() -> None:
    rule = compile_pattern(
        {
            "source": ["aws.acm"],
            "detail-type": ["ACM Certificate Available"],
            "detail": {"Action": ["RENEWAL"]},
        }
    )
    renewal = acm_events.available(cert(), action=VersionAction.RENEWAL, now=NOW, region=REGION)
    issuance = acm_events.available(cert(), action=VersionAction.ISSUANCE, now=NOW, region=REGION)
    assert rule.matches(renewal)
    assert not rule.matches(issuance)
