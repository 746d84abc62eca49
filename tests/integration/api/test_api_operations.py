"""``/healthz``, ``/metrics``, the open CRLs and the OpenAPI document."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from apitest_support import Api, assert_problem, cert_pem, ec_key, key_pem, self_signed
from cryptography import x509

import certherd


def test_healthz(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": certherd.__version__}


def test_healthz_reports_an_unreachable_database(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(api.container.engine, "connect", refuse)
    response = api.client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert "refused" not in response.text


_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)\{(?P<labels>.*)\} (?P<value>-?[0-9.e+]+)$")
_LABEL = re.compile(r'(?P<key>[a-z_]+)="(?P<value>(?:[^"\\]|\\.)*)"')


def _parse(text: str) -> tuple[dict[str, str], list[tuple[str, dict[str, str], float]]]:
    types: dict[str, str] = {}
    samples: list[tuple[str, dict[str, str], float]] = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line.startswith("# HELP "):
            continue
        elif line:
            match = _SAMPLE.match(line)
            assert match, line
            labels = {m["key"]: m["value"] for m in _LABEL.finditer(match["labels"])}
            samples.append((match["name"], labels, float(match["value"])))
    return types, samples


def test_metrics(api: Api, root: dict[str, Any]) -> None:
    arn = api.request_certificate(root["Arn"], "www.example.com", ValidityInDays=30)
    key = ec_key()
    tricky = self_signed(key, 'we"ird\\name', not_before=api.clock.now(), days=10)
    imported = api.post(
        "/v1/certificates/import",
        json={"Certificate": cert_pem(tricky), "PrivateKey": key_pem(key)},
    )
    assert imported.status_code == 201, imported.text
    api.clock.advance(timedelta(days=15))  # the imported one has expired now

    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert '\\"' in response.text and "\\\\" in response.text  # label values are escaped
    types, samples = _parse(response.text)
    assert types == {
        "certherd_certificate_expiry_timestamp_seconds": "gauge",
        "certherd_certificates": "gauge",
    }
    expiry = {s[1]["arn"]: s for s in samples if s[0].endswith("_timestamp_seconds")}
    assert set(expiry) == {arn, imported.json()["CertificateArn"]}
    _, labels, value = expiry[arn]
    assert labels == {
        "arn": arn,
        "common_name": "www.example.com",
        "type": "PRIVATE",
        "status": "ISSUED",
    }
    assert value == (api.clock.now() - timedelta(days=15) + timedelta(days=30)).timestamp()
    _, labels, _ = expiry[imported.json()["CertificateArn"]]
    assert labels["status"] == "EXPIRED"
    assert labels["type"] == "IMPORTED"
    assert labels["common_name"] == 'we\\"ird\\\\name'
    counts = {s[1]["status"]: s[2] for s in samples if s[0] == "certherd_certificates"}
    assert counts["ISSUED"] == 1
    assert counts["EXPIRED"] == 1
    assert counts["REVOKED"] == 0


def test_metrics_are_per_account(api: Api, root: dict[str, Any]) -> None:
    api.request_certificate(root["Arn"])
    other = api.get("/metrics", headers={"X-Certherd-Account": "111111111111"})
    assert other.status_code == 200
    _, samples = _parse(other.text)
    assert [s for s in samples if s[0].endswith("_timestamp_seconds")] == []


def test_open_crl(api: Api, root: dict[str, Any]) -> None:
    path = f"/crl/000000000000/{root['Id']}.crl"
    response = api.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert len(list(crl)) == 0
    assert crl.issuer.rfc4514_string() == "CN=Test Root,O=certherd tests"
    for missing in (
        f"/crl/111111111111/{root['Id']}.crl",
        f"/crl/000000000000/{'0' * 8}-0000-4000-8000-{'0' * 12}.crl",
        f"/crl/0000/{root['Id']}.crl",
        "/crl/000000000000/weird%20id.crl",
    ):
        assert_problem(api.client.get(missing), 404)


def test_a_ca_without_crl_publishes_none(api: Api) -> None:
    ca = api.root_ca(RevocationConfiguration={"CrlConfiguration": {"Enabled": False}})
    assert ca["RevocationConfiguration"]["CrlConfiguration"]["CrlUrl"] is None
    assert_problem(api.client.get(f"/crl/000000000000/{ca['Id']}.crl"), 404)


def test_the_openapi_document(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    expected = {
        ("post", "/v1/certificate-authorities"),
        ("get", "/v1/certificate-authorities"),
        ("get", "/v1/certificate-authorities/{authority_id}"),
        ("patch", "/v1/certificate-authorities/{authority_id}"),
        ("delete", "/v1/certificate-authorities/{authority_id}"),
        ("post", "/v1/certificate-authorities/{authority_id}/restore"),
        ("get", "/v1/certificate-authorities/{authority_id}/csr"),
        ("get", "/v1/certificate-authorities/{authority_id}/certificate"),
        ("put", "/v1/certificate-authorities/{authority_id}/certificate"),
        ("get", "/v1/certificate-authorities/{authority_id}/permissions"),
        ("post", "/v1/certificate-authorities/{authority_id}/permissions"),
        ("delete", "/v1/certificate-authorities/{authority_id}/permissions"),
        ("post", "/v1/certificate-authorities/{authority_id}/issue"),
        ("get", "/v1/certificate-authorities/{authority_id}/certificates/{serial}"),
        ("post", "/v1/certificate-authorities/{authority_id}/revocations"),
        ("get", "/v1/certificate-authorities/{authority_id}/crl"),
        ("post", "/v1/certificate-authorities/{authority_id}/tags"),
        ("post", "/v1/certificate-authorities/{authority_id}/tags/remove"),
        ("post", "/v1/certificates"),
        ("post", "/v1/certificates/batch"),
        ("post", "/v1/certificates/import"),
        ("get", "/v1/certificates"),
        ("get", "/v1/certificates/count"),
        ("get", "/v1/certificates/{certificate_id}"),
        ("get", "/v1/certificates/{certificate_id}/pem"),
        ("get", "/v1/certificates/{certificate_id}/versions"),
        ("post", "/v1/certificates/{certificate_id}/export"),
        ("post", "/v1/certificates/{certificate_id}/renew"),
        ("post", "/v1/certificates/{certificate_id}/revoke"),
        ("delete", "/v1/certificates/{certificate_id}"),
        ("get", "/v1/certificates/{certificate_id}/tags"),
        ("post", "/v1/certificates/{certificate_id}/tags"),
        ("post", "/v1/certificates/{certificate_id}/tags/remove"),
        ("post", "/v1/certificates/{certificate_id}/in-use-by"),
        ("delete", "/v1/certificates/{certificate_id}/in-use-by"),
        ("get", "/v1/account-configuration"),
        ("put", "/v1/account-configuration"),
        ("get", "/healthz"),
        ("get", "/metrics"),
        ("get", "/crl/{account}/{authority_id}.crl"),
        ("post", "/v1/buses"),
        ("get", "/v1/buses"),
        ("get", "/v1/buses/{bus}"),
        ("delete", "/v1/buses/{bus}"),
        ("post", "/v1/events"),
        ("get", "/v1/events"),
        ("get", "/v1/events/{event_id}"),
        ("post", "/v1/events/test-pattern"),
        ("get", "/v1/invocations"),
        ("get", "/v1/findings"),
        ("get", "/v1/findings/export"),
        ("get", "/v1/findings/{finding_id}"),
        ("patch", "/v1/findings/{finding_id}"),
        ("post", "/v1/functions"),
        ("get", "/v1/functions"),
        ("get", "/v1/functions/{name}"),
        ("delete", "/v1/functions/{name}"),
        ("post", "/v1/functions/{name}/invocations"),
        ("get", "/v1/functions/{name}/invocations"),
        ("post", "/v1/connections"),
        ("get", "/v1/connections"),
        ("get", "/v1/connections/{name}"),
        ("patch", "/v1/connections/{name}"),
        ("delete", "/v1/connections/{name}"),
        ("post", "/v1/api-destinations"),
        ("get", "/v1/api-destinations"),
        ("get", "/v1/api-destinations/{name}"),
        ("patch", "/v1/api-destinations/{name}"),
        ("delete", "/v1/api-destinations/{name}"),
        ("get", "/v1/buses/{bus}/rules"),
        ("put", "/v1/buses/{bus}/rules/{name}"),
        ("get", "/v1/buses/{bus}/rules/{name}"),
        ("delete", "/v1/buses/{bus}/rules/{name}"),
        ("post", "/v1/buses/{bus}/rules/{name}/enable"),
        ("post", "/v1/buses/{bus}/rules/{name}/disable"),
        ("get", "/v1/buses/{bus}/rules/{name}/targets"),
        ("post", "/v1/buses/{bus}/rules/{name}/targets"),
        ("post", "/v1/buses/{bus}/rules/{name}/targets/remove"),
        ("post", "/v1/queues"),
        ("get", "/v1/queues"),
        ("get", "/v1/queues/{name}"),
        ("patch", "/v1/queues/{name}"),
        ("delete", "/v1/queues/{name}"),
        ("get", "/v1/queues/{name}/attributes"),
        ("get", "/v1/queues/{name}/url"),
        ("post", "/v1/queues/{name}/purge"),
        ("post", "/v1/queues/{name}/redrive"),
        ("post", "/v1/queues/{name}/messages"),
        ("post", "/v1/queues/{name}/messages/batch"),
        ("post", "/v1/queues/{name}/messages/receive"),
        ("post", "/v1/queues/{name}/messages/delete"),
        ("post", "/v1/queues/{name}/messages/delete-batch"),
        ("post", "/v1/queues/{name}/messages/visibility"),
        ("get", "/v1/queues/{name}/tags"),
        ("post", "/v1/queues/{name}/tags"),
        ("post", "/v1/queues/{name}/tags/remove"),
        ("get", "/v1/lifecycle/clock"),
        ("get", "/v1/lifecycle/forecast"),
        ("post", "/v1/lifecycle/run"),
        ("post", "/v1/archives"),
        ("get", "/v1/archives"),
        ("get", "/v1/archives/{name}"),
        ("patch", "/v1/archives/{name}"),
        ("delete", "/v1/archives/{name}"),
        ("post", "/v1/replays"),
        ("get", "/v1/replays"),
        ("get", "/v1/replays/{name}"),
        ("post", "/v1/replays/{name}/cancel"),
        ("post", "/v1/buses/{bus}/permissions"),
        ("delete", "/v1/buses/{bus}/permissions"),
        ("delete", "/v1/buses/{bus}/permissions/{statement_id}"),
        ("post", "/v1/topics"),
        ("get", "/v1/topics"),
        ("get", "/v1/topics/{topic}"),
        ("delete", "/v1/topics/{topic}"),
        ("put", "/v1/topics/{topic}/attributes/{name}"),
        ("post", "/v1/topics/{topic}/allow-events"),
        ("post", "/v1/topics/{topic}/publish"),
        ("post", "/v1/topics/{topic}/publish-batch"),
        ("get", "/v1/topics/{topic}/tags"),
        ("post", "/v1/topics/{topic}/tags"),
        ("post", "/v1/topics/{topic}/tags/remove"),
        ("post", "/v1/subscriptions"),
        ("get", "/v1/subscriptions"),
        ("post", "/v1/subscriptions/confirm"),
        ("get", "/v1/subscriptions/{arn}"),
        ("put", "/v1/subscriptions/{arn}/attributes/{name}"),
        ("delete", "/v1/subscriptions/{arn}"),
        ("get", "/v1/deliveries"),
        ("get", "/v1/deliveries/{delivery_id}"),
        ("post", "/v1/deliveries/redrive"),
        ("get", "/v1/mailbox"),
        ("get", "/v1/mailbox/{mail_id}"),
        ("get", "/v1/mail-relay"),
        ("put", "/v1/mail-relay"),
        ("delete", "/v1/mail-relay"),
        ("post", "/v1/deployments"),
        ("get", "/v1/deployments"),
        ("get", "/v1/deployments/{name}"),
        ("delete", "/v1/deployments/{name}"),
        ("post", "/v1/deployments/{name}/run"),
        ("post", "/v1/deployments/{name}/rollback"),
        ("get", "/v1/deployments/{name}/history"),
        ("get", "/sns/confirm"),
        ("get", "/sns/unsubscribe"),
        ("get", "/sns/{name}"),
    }
    found = {(method, path) for path, item in paths.items() for method in item}
    assert found == expected
    for path, item in paths.items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            assert "422" not in operation["responses"], (method, path)
            if path.startswith("/v1") or path == "/metrics":
                assert operation.get("security"), (method, path)
    assert paths["/v1/certificates"]["post"]["responses"]["201"]
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["KeyAlgorithm"]["enum"]) >= {"RSA_2048", "EC_prime256v1", "EC_secp384r1"}
    request = schemas["RequestCertificateBody"]
    assert {"DomainName", "CertificateAuthorityArn", "SubjectAlternativeNames"} <= set(
        request["properties"]
    )
    assert request.get("additionalProperties") is False
    detail = schemas["CertificateDetailOut"]["properties"]
    assert {"CertificateArn", "DaysToExpiry", "RenewalSummary", "Tags"} <= set(detail)
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
