"""Authentication: bearer tokens, the credentials file, acting for another account."""

from __future__ import annotations

import json
import stat

from apitest_support import Api, assert_problem
from fastapi.testclient import TestClient

from certherd.bootstrap import build
from certherd.entrypoints.api.app import create_app

PROTECTED = [
    ("GET", "/v1/certificates"),
    ("GET", "/v1/certificates/count"),
    ("GET", "/v1/certificate-authorities"),
    ("GET", "/v1/account-configuration"),
    ("POST", "/v1/certificates"),
    ("DELETE", "/v1/certificates/does-not-matter"),
    ("GET", "/metrics"),
]


def test_a_request_without_a_token_is_401(api: Api) -> None:
    for method, path in PROTECTED:
        response = api.client.request(method, path, json={"DomainName": "x.example"})
        body = assert_problem(response, 401)
        assert body["code"] == "Unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer"), path


def test_a_wrong_token_is_401(api: Api) -> None:
    for authorization in ("Bearer chd_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "chd_wrong"):
        response = api.client.get("/v1/certificates", headers={"Authorization": authorization})
        assert_problem(response, 401)
        assert "chd_wrong" not in response.text


def test_a_malformed_body_without_a_token_is_401_not_400(api: Api) -> None:
    response = api.client.post(
        "/v1/certificates", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 401)


def test_the_admin_token_comes_from_a_0600_credentials_file(api: Api) -> None:
    path = api.settings.credentials_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = json.loads(path.read_text())
    assert credentials == {"url": "http://certherd.test:8600", "token": api.token}
    assert api.token.startswith("chd_")
    assert api.get("/v1/certificates").status_code == 200
    # One line says where the credentials are; the token itself is never announced.
    assert len(api.announced) == 1
    assert str(path) in api.announced[0]
    assert api.token not in api.announced[0]


def test_a_restart_keeps_the_first_token(api: Api) -> None:
    before = api.settings.credentials_file.read_text()
    again: list[str] = []
    app = create_app(build(api.settings, clock=api.clock), announce=again.append)
    with TestClient(app) as client:
        response = client.get("/v1/certificates", headers=api.headers)
        assert response.status_code == 200
    assert again == []
    assert api.settings.credentials_file.read_text() == before


def test_an_admin_token_acts_for_another_account(api: Api) -> None:
    other = {"X-Certherd-Account": "111111111111"}
    created = api.post(
        "/v1/certificate-authorities",
        headers=other,
        json={"Type": "ROOT", "KeyAlgorithm": "EC_prime256v1", "Subject": {"CommonName": "B"}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["OwnerAccount"] == "111111111111"
    assert created.json()["Arn"].split(":")[4] == "111111111111"
    mine = api.get("/v1/certificate-authorities").json()["CertificateAuthorities"]
    theirs = api.get("/v1/certificate-authorities", headers=other).json()
    assert mine == []
    assert [ca["Id"] for ca in theirs["CertificateAuthorities"]] == [created.json()["Id"]]
    # The other account's CA is not found from the token's own account.
    assert_problem(api.get(f"/v1/certificate-authorities/{created.json()['Id']}"), 404)


def test_a_plain_token_acts_only_for_its_own_account(api: Api) -> None:
    token = api.container.tokens.create(name="ci", account="222222222222")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/certificates", headers=headers).status_code == 200
    own = {**headers, "X-Certherd-Account": "222222222222"}
    assert api.client.get("/v1/certificates", headers=own).status_code == 200
    other = {**headers, "X-Certherd-Account": "000000000000"}
    body = assert_problem(api.client.get("/v1/certificates", headers=other), 403)
    assert body["code"] == "AccessDenied"


def test_the_account_header_must_be_12_digits(api: Api) -> None:
    for account in ("123", "abcdefghijkl", "1234567890123"):
        response = api.get("/v1/certificates", headers={"X-Certherd-Account": account})
        assert_problem(response, 400, field="X-Certherd-Account")


def test_open_routes_need_no_token(api: Api) -> None:
    for path in ("/healthz", "/openapi.json", "/docs"):
        assert api.client.get(path).status_code == 200, path
