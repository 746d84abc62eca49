"""``/v1/certificate-authorities``: every route's happy path and its refusals."""

from __future__ import annotations

from typing import Any

from apitest_support import (
    AUTHORITY_FIELDS,
    SUBORDINATE_TEMPLATE,
    Api,
    assert_problem,
    csr_pem,
    ec_key,
    last_segment,
)
from cryptography import x509

CAS = "/v1/certificate-authorities"


def test_create_a_root_ca(api: Api) -> None:
    ca = api.root_ca(Tags=[{"Key": "team", "Value": "pki"}])
    assert list(ca) == AUTHORITY_FIELDS
    assert ca["Type"] == "ROOT"
    assert ca["Status"] == "ACTIVE"
    assert ca["OwnerAccount"] == "000000000000"
    assert ca["Arn"] == f"arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/{ca['Id']}"
    assert ca["CreatedAt"] == "2026-01-01T00:00:00Z"
    assert ca["NotBefore"] == "2026-01-01T00:00:00Z"
    assert ca["NotAfter"] == "2035-12-30T00:00:00Z"  # 3650 days
    assert ca["CertificateAuthorityConfiguration"] == {
        "KeyAlgorithm": "EC_prime256v1",
        "SigningAlgorithm": "SHA256WITHECDSA",
        "Subject": {"CommonName": "Test Root", "Organization": "certherd tests"},
    }
    assert ca["RevocationConfiguration"] == {
        "CrlConfiguration": {
            "Enabled": True,
            "ExpirationInDays": 7,
            "CrlUrl": f"http://certherd.test:8600/crl/000000000000/{ca['Id']}.crl",
        }
    }
    assert ca["Tags"] == [{"Key": "team", "Value": "pki"}]
    assert ca["RestorableUntil"] is None

    listed = api.get(CAS).json()["CertificateAuthorities"]
    assert [c["Id"] for c in listed] == [ca["Id"]]
    assert api.get(f"{CAS}/{ca['Id']}").json() == ca
    pem = api.get(f"{CAS}/{ca['Id']}/certificate").json()
    assert pem["CertificateChain"] is None
    cert = x509.load_pem_x509_certificate(pem["Certificate"].encode())
    assert cert.subject == cert.issuer
    assert (
        api.get(f"{CAS}/{ca['Id']}/csr")
        .json()["Csr"]
        .startswith("-----BEGIN CERTIFICATE REQUEST-----")
    )


def test_a_subordinate_signed_by_parent_arn(api: Api, root: dict[str, Any]) -> None:
    response = api.post(
        CAS,
        json={
            "Type": "SUBORDINATE",
            "KeyAlgorithm": "EC_prime256v1",
            "Subject": {"CommonName": "Issuing CA"},
            "ParentArn": root["Arn"],
            "ValidityInDays": 365,
            "RevocationConfiguration": {
                "CrlConfiguration": {"Enabled": True, "ExpirationInDays": 3}
            },
        },
    )
    assert response.status_code == 201, response.text
    sub = response.json()
    assert sub["Status"] == "ACTIVE"
    assert sub["PathLength"] == 0
    assert sub["RevocationConfiguration"]["CrlConfiguration"]["ExpirationInDays"] == 3
    pem = api.get(f"{CAS}/{sub['Id']}/certificate").json()
    root_pem = api.get(f"{CAS}/{root['Id']}/certificate").json()["Certificate"]
    assert pem["CertificateChain"].strip() == root_pem.strip()
    cert = x509.load_pem_x509_certificate(pem["Certificate"].encode())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(root_pem.encode()))

    # The subordinate issues certificates whose chain leads up to the root.
    arn = api.request_certificate(sub["Arn"], "leaf.example.com", ValidityInDays=90)
    chain = api.get(f"/v1/certificates/{last_segment(arn)}/pem").json()["CertificateChain"]
    assert len(x509.load_pem_x509_certificates(chain.encode())) == 2


