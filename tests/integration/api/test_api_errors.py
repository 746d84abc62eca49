"""Bad input is a 400 problem naming the field, and nothing is stored after a failed write;
unknown resources are 404; the server's own failures are 500s that say nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from apitest_support import (
    Api,
    assert_problem,
    cert_pem,
    ec_key,
    key_pem,
    last_segment,
    self_signed,
)
from fastapi.testclient import TestClient

from certherd.errors import KeyStoreError

CERTS = "/v1/certificates"
JSON = {"Content-Type": "application/json"}
PCA = "arn:aws:acm-pca"


def _stored(api: Api) -> tuple[int, int]:
    """(certificates, sealed secrets) in the database: what a failed write must not change."""
    with api.container.engine.connect() as connection:
        certificates = connection.execute(sa.text("SELECT count(*) FROM certificates")).scalar_one()
        secrets = connection.execute(sa.text("SELECT count(*) FROM secrets")).scalar_one()
    return int(certificates), int(secrets)


@pytest.fixture
def material(api: Api) -> dict[str, str]:
    key = ec_key()
    cert = self_signed(key, "good.example.com", not_before=api.clock.now() - timedelta(hours=1))
    return {"Certificate": cert_pem(cert), "PrivateKey": key_pem(key)}


def _expired(api: Api) -> dict[str, str]:
    key = ec_key()
    cert = self_signed(
        key, "old.example.com", not_before=datetime(2020, 1, 1, tzinfo=UTC), days=365
    )
    return {"Certificate": cert_pem(cert), "PrivateKey": key_pem(key)}


def test_bad_imports_are_400_and_store_nothing(api: Api, material: dict[str, str]) -> None:
    other_key = key_pem(ec_key())
    cases: list[tuple[dict[str, Any], str]] = [
        ({**material, "Certificate": "hello, I am not PEM"}, "Certificate"),
        ({**material, "Certificate": ""}, "Certificate"),
        (
            {
                **material,
                "PrivateKey": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            },
            "PrivateKey",
        ),
        ({**material, "PrivateKey": other_key}, "PrivateKey"),
        ({**material, "CertificateChain": "not a chain"}, "CertificateChain"),
        (_expired(api), "Certificate"),
        ({**material, "Tags": [{"Key": f"k{i}"} for i in range(51)]}, "Tags"),
        ({**material, "Extra": "field"}, "Extra"),
        ({"Certificate": material["Certificate"]}, "PrivateKey"),
        ({**material, "Certificate": 42}, "Certificate"),
    ]
    before = _stored(api)
    for body, field in cases:
        problem = assert_problem(api.post(f"{CERTS}/import", json=body), 400, field=field)
        assert "PRIVATE KEY" not in problem["detail"]
        assert _stored(api) == before, field
    assert api.count() == 0


def test_limits_are_limit_exceeded(api: Api, material: dict[str, str]) -> None:
    body = assert_problem(
        api.post(
            f"{CERTS}/import", json={**material, "Tags": [{"Key": f"k{i}"} for i in range(51)]}
        ),
        400,
        field="Tags",
    )
    assert body["code"] == "LimitExceeded"
    assert body["type"] == "https://certherd.dev/problems/limit-exceeded"


def test_malformed_json_is_400(api: Api) -> None:
    before = _stored(api)
    for raw in (b"{", b"[1, 2", b'{"DomainName": "x.example.com",}', b"\xff\xfe"):
        body = assert_problem(api.post(f"{CERTS}/import", content=raw, headers=JSON), 400)
        assert "JSON" in body["detail"]
    assert_problem(api.post(f"{CERTS}/import", content=b"[]", headers=JSON), 400)
    assert_problem(api.post(f"{CERTS}/import", content=b"null", headers=JSON), 400)
    assert_problem(api.post(f"{CERTS}/import"), 400)  # no body at all
    assert _stored(api) == before


def test_bad_requests_are_400_and_store_nothing(api: Api, root: dict[str, Any]) -> None:
    base = {
        "DomainName": "ok.example.com",
        "CertificateAuthorityArn": root["Arn"],
        "KeyAlgorithm": "EC_prime256v1",
    }
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**base, "DomainName": "ab--c.example"}, "DomainName", "ValidationError"),
        ({**base, "DomainName": ""}, "DomainName", "ValidationError"),
        (
            {**base, "SubjectAlternativeNames": [f"n{i}.example.com" for i in range(100)]},
            "SubjectAlternativeNames",
            "LimitExceeded",
        ),
        (
            {**base, "SubjectAlternativeNames": ["fine.example.com", "bad_name!"]},
            "SubjectAlternativeNames[1]",
            "ValidationError",
        ),
        (
            {**base, "Tags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]},
            "Tags",
            "LimitExceeded",
        ),
        (
            {**base, "Tags": [{"Key": "a", "Value": "v", "Colour": "red"}]},
            "Tags[0].Colour",
            "ValidationError",
        ),
        ({**base, "KeyAlgorithm": "RSA_4096"}, "KeyAlgorithm", "ValidationError"),
        ({**base, "KeyAlgorithm": "ED25519"}, "KeyAlgorithm", "ValidationError"),
        ({**base, "ValidityInDays": 0}, "ValidityInDays", "ValidationError"),
        ({**base, "ValidityInDays": "a year"}, "ValidityInDays", "ValidationError"),
        ({**base, "IdempotencyToken": "has spaces"}, "IdempotencyToken", "ValidationError"),
        ({**base, "domainName": "x.example.com"}, "domainName", "ValidationError"),
        ({k: v for k, v in base.items() if k != "DomainName"}, "DomainName", "ValidationError"),
        (
            {
                **base,
                "CertificateAuthorityArn": f"{PCA}:us-east-1:000000000000:certificate-authority/no",
            },
            "CertificateAuthorityArn",
            "ResourceNotFound",
        ),
        (
            {
                **base,
                "CertificateAuthorityArn": f"{PCA}:eu-west-1:000000000000:certificate-authority/x",
            },
            "CertificateAuthorityArn",
            "ValidationError",
        ),
    ]
    before = _stored(api)
    for body, field, code in cases:
        response = api.post(CERTS, json=body)
        status = 404 if code == "ResourceNotFound" else 400
        problem = assert_problem(response, status, field=field)
        assert problem["code"] == code, problem
        assert problem["detail"].startswith(field), problem
        assert _stored(api) == before, field


def test_the_101st_name_is_refused(api: Api, root: dict[str, Any]) -> None:
    names = [f"n{i}.example.com" for i in range(99)]
    ok = api.post(
        CERTS,
        json={
            "DomainName": "x.example.com",
            "SubjectAlternativeNames": names,
            "CertificateAuthorityArn": root["Arn"],
            "KeyAlgorithm": "EC_prime256v1",
        },
    )
    assert ok.status_code == 201, ok.text  # 100 names in all
    refused = api.post(
        CERTS,
        json={
            "DomainName": "y.example.com",
            "SubjectAlternativeNames": [*names, "n99.example.com"],
            "CertificateAuthorityArn": root["Arn"],
            "KeyAlgorithm": "EC_prime256v1",
        },
    )
    assert_problem(refused, 400, field="SubjectAlternativeNames")
    assert api.count() == 1


def test_bad_passphrases_are_400_and_never_echoed(api: Api, root: dict[str, Any]) -> None:
    cid = last_segment(api.request_certificate(root["Arn"]))
    for passphrase in ("abc", "pass#word", "dollar$", "100%", "tab\there", "é-accent", "x" * 129):
        response = api.post(f"{CERTS}/{cid}/export", json={"Passphrase": passphrase})
        body = assert_problem(response, 400, field="Passphrase")
        assert passphrase not in response.text
        assert body["detail"].startswith("Passphrase")
    assert api.describe(cid)["Exported"] is False


def test_unknown_certificates_are_404(api: Api) -> None:
    unknown = "0b8c2d8e-0000-4000-8000-000000000000"
    for method, path, body in [
        ("GET", f"{CERTS}/{unknown}", None),
        ("GET", f"{CERTS}/{unknown}/pem", None),
        ("GET", f"{CERTS}/{unknown}/versions", None),
        ("GET", f"{CERTS}/{unknown}/tags", None),
        ("POST", f"{CERTS}/{unknown}/renew", None),
        ("POST", f"{CERTS}/{unknown}/export", {"Passphrase": "abcd"}),
        ("POST", f"{CERTS}/{unknown}/revoke", {"RevocationReason": "UNSPECIFIED"}),
        ("DELETE", f"{CERTS}/{unknown}", None),
        ("GET", f"{CERTS}/not%20an%20id", None),
        ("GET", f"{CERTS}/{'x' * 200}", None),
    ]:
        response = api.client.request(method, path, json=body, headers=api.headers)
        assert_problem(response, 404)
    reimport = api.post(
        f"{CERTS}/import",
        json={
            "Certificate": "x",
            "PrivateKey": "y",
            "CertificateArn": f"arn:aws:acm:us-east-1:000000000000:certificate/{unknown}",
        },
    )
    assert_problem(reimport, 400)  # the material is checked before the ARN is looked up


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    body = assert_problem(api.get("/v1/nothing-here"), 404)
    assert body["code"] == "ResourceNotFound"
    assert_problem(api.client.put("/healthz"), 405)


def test_oversized_bodies_are_413(api: Api) -> None:
    response = api.post(f"{CERTS}/import", content=b"x" * (5 * 1024 * 1024), headers=JSON)
    assert_problem(response, 413)


def test_unexpected_failures_are_500_without_details(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(**_: Any) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(api.container.certificates, "count", explode)
    quiet = TestClient(api.client.app, raise_server_exceptions=False)
    response = quiet.get(f"{CERTS}/count", headers=api.headers)
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text
    assert body["code"] == "InternalError"

    def sealed(**_: Any) -> None:
        raise KeyStoreError("secret 1234 could not be opened with key abcd")

    monkeypatch.setattr(api.container.certificates, "count", sealed)
    response = quiet.get(f"{CERTS}/count", headers=api.headers)
    assert_problem(response, 500)
    assert "abcd" not in response.text
