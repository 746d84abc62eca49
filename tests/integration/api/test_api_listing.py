"""``GET /v1/certificates`` and ``/count``: filters, sorting, pagination."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from apitest_support import (
    SUMMARY_FIELDS,
    Api,
    assert_problem,
    cert_pem,
    ec_key,
    key_pem,
    self_signed,
)

CERTS = "/v1/certificates"


@pytest.fixture
def inventory(api: Api, root: dict[str, Any]) -> dict[str, str]:
    """Five certificates: four private ones of two key types and tags, one imported."""
    arns = {
        "a": api.request_certificate(
            root["Arn"], "a.example.com", ValidityInDays=30, Tags=[{"Key": "env", "Value": "prod"}]
        ),
        "b": api.request_certificate(
            root["Arn"],
            "b.example.com",
            ValidityInDays=200,
            KeyAlgorithm="EC_secp384r1",
            Tags=[{"Key": "env", "Value": "dev"}],
        ),
        "c": api.request_certificate(root["Arn"], "c.example.com", ValidityInDays=10),
        "d": api.request_certificate(
            root["Arn"], "d.example.com", ValidityInDays=365, Tags=[{"Key": "team"}]
        ),
    }
    key = ec_key()
    cert = self_signed(key, "e.example.com", not_before=api.clock.now(), days=60)
    imported = api.post(
        f"{CERTS}/import", json={"Certificate": cert_pem(cert), "PrivateKey": key_pem(key)}
    )
    assert imported.status_code == 201, imported.text
    arns["e"] = imported.json()["CertificateArn"]
    return arns


def _names(api: Api, **params: Any) -> list[str]:
    response = api.get(CERTS, params=params)
    assert response.status_code == 200, response.text
    return [s["DomainName"].split(".")[0] for s in response.json()["CertificateSummaryList"]]


def test_summaries_have_every_documented_field(api: Api, inventory: dict[str, str]) -> None:
    body = api.get(CERTS).json()
    assert body["NextToken"] is None
    assert len(body["CertificateSummaryList"]) == 5
    for summary in body["CertificateSummaryList"]:
        assert list(summary) == SUMMARY_FIELDS
    a = next(s for s in body["CertificateSummaryList"] if s["CertificateArn"] == inventory["a"])
    assert a["SubjectAlternativeNameSummaries"] == ["a.example.com"]
    assert a["HasAdditionalSubjectAlternativeNames"] is False
    assert a["DaysToExpiry"] == 30
    assert a["InUse"] is False


def test_filters(api: Api, inventory: dict[str, str], root: dict[str, Any]) -> None:
    assert sorted(_names(api, **{"key-algorithm": "EC_secp384r1"})) == ["b"]
    assert sorted(_names(api, **{"key-algorithm": ["EC_secp384r1", "EC_prime256v1"]})) == [
        "a",
        "b",
        "c",
        "d",
        "e",
    ]
    assert _names(api, type="IMPORTED") == ["e"]
    assert sorted(_names(api, type="PRIVATE")) == ["a", "b", "c", "d"]
    assert sorted(_names(api, tag="env")) == ["a", "b"]
    assert _names(api, tag="env=prod") == ["a"]
    assert sorted(_names(api, tag=["env", "team"])) == []  # every tag filter must match
    assert _names(api, tag="team") == ["d"]
    assert sorted(_names(api, ca=root["Arn"])) == ["a", "b", "c", "d"]
    assert sorted(_names(api, ca=root["Id"])) == ["a", "b", "c", "d"]
    assert sorted(_names(api, status="ISSUED")) == ["a", "b", "c", "d", "e"]
    assert _names(api, status="REVOKED") == []
    assert api.count(**{"key-algorithm": "EC_prime256v1"}) == 4
    assert api.count(tag="env") == 2
    assert api.count() == 5


def test_expiring_within_days_sorts_soonest_first(api: Api, inventory: dict[str, str]) -> None:
    assert _names(api, **{"expiring-within-days": 100}) == ["c", "a", "e"]
    assert api.count(**{"expiring-within-days": 100}) == 3
    assert _names(api, **{"expiring-within-days": 100, "sort-order": "DESCENDING"}) == [
        "e",
        "a",
        "c",
    ]
    assert _names(
        api, **{"expiring-within-days": 100, "sort-by": "DOMAIN_NAME", "sort-order": "ASCENDING"}
    ) == ["a", "c", "e"]
    # Once expired, a certificate is no longer "expiring" and its status is EXPIRED.
    api.clock.advance(timedelta(days=20))
    assert _names(api, **{"expiring-within-days": 100}) == ["a", "e"]
    assert _names(api, status="EXPIRED") == ["c"]
    assert api.count(status="ISSUED") == 4


def test_sorting(api: Api, inventory: dict[str, str]) -> None:
    ascending = {"sort-by": "DOMAIN_NAME", "sort-order": "ASCENDING"}
    assert _names(api, **ascending) == ["a", "b", "c", "d", "e"]
    assert _names(api, **{"sort-by": "DOMAIN_NAME", "sort-order": "DESCENDING"}) == [
        "e",
        "d",
        "c",
        "b",
        "a",
    ]
    assert _names(api, **{"sort-by": "NOT_AFTER", "sort-order": "ASCENDING"}) == [
        "c",
        "a",
        "e",
        "b",
        "d",
    ]


def test_pagination_visits_every_certificate_once(api: Api, inventory: dict[str, str]) -> None:
    for order in (
        {},
        {"sort-by": "NOT_AFTER", "sort-order": "ASCENDING"},
        {"sort-by": "DOMAIN_NAME", "sort-order": "DESCENDING"},
    ):
        _walk(api, inventory, order)


def _walk(api: Api, inventory: dict[str, str], order: dict[str, str]) -> None:
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"max-items": 2, **order}
        if token:
            params["next-token"] = token
        body = api.get(CERTS, params=params).json()
        pages += 1
        assert len(body["CertificateSummaryList"]) <= 2
        seen += [s["CertificateArn"] for s in body["CertificateSummaryList"]]
        token = body["NextToken"]
        if token is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(inventory.values())
    unpaged = [
        s["CertificateArn"] for s in api.get(CERTS, params=order).json()["CertificateSummaryList"]
    ]
    assert seen == unpaged


def _token(values: list[str]) -> str:
    """A NextToken of our format (forged)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


