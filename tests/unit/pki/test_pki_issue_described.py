"""issue_certificate_described: the description it derives from its inputs is exactly what
describe_certificate parses back out of the certificate, for every key, template and name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import Issuer, KeyAlgorithm, SigningAlgorithm, Subject, Validity
from certherd.pki.issue import issue_certificate_described

CRL_URL = "http://crl.test:8600/crl/111122223333/ca.crl"

_CA_SIGNING = {
    KeyAlgorithm.EC_prime256v1: (None, SigningAlgorithm.SHA384WITHECDSA),
    KeyAlgorithm.EC_secp384r1: (None, SigningAlgorithm.SHA256WITHECDSA),
    KeyAlgorithm.RSA_2048: (
        None,
        SigningAlgorithm.SHA256WITHRSA,
        SigningAlgorithm.SHA384WITHRSA,
        SigningAlgorithm.SHA512WITHRSA,
    ),
}


def _issuer(key_for, now, algorithm: KeyAlgorithm, path_length: int | None = None) -> Issuer:
    key = key_for(algorithm)
    root = pki.self_signed_ca_certificate(
        key=key,
        subject=Subject(common_name=f"Root {algorithm}", organization="certherd, tests"),
        validity=Validity(now - timedelta(days=1), now + timedelta(days=3650)),
        serial=pki.new_serial(),
        path_length=path_length,
    )
    return Issuer.from_certificate(root, key)


def _check(issuer: Issuer, **kwargs) -> x509.Certificate:
    cert, info = issue_certificate_described(issuer=issuer, serial=pki.new_serial(), **kwargs)
    assert info == pki.describe_certificate(cert)
    plain = pki.issue_certificate(issuer=issuer, serial=info.serial_int, **kwargs)
    assert list(plain.extensions) == list(cert.extensions)
    assert (plain.subject, plain.not_valid_before_utc) == (cert.subject, info.not_before)
    return cert


@pytest.mark.parametrize("ca_algorithm", list(_CA_SIGNING))
@pytest.mark.parametrize("leaf_algorithm", list(KeyAlgorithm))
def test_every_key_and_signing_algorithm(key_for, now, ca_algorithm, leaf_algorithm) -> None:
    issuer = _issuer(key_for, now, ca_algorithm)
    for signing in _CA_SIGNING[ca_algorithm]:
        _check(
            issuer,
            public_key=key_for(leaf_algorithm).public_key(),
            subject=Subject(common_name="www.example.com"),
            sans=["www.example.com", "example.com"],
            validity=Validity(now, now + timedelta(days=395)),
            signing_algorithm=signing,
            crl_distribution_point=CRL_URL,
        )


@pytest.mark.parametrize(
    "template",
    [
        {},
        {"server_auth_only": True},
        {"ca_path_length": 0},
        {"ca_path_length": 2},
        {"crl_distribution_point": CRL_URL},
        {"ca_path_length": 1, "crl_distribution_point": CRL_URL},
    ],
)
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.EC_prime256v1, KeyAlgorithm.RSA_2048])
def test_every_template(key_for, now, template, algorithm) -> None:
    issuer = _issuer(key_for, now, KeyAlgorithm.EC_prime256v1)
    cert = _check(
        issuer,
        public_key=key_for(algorithm).public_key(),
        subject=Subject(common_name="Some Name", organization="certherd", country="NL"),
        sans=() if "ca_path_length" in template else ["a.example"],
        validity=Validity(now, now + timedelta(days=30)),
        **template,
    )
    assert pki.describe_certificate(cert).is_ca is ("ca_path_length" in template)


@pytest.mark.parametrize(
    ("subject", "sans"),
    [
        (Subject(common_name="host.example.com"), ["host.example.com"]),
        (Subject(), ["*.example.com", "Example.ORG", "10.0.0.1", "2001:DB8::1", "::ffff:1.2.3.4"]),
        (Subject(common_name="xn--bcher-kva.example"), ["xn--bcher-kva.example", "localhost"]),
        (
            Subject(
                common_name='Ünïcode, "quoted" + <escaped>',
                organization="certherd; tests",
                organizational_unit="#hash",
                country="DE",
                state="Bayern",
                locality=" leading space",
                serial_number="42",
                title="Dr",
                pseudonym="x=y",
            ),
            ["a.example", "a.example", "b.example"],
        ),
        (
            x509.Name(
                [
                    x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ops@example.com"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "first"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "second"),
                    x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example"),
                ]
            ),
            [],
        ),
        (x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "no common name")]), ["x.y"]),
    ],
)
def test_every_kind_of_name(key_for, now, subject, sans) -> None:
    issuer = _issuer(key_for, now, KeyAlgorithm.EC_secp384r1)
    _check(
        issuer,
        public_key=key_for(KeyAlgorithm.EC_prime256v1).public_key(),
        subject=subject,
        sans=sans,
        validity=Validity(now, now + timedelta(days=1)),
    )


def test_clipped_start_and_microseconds(key_for, now) -> None:
    issuer = _issuer(key_for, now, KeyAlgorithm.EC_prime256v1, path_length=3)
    cert = _check(
        issuer,
        public_key=key_for(KeyAlgorithm.EC_secp384r1).public_key(),
        subject=Subject(common_name="early.example"),
        sans=["early.example"],
        validity=Validity(
            now - timedelta(days=30, microseconds=1), now + timedelta(days=1, microseconds=999)
        ),
    )
    assert cert.not_valid_before_utc == issuer.not_before


def test_same_checks_as_issue_certificate(key_for, now) -> None:
    issuer = _issuer(key_for, now, KeyAlgorithm.EC_prime256v1, path_length=0)
    with pytest.raises(ValidationError) as raised:
        issue_certificate_described(
            issuer=issuer,
            public_key=key_for(KeyAlgorithm.EC_prime256v1).public_key(),
            subject=Subject(common_name="sub"),
            validity=Validity(now, now + timedelta(days=1)),
            serial=1,
            ca_path_length=0,
        )
    assert raised.value.field == "TemplateArn"


def test_issuer_name_text_is_the_described_issuer(key_for, now) -> None:
    issuer = _issuer(key_for, now, KeyAlgorithm.RSA_2048)
    assert issuer.name_text == pki.describe_certificate(issuer.certificate).subject
