"""``/v1/deployments`` over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from apitest_support import Api, assert_problem


def _body(arn: str, directory: Path, **extra: Any) -> dict[str, Any]:
    return {
        "Name": "web",
        "Selector": {"CertificateArn": arn},
        "Directory": str(directory),
        "Files": [
            {"Kind": "fullchain", "Name": "fullchain.pem"},
            {"Kind": "key", "Name": "key.pem"},
            {"Kind": "pkcs12", "Name": "site.p12"},
        ],
        "Command": ["true"],
        "Pkcs12Password": "p12-password",
        **extra,
    }


def test_create_run_history_rollback_and_delete(
    api: Api, root: dict[str, Any], tmp_path: Path
) -> None:
    arn = api.request_certificate(root["Arn"])
    out = tmp_path / "tls"
    out.mkdir()
    created = api.post("/v1/deployments", json=_body(arn, out))
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["DeploymentArn"].endswith(":deployment/web")
    assert view["Mode"] == "0644" and view["KeyMode"] == "0600"
    assert view["HasPkcs12Password"] is True
    assert "p12-password" not in created.text
    assert api.describe(arn)["InUseBy"] == [view["DeploymentArn"]]
    assert api.describe(arn)["RenewalEligibility"] == "ELIGIBLE"
    assert api.get("/v1/deployments/web").json() == view
    assert [d["Name"] for d in api.get("/v1/deployments").json()["Deployments"]] == ["web"]

    ran = api.post("/v1/deployments/web/run")
    assert ran.status_code == 200, ran.text
    [run] = ran.json()["Runs"]
    assert run["Outcome"] == "SUCCEEDED" and run["CertificateArn"] == arn
    assert stat.S_IMODE((out / "key.pem").stat().st_mode) == 0o600
    api.post(f"/v1/certificates/{arn.rpartition('/')[2]}/renew")
    api.post("/v1/deployments/web/run")
    rolled = api.post("/v1/deployments/web/rollback").json()
    assert rolled["Outcome"] == "ROLLED_BACK" and rolled["Trigger"] == "ROLLBACK"
    history = api.get("/v1/deployments/web/history", params={"MaxItems": 2}).json()["Runs"]
    assert [r["Outcome"] for r in history] == ["ROLLED_BACK", "SUCCEEDED"]

    assert api.delete("/v1/deployments/web").status_code == 204
    assert api.describe(arn)["InUseBy"] == []
    assert_problem(api.get("/v1/deployments/web"), 404, "Name")


def test_bad_input_is_a_problem_naming_the_field(
    api: Api, root: dict[str, Any], tmp_path: Path
) -> None:
    arn = api.request_certificate(root["Arn"])
    assert_problem(
        api.post("/v1/deployments", json=_body(arn, tmp_path, KeyMode="0644")), 400, "KeyMode"
    )
    assert_problem(
        api.post("/v1/deployments", json=_body(arn, tmp_path, Pkcs12Password="a#b$c")),
        400,
        "Pkcs12Password",
    )
    assert_problem(
        api.post("/v1/deployments", json=_body(arn, tmp_path, Directory="tls")), 400, "Directory"
    )
    missing = arn[:-4] + "0000"
    assert_problem(
        api.post("/v1/deployments", json=_body(missing, tmp_path)), 404, "Selector.CertificateArn"
    )
    assert api.post("/v1/deployments", json=_body(arn, tmp_path)).status_code == 201
    assert_problem(api.post("/v1/deployments", json=_body(arn, tmp_path)), 409)
    assert_problem(api.post("/v1/deployments/nope/run"), 404, "Name")
