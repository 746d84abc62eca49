"""Helpers of the API tests: an authenticated client and a few X.509 builders (EC keys only,
so that the tests stay fast)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from certherd.bootstrap import Container
from certherd.config import Settings
from certherd.domain.clock import FixedClock

PROBLEM = "application/problem+json"
SUBORDINATE_TEMPLATE = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"

# Every member docs/api.md lists, in the order it lists them.
DETAIL_FIELDS = [
    "CertificateArn",
    "DomainName",
    "SubjectAlternativeNames",
    "Serial",
    "Subject",
    "Issuer",
    "CreatedAt",
    "IssuedAt",
    "ImportedAt",
    "Status",
    "RevokedAt",
    "RevocationReason",
    "NotBefore",
    "NotAfter",
    "KeyAlgorithm",
    "SignatureAlgorithm",
    "InUseBy",
    "Type",
    "RenewalSummary",
    "KeyUsages",
    "ExtendedKeyUsages",
    "CertificateAuthorityArn",
    "RenewalEligibility",
    "Options",
    "CertificateKeyPairOrigin",
    "DaysToExpiry",
    "Exported",
    "Version",
    "Tags",
]
SUMMARY_FIELDS = [
    "CertificateArn",
    "DomainName",
    "SubjectAlternativeNameSummaries",
    "HasAdditionalSubjectAlternativeNames",
    "Status",
    "Type",
    "KeyAlgorithm",
    "InUse",
    "Exported",
    "RenewalEligibility",
    "NotBefore",
    "NotAfter",
    "CreatedAt",
    "IssuedAt",
    "ImportedAt",
    "RevokedAt",
    "DaysToExpiry",
]
AUTHORITY_FIELDS = [
    "Arn",
    "Id",
    "OwnerAccount",
    "Type",
    "Status",
    "CreatedAt",
    "LastStateChangeAt",
    "NotBefore",
    "NotAfter",
    "Serial",
    "RestorableUntil",
    "CertificateAuthorityConfiguration",
    "RevocationConfiguration",
    "PathLength",
    "Tags",
]


def last_segment(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def assert_problem(
    response: httpx.Response, status: int, field: str | None = None
) -> dict[str, Any]:
    """The response is a problem document of ``status`` (naming ``field`` when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "code"} <= body.keys()
    assert body["type"].startswith("https://certherd.dev/problems/")
    if field is not None:
        assert body.get("field") == field, body
    return body


@dataclass
class Api:
    """A TestClient with the admin token from the credentials file."""

    client: TestClient
    container: Container
    settings: Settings
    clock: FixedClock
    token: str
    announced: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _merge(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs["headers"] = {**self.headers, **(kwargs.get("headers") or {})}
        return kwargs

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **self._merge(kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(url, **self._merge(kwargs))

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.put(url, **self._merge(kwargs))

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.patch(url, **self._merge(kwargs))

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.delete(url, **self._merge(kwargs))

    # -- shortcuts --------------------------------------------------------------------------

    def root_ca(self, name: str = "Test Root", **extra: Any) -> dict[str, Any]:
        body = {
            "Type": "ROOT",
            "KeyAlgorithm": "EC_prime256v1",
            "Subject": {"CommonName": name, "Organization": "certherd tests"},
            **extra,
        }
        response = self.post("/v1/certificate-authorities", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def request_certificate(
        self, ca_arn: str, domain: str = "www.example.com", **extra: Any
    ) -> str:
        body = {
            "DomainName": domain,
            "KeyAlgorithm": "EC_prime256v1",
            "CertificateAuthorityArn": ca_arn,
            **extra,
        }
        response = self.post("/v1/certificates", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["CertificateArn"])

    def describe(self, arn: str) -> dict[str, Any]:
        response = self.get(f"/v1/certificates/{last_segment(arn)}")
        assert response.status_code == 200, response.text
        return dict(response.json()["Certificate"])

    def count(self, **params: Any) -> int:
        response = self.get("/v1/certificates/count", params=params)
        assert response.status_code == 200, response.text
        return int(response.json()["Count"])


# -- X.509 builders -----------------------------------------------------------------------


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def self_signed(
    key: ec.EllipticCurvePrivateKey,
    common_name: str,
    *,
    not_before: datetime,
    days: int = 90,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    ca: bool = False,
) -> x509.Certificate:
    """A certificate for ``key`` (self-signed, or signed by ``issuer``)."""
    issuer_name = issuer[0].subject if issuer else _name(common_name)
    signing_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def csr_pem(key: ec.EllipticCurvePrivateKey, common_name: str) -> str:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(common_name))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()
