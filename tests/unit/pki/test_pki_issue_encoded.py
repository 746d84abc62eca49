"""Issuing's short cuts give exactly what the long way gives: the certificate's bytes (the
extensions certherd encodes once), its PEM text and fingerprint (from one encoding), the
subject of a common name alone, and the signing algorithm decided from the key's algorithm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import Issuer, KeyAlgorithm, Subject, Validity
from certherd.pki.issue import issue_certificate_described, issue_certificate_encoded
from certherd.pki.issued_parts import common_name_subject, der_to_pem, name_and_common_name
from certherd.pki.parse import common_name_of, name_to_string
from certherd.pki.signing import (
    SigningAlgorithm,
    check_compatible,
    default_signing_algorithm,
    signing_algorithm_for,
)

CRL_URL = "http://crl.test:8600/crl/111122223333/ca.crl"


def _issuer(key_for, now) -> Issuer:
    key = key_for(KeyAlgorithm.EC_prime256v1)
    root = pki.self_signed_ca_certificate(
        key=key,
        subject=Subject(common_name="Root", organization="certherd"),
        validity=Validity(now - timedelta(days=1), now + timedelta(days=3650)),
        serial=pki.new_serial(),
        path_length=2,
    )
    return Issuer.from_certificate(root, key)


def _the_long_way(
    issuer: Issuer, cert: x509.Certificate, public_key, extensions
) -> x509.Certificate:
    """``cert`` built again with the builder's setters and typed extension values."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(issuer.name)
        .public_key(public_key)
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for extension in extensions:
        builder = builder.add_extension(extension.value, critical=extension.critical)
    return builder.sign(issuer.key, hashes.SHA256())


@pytest.mark.parametrize(
    "template",
    [{}, {"server_auth_only": True}, {"ca_path_length": 1}, {"crl_distribution_point": CRL_URL}],
)
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.EC_prime256v1, KeyAlgorithm.RSA_2048])
def test_same_bytes_as_the_builder_with_typed_extensions(key_for, now, template, algorithm) -> None:
    issuer = _issuer(key_for, now)
    public_key = key_for(algorithm).public_key()
    cert, info, pem = issue_certificate_encoded(
        issuer=issuer,
        public_key=public_key,
        subject=Subject(common_name="www.example.com", organization="certherd"),
        sans=["www.example.com", "10.0.0.1"],
        validity=Validity(now, now + timedelta(days=30)),
        serial=pki.new_serial(),
        **template,
    )
    # The parsed extensions are the typed values, as the builder was given them.
    assert all(not isinstance(e.value, x509.UnrecognizedExtension) for e in cert.extensions)
    again = _the_long_way(issuer, cert, public_key, cert.extensions)
    assert again.tbs_certificate_bytes == cert.tbs_certificate_bytes
    assert info == pki.describe_certificate(cert)
    assert pem == pki.certificate_to_pem(cert)


def test_pem_and_fingerprint_match_cryptography(key_for, now) -> None:
    issuer = _issuer(key_for, now)
    for names in (["a.example"], [f"host{i}.example" for i in range(40)]):
        cert, info = issue_certificate_described(
            issuer=issuer,
            public_key=key_for(
                KeyAlgorithm.RSA_4096 if len(names) > 1 else KeyAlgorithm.EC_secp521r1
            ).public_key(),
            subject=Subject(common_name=names[0]),
            sans=names,
            validity=Validity(now, now + timedelta(days=1)),
            serial=pki.new_serial(),
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        assert der_to_pem(der) == cert.public_bytes(serialization.Encoding.PEM).decode()
        assert info.fingerprint_sha256 == cert.fingerprint(hashes.SHA256()).hex()


def test_pem_of_any_length() -> None:
    for size in range(0, 200):
        text = der_to_pem(bytes(range(256))[:size], "X")
        assert text.startswith("-----BEGIN X-----\n") and text.endswith("-----END X-----\n")
        body = text.splitlines()[1:-1]
        assert all(len(line) <= 64 for line in body)
        assert all(len(line) == 64 for line in body[:-1])


@pytest.mark.parametrize(
    "common_name", [None, "", "host.example.com", "*.example.com", "x" * 64, 'Ünïcode, + "q"']
)
def test_common_name_subject_is_the_subjects_name(common_name) -> None:
    assert common_name_subject(common_name) == Subject(common_name=common_name).to_x509_name()


@pytest.mark.parametrize("common_name", ["x" * 65, "tab\there", 42])
def test_common_name_subject_refuses_what_subject_refuses(common_name) -> None:
    with pytest.raises(ValidationError) as expected:
        Subject(common_name=common_name).to_x509_name()
    with pytest.raises(ValidationError) as raised:
        common_name_subject(common_name)
    assert (raised.value.message, raised.value.field) == (
        expected.value.message,
        expected.value.field,
    )


def test_common_name_subject_is_a_common_name_alone() -> None:
    name = common_name_subject("host.example.com")
    assert [(a.oid, a.value) for a in name] == [(NameOID.COMMON_NAME, "host.example.com")]


@pytest.mark.parametrize(
    "name",
    [
        x509.Name([]),
        *(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])
            for value in ("host.example.com", "*.a-b_c.X9", "#x", " x", "x ", "a+b", "a,b", "é")
        ),
        x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "host.example.com")]),
        Subject(common_name="a.example", organization="certherd").to_x509_name(),
    ],
)
def test_described_subject_is_what_parse_says(name) -> None:
    assert name_and_common_name(name) == (name_to_string(name), common_name_of(name))


@pytest.mark.parametrize("key_algorithm", list(KeyAlgorithm))
@pytest.mark.parametrize("signing", [None, *SigningAlgorithm])
def test_signing_algorithm_for_decides_as_check_compatible(key_for, key_algorithm, signing) -> None:
    key = key_for(key_algorithm)
    if signing is None:
        assert signing_algorithm_for(None, key_algorithm) == default_signing_algorithm(
            key_algorithm
        )
        return
    try:
        check_compatible(signing, key)
    except ValidationError as expected:
        with pytest.raises(ValidationError) as raised:
            signing_algorithm_for(signing, key_algorithm)
        assert (raised.value.message, raised.value.field) == (
            expected.message,
            expected.field,
        )
    else:
        assert signing_algorithm_for(signing, key_algorithm) is signing
