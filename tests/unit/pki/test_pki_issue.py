"""certherd.pki.issue: roots, subordinates, leaves, validity clipping, issuers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import Issuer, KeyAlgorithm, SigningAlgorithm, Subject, Validity


def _ext(cert: x509.Certificate, kind):
    return cert.extensions.get_extension_for_class(kind)


def test_root_extensions(hierarchy) -> None:
    root = hierarchy.root
    assert root.subject == root.issuer
    bc = _ext(root, x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length is None
    ku = _ext(root, x509.KeyUsage)
    assert ku.critical
    assert ku.value.key_cert_sign and ku.value.crl_sign and ku.value.digital_signature
    ski = _ext(root, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(hierarchy.root_key.public_key())
    assert _ext(root, x509.AuthorityKeyIdentifier).value.key_identifier == ski.digest
    root.verify_directly_issued_by(root)


def test_root_with_path_length(key_for, now) -> None:
    cert = pki.self_signed_ca_certificate(
        key=key_for(KeyAlgorithm.RSA_2048),
        subject=Subject(common_name="r"),
        validity=Validity(now, now + timedelta(days=30)),
        signing_algorithm=SigningAlgorithm.SHA384WITHRSA,
        serial=5,
        path_length=2,
    )
    assert _ext(cert, x509.BasicConstraints).value.path_length == 2
    assert cert.serial_number == 5


def test_subordinate_extensions(hierarchy) -> None:
    sub = hierarchy.sub
    bc = _ext(sub, x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    assert _ext(sub, x509.KeyUsage).value.key_cert_sign
    root_ski = _ext(hierarchy.root, x509.SubjectKeyIdentifier).value.digest
    assert _ext(sub, x509.AuthorityKeyIdentifier).value.key_identifier == root_ski
    with pytest.raises(x509.ExtensionNotFound):
        _ext(sub, x509.ExtendedKeyUsage)


def test_leaf_extensions_and_chain(hierarchy) -> None:
    leaf = hierarchy.leaf
    bc = _ext(leaf, x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = _ext(leaf, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.key_encipherment
    assert not ku.value.key_cert_sign
    assert list(_ext(leaf, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    san = _ext(leaf, x509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(x509.DNSName) == ["www.example.com", "example.com"]
    assert [str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)] == ["10.0.0.1"]
    sub_ski = _ext(hierarchy.sub, x509.SubjectKeyIdentifier).value.digest
    assert _ext(leaf, x509.AuthorityKeyIdentifier).value.key_identifier == sub_ski
    assert leaf.issuer == hierarchy.sub.subject
    pki.check_chain(leaf, [hierarchy.sub, hierarchy.root])


def _issue(hierarchy, **overrides):
    arguments = {
        "issuer_certificate": hierarchy.sub,
        "issuer_key": hierarchy.sub_key,
        "public_key": hierarchy.leaf_key.public_key(),
        "subject": Subject(common_name="a.example"),
        "sans": ["a.example"],
        "validity": Validity(hierarchy.sub.not_valid_before_utc, hierarchy.sub.not_valid_after_utc),
        "serial": pki.new_serial(),
    }
    arguments.update(overrides)
    return pki.issue_certificate(**arguments)


def test_ec_leaf_has_no_key_encipherment(hierarchy, key_for) -> None:
    cert = _issue(hierarchy, public_key=key_for(KeyAlgorithm.EC_prime256v1).public_key())
    ku = _ext(cert, x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_encipherment


def test_server_auth_only_and_crl_distribution_point(hierarchy) -> None:
    cert = _issue(
        hierarchy, server_auth_only=True, crl_distribution_point="http://crl.example/ca.crl"
    )
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    points = _ext(cert, x509.CRLDistributionPoints).value
    assert points[0].full_name == [x509.UniformResourceIdentifier("http://crl.example/ca.crl")]
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, crl_distribution_point="ftp://crl.example/x")
    assert info.value.field == "CrlDistributionPoint"


def test_wildcard_and_no_common_name(hierarchy) -> None:
    cert = _issue(hierarchy, subject=Subject(organization="Org"), sans=["*.example.com"])
    assert pki.describe_certificate(cert).sans == ("*.example.com",)
    assert pki.describe_certificate(cert).common_name is None


def test_empty_subject_makes_san_critical(hierarchy) -> None:
    cert = _issue(hierarchy, subject=Subject(), sans=["only.example"])
    assert len(cert.subject) == 0
    assert _ext(cert, x509.SubjectAlternativeName).critical


def test_empty_subject_without_sans_is_refused(hierarchy) -> None:
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, subject=Subject(), sans=[])
    assert info.value.field == "Subject"


def test_invalid_san_is_refused(hierarchy) -> None:
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, sans=["bad_name.example"])
    assert info.value.field == "SubjectAlternativeNames"


def test_validity_past_ca_end_is_refused(hierarchy) -> None:
    end = hierarchy.sub.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, validity=Validity(end - timedelta(days=30), end))
    assert info.value.field == "Validity"
    assert "expires" in info.value.message and "before the requested end" in info.value.message


def test_validity_start_is_clipped_to_ca_start(hierarchy) -> None:
    start = hierarchy.sub.not_valid_before_utc
    cert = _issue(
        hierarchy, validity=Validity(start - timedelta(days=3), start + timedelta(days=1))
    )
    assert cert.not_valid_before_utc == start
    with pytest.raises(ValidationError, match="becomes valid"):
        _issue(hierarchy, validity=Validity(start - timedelta(days=3), start - timedelta(days=1)))


def test_issuer_path_length_is_enforced(hierarchy, key_for) -> None:
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, ca_path_length=0, subject=Subject(common_name="sub-sub"))
    assert info.value.field == "TemplateArn"
    ca = _issue(
        hierarchy,
        issuer_certificate=hierarchy.root,
        issuer_key=hierarchy.root_key,
        public_key=key_for(KeyAlgorithm.EC_prime256v1).public_key(),
        validity=Validity(hierarchy.sub.not_valid_before_utc, hierarchy.sub.not_valid_after_utc),
        ca_path_length=3,
        subject=Subject(common_name="deep"),
        sans=[],
    )
    assert _ext(ca, x509.BasicConstraints).value.path_length == 3


def test_leaf_cannot_issue(hierarchy) -> None:
    with pytest.raises(ValidationError, match="not a CA"):
        _issue(hierarchy, issuer_certificate=hierarchy.leaf, issuer_key=hierarchy.leaf_key)


def test_issuer_key_must_match(hierarchy) -> None:
    with pytest.raises(ValidationError) as info:
        Issuer.from_certificate(hierarchy.sub, hierarchy.root_key)
    assert info.value.field == "PrivateKey"


def test_issuer_object_gives_identical_extensions(hierarchy) -> None:
    issuer = Issuer.from_certificate(hierarchy.sub, hierarchy.sub_key)
    assert issuer.path_length == 0
    assert issuer.name == hierarchy.sub.subject
    a = _issue(hierarchy, serial=7)
    b = _issue(hierarchy, serial=7, issuer=issuer, issuer_certificate=None, issuer_key=None)
    assert list(a.extensions) == list(b.extensions)
    assert a.subject == b.subject and a.issuer == b.issuer


def test_issuer_given_twice_or_not_at_all_is_a_programming_error(hierarchy) -> None:
    issuer = Issuer.from_certificate(hierarchy.sub, hierarchy.sub_key)
    with pytest.raises(TypeError):
        _issue(hierarchy, issuer=issuer)
    with pytest.raises(TypeError):
        _issue(hierarchy, issuer_certificate=None)


def test_signing_algorithm_must_fit_ca_key(hierarchy) -> None:
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, signing_algorithm=SigningAlgorithm.SHA256WITHRSA)
    assert info.value.field == "SigningAlgorithm"
    cert = _issue(hierarchy, signing_algorithm=SigningAlgorithm.SHA512WITHECDSA)
    assert pki.signature_algorithm_name(cert) == "SHA512WITHECDSA"


@pytest.mark.parametrize("serial", [0, -1, 1 << 159, True])
def test_bad_serials(hierarchy, serial) -> None:
    with pytest.raises(ValidationError) as info:
        _issue(hierarchy, serial=serial)
    assert info.value.field == "Serial"


def test_new_serial() -> None:
    serials = {pki.new_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(0 < s < (1 << 159) for s in serials)


def test_issue_from_x509_name(hierarchy) -> None:
    name = hierarchy.root.subject
    cert = _issue(hierarchy, subject=name)
    assert cert.subject == name


def test_self_signed_refuses_empty_subject(key_for, now) -> None:
    with pytest.raises(ValidationError) as info:
        pki.self_signed_ca_certificate(
            key=key_for(KeyAlgorithm.EC_prime256v1),
            subject=Subject(),
            validity=Validity(now, now + timedelta(days=1)),
            serial=1,
        )
    assert info.value.field == "Subject"
