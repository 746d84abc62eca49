"""The documents SNS delivers: AWS's documented examples key for key, the Lambda event, the
HTTP headers, and signatures a subscriber can verify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from certherd import pki
from certherd.domain.sns_envelopes import (
    envelope_attributes,
    function_event,
    http_headers,
    notification_document,
    string_to_sign,
    subscription_confirmation_document,
    unsubscribe_confirmation_document,
)
from certherd.domain.sns_messages import MessageAttributeValue
from certherd.pki import KeyAlgorithm, Subject, Validity
from certherd.pki.message_signing import signer, verify_message

TOPIC = "arn:aws:sns:us-west-2:123456789012:MyTopic"
SUBSCRIPTION = f"{TOPIC}:c9135db0-26c4-47ec-8998-413945fb5a96"
CERT_URL = (
    "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-"
    "f3ecfb7224c7233fe7bb5f59f96de52f.pem"
)
UNSUBSCRIBE_URL = (
    f"https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SUBSCRIPTION}"
)

# [SNS-DG sns-message-and-json-formats.md], as json.loads reads it (keys in AWS's order).
AWS_NOTIFICATION = """{
  "Type" : "Notification",
  "MessageId" : "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:MyTopic",
  "Subject" : "My First Message",
  "Message" : "Hello world!",
  "Timestamp" : "2012-05-02T00:54:06.655Z",
  "SignatureVersion" : "1",
  "Signature" : "EXAMPLEw6JRN...",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
  "UnsubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96"
}"""
AWS_CONFIRMATION = """{
  "Type" : "SubscriptionConfirmation",
  "MessageId" : "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
  "Token" : "2336412f37...",
  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:MyTopic",
  "Message" : "You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\\nTo confirm the subscription, visit the SubscribeURL included in this message.",
  "SubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37...",
  "Timestamp" : "2012-04-26T20:45:04.751Z",
  "SignatureVersion" : "1",
  "Signature" : "EXAMPLEpH+...",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"
}"""  # noqa: E501 - AWS's example, verbatim


class RecordingSigner:
    """Returns a fixed signature and keeps what it was asked to sign."""

    def __init__(self, signature: str) -> None:
        self.signature = signature
        self.signed: list[bytes] = []

    def __call__(self, data: bytes) -> str:
        self.signed.append(data)
        return self.signature


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    key = pki.generate_private_key(KeyAlgorithm.RSA_2048)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@pytest.fixture(scope="module")
def certificate_pem(signing_key: rsa.RSAPrivateKey) -> bytes:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    certificate = pki.self_signed_ca_certificate(
        key=signing_key,
        subject=Subject(common_name="sns.certherd.test"),
        validity=Validity(now, now + timedelta(days=30)),
        serial=pki.new_serial(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_notification_is_aws_example_key_for_key() -> None:
    sign = RecordingSigner("EXAMPLEw6JRN...")
    document = notification_document(
        message_id="22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        topic_arn=TOPIC,
        subject="My First Message",
        message="Hello world!",
        timestamp=datetime(2012, 5, 2, 0, 54, 6, 655_000, tzinfo=UTC),
        signature_version="1",
        signing_cert_url=CERT_URL,
        unsubscribe_url=UNSUBSCRIBE_URL,
        message_attributes={},
        sign=sign,
    )
    expected = json.loads(AWS_NOTIFICATION)
    assert list(document.items()) == list(expected.items())
    assert sign.signed == [string_to_sign(expected)]


def test_confirmation_is_aws_example_key_for_key() -> None:
    sign = RecordingSigner("EXAMPLEpH+...")
    expected = json.loads(AWS_CONFIRMATION)
    document = subscription_confirmation_document(
        message_id="165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        topic_arn=TOPIC,
        token="2336412f37...",
        subscribe_url=expected["SubscribeURL"],
        timestamp="2012-04-26T20:45:04.751Z",
        signature_version="1",
        signing_cert_url=CERT_URL,
        sign=sign,
    )
    assert list(document.items()) == list(expected.items())
    assert sign.signed == [string_to_sign(expected)]


def test_unsubscribe_confirmation() -> None:
    document = unsubscribe_confirmation_document(
        message_id="m-1",
        topic_arn=TOPIC,
        subscription_arn=SUBSCRIPTION,
        token="tok",
        subscribe_url="https://certherd.test/sns/confirm?TopicArn=x&Token=tok",
        timestamp="2026-01-01T00:00:00.000Z",
        signature_version="2",
        signing_cert_url=CERT_URL,
        sign=RecordingSigner("sig"),
    )
    assert list(document) == list(json.loads(AWS_CONFIRMATION))
    assert document["Type"] == "UnsubscribeConfirmation"
    assert document["Message"] == (
        f"You have chosen to deactivate subscription {SUBSCRIPTION}.\n"
        "To cancel this operation and restore the subscription, visit the SubscribeURL "
        "included in this message."
    )


def test_notification_without_subject_and_with_attributes() -> None:
    document = notification_document(
        message_id="m-2",
        topic_arn=TOPIC,
        subject=None,
        message="body",
        timestamp="2026-01-01T00:00:00.000Z",
        signature_version="2",
        signing_cert_url=CERT_URL,
        unsubscribe_url=UNSUBSCRIBE_URL,
        message_attributes={
            "ErrorCode": MessageAttributeValue("Number", string_value="200"),
            "Blob": MessageAttributeValue("Binary", binary_value=b"\x00\xff"),
            "Sans": MessageAttributeValue("String.Array", string_value='["a","b"]'),
        },
        sign=RecordingSigner("sig"),
    )
    assert "Subject" not in document
    assert list(document) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ]
    assert document["MessageAttributes"] == {
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "Blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\xff").decode()},
        "Sans": {"Type": "String.Array", "Value": '["a","b"]'},
    }


def test_function_event_shape() -> None:
    event = function_event(
        subscription_arn=SUBSCRIPTION,
        message_id="m-3",
        topic_arn=TOPIC,
        subject=None,
        message='{"raise_error": 1}',
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        signature_version="1",
        signing_cert_url=CERT_URL,
        unsubscribe_url=UNSUBSCRIBE_URL,
        message_attributes={},
        sign=RecordingSigner("sig"),
    )
    assert event == {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": SUBSCRIPTION,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "m-3",
                    "TopicArn": TOPIC,
                    "Subject": None,
                    "Message": '{"raise_error": 1}',
                    "Timestamp": "2026-01-01T00:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "sig",
                    "SigningCertUrl": CERT_URL,
                    "UnsubscribeUrl": UNSUBSCRIBE_URL,
                    "MessageAttributes": {},
                },
            }
        ]
    }
    assert json.loads(json.dumps(event)) == event


def test_function_event_types_numbers_and_arrays_as_strings() -> None:
    attributes = {
        "n": MessageAttributeValue("Number", string_value="1"),
        "f": MessageAttributeValue("Number.float", string_value="1.5"),
        "a": MessageAttributeValue("String.Array", string_value="[1]"),
        "s": MessageAttributeValue("String.label", string_value="x"),
        "b": MessageAttributeValue("Binary", binary_value=b"x"),
    }
    assert envelope_attributes(attributes, for_lambda=True) == {
        "n": {"Type": "String", "Value": "1"},
        "f": {"Type": "String", "Value": "1.5"},
        "a": {"Type": "String", "Value": "[1]"},
        "s": {"Type": "String.label", "Value": "x"},
        "b": {"Type": "Binary", "Value": "eA=="},
    }


@pytest.mark.parametrize("version", ["1", "2"])
def test_documents_verify_with_the_signing_certificate(
    version: str, signing_key: rsa.RSAPrivateKey, certificate_pem: bytes
) -> None:
    sign = signer(signing_key, signature_version=version)
    common = {
        "message_id": "m-4",
        "topic_arn": TOPIC,
        "timestamp": datetime(2026, 1, 1, tzinfo=UTC),
        "signature_version": version,
        "signing_cert_url": CERT_URL,
        "sign": sign,
    }
    published = {
        "subject": "Certificate expires in 30 days",
        "message": '{"detail-type": "ACM Certificate Approaching Expiration"}',
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "message_attributes": {"k": MessageAttributeValue("String", string_value="v")},
    }
    notification = notification_document(**common, **published)
    event = function_event(subscription_arn=SUBSCRIPTION, **common, **published)
    confirmation = subscription_confirmation_document(
        token="tok",
        subscribe_url="https://certherd.test/sns/confirm",
        **common,
    )
    records = event["Records"]
    assert isinstance(records, list)
    for document in (notification, confirmation, records[0]["Sns"]):
        assert verify_message(json.loads(json.dumps(document)), certificate_pem)
    assert not verify_message({**notification, "Message": "changed"}, certificate_pem)


def test_http_headers() -> None:
    assert http_headers(
        message_type="Notification",
        message_id="m-5",
        topic_arn=TOPIC,
        subscription_arn=SUBSCRIPTION,
        raw=False,
    ) == {
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": "m-5",
        "x-amz-sns-topic-arn": TOPIC,
        "x-amz-sns-subscription-arn": SUBSCRIPTION,
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Amazon Simple Notification Service Agent",
    }
    confirmation = http_headers(
        message_type="SubscriptionConfirmation",
        message_id="m-6",
        topic_arn=TOPIC,
        subscription_arn=None,
        raw=False,
    )
    assert "x-amz-sns-subscription-arn" not in confirmation
    raw = http_headers(
        message_type="Notification",
        message_id="m-7",
        topic_arn=TOPIC,
        subscription_arn=SUBSCRIPTION,
        raw=True,
    )
    assert raw["x-amz-sns-rawdelivery"] == "true"
    with pytest.raises(ValueError):
        http_headers(
            message_type="Bogus", message_id="m", topic_arn=TOPIC, subscription_arn=None, raw=False
        )