BAD_QUERIES: list[tuple[dict[str, Any], str]] = [
    ({"status": "BOGUS"}, "status"),
    ({"status": ["ISSUED", "BOGUS"]}, "status"),
    ({"key-algorithm": "DSA_1024"}, "key-algorithm"),
    ({"type": "STOLEN"}, "type"),
    ({"max-items": 0}, "max-items"),
    ({"max-items": 1001}, "max-items"),
    ({"max-items": "many"}, "max-items"),
    ({"next-token": "not-a-token"}, "next-token"),
    ({"next-token": _token(["a\x00", "x"]), "sort-by": "DOMAIN_NAME"}, "next-token"),
    ({"next-token": _token(["\ud800", "x"]), "sort-by": "DOMAIN_NAME"}, "next-token"),
    ({"sort-by": "COLOUR"}, "sort-by"),
    ({"sort-order": "UP"}, "sort-order"),
    ({"expiring-within-days": -1}, "expiring-within-days"),
    ({"tag": "=value"}, "tag"),
    ({"ca": "arn:aws:acm:us-east-1:000000000000:certificate/x"}, "ca"),
]


def test_bad_query_parameters_are_400_naming_them(api: Api) -> None:
    for params, field in BAD_QUERIES:
        assert_problem(api.get(CERTS, params=params), 400, field=field)
        if field not in ("max-items", "next-token", "sort-by", "sort-order"):
            assert_problem(api.get(f"{CERTS}/count", params=params), 400, field=field)
