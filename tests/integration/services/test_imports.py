"""Importing certificates made elsewhere (ACM ImportCertificate rules, spec §1.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from certherd.bootstrap import Container
from certherd.domain.certificate import CertificateStatus, CertificateType, VersionAction
from certherd.domain.clock import FixedClock
from certherd.domain.tags import Tag
from certherd.errors import ValidationError
from certherd.pki.issue import Validity, issue_certificate, new_serial, self_signed_ca_certificate
from certherd.pki.keys import KeyAlgorithm, PrivateKey, generate_private_key, private_key_to_pem
from certherd.pki.parse import certificate_to_pem
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject


@dataclass(frozen=True)
class Bundle:
    certificate: bytes
    key: bytes
    chain: bytes


def make_bundle(start: datetime, days: int, name: str = "imported.example") -> Bundle:
    ca_key = generate_private_key(KeyAlgorithm.EC_prime256v1)
    ca = self_signed_ca_certificate(
        key=ca_key,
        subject=Subject(common_name="Outside CA"),
        validity=Validity(start - timedelta(days=1), start + timedelta(days=3650)),
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        serial=new_serial(),
    )
    key: PrivateKey = generate_private_key(KeyAlgorithm.RSA_2048)
    leaf = issue_certificate(
        issuer_certificate=ca,
        issuer_key=ca_key,
        public_key=key.public_key(),
        subject=Subject(common_name=name),
        sans=[name],
        validity=Validity(start, start + timedelta(days=days)),
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        serial=new_serial(),
    )
    return Bundle(
        certificate_to_pem(leaf).encode(), private_key_to_pem(key), certificate_to_pem(ca).encode()
    )


def test_import_then_reimport_keeps_the_arn(
    container: Container, account: str, clock: FixedClock
) -> None:
    first = make_bundle(clock.now(), 90)
    arn = container.certificates.import_certificate(
        account=account,
        certificate=first.certificate,
        private_key=first.key,
        chain=first.chain,
        tags=[Tag("source", "vendor")],
    )
    view = container.certificates.describe(account=account, arn=arn)
    assert view.certificate.type is CertificateType.IMPORTED
    assert view.certificate.key_algorithm is KeyAlgorithm.RSA_2048
    assert view.certificate.imported_at == clock.now()
    assert view.status is CertificateStatus.ISSUED
    clock.advance(timedelta(days=60))
    second = make_bundle(clock.now(), 90)
    with pytest.raises(ValidationError) as info:
        container.certificates.import_certificate(
            account=account,
            certificate=second.certificate,
            private_key=second.key,
            arn=arn,
            tags=[Tag("x", "y")],
        )
    assert info.value.field == "Tags"
    again = container.certificates.import_certificate(
        account=account, certificate=second.certificate, private_key=second.key, arn=arn
    )
    assert again == arn
    versions = container.certificates.versions(account=account, arn=arn)
    assert [v.action for v in versions] == [VersionAction.IMPORT, VersionAction.REIMPORT]
    assert container.certificates.describe(account=account, arn=arn).days_to_expiry == 90
    # imported certificates cannot be exported (ACM exports private certificates only)
    with pytest.raises(ValidationError):
        container.certificates.export(account=account, arn=arn, passphrase=b"secret-pass")


def _encrypted(key_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(key_pem, None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("mismatched-key", "PrivateKey"),
        ("encrypted-key", "PrivateKey"),
        ("expired", "Certificate"),
        ("not-yet-valid", "Certificate"),
        ("der-certificate", "Certificate"),
        ("garbage-chain", "CertificateChain"),
        ("chain-out-of-order", "CertificateChain"),
        ("empty", "Certificate"),
    ],
)
def test_bad_imports_write_nothing(
    container: Container, account: str, clock: FixedClock, case: str, field: str
) -> None:
    good = make_bundle(clock.now(), 90)
    other = make_bundle(clock.now(), 90)
    certificate, key, chain = good.certificate, good.key, good.chain
    if case == "mismatched-key":
        key = other.key
    elif case == "encrypted-key":
        key = _encrypted(good.key)
    elif case == "expired":
        old = make_bundle(clock.now() - timedelta(days=100), 30)
        certificate, key, chain = old.certificate, old.key, old.chain
    elif case == "not-yet-valid":
        future = make_bundle(clock.now() + timedelta(days=2), 30)
        certificate, key, chain = future.certificate, future.key, future.chain
    elif case == "der-certificate":
        from cryptography import x509

        certificate = x509.load_pem_x509_certificate(good.certificate).public_bytes(
            serialization.Encoding.DER
        )
    elif case == "garbage-chain":
        chain = b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    elif case == "chain-out-of-order":
        chain = other.chain
    elif case == "empty":
        certificate = b""
    with pytest.raises(ValidationError) as info:
        container.certificates.import_certificate(
            account=account, certificate=certificate, private_key=key, chain=chain
        )
    assert info.value.field == field, str(info.value)
    assert container.certificates.count(account=account) == 0
    with container.uow() as uow:
        assert uow.secrets.ids() == []
