"""Findings from events (generators, severities, ASFF fields) and their workflow, with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from certherd.domain.finding_events import (
    generator_of,
    is_remedy,
    observations,
    parse_event,
)
from certherd.domain.findings import (
    Observation,
    RecordState,
    SeverityLabel,
    WorkflowStatus,
    asff_document,
    finding_id,
    observe,
    resolve,
)
from certherd.errors import ValidationError

ACCOUNT = "123456789012"
CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/5b1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
CA = f"arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/7b1c2a9e-8d4b-4c55-9d11"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(source: str, detail_type: str, detail: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "e-1",
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [CERT],
        "detail": detail,
        **extra,
    }


def observed(envelope: dict[str, Any]) -> Observation:
    [one] = observations(parse_event(envelope), certificates={}, rule_arn=None, now=T0)
    return one


@pytest.mark.parametrize(
    ("source", "detail_type", "detail", "generator", "severity"),
    [
        (
            "aws.acm",
            "ACM Certificate Expired",
            {"InUse": True},
            "acm-certificate-expired",
            "CRITICAL",
        ),
        ("aws.acm", "ACM Certificate Expired", {"InUse": False}, "acm-certificate-expired", "HIGH"),
        ("certherd", "Imported Certificate Expired", {}, "imported-certificate-expired", "HIGH"),
        ("aws.acm", "ACM Certificate Revoked", {}, "acm-certificate-revoked", "HIGH"),
        (
            "aws.acm",
            "ACM Certificate Renewal Action Required",
            {"DaysToExpiry": 3},
            "acm-certificate-renewal-action-required",
            "CRITICAL",
        ),
        (
            "aws.acm",
            "ACM Certificate Renewal Action Required",
            {"DaysToExpiry": 45},
            "acm-certificate-renewal-action-required",
            "MEDIUM",
        ),
        (
            "aws.acm",
            "ACM Certificate Approaching Expiration",
            {"DaysToExpiry": 45},
            "acm-certificate-approaching-expiration",
            "LOW",
        ),
        (
            "aws.acm",
            "ACM Certificate Approaching Expiration",
            {"DaysToExpiry": 5},
            "acm-certificate-approaching-expiration",
            "HIGH",
        ),
        ("my.app", "Disk Full", {}, "my-app/disk-full", "INFORMATIONAL"),
    ],
)
def test_each_kind_of_event_has_its_generator_and_severity(
    source: str, detail_type: str, detail: dict[str, Any], generator: str, severity: str
) -> None:
    found = observed(event(source, detail_type, {"CommonName": "shop.example.com", **detail}))
    assert found.generator_id == f"certherd/{generator}"
    assert found.severity is SeverityLabel(severity)
    assert found.body["Severity"]["Label"] == severity
    assert found.resource_arn == CERT
    [resource] = found.body["Resources"]
    assert resource["Type"] == "AwsCertificateManagerCertificate"
    assert (
        resource["Details"]["AwsCertificateManagerCertificate"]["DomainName"] == "shop.example.com"
    )
    assert (resource["Partition"], resource["Region"]) == ("aws", "us-east-1")


def test_a_ca_event_is_about_the_ca_and_an_event_without_resources_about_the_account() -> None:
    ca = observed(
        event(
            "certherd",
            "Certificate Authority Approaching Expiration",
            {"DaysToExpiry": 20, "CommonName": "Root"},
            resources=[CA],
        )
    )
    assert ca.severity is SeverityLabel.HIGH
    assert ca.body["Resources"][0]["Type"] == "Other"
    bare = observed(event("my.app", "Hello", {}, resources=[]))
    assert bare.resource_arn == f"AWS::::Account:{ACCOUNT}"
    assert bare.body["Resources"] == [{"Type": "AwsAccount", "Id": bare.resource_arn}]


def test_available_is_a_remedy_and_transformed_input_is_refused() -> None:
    assert is_remedy(parse_event(event("aws.acm", "ACM Certificate Available", {})))
    assert generator_of(parse_event(event("aws.acm", "ACM Certificate Expired", {})))
    for bad in ({"DaysToExpiry": 3}, [], {**event("a", "b", {}), "time": "yesterday"}):
        with pytest.raises(ValidationError) as raised:
            parse_event(bad)
        assert raised.value.field == "Event"


def test_one_finding_per_generator_and_resource_updated_then_resolved_then_reopened() -> None:
    first = observed(
        event("aws.acm", "ACM Certificate Approaching Expiration", {"DaysToExpiry": 45})
    )
    made = observe(None, first, account=ACCOUNT, now=T0)
    assert made is not None
    assert made.id == finding_id(ACCOUNT, first.generator_id, CERT)
    assert (made.workflow_status, made.record_state) == (WorkflowStatus.NEW, RecordState.ACTIVE)
    later = Observation(
        first.generator_id, CERT, SeverityLabel.HIGH, "t", first.body, T0 + timedelta(days=40)
    )
    updated = observe(made, later, account=ACCOUNT, now=T0 + timedelta(days=40))
    assert updated is not None and updated.id == made.id
    assert updated.first_observed_at == T0 and updated.last_observed_at == later.observed_at
    assert observe(updated, later, account=ACCOUNT, now=T0 + timedelta(days=41)) is None

    resolved = resolve(updated, reason="renewed", now=T0 + timedelta(days=42), archive=False)
    assert resolved is not None and resolved.workflow_status is WorkflowStatus.RESOLVED
    assert resolve(resolved, reason="again", now=T0 + timedelta(days=43), archive=False) is None
    stale = Observation(
        first.generator_id, CERT, SeverityLabel.HIGH, "t", first.body, T0 + timedelta(days=41)
    )
    assert observe(resolved, stale, account=ACCOUNT, now=T0 + timedelta(days=44)) is None
    fresh = Observation(
        first.generator_id, CERT, SeverityLabel.LOW, "t", first.body, T0 + timedelta(days=400)
    )
    reopened = observe(resolved, fresh, account=ACCOUNT, now=T0 + timedelta(days=400))
    assert reopened is not None and reopened.workflow_status is WorkflowStatus.NEW


def test_the_asff_document_has_the_required_attributes() -> None:
    made = observe(
        None, observed(event("aws.acm", "ACM Certificate Expired", {})), account=ACCOUNT, now=T0
    )
    assert made is not None
    document = asff_document(made, partition="aws", region="us-east-1")
    required = {
        "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types",
        "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources",
    }  # fmt: skip
    assert required <= document.keys()
    assert document["Id"] == f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/{made.id}"
    assert document["CreatedAt"] == "2026-01-01T00:00:00Z"
    assert document["Workflow"] == {"Status": "NEW"} and document["RecordState"] == "ACTIVE"
    assert "Effects/Denial of Service" in document["Types"]
    assert document["Remediation"]["Recommendation"]["Text"]
