"""Rendering: JSON exactly as answered, tables with coloured days to expiry, describe views."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from rich.console import Console

from certherd.entrypoints.cli.output import (
    authority_table,
    certificate_table,
    days_until,
    describe,
    emit_json,
    expiry_style,
    expiry_text,
    show_tags,
)

ARN = "arn:aws:acm:us-east-1:000000000000:certificate/3f1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
CA_ARN = (
    "arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/"
    "0e4f6a3c-1111-2222-3333-444455556666"
)


def render(renderable: object, width: int = 240) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


@pytest.mark.parametrize(
    ("days", "style"),
    [
        (-30, "bold red"),
        (-1, "bold red"),
        (0, "red"),
        (6, "red"),
        (7, "yellow"),
        (29, "yellow"),
        (30, "cyan"),
        (44, "cyan"),
        (45, "green"),
        (400, "green"),
        (None, "dim"),
    ],
)
def test_expiry_bands(days: int | None, style: str) -> None:
    assert expiry_style(days) == style
    assert expiry_text(days).style == style


def test_expiry_text_says_expired_and_dash() -> None:
    assert expiry_text(-3).plain == "expired"
    assert expiry_text(12).plain == "12"
    assert expiry_text(None).plain == "-"


def test_days_until_counts_whole_days_and_handles_z() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert days_until("2026-01-31T00:00:00Z", now) == 30
    assert days_until("2026-01-31T23:59:59+00:00", now) == 30
    assert days_until("2025-12-31T12:00:00Z", now) == -1
    assert days_until(None, now) is None
    assert days_until("not a date", now) is None


def test_emit_json_prints_the_answer_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    answer = {
        "CertificateSummaryList": [{"CertificateArn": ARN, "DaysToExpiry": 3}],
        "NextToken": None,
    }
    emit_json(answer)
    assert json.loads(capsys.readouterr().out) == answer


def test_certificate_table_shows_days_status_domain_and_whole_arn() -> None:
    summaries = [
        {
            "CertificateArn": ARN,
            "DomainName": "www.example.com",
            "Status": "ISSUED",
            "Type": "PRIVATE",
            "KeyAlgorithm": "EC_prime256v1",
            "NotAfter": "2027-01-31T12:00:00Z",
            "DaysToExpiry": 395,
        },
        {
            "CertificateArn": ARN.replace("3f1c", "aaaa"),
            "DomainName": "old.example.com",
            "Status": "EXPIRED",
            "DaysToExpiry": -2,
        },
    ]
    text = render(certificate_table(summaries))
    header, first, second = text.splitlines()[:3]
    assert header.split()[:5] == ["Days", "Status", "Type", "Key", "Domain"]
    assert "395" in first and "ISSUED" in first and "www.example.com" in first and ARN in first
    assert "2027-01-31" in first
    assert "expired" in second and "EXPIRED" in second


def test_certificate_table_colours_days() -> None:
    table = certificate_table([{"CertificateArn": ARN, "DaysToExpiry": 5, "Status": "ISSUED"}])
    cell = next(iter(table.columns[0].cells))
    assert cell.style == "red"


def test_authority_table_computes_days_from_not_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    authority = {
        "Arn": CA_ARN,
        "Type": "ROOT",
        "Status": "ACTIVE",
        "NotAfter": "2026-01-21T00:00:00Z",
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": "RSA_2048",
            "Subject": {"CommonName": "Example Root"},
        },
    }
    text = render(authority_table([authority], now))
    row = text.splitlines()[1]
    assert "20" in row.split() and "ACTIVE" in row and "Example Root" in row and CA_ARN in row


def test_describe_flattens_nested_objects_and_drops_empty_values() -> None:
    detail = {
        "CertificateArn": ARN,
        "DomainName": "www.example.com",
        "SubjectAlternativeNames": ["www.example.com", "example.com"],
        "RevokedAt": None,
        "InUseBy": [],
        "RenewalSummary": {"RenewalStatus": "SUCCESS", "UpdatedAt": "2026-01-01T00:00:00Z"},
        "KeyUsages": [{"Name": "DIGITAL_SIGNATURE"}, {"Name": "KEY_ENCIPHERMENT"}],
        "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team"}],
        "DaysToExpiry": 20,
        "Exported": False,
    }
    text = render(describe(detail))
    lines = {line.split(None, 1)[0]: line.split(None, 1)[1].strip() for line in text.splitlines()}
    assert lines["CertificateArn"] == ARN
    assert lines["SubjectAlternativeNames"] == "www.example.com, example.com"
    assert lines["RenewalSummary.RenewalStatus"] == "SUCCESS"
    assert lines["KeyUsages"] == "DIGITAL_SIGNATURE, KEY_ENCIPHERMENT"
    assert lines["Tags"] == "env=prod, team"
    assert lines["DaysToExpiry"] == "20"
    assert lines["Exported"] == "no"
    assert "RevokedAt" not in lines and "InUseBy" not in lines


def test_show_tags_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    answer = {"Tags": [{"Key": "env", "Value": "prod"}]}
    show_tags(answer, as_json=True)
    assert json.loads(capsys.readouterr().out) == answer
    show_tags({"Tags": []}, as_json=False)
    captured = capsys.readouterr()
    assert captured.out == "" and "no tags" in captured.err
