"""``/v1/certificates``: request, import, describe, PEM, versions, export, renew, revoke,
delete, tags, in-use, and the account configuration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from apitest_support import (
    DETAIL_FIELDS,
    Api,
    assert_problem,
    cert_pem,
    ec_key,
    key_pem,
    last_segment,
    self_signed,
)
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

CERTS = "/v1/certificates"


def test_request_and_describe(api: Api, root: dict[str, Any]) -> None:
    arn = api.request_certificate(
        root["Arn"],
        "www.example.com",
        SubjectAlternativeNames=["api.example.com", "www.example.com"],
        ValidityInDays=90,
        Tags=[{"Key": "env", "Value": "test"}],
    )
    assert arn.startswith("arn:aws:acm:us-east-1:000000000000:certificate/")
    detail = api.describe(arn)
    assert list(detail) == DETAIL_FIELDS
    assert detail["CertificateArn"] == arn
    assert detail["DomainName"] == "www.example.com"
    assert detail["SubjectAlternativeNames"] == ["www.example.com", "api.example.com"]
    assert detail["Subject"] == "CN=www.example.com"
    assert detail["Issuer"] == "CN=Test Root,O=certherd tests"
    assert detail["Status"] == "ISSUED"
    assert detail["Type"] == "PRIVATE"
    assert detail["KeyAlgorithm"] == "EC_prime256v1"
    assert detail["SignatureAlgorithm"] == "SHA256WITHECDSA"
    assert detail["CreatedAt"] == detail["IssuedAt"] == "2026-01-01T00:00:00Z"
    assert detail["ImportedAt"] is None
    assert detail["NotBefore"] == "2026-01-01T00:00:00Z"
    assert detail["NotAfter"] == "2026-04-01T00:00:00Z"
    assert detail["DaysToExpiry"] == 90
    assert detail["CertificateAuthorityArn"] == root["Arn"]
    assert detail["RenewalEligibility"] == "INELIGIBLE"
    assert detail["RenewalSummary"] is None
    assert detail["Options"] == {
        "CertificateTransparencyLoggingPreference": "DISABLED",
        "Export": "ENABLED",
    }
    assert detail["CertificateKeyPairOrigin"] == "AWS_MANAGED"
    assert detail["Exported"] is False
    assert detail["Version"] == 1
    assert detail["Tags"] == [{"Key": "env", "Value": "test"}]
    assert {"Name": "DIGITAL_SIGNATURE"} in detail["KeyUsages"]
    assert {"Name": "TLS_WEB_SERVER_AUTHENTICATION", "OID": "1.3.6.1.5.5.7.3.1"} in detail[
        "ExtendedKeyUsages"
    ]

    pem = api.get(f"{CERTS}/{last_segment(arn)}/pem").json()
    cert = x509.load_pem_x509_certificate(pem["Certificate"].encode())
    assert cert.serial_number == int(detail["Serial"].replace(":", ""), 16)
    root_pem = api.get(f"/v1/certificate-authorities/{root['Id']}/certificate").json()
    assert pem["CertificateChain"].strip() == root_pem["Certificate"].strip()


def test_the_same_idempotency_token_gives_the_same_certificate(
    api: Api, root: dict[str, Any]
) -> None:
    first = api.request_certificate(root["Arn"], IdempotencyToken="deploy_42")
    second = api.request_certificate(root["Arn"], IdempotencyToken="deploy_42")
    assert first == second
    assert api.count() == 1


def test_export_renew_and_versions(api: Api, root: dict[str, Any]) -> None:
    arn = api.request_certificate(root["Arn"], "app.example.com")
    cid = last_segment(arn)
    exported = api.post(f"{CERTS}/{cid}/export", json={"Passphrase": "correct horse"})
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["PrivateKey"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = load_pem_private_key(body["PrivateKey"].encode(), password=b"correct horse")
    cert = x509.load_pem_x509_certificate(body["Certificate"].encode())
    assert key.public_key() == cert.public_key()
    assert body["CertificateChain"]
    detail = api.describe(arn)
    assert detail["Exported"] is True
    assert detail["RenewalEligibility"] == "ELIGIBLE"

    api.clock.advance(timedelta(days=30))
    renewed = api.post(f"{CERTS}/{cid}/renew")
    assert renewed.status_code == 200, renewed.text
    new = renewed.json()["Certificate"]
    assert new["Version"] == 2
    assert new["Serial"] != detail["Serial"]
    assert new["NotBefore"] == "2026-01-31T00:00:00Z"
    assert new["RenewalSummary"]["RenewalStatus"] == "SUCCESS"
    assert new["RenewalSummary"]["UpdatedAt"] == "2026-01-31T00:00:00Z"
    assert new["Exported"] is False

    versions = api.get(f"{CERTS}/{cid}/versions").json()["Versions"]
    assert [(v["Version"], v["Action"], v["Exported"]) for v in versions] == [
        (1, "ISSUANCE", True),
        (2, "RENEWAL", False),
    ]
    assert versions[0]["Serial"] == detail["Serial"]
    assert set(versions[0]) == {
        "Version",
        "Action",
        "Serial",
        "NotBefore",
        "NotAfter",
        "CreatedAt",
        "Exported",
    }
    old = api.get(f"{CERTS}/{cid}/pem", params={"version": 1}).json()["Certificate"]
    assert x509.load_pem_x509_certificate(old.encode()) == cert
    assert_problem(api.get(f"{CERTS}/{cid}/pem", params={"version": 3}), 400, field="Version")


def test_renewing_an_ineligible_certificate_is_refused(api: Api, root: dict[str, Any]) -> None:
    arn = api.request_certificate(root["Arn"])
    assert_problem(api.post(f"{CERTS}/{last_segment(arn)}/renew"), 400)
    assert api.describe(arn)["Version"] == 1


def test_revoked_serial_is_on_the_open_crl_of_the_distribution_point(
    api: Api, root: dict[str, Any]
) -> None:
    arn = api.request_certificate(root["Arn"], "gone.example.com")
    cid = last_segment(arn)
    # Only exported certificates can be revoked (ACM's rule).
    assert_problem(
        api.post(f"{CERTS}/{cid}/revoke", json={"RevocationReason": "KEY_COMPROMISE"}), 409
    )
    api.post(f"{CERTS}/{cid}/export", json={"Passphrase": "s3cret pass"})
    revoked = api.post(f"{CERTS}/{cid}/revoke", json={"RevocationReason": "KEY_COMPROMISE"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {"CertificateArn": arn}
    detail = api.describe(arn)
    assert detail["Status"] == "REVOKED"
    assert detail["RevocationReason"] == "KEY_COMPROMISE"
    assert detail["RevokedAt"] == "2026-01-01T00:00:00Z"

    pem = api.get(f"{CERTS}/{cid}/pem").json()["Certificate"]
    cert = x509.load_pem_x509_certificate(pem.encode())
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    url = points[0].full_name[0].value
    assert url == f"http://certherd.test:8600/crl/000000000000/{root['Id']}.crl"
    response = api.client.get(urlsplit(url).path)  # open: no token
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )
    root_pem = api.get(f"/v1/certificate-authorities/{root['Id']}/certificate").json()
    root_cert = x509.load_pem_x509_certificate(root_pem["Certificate"].encode())
    assert crl.is_signature_valid(root_cert.public_key())  # type: ignore[arg-type]


def test_delete_is_refused_while_in_use(api: Api, root: dict[str, Any]) -> None:
    arn = api.request_certificate(root["Arn"])
    cid = last_segment(arn)
    lb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/1"
    used = api.post(f"{CERTS}/{cid}/in-use-by", json={"User": lb})
    assert used.status_code == 200, used.text
    assert used.json()["Certificate"]["InUseBy"] == [lb]
    assert used.json()["Certificate"]["RenewalEligibility"] == "ELIGIBLE"
    body = assert_problem(api.delete(f"{CERTS}/{cid}"), 409, field="CertificateArn")
    assert body["code"] == "ResourceInUse"
    assert api.count() == 1
    freed = api.delete(f"{CERTS}/{cid}/in-use-by", params={"user": lb})
    assert freed.json()["Certificate"]["InUseBy"] == []
    deleted = api.delete(f"{CERTS}/{cid}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert api.count() == 0
    assert_problem(api.get(f"{CERTS}/{cid}"), 404)


def test_certificate_tags(api: Api, root: dict[str, Any]) -> None:
    cid = last_segment(api.request_certificate(root["Arn"]))
    path = f"{CERTS}/{cid}/tags"
    assert api.get(path).json() == {"Tags": []}
    added = api.post(
        path, json={"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "owner", "Value": "me"}]}
    )
    assert added.status_code == 200, added.text
    assert added.json()["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "owner", "Value": "me"},
    ]
    changed = api.post(path, json={"Tags": [{"Key": "env", "Value": "staging"}]})
    assert {"Key": "env", "Value": "staging"} in changed.json()["Tags"]
    removed = api.post(f"{path}/remove", json={"Tags": [{"Key": "owner", "Value": "someone"}]})
    assert len(removed.json()["Tags"]) == 2  # the value did not match
    removed = api.post(f"{path}/remove", json={"Tags": [{"Key": "owner"}]})
    assert removed.json()["Tags"] == [{"Key": "env", "Value": "staging"}]
    assert api.get(path).json()["Tags"] == [{"Key": "env", "Value": "staging"}]


def test_import_and_reimport(api: Api) -> None:
    key = ec_key()
    first = self_signed(key, "legacy.example.com", not_before=api.clock.now() - timedelta(days=1))
    response = api.post(
        f"{CERTS}/import",
        json={
            "Certificate": cert_pem(first),
            "PrivateKey": key_pem(key),
            "Tags": [{"Key": "source", "Value": "old-pki"}],
        },
    )
    assert response.status_code == 201, response.text
    arn = response.json()["CertificateArn"]
    detail = api.describe(arn)
    assert list(detail) == DETAIL_FIELDS
    assert detail["Type"] == "IMPORTED"
    assert detail["DomainName"] == "legacy.example.com"
    assert detail["ImportedAt"] == "2026-01-01T00:00:00Z"
    assert detail["IssuedAt"] is None
    assert detail["CertificateKeyPairOrigin"] == "CUSTOMER_PROVIDED"
    assert detail["Options"]["Export"] == "DISABLED"
    assert detail["CertificateAuthorityArn"] is None
    # Imported certificates cannot be exported.
    refused = api.post(f"{CERTS}/{last_segment(arn)}/export", json={"Passphrase": "abcd"})
    assert_problem(refused, 400, field="CertificateArn")

    second = self_signed(key, "legacy.example.com", not_before=api.clock.now(), days=365)
    again = api.post(
        f"{CERTS}/import",
        json={"Certificate": cert_pem(second), "PrivateKey": key_pem(key), "CertificateArn": arn},
    )
    assert again.status_code == 201, again.text
    assert again.json()["CertificateArn"] == arn
    versions = api.get(f"{CERTS}/{last_segment(arn)}/versions").json()["Versions"]
    assert [v["Action"] for v in versions] == ["IMPORT", "REIMPORT"]
    assert api.describe(arn)["NotAfter"] == "2027-01-01T00:00:00Z"


def test_import_with_a_chain(api: Api) -> None:
    ca_key, leaf_key = ec_key(), ec_key()
    start = api.clock.now() - timedelta(days=1)
    ca = self_signed(ca_key, "Some CA", not_before=start, days=3650, ca=True)
    leaf = self_signed(leaf_key, "chained.example.com", not_before=start, issuer=(ca, ca_key))
    response = api.post(
        f"{CERTS}/import",
        json={
            "Certificate": cert_pem(leaf),
            "PrivateKey": key_pem(leaf_key),
            "CertificateChain": cert_pem(ca),
        },
    )
    assert response.status_code == 201, response.text
    pem = api.get(f"{CERTS}/{last_segment(response.json()['CertificateArn'])}/pem").json()
    assert x509.load_pem_x509_certificate(pem["CertificateChain"].encode()) == ca


def test_account_configuration(api: Api) -> None:
    path = "/v1/account-configuration"
    assert api.get(path).json() == {"ExpiryEvents": {"DaysBeforeExpiry": 45}}
    put = api.put(path, json={"ExpiryEvents": {"DaysBeforeExpiry": 30}})
    assert put.status_code == 200, put.text
    assert put.json() == {"ExpiryEvents": {"DaysBeforeExpiry": 30}}
    assert api.get(path).json() == {"ExpiryEvents": {"DaysBeforeExpiry": 30}}
    for days in (0, 46):
        bad = api.put(path, json={"ExpiryEvents": {"DaysBeforeExpiry": days}})
        assert_problem(bad, 400, field="ExpiryEvents.DaysBeforeExpiry")
    wrong_type = api.put(path, json={"ExpiryEvents": {"DaysBeforeExpiry": "soon"}})
    assert_problem(wrong_type, 400, field="ExpiryEvents.DaysBeforeExpiry")
    assert api.get(path).json() == {"ExpiryEvents": {"DaysBeforeExpiry": 30}}
