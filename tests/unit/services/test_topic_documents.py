"""The JSON text of SNS's documents, and values shared by the deliveries of a batch."""

from __future__ import annotations

import json
import threading
from json.encoder import encode_basestring_ascii

import pytest

from certherd.services.topic_documents import BatchCache, pretty_json, pretty_json_around

NOTIFICATION: dict[str, object] = {
    "Type": "Notification",
    "MessageId": "4f0b6b2e-8d1f-4c1a-9b7e-0c8a3e1f2d55",
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts",
    "Subject": 'Réglé \u2713 "quoted" \\ back\nslash',
    "Message": '{"default": "x", "emoji": "\U0001f512", "control": "\u0001"}',
    "Timestamp": "2026-01-01T00:00:00.000Z",
    "SignatureVersion": "1",
    "Signature": "c2lnbmF0dXJl",
    "SigningCertURL": "http://127.0.0.1:8600/sns/SimpleNotificationService-ab.pem",
    "UnsubscribeURL": "http://127.0.0.1:8600/sns/unsubscribe?SubscriptionArn=a%3Ab",
    "MessageAttributes": {
        "severity": {"Type": "String", "Value": "high"},
        "count": {"Type": "Number", "Value": "3"},
    },
}


@pytest.mark.parametrize(
    "value",
    [
        NOTIFICATION,
        {},
        [],
        {"empty": {}, "none": [], "nested": [{"a": [1, 2.5, -0.0, 1e100]}, [], [[]]]},
        {"flags": [True, False, None], "big": 10**30, "tuple": (1, "two")},
        {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},
        "just a string",
        42,
        float("nan"),
        [float("inf"), float("-inf")],
    ],
)
def test_pretty_json_writes_what_json_dumps_with_indent_2_writes(value: object) -> None:
    assert pretty_json(value) == json.dumps(value, indent=2)


def test_pretty_json_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        pretty_json({"when": object()})
    with pytest.raises(TypeError):
        pretty_json({("a", "tuple"): "key"})


@pytest.mark.parametrize("key", ["Type", "UnsubscribeURL", "MessageAttributes"])
def test_a_document_rendered_around_one_value_takes_any_value_there(key: str) -> None:
    before, after = pretty_json_around(NOTIFICATION, key)
    for value in ["", 'http://x/?a=1&b="2"', "caf\u00e9 \u2603"]:
        expected = json.dumps({**NOTIFICATION, key: value}, indent=2)
        assert before + encode_basestring_ascii(value) + after == expected
    with pytest.raises(KeyError):
        pretty_json_around(NOTIFICATION, "Missing")


def test_a_batch_cache_makes_each_value_once_for_threads_asking_together() -> None:
    cache = BatchCache()
    made: list[str] = []
    release = threading.Event()

    def make() -> str:
        made.append("signature")
        release.wait(5)
        return "signature"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get(("sign", b"data"), make)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == ["signature"] * 8
    assert made == ["signature"]
    assert cache.get(("sign", b"other"), lambda: "other") == "other"


def test_a_failure_is_not_kept() -> None:
    cache = BatchCache()

    def broken() -> str:
        raise RuntimeError("the key store is away")

    with pytest.raises(RuntimeError):
        cache.get("key", broken)
    assert cache.get("key", lambda: "made") == "made"
