"""The Prometheus text format, written by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from certherd.domain.certificate import CertificateStatus, CertificateType
from certherd.entrypoints.api.metrics import escape_label, exposition
from certherd.services.certificate_reads import ExpiryPoint


def test_label_values_are_escaped() -> None:
    assert escape_label('a"b') == 'a\\"b'
    assert escape_label("a\\b") == "a\\\\b"
    assert escape_label("a\nb") == "a\\nb"
    assert escape_label("plain.example.com") == "plain.example.com"


def test_exposition() -> None:
    point = ExpiryPoint(
        arn="arn:aws:acm:us-east-1:000000000000:certificate/1",
        domain_name='x"y',
        type=CertificateType.PRIVATE,
        status=CertificateStatus.ISSUED,
        not_after=datetime(2026, 1, 1, tzinfo=UTC),
    )
    text = "".join(exposition([point], {"ISSUED": 1, "EXPIRED": 0}))
    assert text == (
        "# HELP certherd_certificate_expiry_timestamp_seconds When each certificate expires "
        "(its NotAfter), as a Unix timestamp.\n"
        "# TYPE certherd_certificate_expiry_timestamp_seconds gauge\n"
        'certherd_certificate_expiry_timestamp_seconds{arn="arn:aws:acm:us-east-1:000000000000:'
        'certificate/1",common_name="x\\"y",type="PRIVATE",status="ISSUED"} 1767225600\n'
        "# HELP certherd_certificates How many certificates have each status.\n"
        "# TYPE certherd_certificates gauge\n"
        'certherd_certificates{status="EXPIRED"} 0\n'
        'certherd_certificates{status="ISSUED"} 1\n'
    )


def test_exposition_streams_in_chunks() -> None:
    point = ExpiryPoint(
        "arn",
        "n",
        CertificateType.IMPORTED,
        CertificateStatus.EXPIRED,
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    chunks = list(exposition([point] * 1200, {}))
    assert len(chunks) > 2
    assert "".join(chunks).count("\ncertherd_certificate_expiry_timestamp_seconds{") == 1200
