"""Findings on SQLite and PostgreSQL: rules send lifecycle events to the account's hub; one
finding per (kind of event, certificate), updated rather than duplicated, and resolved when
the certificate is renewed, re-imported or deleted."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from certherd.bootstrap import Container
from certherd.domain.authority import CertificateAuthority
from certherd.domain.clock import FixedClock
from certherd.domain.findings import Finding, RecordState, SeverityLabel, WorkflowStatus
from certherd.domain.invocations import InvocationState
from certherd.errors import NotFoundError, ValidationError
from certherd.pki.keys import KeyAlgorithm
from certherd.services.finding_ports import FindingFilter

sys.path.insert(0, str(Path(__file__).parent))
from test_imports import make_bundle

DAY = timedelta(days=1)
EXPIRED = ["ACM Certificate Expired", "Imported Certificate Expired"]


def hub_rule(container: Container, account: str, detail_types: list[str], **target: object) -> None:
    pattern = {"source": ["aws.acm", "certherd"], "detail-type": detail_types}
    container.rules.put_rule(account=account, name="findings", event_pattern=json.dumps(pattern))
    failed = container.rules.put_targets(
        account=account,
        rule="findings",
        targets=[{"Id": "hub", "Arn": container.arns.security_hub(account), **target}],
    )
    assert not failed


def run_days(container: Container, clock: FixedClock, days: int) -> None:
    for _ in range(days):
        container.lifecycle.tick()
        drain(container, clock)
        clock.advance(DAY)


def drain(container: Container, clock: FixedClock) -> None:
    for _ in range(3):
        container.router.route_all(clock.now())
        container.delivery.deliver_due(clock.now())


def findings(container: Container, account: str, **where: object) -> list[Finding]:
    page = container.findings.list_findings(account=account, where=FindingFilter(**where))  # type: ignore[arg-type]
    return page.findings


def test_an_expired_imported_certificate_raises_a_new_finding_that_reimport_resolves(
    container: Container, account: str, clock: FixedClock
) -> None:
    hub_rule(container, account, EXPIRED)
    bundle = make_bundle(clock.now(), 5)
    arn = container.certificates.import_certificate(
        account=account, certificate=bundle.certificate, private_key=bundle.key, chain=bundle.chain
    )
    run_days(container, clock, 7)

    [finding] = findings(container, account)
    assert (finding.workflow_status, finding.record_state) == (
        WorkflowStatus.NEW,
        RecordState.ACTIVE,
    )
    assert finding.generator_id == "certherd/imported-certificate-expired"
    assert finding.severity is SeverityLabel.HIGH
    document = container.findings.document(finding)
    assert document["SchemaVersion"] == "2018-10-08"
    assert document["ProductArn"] == (
        f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default"
    )
    assert document["AwsAccountId"] == account
    assert document["Workflow"] == {"Status": "NEW"}
    assert document["Severity"] == {"Label": "HIGH", "Normalized": 70}
    [resource] = document["Resources"]
    assert (resource["Type"], resource["Id"]) == ("AwsCertificateManagerCertificate", arn)
    details = resource["Details"]["AwsCertificateManagerCertificate"]
    assert details["DomainName"] == "imported.example"
    assert details["Status"] == "EXPIRED"

    fresh = make_bundle(clock.now(), 90)
    container.certificates.import_certificate(
        account=account,
        certificate=fresh.certificate,
        private_key=fresh.key,
        chain=fresh.chain,
        arn=arn,
    )
    resolved = container.findings.get(account=account, finding_id=finding.id)
    assert resolved.workflow_status is WorkflowStatus.RESOLVED
    assert resolved.record_state is RecordState.ACTIVE
    assert resolved.note is not None and "re-imported" in resolved.note.text
    assert container.findings.export(account=account)["Findings"][0]["Workflow"] == {
        "Status": "RESOLVED"
    }


def test_failed_renewals_update_one_finding_and_the_renewal_resolves_it(
    container: Container, account: str, clock: FixedClock, issuing_ca: CertificateAuthority
) -> None:
    hub_rule(container, account, ["ACM Certificate Renewal Action Required"])
    arn = container.certificates.request(
        account=account,
        domain_name="svc.example.internal",
        authority_arn=issuing_ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        validity_days=100,
    )
    container.certificates.export(account=account, arn=arn, passphrase=b"correct horse")
    container.authorities.delete_permission(account=account, arn=issuing_ca.arn)
    run_days(container, clock, 56)  # day 55: the 45-day attempt failed
    [first] = findings(container, account)
    assert first.severity is SeverityLabel.MEDIUM
    run_days(container, clock, 15)  # day 70: the 30-day attempt failed too
    [second] = findings(container, account)
    assert second.id == first.id
    assert second.severity is SeverityLabel.HIGH
    assert second.last_observed_at > first.last_observed_at
    assert second.first_observed_at == first.first_observed_at
    assert "30 day(s)" in second.body["Description"]

    container.authorities.create_permission(account=account, arn=issuing_ca.arn)
    container.certificates.renew(account=account, arn=arn)
    [resolved] = findings(container, account)
    assert resolved.workflow_status is WorkflowStatus.RESOLVED
    assert resolved.note is not None and "renewed" in resolved.note.text
    # Replaying what was seen before the renewal does not reopen it.
    before = container.findings.document(resolved)
    with container.uow() as uow:
        event = {
            "version": "0",
            "id": "replayed",
            "detail-type": "ACM Certificate Renewal Action Required",
            "source": "aws.acm",
            "account": account,
            "time": "2026-02-25T00:00:00Z",
            "region": "us-east-1",
            "resources": [arn],
            "detail": {"DaysToExpiry": 30, "CertificateExpirationDate": "2026-04-11T00:00:00Z"},
        }
        container.findings.import_in(
            uow, account=account, payload=json.dumps(event), now=clock.now()
        )
        uow.commit()
    [after] = findings(container, account)
    assert container.findings.document(after) == before


def test_deleting_the_certificate_resolves_and_archives_its_findings(
    container: Container, account: str, clock: FixedClock, issuing_ca: CertificateAuthority
) -> None:
    hub_rule(container, account, EXPIRED)
    arn = container.certificates.request(
        account=account,
        domain_name="gone.example.internal",
        authority_arn=issuing_ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        validity_days=3,
    )
    run_days(container, clock, 5)
    [finding] = findings(container, account, resource_arn=arn)
    assert finding.generator_id == "certherd/acm-certificate-expired"
    assert finding.workflow_status is WorkflowStatus.NEW
    container.certificates.delete(account=account, arn=arn)
    [gone] = findings(container, account)
    assert (gone.workflow_status, gone.record_state) == (
        WorkflowStatus.RESOLVED,
        RecordState.ARCHIVED,
    )
    assert findings(container, account, record_state=RecordState.ACTIVE) == []


def test_triage_filters_and_pages(container: Container, account: str, clock: FixedClock) -> None:
    hub_rule(container, account, EXPIRED)
    arns = []
    for days in (2, 3, 4):
        bundle = make_bundle(clock.now(), days, name=f"s{days}.example")
        arns.append(
            container.certificates.import_certificate(
                account=account,
                certificate=bundle.certificate,
                private_key=bundle.key,
                chain=bundle.chain,
            )
        )
    run_days(container, clock, 6)
    every = findings(container, account)
    assert len(every) == 3
    first = container.findings.list_findings(account=account, max_items=2)
    assert first.next_token is not None
    rest = container.findings.list_findings(
        account=account, max_items=2, next_token=first.next_token
    )
    assert [f.id for f in first.findings + rest.findings] == [f.id for f in every]
    assert rest.next_token is None

    [suppressed] = container.findings.update_workflow(
        account=account,
        finding_ids=[container.findings.document(every[0])["Id"]],
        status=WorkflowStatus.SUPPRESSED,
        note="test host, expected",
        updated_by="alice",
    )
    assert suppressed.note is not None and suppressed.note.updated_by == "alice"
    assert [f.id for f in findings(container, account, workflow_status=WorkflowStatus.NEW)] == [
        f.id for f in every[1:]
    ]
    # Suppressed findings stay suppressed when the certificate goes.
    container.certificates.delete(account=account, arn=suppressed.resource_arn)
    kept = container.findings.get(account=account, finding_id=suppressed.id)
    assert (kept.workflow_status, kept.record_state) == (
        WorkflowStatus.SUPPRESSED,
        RecordState.ARCHIVED,
    )
    with pytest.raises(NotFoundError):
        container.findings.get(account=account, finding_id="not-a-finding")
    with pytest.raises(ValidationError) as raised:
        container.findings.update_workflow(
            account=account, finding_ids=[suppressed.id], status=WorkflowStatus.NEW, note=""
        )
    assert raised.value.field == "Note.Text"


def test_a_transformed_payload_or_another_accounts_hub_fails_the_invocation(
    container: Container, account: str, clock: FixedClock
) -> None:
    hub_rule(container, account, EXPIRED, InputPath="$.detail")
    bundle = make_bundle(clock.now(), 2)
    container.certificates.import_certificate(
        account=account, certificate=bundle.certificate, private_key=bundle.key, chain=bundle.chain
    )
    run_days(container, clock, 4)
    assert findings(container, account) == []
    [invocation] = container.delivery.list_invocations(account=account).invocations
    assert invocation.state is InvocationState.FAILED
    assert invocation.last_error_code == "INVALID_PARAMETER"
