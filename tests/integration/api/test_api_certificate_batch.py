"""``POST /v1/certificates/batch``: many private certificates in one call, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from apitest_support import Api, assert_problem
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli import state
from certherd.entrypoints.cli.client import ApiClient
from certherd.entrypoints.cli.connection import Connection
from certherd.entrypoints.cli.main import app as cli_app

BATCH = "/v1/certificates/batch"


def _entry(ca_arn: str, domain: str, **extra: Any) -> dict[str, Any]:
    return {
        "DomainName": domain,
        "KeyAlgorithm": "EC_prime256v1",
        "CertificateAuthorityArn": ca_arn,
        **extra,
    }


def test_a_batch_answers_the_arns_in_order(api: Api, root: dict[str, Any]) -> None:
    response = api.post(
        BATCH,
        json={
            "Entries": [
                _entry(root["Arn"], "a.example.com", Tags=[{"Key": "fleet", "Value": "a"}]),
                _entry(
                    root["Arn"],
                    "b.example.com",
                    SubjectAlternativeNames=["c.example.com"],
                    KeyAlgorithm="EC_secp384r1",
                    ValidityInDays=30,
                    IdempotencyToken="fleet_b",
                ),
                _entry(root["Arn"], "b-again.example.com", IdempotencyToken="fleet_b"),
            ]
        },
    )
    assert response.status_code == 201, response.text
    arns = response.json()["CertificateArns"]
    assert len(arns) == 3 and arns[1] == arns[2] and arns[0] != arns[1]
    first, second = api.describe(arns[0]), api.describe(arns[1])
    assert first["DomainName"] == "a.example.com"
    assert first["Tags"] == [{"Key": "fleet", "Value": "a"}]
    assert second["SubjectAlternativeNames"] == ["b.example.com", "c.example.com"]
    assert second["KeyAlgorithm"] == "EC_secp384r1"
    assert second["DaysToExpiry"] == 30
    assert api.count() == 2


def test_an_invalid_entry_is_a_problem_naming_it_and_nothing_is_issued(
    api: Api, root: dict[str, Any]
) -> None:
    entries = [_entry(root["Arn"], f"h{i}.example.com") for i in range(3)]
    entries[1]["DomainName"] = "bad name"
    body = assert_problem(api.post(BATCH, json={"Entries": entries}), 400, "Entries[1].DomainName")
    assert body["code"] == "ValidationError"
    assert body["detail"].startswith("Entries[1].DomainName: ")
    entries[1] = _entry(root["Arn"], "ok.example.com", KeyAlgorithm="RSA_1024")
    assert_problem(api.post(BATCH, json={"Entries": entries}), 400, "Entries[1].KeyAlgorithm")
    entries[1] = _entry(root["Arn"], "ok.example.com", Unknown=1)
    assert_problem(api.post(BATCH, json={"Entries": entries}), 400, "Entries[1].Unknown")
    assert api.count() == 0


def test_a_ca_that_cannot_issue_fails_the_whole_batch(api: Api, root: dict[str, Any]) -> None:
    other = api.root_ca("Other Root")
    response = api.patch(f"/v1/certificate-authorities/{other['Id']}", json={"Status": "DISABLED"})
    assert response.status_code == 200, response.text
    entries = [
        _entry(root["Arn"], "one.example.com"),
        _entry(other["Arn"], "two.example.com"),
        _entry(root["Arn"], "three.example.com"),
    ]
    body = assert_problem(
        api.post(BATCH, json={"Entries": entries}), 409, "Entries[1].CertificateAuthorityArn"
    )
    assert body["code"] == "InvalidState"
    assert api.count() == 0


def test_batch_size_limits(api: Api, root: dict[str, Any]) -> None:
    body = assert_problem(api.post(BATCH, json={"Entries": []}), 400, "Entries")
    assert body["code"] == "ValidationError"
    too_many = [_entry(root["Arn"], f"h{i}.example.com") for i in range(1001)]
    body = assert_problem(api.post(BATCH, json={"Entries": too_many}), 400, "Entries")
    assert body["code"] == "LimitExceeded"
    assert_problem(api.post(BATCH, json={}), 400, "Entries")
    assert api.count() == 0


def test_a_batch_needs_a_token(api: Api, root: dict[str, Any]) -> None:
    response = api.client.post(BATCH, json={"Entries": [_entry(root["Arn"], "a.example.com")]})
    assert_problem(response, 401)


# -- the CLI command over this API --------------------------------------------------------


def _cli(api: Api, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """``certherd ARGS`` with its HTTP requests answered by the app under test."""
    transport = api.client._transport  # the TestClient's in-process transport

    def client(connection: Connection, *, account: str | None = None) -> ApiClient:
        return ApiClient(connection, account=account, transport=transport)

    monkeypatch.setattr(state, "ApiClient", client)
    env = {"CERTHERD_URL": "http://certherd.test:8600", "CERTHERD_TOKEN": api.token}
    return CliRunner().invoke(cli_app, list(args), env=env)


def test_cert_request_batch_through_the_cli(
    api: Api, root: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "fleet.json"
    file.write_text(
        json.dumps(
            [
                {"DomainName": "a.example.com", "KeyAlgorithm": "EC_prime256v1"},
                _entry(root["Id"], "b.example.com", Tags=[{"Key": "fleet", "Value": "b"}]),
            ]
        )
    )
    result = _cli(
        api, monkeypatch, "cert", "request-batch", "--file", str(file), "--ca", root["Arn"]
    )
    assert result.exit_code == 0, result.output
    arns = result.stdout.split()
    assert len(arns) == 2
    assert [api.describe(arn)["DomainName"] for arn in arns] == ["a.example.com", "b.example.com"]
    assert api.describe(arns[1])["Tags"] == [{"Key": "fleet", "Value": "b"}]

    file.write_text(json.dumps({"Entries": [{"DomainName": "c.example.com"}]}))
    result = _cli(api, monkeypatch, "cert", "request-batch", "--file", str(file))
    assert result.exit_code == 1
    assert "entry 0 names no CertificateAuthorityArn" in result.output

    file.write_text(json.dumps([_entry(root["Arn"], "ok.example.com"), _entry(root["Arn"], "-")]))
    result = _cli(
        api, monkeypatch, "cert", "request-batch", "--file", str(file), "--output", "json"
    )
    assert result.exit_code == 1
    assert "Entries[1].DomainName" in result.output
    assert api.count() == 2
