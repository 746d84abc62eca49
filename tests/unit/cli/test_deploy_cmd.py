"""``certherd deploy``: what each command sends, how it shows the answer, and its errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clitest_support import FakeApi
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli import deploy_cmd
from certherd.entrypoints.cli.main import app

runner = CliRunner()
ARN = "arn:aws:acm:us-east-1:111122223333:certificate/0b6c2b0a-8a55-4e55-9d6b-7e1a4cfb21a3"
DEPLOYMENT_ARN = "arn:aws:certherd:us-east-1:111122223333:deployment/web"
VIEW: dict[str, Any] = {
    "Name": "web",
    "DeploymentArn": DEPLOYMENT_ARN,
    "Selector": {"CertificateArn": ARN},
    "Directory": "/etc/nginx/tls",
    "Files": [{"Kind": "fullchain", "Name": "fullchain.pem"}],
}
RUN = {
    "RunId": "r1",
    "Trigger": "MANUAL",
    "StartedAt": "2026-01-01T00:00:00+00:00",
    "Outcome": "SUCCEEDED",
    "SerialNumber": "0a:0b",
    "Reason": None,
}


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin, env=env)


BASE = ("deploy", "create", "web", "--directory", "/etc/nginx/tls", "--certificate", ARN)


def test_create_sends_the_layout_command_and_verification(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/deployments", VIEW, status=201)
    result = run(
        *BASE, "--file", "fullchain=fullchain.pem", "--file", "key=key.pem",
        "--command", "nginx", "--command", "-s", "--command", "reload",
        "--verify-host", "127.0.0.1", "--verify-port", "8443", "--server-name", "www.test",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == DEPLOYMENT_ARN + "\n"
    body = fake_api.only.body
    assert body["Selector"] == {"CertificateArn": ARN}
    assert body["Files"] == [
        {"Kind": "fullchain", "Name": "fullchain.pem"},
        {"Kind": "key", "Name": "key.pem"},
    ]
    assert body["Command"] == ["nginx", "-s", "reload"]
    assert body["KeyMode"] == "0600"
    assert body["Verify"] == {
        "Host": "127.0.0.1",
        "Port": 8443,
        "TimeoutSeconds": 5.0,
        "ServerName": "www.test",
    }
    assert "Pkcs12Password" not in body


def test_the_pkcs12_password_comes_from_a_file(fake_api: FakeApi, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-a-file\n")
    fake_api.answer("POST", "/v1/deployments", VIEW, status=201)
    result = run(*BASE, "--file", "pkcs12=site.p12", "--passphrase-file", str(secret))
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["Pkcs12Password"] == "from-a-file"


def test_the_pkcs12_password_comes_from_the_environment(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/deployments", VIEW, status=201)
    result = run(
        *BASE, "--file", "pkcs12=site.p12", "--passphrase-env", "P12", env={"P12": "envpw"}
    )
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["Pkcs12Password"] == "envpw"


def test_the_pkcs12_password_comes_from_the_prompt(
    fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy_cmd, "_is_terminal", lambda: True)
    fake_api.answer("POST", "/v1/deployments", VIEW, status=201)
    result = run(*BASE, "--file", "pkcs12=site.p12", stdin="typed-pw\ntyped-pw\n")
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["Pkcs12Password"] == "typed-pw"
    assert "typed-pw" not in result.output


def test_there_is_no_password_argument(fake_api: FakeApi) -> None:
    result = run(*BASE, "--file", "pkcs12=site.p12", "--password", "x")
    assert result.exit_code == 2
    assert fake_api.calls == []


@pytest.mark.parametrize(
    "args",
    [
        ("deploy", "create", "web", "--directory", "/d", "--file", "key=k"),
        (*BASE, "--tag", "a=b", "--file", "key=k"),
        (*BASE, "--file", "secret=k"),
        (*BASE, "--file", "key"),
    ],
)
def test_usage_errors_send_nothing(fake_api: FakeApi, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert fake_api.calls == []


def test_a_tag_selector(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/deployments", VIEW, status=201)
    result = run(
        "deploy", "create", "web", "--directory", "/d", "--tag", "role=web", "--file", "key=k"
    )
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["Selector"] == {"Tag": {"Key": "role", "Value": "web"}}


def test_run_shows_the_runs_and_fails_when_one_failed(fake_api: FakeApi) -> None:
    failed = {**RUN, "Outcome": "FAILED", "Reason": "COMMAND: exited with status 1"}
    fake_api.answer("POST", "/v1/deployments/web/run", {"Runs": [RUN]}, {"Runs": [failed]})
    ok = run("deploy", "run", "web")
    assert ok.exit_code == 0, ok.output
    assert "SUCCEEDED" in ok.stdout and "0a:0b" in ok.stdout
    bad = run("deploy", "run", "web", "--certificate", ARN)
    assert bad.exit_code == 1
    assert "COMMAND: exited with status 1" in bad.stdout
    assert fake_api.calls[-1].body == {"CertificateArn": ARN}


def test_rollback_history_list_describe_delete(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/deployments/web/rollback", {**RUN, "Outcome": "ROLLED_BACK"})
    fake_api.answer("GET", "/v1/deployments/web/history", {"Runs": [RUN]})
    fake_api.answer("GET", "/v1/deployments", {"Deployments": [VIEW]})
    fake_api.answer("GET", "/v1/deployments/web", VIEW)
    fake_api.answer("DELETE", "/v1/deployments/web", status=204)
    assert "ROLLED_BACK" in run("deploy", "rollback", "web").stdout
    assert run("deploy", "history", "web", "--max-items", "5").exit_code == 0
    assert fake_api.calls[-1].params == {"MaxItems": "5"}
    assert "/etc/nginx/tls" in run("deploy", "list").stdout
    assert DEPLOYMENT_ARN in run("deploy", "describe", "web").stdout
    assert run("deploy", "delete", "web").stdout == "deleted deployment web\n"
