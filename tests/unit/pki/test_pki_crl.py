"""certherd.pki.crl: revocation reasons and CRL contents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import RevocationReason, RevokedEntry


def test_reason_mapping_is_complete() -> None:
    assert {r.reason_flag for r in RevocationReason} >= {
        x509.ReasonFlags.key_compromise,
        x509.ReasonFlags.ca_compromise,
        x509.ReasonFlags.aa_compromise,
    }
    for reason in RevocationReason:
        assert RevocationReason.from_reason_flag(reason.reason_flag) is reason
    assert RevocationReason.from_reason_flag(x509.ReasonFlags.certificate_hold) is (
        RevocationReason.UNSPECIFIED
    )
    assert RevocationReason.parse("SUPERSEDED") is RevocationReason.SUPERSEDED
    with pytest.raises(ValidationError) as info:
        RevocationReason.parse("SUPERCEDED")
    assert info.value.field == "RevocationReason"


def test_crl_contents(hierarchy, now) -> None:
    revoked_at = datetime(2030, 5, 1, 8, 30, tzinfo=UTC)
    entries = [
        RevokedEntry(11, revoked_at, RevocationReason.KEY_COMPROMISE),
        RevokedEntry(22, revoked_at, RevocationReason.UNSPECIFIED),
        RevokedEntry(33, revoked_at, RevocationReason.A_A_COMPROMISE),
    ]
    crl = pki.build_crl(
        issuer_certificate=hierarchy.sub,
        issuer_key=hierarchy.sub_key,
        revoked=entries,
        this_update=now,
        next_update=now + timedelta(days=7),
        crl_number=42,
    )
    parsed = x509.load_der_x509_crl(pki.crl_to_der(crl))
    assert x509.load_pem_x509_crl(pki.crl_to_pem(crl).encode()).fingerprint is not None
    assert pki.crl_to_pem(crl).startswith("-----BEGIN X509 CRL-----")
    assert parsed.issuer == hierarchy.sub.subject
    assert parsed.is_signature_valid(hierarchy.sub.public_key())
    assert parsed.last_update_utc == now
    assert parsed.next_update_utc == now + timedelta(days=7)
    assert parsed.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 42
    aki = parsed.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = hierarchy.sub.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert len(parsed) == 3
    first = parsed.get_revoked_certificate_by_serial_number(11)
    assert first is not None and first.revocation_date_utc == revoked_at
    assert first.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.key_compromise
    )
    second = parsed.get_revoked_certificate_by_serial_number(22)
    assert second is not None and len(second.extensions) == 0
    third = parsed.get_revoked_certificate_by_serial_number(33)
    assert third is not None
    assert third.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.aa_compromise
    )


def test_empty_crl(hierarchy, now) -> None:
    crl = pki.build_crl(
        issuer_certificate=hierarchy.root,
        issuer_key=hierarchy.root_key,
        revoked=[],
        this_update=now,
        next_update=now + timedelta(days=1),
        crl_number=0,
    )
    assert len(crl) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"next_update": datetime(2030, 1, 1, tzinfo=UTC)}, "NextUpdate"),
        ({"this_update": datetime(2030, 6, 1)}, "ThisUpdate"),
        ({"crl_number": -1}, "CrlNumber"),
        ({"crl_number": 1 << 160}, "CrlNumber"),
        ({"revoked": [RevokedEntry(0, datetime(2030, 1, 1, tzinfo=UTC))]}, "Serial"),
        ({"revoked": [RevokedEntry(5, datetime(2030, 1, 1))]}, "RevokedAt"),
        ({"signing_algorithm": pki.SigningAlgorithm.SHA256WITHRSA}, "SigningAlgorithm"),
    ],
)
def test_build_crl_rejects(hierarchy, now, overrides, field) -> None:
    arguments = {
        "issuer_certificate": hierarchy.sub,
        "issuer_key": hierarchy.sub_key,
        "revoked": [],
        "this_update": now,
        "next_update": now + timedelta(days=1),
        "crl_number": 1,
    }
    arguments.update(overrides)
    with pytest.raises(ValidationError) as info:
        pki.build_crl(**arguments)
    assert info.value.field == field
