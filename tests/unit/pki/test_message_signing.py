"""SNS message signatures: the string to sign, signing, verifying as a subscriber does, and the
signing certificate's file name."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki import KeyAlgorithm, Subject, Validity
from certherd.pki.message_signing import (
    sign_message,
    signer,
    signing_cert_name,
    string_to_sign,
    verify_message,
)

NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)

# AWS's documented Notification example [SNS-DG sns-message-and-json-formats.md].
NOTIFICATION = {
    "Type": "Notification",
    "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Subject": "My First Message",
    "Message": "Hello world!",
    "Timestamp": "2012-05-02T00:54:06.655Z",
    "SignatureVersion": "1",
    "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96",
}
CONFIRMATION = {
    "Type": "SubscriptionConfirmation",
    "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
    "Token": "2336412f37",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Message": "You have chosen to subscribe to the topic "
    "arn:aws:sns:us-west-2:123456789012:MyTopic.\n"
    "To confirm the subscription, visit the SubscribeURL included in this message.",
    "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription"
    "&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37",
    "Timestamp": "2012-04-26T20:45:04.751Z",
    "SignatureVersion": "1",
    "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
}


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    key = pki.generate_private_key(KeyAlgorithm.RSA_2048)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@pytest.fixture(scope="module")
def certificate(signing_key: rsa.RSAPrivateKey) -> x509.Certificate:
    return pki.self_signed_ca_certificate(
        key=signing_key,
        subject=Subject(common_name="sns.certherd.test"),
        validity=Validity(NOW - timedelta(days=1), NOW + timedelta(days=365)),
        serial=pki.new_serial(),
    )


@pytest.fixture(scope="module")
def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def signed(document: dict[str, str], key: rsa.RSAPrivateKey, version: str) -> dict[str, str]:
    body = {**document, "SignatureVersion": version}
    body["Signature"] = sign_message(key, string_to_sign(body), signature_version=version)
    return body


# -- string to sign -------------------------------------------------------------------------------


def test_canonical_string_matches_the_localstack_example() -> None:
    # localstack tests/unit/services/sns/test_sns.py::test_canonical_string_calculation
    timestamp = "2019-01-01T00:00:00.000Z"
    document = {
        "Type": "Notification",
        "MessageId": "abdcdef",
        "TopicArn": "arn",
        "Subject": "random",
        "Message": "test content",
        "Timestamp": timestamp,
        "UnsubscribeURL": "https://example.test/?Action=Unsubscribe",
    }
    assert (
        string_to_sign(document)
        == (
            "Message\ntest content\nMessageId\nabdcdef\nSubject\nrandom\n"
            f"Timestamp\n{timestamp}\nTopicArn\narn\nType\nNotification\n"
        ).encode()
    )


def test_notification_without_subject_leaves_it_out() -> None:
    document = {key: value for key, value in NOTIFICATION.items() if key != "Subject"}
    assert b"Subject" not in string_to_sign(document)
    # A Lambda record's Sns object carries "Subject": null; it is not signed either.
    assert string_to_sign({**document, "Subject": None}) == string_to_sign(document)


def test_confirmation_keys_in_byte_order() -> None:
    expected = "".join(
        f"{key}\n{CONFIRMATION[key]}\n"
        for key in ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn")
    )
    assert string_to_sign(CONFIRMATION) == (expected + "Type\nSubscriptionConfirmation\n").encode()
    unsubscribe = {**CONFIRMATION, "Type": "UnsubscribeConfirmation"}
    assert string_to_sign(unsubscribe) == (expected + "Type\nUnsubscribeConfirmation\n").encode()


def test_values_are_signed_unescaped_in_utf8() -> None:
    document = {**NOTIFICATION, "Message": 'line 1\nline "2" \u00e9\u20ac'}
    assert 'Message\nline 1\nline "2" \u00e9\u20ac\n'.encode() in string_to_sign(document)


@pytest.mark.parametrize(
    "document",
    [{"Type": "Bogus"}, {}, {**NOTIFICATION, "Message": 42}],
    ids=["unknown-type", "no-type", "non-string-value"],
)
def test_string_to_sign_refuses_what_sns_never_signs(document: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        string_to_sign(document)


# -- signing and verifying ------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("template", [NOTIFICATION, CONFIRMATION], ids=["notification", "conf"])
def test_round_trip(
    version: str,
    template: dict[str, str],
    signing_key: rsa.RSAPrivateKey,
    certificate_pem: bytes,
    certificate: x509.Certificate,
) -> None:
    document = signed(template, signing_key, version)
    base64.b64decode(document["Signature"], validate=True)
    assert verify_message(document, certificate_pem)
    assert verify_message(document, certificate.public_bytes(serialization.Encoding.DER))


def test_versions_hash_differently(signing_key: rsa.RSAPrivateKey, certificate_pem: bytes) -> None:
    document = signed(NOTIFICATION, signing_key, "1")
    assert not verify_message({**document, "SignatureVersion": "2"}, certificate_pem)


@pytest.mark.parametrize(
    "change",
    [
        {"Message": "Hello world?"},
        {"Subject": "My Second Message"},
        {"MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf325"},
        {"Timestamp": "2012-05-02T00:54:06.656Z"},
        {"TopicArn": "arn:aws:sns:us-west-2:123456789012:OtherTopic"},
        {"Type": "SubscriptionConfirmation"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_tampering_is_detected(
    change: dict[str, str], signing_key: rsa.RSAPrivateKey, certificate_pem: bytes
) -> None:
    document = signed(NOTIFICATION, signing_key, "2")
    assert not verify_message({**document, **change}, certificate_pem)


def test_unsigned_fields_may_change(signing_key: rsa.RSAPrivateKey, certificate_pem: bytes) -> None:
    document = signed(NOTIFICATION, signing_key, "1")
    changed = {**document, "UnsubscribeURL": "https://elsewhere.test/", "SigningCertURL": "x"}
    assert verify_message(changed, certificate_pem)


@pytest.mark.parametrize(
    "change",
    [
        {"Signature": "not base64!"},
        {"Signature": base64.b64encode(b"\x00" * 256).decode()},
        {"Signature": None},
        {"SignatureVersion": "3"},
        {"SignatureVersion": None},
        {"Type": "Unknown"},
        {"Message": ["not", "text"]},
    ],
    ids=["bad-base64", "wrong-bytes", "no-signature", "version-3", "no-version", "type", "list"],
)
def test_bad_messages_answer_false(
    change: dict[str, object], signing_key: rsa.RSAPrivateKey, certificate_pem: bytes
) -> None:
    document: dict[str, object] = {**signed(NOTIFICATION, signing_key, "1"), **change}
    assert verify_message(document, certificate_pem) is False


def test_another_key_or_a_bad_certificate_answers_false(
    signing_key: rsa.RSAPrivateKey, certificate_pem: bytes
) -> None:
    document = signed(NOTIFICATION, signing_key, "2")
    other_key = pki.generate_private_key(KeyAlgorithm.RSA_2048)
    other = pki.self_signed_ca_certificate(
        key=other_key,
        subject=Subject(common_name="other"),
        validity=Validity(NOW, NOW + timedelta(days=1)),
        serial=pki.new_serial(),
    )
    assert not verify_message(document, other.public_bytes(serialization.Encoding.PEM))
    assert not verify_message(document, b"-----BEGIN CERTIFICATE-----\nbroken\n")
    assert not verify_message(document, b"")
    ec_key = pki.generate_private_key(KeyAlgorithm.EC_prime256v1)
    ec_certificate = pki.self_signed_ca_certificate(
        key=ec_key,
        subject=Subject(common_name="ec"),
        validity=Validity(NOW, NOW + timedelta(days=1)),
        serial=pki.new_serial(),
    )
    assert not verify_message(document, ec_certificate.public_bytes(serialization.Encoding.PEM))


def test_sign_refuses_unknown_versions_and_non_rsa_keys(signing_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValidationError) as raised:
        sign_message(signing_key, b"data", signature_version="3")
    assert raised.value.field == "SignatureVersion"
    with pytest.raises(ValidationError):
        signer(signing_key, signature_version="0")
    ec_key = pki.generate_private_key(KeyAlgorithm.EC_prime256v1)
    with pytest.raises(ValidationError) as raised:
        sign_message(ec_key, b"data", signature_version="2")  # type: ignore[arg-type]
    assert raised.value.field == "SigningKey"


def test_signer_signs_like_sign_message(
    signing_key: rsa.RSAPrivateKey, certificate_pem: bytes
) -> None:
    sign = signer(signing_key, signature_version="2")
    # PKCS#1 v1.5 is deterministic: both give the same bytes.
    assert sign(b"payload") == sign_message(signing_key, b"payload", signature_version="2")


# -- what any verifier computes -------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize(("version", "digest"), [("1", "-sha1"), ("2", "-sha256")])
def test_openssl_verifies_our_signatures(
    version: str,
    digest: str,
    tmp_path: Path,
    signing_key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
) -> None:
    document = signed(NOTIFICATION, signing_key, version)
    (tmp_path / "pubkey.pem").write_bytes(
        certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(document["Signature"]))
    (tmp_path / "string-to-sign.txt").write_bytes(string_to_sign(document))
    command = ["openssl", "dgst", digest, "-verify", "pubkey.pem", "-signature", "sig.bin"]
    result = subprocess.run(
        [*command, "string-to-sign.txt"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verified OK" in result.stdout
    (tmp_path / "string-to-sign.txt").write_bytes(string_to_sign({**document, "Message": "x"}))
    tampered = subprocess.run(
        [*command, "string-to-sign.txt"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert tampered.returncode != 0


# -- certificate name -----------------------------------------------------------------------------


def test_signing_cert_name(certificate: x509.Certificate) -> None:
    der = certificate.public_bytes(serialization.Encoding.DER)
    name = signing_cert_name(der)
    assert name == f"SimpleNotificationService-{hashlib.sha1(der).hexdigest()}.pem"
    assert len(name) == len("SimpleNotificationService-") + 40 + len(".pem")
