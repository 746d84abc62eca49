"""``certherd findings``: the filters sent, the table shown, export to a file, updates."""

from __future__ import annotations

import json
from pathlib import Path

from clitest_support import FakeApi
from typer.testing import CliRunner

from certherd.entrypoints.cli.main import app

runner = CliRunner()
ACCOUNT = "111122223333"
FINDING_ID = "0b0e7c1e-4a55-5d2f-9d11-2b7e0c9a6f10"
ASFF_ID = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/{FINDING_ID}"
CERT_ARN = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/5b1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
FINDING = {
    "SchemaVersion": "2018-10-08",
    "Id": ASFF_ID,
    "GeneratorId": "certherd/acm-certificate-expired",
    "Title": "Certificate for shop.example.com has expired",
    "Severity": {"Label": "HIGH", "Normalized": 70},
    "Workflow": {"Status": "NEW"},
    "RecordState": "ACTIVE",
    "UpdatedAt": "2026-01-01T00:00:00Z",
    "Resources": [{"Type": "AwsCertificateManagerCertificate", "Id": CERT_ARN}],
}


def test_list_sends_the_filters_follows_pages_and_shows_a_table(fake_api: FakeApi) -> None:
    fake_api.answer(
        "GET",
        "/v1/findings",
        {"Findings": [FINDING], "NextToken": "t1"},
        {"Findings": [FINDING], "NextToken": None},
    )
    result = runner.invoke(
        app, ["findings", "list", "--status", "new", "--severity", "HIGH", "--resource", CERT_ARN]
    )
    assert result.exit_code == 0, result.output
    first, second = fake_api.calls
    assert first.params == {
        "WorkflowStatus": "NEW",
        "SeverityLabel": "HIGH",
        "ResourceId": CERT_ARN,
    }
    assert second.params["NextToken"] == "t1"
    assert FINDING_ID in result.output and "HIGH" in result.output and "NEW" in result.output


def test_describe_takes_an_asff_id(fake_api: FakeApi) -> None:
    fake_api.answer("GET", f"/v1/findings/{FINDING_ID}", FINDING)
    result = runner.invoke(app, ["findings", "describe", ASFF_ID, "--output", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == FINDING


def test_export_writes_the_asff_document(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.answer("GET", "/v1/findings/export", {"Findings": [FINDING]})
    target = tmp_path / "findings.json"
    result = runner.invoke(
        app, ["findings", "export", "--output-file", str(target), "--status", "RESOLVED"]
    )
    assert result.exit_code == 0, result.output
    assert fake_api.only.params == {"WorkflowStatus": "RESOLVED"}
    assert json.loads(target.read_text()) == {"Findings": [FINDING]}
    assert "exported 1 finding(s)" in result.output


def test_update_sends_the_workflow_status_and_note(fake_api: FakeApi) -> None:
    fake_api.answer("PATCH", f"/v1/findings/{FINDING_ID}", FINDING)
    result = runner.invoke(
        app,
        ["findings", "update", FINDING_ID, "--status", "suppressed", "--note", "lab host"],
    )
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {
        "Workflow": {"Status": "SUPPRESSED"},
        "Note": {"Text": "lab host"},
    }
    assert "SUPPRESSED" in result.output


def test_update_refuses_an_unknown_status_without_calling(fake_api: FakeApi) -> None:
    result = runner.invoke(app, ["findings", "update", FINDING_ID, "--status", "FIXED"])
    assert result.exit_code == 2
    assert fake_api.calls == []


def test_a_problem_from_the_server_is_shown_with_its_field(fake_api: FakeApi) -> None:
    problem = {"status": 400, "title": "ValidationError", "detail": "Note.Text: too long"}
    fake_api.answer("PATCH", f"/v1/findings/{FINDING_ID}", problem, status=400)
    result = runner.invoke(
        app, ["findings", "update", FINDING_ID, "--status", "NEW", "--note", "x" * 600]
    )
    assert result.exit_code != 0
    assert "Note.Text" in result.output
