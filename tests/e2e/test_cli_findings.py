"""Acceptance: an expired certificate raises a finding that is NEW; renewing resolves it.

On a running server on simulated time, driven by the CLI: a rule on
``Imported Certificate Expired`` targets the account's findings hub; an imported certificate
valid for 3 days expires during ``certherd lifecycle run``; ``certherd findings list`` shows
one NEW finding about it in ASFF; re-importing a fresh certificate over it (how an imported
certificate is renewed) makes it RESOLVED, and the export says so.

It runs on SQLite only: what it stores is covered on both databases by the service
tests, and a server on PostgreSQL adds minutes to the suite, not coverage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from e2e_support import cli, cli_json, running_server
from test_cli_lifecycle_events import write_bundle

START = datetime(2026, 3, 1, tzinfo=UTC)
PATTERN = {"source": ["certherd"], "detail-type": ["Imported Certificate Expired"]}


def test_an_expired_certificate_raises_a_new_finding_that_renewal_resolves(
    tmp_path: Path, sqlite_url: str
) -> None:
    with running_server(tmp_path, sqlite_url, "--now", "2026-03-01T00:00:00Z") as server:
        first = tmp_path / "first"
        first.mkdir()
        cert, key, chain = write_bundle(first, not_before=START, days=3)
        arn = cli_json(
            server, "cert", "import", "--certificate", str(cert), "--private-key", str(key),
            "--chain", str(chain),
        )["CertificateArn"]  # fmt: skip
        account = arn.split(":")[4]
        hub = f"arn:aws:securityhub:us-east-1:{account}:hub/default"
        cli(server, "rule", "create", "expired", "--pattern", json.dumps(PATTERN))
        cli(server, "rule", "target", "add", "expired", "--id", "hub", "--arn", hub)

        cli(server, "lifecycle", "run", "--until", "2026-03-06")

        [finding] = cli_json(server, "findings", "list", "--resource", arn)["Findings"]
        assert finding["Workflow"] == {"Status": "NEW"}
        assert finding["RecordState"] == "ACTIVE"
        assert finding["SchemaVersion"] == "2018-10-08"
        assert finding["ProductArn"] == (
            f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default"
        )
        assert finding["Severity"]["Label"] == "HIGH"
        assert finding["Resources"][0]["Id"] == arn
        assert finding["Resources"][0]["Type"] == "AwsCertificateManagerCertificate"
        table = cli(server, "findings", "list", "--status", "NEW").stdout
        assert "HIGH" in table and "NEW" in table

        renewed = tmp_path / "renewed"
        renewed.mkdir()
        cert, key, chain = write_bundle(
            renewed, not_before=datetime(2026, 3, 6, tzinfo=UTC), days=90
        )
        cli(
            server, "cert", "import", "--arn", arn, "--certificate", str(cert),
            "--private-key", str(key), "--chain", str(chain),
        )  # fmt: skip

        described = cli_json(server, "findings", "describe", finding["Id"])
        assert described["Workflow"] == {"Status": "RESOLVED"}
        assert described["Id"] == finding["Id"]
        exported = tmp_path / "findings.json"
        cli(server, "findings", "export", "--output-file", str(exported))
        [document] = json.loads(exported.read_text())["Findings"]
        assert document["Workflow"] == {"Status": "RESOLVED"}
        assert "re-imported" in document["Note"]["Text"]
        assert cli_json(server, "findings", "list", "--status", "NEW")["Findings"] == []
