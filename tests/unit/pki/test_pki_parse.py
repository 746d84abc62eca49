"""certherd.pki.parse: loading, describing, chains and ImportCertificate checks."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm, Subject, Validity


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key) -> bytes:
    return pki.private_key_to_pem(key)


# --- loading -------------------------------------------------------------------------------


def test_load_certificate_round_trip(hierarchy) -> None:
    text = pki.certificate_to_pem(hierarchy.leaf)
    assert text.startswith("-----BEGIN CERTIFICATE-----")
    assert pki.load_certificate(text.encode()) == hierarchy.leaf
    assert pki.load_certificate(b"junk before\n" + text.encode() + b"junk after") == hierarchy.leaf


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b" \n\t", "empty"),
        (b"hello", "not PEM"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "could not be parsed"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "without its END"),
        (b"-----BEGIN certificate-----\n", "malformed"),
    ],
)
def test_load_certificate_refuses(data: bytes, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        pki.load_certificate(data, field="Certificate")
    assert info.value.field == "Certificate"
    assert words in info.value.message


def test_load_certificate_refuses_der_several_and_keys(hierarchy) -> None:
    der = hierarchy.leaf.public_bytes(serialization.Encoding.DER)
    with pytest.raises(ValidationError, match="DER"):
        pki.load_certificate(der)
    with pytest.raises(ValidationError, match="holds 2 certificates"):
        pki.load_certificate(pem(hierarchy.leaf) + pem(hierarchy.sub))
    with pytest.raises(ValidationError, match="PRIVATE KEY"):
        pki.load_certificate(pem(hierarchy.leaf) + key_pem(hierarchy.leaf_key))


def test_load_chain(hierarchy) -> None:
    text = pki.chain_to_pem([hierarchy.sub, hierarchy.root])
    assert pki.load_chain(text.encode()) == [hierarchy.sub, hierarchy.root]
    assert pki.load_chain(pem(hierarchy.root)) == [hierarchy.root]
    with pytest.raises(ValidationError) as info:
        pki.load_chain(b"")
    assert info.value.field == "CertificateChain"
    broken = pem(hierarchy.sub) + b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(ValidationError, match="certificate 2 of 2"):
        pki.load_chain(broken)


# --- describing ----------------------------------------------------------------------------


def test_describe_leaf(hierarchy) -> None:
    info = pki.describe_certificate(hierarchy.leaf)
    assert info.serial_int == hierarchy.leaf.serial_number
    assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2})*", info.serial)
    assert int(info.serial.replace(":", ""), 16) == info.serial_int
    assert info.subject == "CN=www.example.com"
    assert info.issuer == "CN=Test Sub,O=certherd"
    assert info.common_name == "www.example.com"
    assert info.domain_name == "www.example.com"
    assert info.sans == ("www.example.com", "example.com", "10.0.0.1")
    assert info.not_before == hierarchy.leaf.not_valid_before_utc
    assert info.not_after.tzinfo is not None
    assert info.key_algorithm is KeyAlgorithm.RSA_2048
    assert info.signature_algorithm == "SHA384WITHECDSA"
    assert info.key_usages == ("DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT")
    assert info.extended_key_usages == (
        ("TLS_WEB_SERVER_AUTHENTICATION", "1.3.6.1.5.5.7.3.1"),
        ("TLS_WEB_CLIENT_AUTHENTICATION", "1.3.6.1.5.5.7.3.2"),
    )
    assert not info.is_ca and info.path_length is None
    assert info.fingerprint_sha256 == hierarchy.leaf.fingerprint(hashes.SHA256()).hex()


def test_describe_ca(hierarchy) -> None:
    info = pki.describe_certificate(hierarchy.sub)
    assert info.is_ca and info.path_length == 0
    assert info.key_usages == ("DIGITAL_SIGNATURE", "CERTIFICATE_SIGNING", "CRL_SIGNING")
    assert info.extended_key_usages == ()
    assert info.key_algorithm is KeyAlgorithm.EC_secp384r1
    root = pki.describe_certificate(hierarchy.root)
    assert root.subject == "CN=Test Root,O=certherd,C=NL"
    assert root.path_length is None


def test_serial_formatting() -> None:
    from certherd.pki.parse import serial_to_string

    assert serial_to_string(0x0A1B) == "0a:1b"
    assert serial_to_string(0x80) == "80"
    assert serial_to_string(0) == "00"
    assert serial_to_string(-1) == "ff"


def test_describe_unusual_extensions(key_for, now) -> None:
    key = key_for(KeyAlgorithm.EC_prime256v1)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "odd"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "42"),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=True,
        key_agreement=True,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=True,
        decipher_only=False,
    )
    ekus = [
        ExtendedKeyUsageOID.CODE_SIGNING,
        ExtendedKeyUsageOID.OCSP_SIGNING,
        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
        x509.ObjectIdentifier("1.2.3.4"),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.RFC822Name("a@example.com"), x509.DNSName("odd.example")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    info = pki.describe_certificate(cert)
    assert info.subject == "SERIALNUMBER=42,CN=odd"  # RFC 4514: last RDN first
    assert info.key_usages == (
        "NON_REPUDIATION",
        "DATA_ENCIPHERMENT",
        "KEY_AGREEMENT",
        "ENCIPHER_ONLY",
    )
    assert [name for name, _ in info.extended_key_usages] == [
        "CODE_SIGNING",
        "OCSP_SIGNING",
        "IPSEC_TUNNEL",
        "CUSTOM",
    ]
    assert info.extended_key_usages[-1] == ("CUSTOM", "1.2.3.4")
    assert info.sans == ("odd.example",)


# --- chains and validity -------------------------------------------------------------------


def test_check_chain_accepts_good_orders(hierarchy) -> None:
    pki.check_chain(hierarchy.leaf, [hierarchy.sub, hierarchy.root])
    pki.check_chain(hierarchy.leaf, [hierarchy.sub])
    pki.check_chain(hierarchy.leaf, [])


def test_check_chain_reports_out_of_order(hierarchy) -> None:
    with pytest.raises(ValidationError) as info:
        pki.check_chain(hierarchy.leaf, [hierarchy.root, hierarchy.sub], field="CertificateChain")
    assert info.value.field == "CertificateChain"
    assert "out of order" in info.value.message
    assert "chain certificate 2" in info.value.message


def test_check_chain_reports_wrong_issuer(hierarchy) -> None:
    with pytest.raises(ValidationError) as info:
        pki.check_chain(hierarchy.leaf, [hierarchy.root])
    assert "is not the issuer of the certificate" in info.value.message
    with pytest.raises(ValidationError) as info:
        pki.check_chain(hierarchy.leaf, [hierarchy.sub, hierarchy.sub])
    assert "chain certificate 2" in info.value.message
    assert "chain certificate 1" in info.value.message


def test_check_chain_detects_forged_signature(make_hierarchy, now) -> None:
    # Same names as the real issuer, different key: names match but the signature does not.
    first, second = make_hierarchy(now), make_hierarchy(now)
    with pytest.raises(ValidationError, match="not the issuer"):
        pki.check_chain(first.leaf, [second.sub])


def test_check_within_validity(hierarchy, now) -> None:
    pki.check_within_validity(hierarchy.leaf, now)
    with pytest.raises(ValidationError, match="not yet valid"):
        pki.check_within_validity(hierarchy.leaf, now - timedelta(days=2))
    with pytest.raises(ValidationError, match="has expired"):
        pki.check_within_validity(hierarchy.leaf, now + timedelta(days=91), field="Cert")


# --- ImportCertificate ---------------------------------------------------------------------


def test_import_ok(hierarchy, now) -> None:
    chain = pki.chain_to_pem([hierarchy.sub, hierarchy.root]).encode()
    material = pki.check_import(pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), chain, now)
    assert material.certificate == hierarchy.leaf
    assert material.chain == (hierarchy.sub, hierarchy.root)
    assert pki.public_key_matches(material.key, hierarchy.leaf)
    assert material.info.common_name == "www.example.com"
    assert pki.check_import(pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), None, now).chain == ()
    assert pki.check_import(pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), b"", now).chain == ()


def _import_error(cert: bytes, key: bytes, chain: bytes | None, now) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        pki.check_import(cert, key, chain, now)
    return info.value


def test_import_mismatched_key(hierarchy, now) -> None:
    error = _import_error(pem(hierarchy.leaf), key_pem(hierarchy.sub_key), None, now)
    assert error.field == "PrivateKey"
    assert error.message == "private key does not match the certificate's public key"


def test_import_expired_and_not_yet_valid(hierarchy, now) -> None:
    error = _import_error(
        pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), None, now + timedelta(days=365)
    )
    assert error.field == "Certificate" and "expired" in error.message
    error = _import_error(
        pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), None, now - timedelta(days=1)
    )
    assert error.field == "Certificate" and "not yet valid" in error.message


def test_import_chain_out_of_order(hierarchy, now) -> None:
    chain = pki.chain_to_pem([hierarchy.root, hierarchy.sub]).encode()
    error = _import_error(pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), chain, now)
    assert error.field == "CertificateChain" and "out of order" in error.message


def test_import_der_encrypted_garbage(hierarchy, now) -> None:
    der = hierarchy.leaf.public_bytes(serialization.Encoding.DER)
    error = _import_error(der, key_pem(hierarchy.leaf_key), None, now)
    assert error.field == "Certificate" and "DER" in error.message

    encrypted = hierarchy.leaf_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    error = _import_error(pem(hierarchy.leaf), encrypted, None, now)
    assert error.field == "PrivateKey" and "encrypted" in error.message

    error = _import_error(pem(hierarchy.leaf), b"garbage", None, now)
    assert error.field == "PrivateKey"
    error = _import_error(b"garbage", key_pem(hierarchy.leaf_key), None, now)
    assert error.field == "Certificate"
    error = _import_error(pem(hierarchy.leaf), key_pem(hierarchy.leaf_key), b"garbage", now)
    assert error.field == "CertificateChain"


def test_import_size_limits(hierarchy, now) -> None:
    error = _import_error(pem(hierarchy.leaf) + b" " * 40000, b"k", None, now)
    assert error.field == "Certificate" and "at most 32768" in error.message


def test_import_empty_issuer(key_for, now) -> None:
    key = key_for(KeyAlgorithm.EC_prime256v1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
        .issuer_name(x509.Name([]))
        .public_key(key.public_key())
        .serial_number(9)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    error = _import_error(pem(cert), key_pem(key), None, now)
    assert error.field == "Certificate" and "Issuer is empty" in error.message


def test_import_self_signed_with_leaf_subject(key_for, now) -> None:
    key = key_for(KeyAlgorithm.RSA_3072)
    cert = pki.self_signed_ca_certificate(
        key=key,
        subject=Subject(common_name="self"),
        validity=Validity(now - timedelta(days=1), now + timedelta(days=1)),
        serial=3,
    )
    material = pki.check_import(pem(cert), key_pem(key), None, now)
    assert material.info.key_algorithm is KeyAlgorithm.RSA_3072


def test_load_certificate_refuses_a_negative_serial(hierarchy) -> None:
    leaf = hierarchy.leaf
    der = leaf.public_bytes(serialization.Encoding.DER)
    serial = leaf.serial_number.to_bytes((leaf.serial_number.bit_length() + 8) // 8, "big")
    assert der.count(serial) == 1
    # the same length with the sign bit set: still valid DER, now a negative INTEGER
    negative = der.replace(serial, bytes([serial[0] | 0x80]) + serial[1:])
    text = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(negative)
    with pytest.raises(ValidationError, match="serial number that is not positive") as info:
        pki.load_certificate(text + b"-----END CERTIFICATE-----\n")
    assert info.value.field == "Certificate"