def test_a_pending_subordinate_gets_a_certificate_from_the_root(
    api: Api, root: dict[str, Any]
) -> None:
    created = api.post(
        CAS,
        json={
            "Type": "SUBORDINATE",
            "KeyAlgorithm": "EC_prime256v1",
            "Subject": {"CommonName": "Offline-signed CA"},
        },
    )
    assert created.status_code == 201, created.text
    pending = created.json()
    assert pending["Status"] == "PENDING_CERTIFICATE"
    assert pending["NotAfter"] is None
    assert_problem(api.get(f"{CAS}/{pending['Id']}/certificate"), 409)
    csr = api.get(f"{CAS}/{pending['Id']}/csr").json()["Csr"]

    issued = api.post(
        f"{CAS}/{root['Id']}/issue",
        json={"Csr": csr, "ValidityInDays": 365, "TemplateArn": SUBORDINATE_TEMPLATE},
    )
    assert issued.status_code == 201, issued.text
    issued_arn = issued.json()["CertificateArn"]
    assert issued_arn.startswith(root["Arn"] + "/certificate/")
    fetched = api.get(f"{CAS}/{root['Id']}/certificates/{last_segment(issued_arn)}").json()

    response = api.put(
        f"{CAS}/{pending['Id']}/certificate",
        json={
            "Certificate": fetched["Certificate"],
            "CertificateChain": fetched["CertificateChain"],
        },
    )
    assert response.status_code == 200, response.text
    active = response.json()
    assert active["Status"] == "ACTIVE"
    assert active["NotAfter"] == "2027-01-01T00:00:00Z"
    assert active["PathLength"] == 0
    # Importing again is refused: the CA is no longer waiting for a certificate.
    again = api.put(
        f"{CAS}/{pending['Id']}/certificate",
        json={
            "Certificate": fetched["Certificate"],
            "CertificateChain": fetched["CertificateChain"],
        },
    )
    assert_problem(again, 409)


def test_importing_a_certificate_for_another_key_is_refused(api: Api, root: dict[str, Any]) -> None:
    pending = api.post(
        CAS,
        json={
            "Type": "SUBORDINATE",
            "KeyAlgorithm": "EC_prime256v1",
            "Subject": {"CommonName": "P"},
        },
    ).json()
    other_csr = csr_pem(ec_key(), "someone-else")
    issued = api.post(
        f"{CAS}/{root['Id']}/issue",
        json={"Csr": other_csr, "ValidityInDays": 30, "TemplateArn": SUBORDINATE_TEMPLATE},
    )
    assert issued.status_code == 201, issued.text
    issued = issued.json()
    fetched = api.get(f"{CAS}/{root['Id']}/certificates/{last_segment(issued['CertificateArn'])}")
    response = api.put(
        f"{CAS}/{pending['Id']}/certificate",
        json={"Certificate": fetched.json()["Certificate"], "CertificateChain": "x"},
    )
    assert_problem(response, 400, field="Certificate")
    assert api.get(f"{CAS}/{pending['Id']}").json()["Status"] == "PENDING_CERTIFICATE"


def test_disable_enable_delete_and_restore(api: Api, root: dict[str, Any]) -> None:
    path = f"{CAS}/{root['Id']}"
    assert_problem(api.delete(path), 409)  # an ACTIVE CA must be disabled first
    disabled = api.patch(path, json={"Status": "DISABLED"})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["Status"] == "DISABLED"
    # A disabled CA does not issue.
    refused = api.post(
        "/v1/certificates",
        json={"DomainName": "a.example.com", "CertificateAuthorityArn": root["Arn"]},
    )
    assert_problem(refused, 409, field="CertificateAuthorityArn")
    assert api.patch(path, json={"Status": "ACTIVE"}).json()["Status"] == "ACTIVE"
    api.patch(path, json={"Status": "DISABLED"})

    assert_problem(
        api.delete(path, params={"PermanentDeletionTimeInDays": 3}),
        400,
        field="PermanentDeletionTimeInDays",
    )
    deleted = api.delete(path, params={"PermanentDeletionTimeInDays": 7})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["Status"] == "DELETED"
    assert deleted.json()["RestorableUntil"] == "2026-01-08T00:00:00Z"
    restored = api.post(f"{path}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["Status"] == "DISABLED"
    assert restored.json()["RestorableUntil"] is None


def test_status_must_be_active_or_disabled(api: Api, root: dict[str, Any]) -> None:
    response = api.patch(f"{CAS}/{root['Id']}", json={"Status": "DELETED"})
    assert_problem(response, 400, field="Status")


def test_permissions(api: Api, root: dict[str, Any]) -> None:
    path = f"{CAS}/{root['Id']}/permissions"
    listed = api.get(path).json()["Permissions"]
    assert listed == [
        {
            "Principal": "acm.amazonaws.com",
            "Actions": ["IssueCertificate", "GetCertificate", "ListPermissions"],
            "SourceAccount": "000000000000",
            "CreatedAt": "2026-01-01T00:00:00Z",
            "CertificateAuthorityArn": root["Arn"],
        }
    ]
    assert_problem(api.post(path, json={"Principal": "acm.amazonaws.com"}), 409)
    removed = api.delete(path, params={"Principal": "acm.amazonaws.com"})
    assert removed.status_code == 204
    assert removed.content == b""
    assert api.get(path).json()["Permissions"] == []
    assert_problem(api.delete(path, params={"Principal": "acm.amazonaws.com"}), 404)
    created = api.post(
        path, json={"Principal": "acm.amazonaws.com", "Actions": ["IssueCertificate"]}
    )
    assert created.status_code == 201, created.text
    assert created.json()["Actions"] == ["IssueCertificate"]
    bad = api.post(path, json={"Principal": "example.com", "SourceAccount": "000000000000"})
    assert_problem(bad, 400, field="Principal")


def test_issue_fetch_and_revoke_through_the_ca(api: Api, root: dict[str, Any]) -> None:
    key = ec_key()
    issued = api.post(
        f"{CAS}/{root['Id']}/issue", json={"Csr": csr_pem(key, "device-7"), "ValidityInDays": 30}
    )
    assert issued.status_code == 201, issued.text
    serial_hex = last_segment(issued.json()["CertificateArn"])
    fetched = api.get(f"{CAS}/{root['Id']}/certificates/{serial_hex}")
    assert fetched.status_code == 200, fetched.text
    cert = x509.load_pem_x509_certificate(fetched.json()["Certificate"].encode())
    assert cert.public_key() == key.public_key()
    assert cert.serial_number == int(serial_hex, 16)
    # Not a managed certificate.
    assert api.count() == 0

    revoked = api.post(
        f"{CAS}/{root['Id']}/revocations",
        json={"CertificateSerial": serial_hex, "RevocationReason": "KEY_COMPROMISE"},
    )
    assert revoked.status_code == 204, revoked.text
    again = api.post(
        f"{CAS}/{root['Id']}/revocations",
        json={"CertificateSerial": serial_hex, "RevocationReason": "KEY_COMPROMISE"},
    )
    assert_problem(again, 409)
    crl_response = api.get(f"{CAS}/{root['Id']}/crl")
    assert crl_response.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(crl_response.content)
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None
    unknown = api.post(
        f"{CAS}/{root['Id']}/revocations",
        json={"CertificateSerial": "0badbeef", "RevocationReason": "UNSPECIFIED"},
    )
    assert_problem(unknown, 404, field="CertificateSerial")


def test_ca_tags(api: Api, root: dict[str, Any]) -> None:
    path = f"{CAS}/{root['Id']}/tags"
    added = api.post(path, json={"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team"}]})
    assert added.status_code == 200, added.text
    assert {(t["Key"], t["Value"]) for t in added.json()["Tags"]} == {("env", "prod"), ("team", "")}
    removed = api.post(f"{path}/remove", json={"Tags": [{"Key": "env"}]})
    assert removed.json()["Tags"] == [{"Key": "team", "Value": ""}]
    assert api.get(f"{CAS}/{root['Id']}").json()["Tags"] == [{"Key": "team", "Value": ""}]
    assert_problem(api.post(path, json={"Tags": [{"Key": "aws:x"}]}), 400, field="Tags.Key")


def test_unknown_authorities_are_404(api: Api) -> None:
    for path in (
        f"{CAS}/8a1c8a8e-0000-4000-8000-000000000000",
        f"{CAS}/not%20an%20id",
        f"{CAS}/8a1c8a8e-0000-4000-8000-000000000000/csr",
        f"{CAS}/8a1c8a8e-0000-4000-8000-000000000000/crl",
    ):
        body = assert_problem(api.get(path), 404)
        assert body["code"] == "ResourceNotFound"


def test_bad_ca_requests_name_the_field(api: Api) -> None:
    long_name = {"CommonName": "x" * 65}
    cases = [
        (
            {"Type": "ROOT", "KeyAlgorithm": "EC_prime256v1", "Subject": long_name},
            "Subject.CommonName",
        ),
        (
            {"Type": "ROOT", "KeyAlgorithm": "EC_prime256v1", "Subject": {"Nick": "x"}},
            "Subject.Nick",
        ),
        (
            {"Type": "ROOTS", "KeyAlgorithm": "EC_prime256v1", "Subject": {"CommonName": "x"}},
            "Type",
        ),
        ({"Type": "ROOT", "KeyAlgorithm": "DSA", "Subject": {"CommonName": "x"}}, "KeyAlgorithm"),
        ({"Type": "ROOT", "KeyAlgorithm": "EC_prime256v1"}, "Subject"),
        (
            {"Type": "ROOT", "KeyAlgorithm": "RSA_1024", "Subject": {"CommonName": "x"}},
            "KeyAlgorithm",
        ),
        (
            {
                "Type": "ROOT",
                "KeyAlgorithm": "EC_prime256v1",
                "SigningAlgorithm": "SHA256WITHRSA",
                "Subject": {"CommonName": "x"},
            },
            "SigningAlgorithm",
        ),
        (
            {
                "Type": "SUBORDINATE",
                "KeyAlgorithm": "EC_prime256v1",
                "Subject": {"CommonName": "x"},
                "ParentArn": "not-an-arn-but-long-enough",
            },
            "ParentArn",
        ),
    ]
    for body, field in cases:
        assert_problem(api.post(CAS, json=body), 400, field=field)
    assert api.get(CAS).json()["CertificateAuthorities"] == []
