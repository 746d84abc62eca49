"""``certherd connection`` and ``certherd destination``: what is sent, and where a
connection's secret comes from (a file, a variable or a prompt; never an argument)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clitest_support import FakeApi
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli.connection_cmd import read_secret
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.main import app

runner = CliRunner()
ARN = "arn:aws:events:us-east-1:000000000000:connection/gh/0b1c"
SHOWN = {"ConnectionArn": ARN, "Name": "gh", "ConnectionState": "AUTHORIZING"}


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), env=env, input=stdin)


def test_an_oauth_connection_takes_its_secret_from_a_variable(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/connections", SHOWN)
    result = run(
        "connection", "create", "gh", "--auth", "oauth", "--token-endpoint",
        "https://auth.example.com/token", "--client-id", "app", "--secret-env", "S",
        "--oauth-body", "scope=issues", "--header", "X-Team=ops",
        env={"S": "the-secret"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {
        "Name": "gh",
        "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
        "AuthParameters": {
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://auth.example.com/token",
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "app", "ClientSecret": "the-secret"},
                "OAuthHttpParameters": {
                    "HeaderParameters": [],
                    "QueryStringParameters": [],
                    "BodyParameters": [{"Key": "scope", "Value": "issues", "IsValueSecret": False}],
                },
            },
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Team", "Value": "ops", "IsValueSecret": False}],
                "QueryStringParameters": [],
                "BodyParameters": [],
            },
        },
    }
    assert "AUTHORIZING" in result.output


def test_an_api_key_from_a_file_and_a_new_password_by_prompt(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_text("k-123\n")
    fake_api.answer("POST", "/v1/connections", SHOWN)
    result = run(
        "connection", "create", "jira", "--auth", "api-key", "--api-key-name", "X-Api-Key",
        "--secret-file", str(key),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["AuthParameters"]["ApiKeyAuthParameters"] == {
        "ApiKeyName": "X-Api-Key",
        "ApiKeyValue": "k-123",
    }


def test_update_replaces_the_secret_of_the_connections_kind(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/connections/snow", {**SHOWN, "AuthorizationType": "BASIC"})
    fake_api.answer("PATCH", "/v1/connections/snow", SHOWN)
    result = run("connection", "update", "snow", "--secret-env", "P", env={"P": "pw"})
    assert result.exit_code == 0, result.output
    assert fake_api.calls[-1].body == {
        "AuthParameters": {"BasicAuthParameters": {"Password": "pw"}}
    }


def test_read_secret_sources() -> None:
    with pytest.raises(CliError) as both:
        read_secret("x", secret_file=Path("f"), secret_env="V")
    assert both.value.exit_code == 2
    with pytest.raises(CliError, match="no terminal"):
        read_secret("x", secret_file=None, secret_env=None, interactive=False)
    with pytest.raises(CliError, match="unset"):
        read_secret("x", secret_file=None, secret_env="V", env={})
    asked = read_secret(
        "x", secret_file=None, secret_env=None, interactive=True, prompt=lambda _: "typed"
    )
    assert asked == "typed"


def test_no_secret_option_takes_a_value_on_the_command_line(fake_api: FakeApi) -> None:
    result = run(
        "connection", "create", "k", "--auth", "api-key", "--api-key-name", "K", "--secret", "x"
    )
    assert result.exit_code == 2


def test_a_destination_by_connection_name(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/connections/gh", SHOWN)
    fake_api.answer("POST", "/v1/api-destinations", {"Name": "issues"})
    result = run(
        "destination", "create", "issues", "--connection", "gh", "--endpoint",
        "https://api.example.com/issues", "--method", "put", "--rate", "5", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.calls[-1].body == {
        "Name": "issues",
        "ConnectionArn": ARN,
        "InvocationEndpoint": "https://api.example.com/issues",
        "HttpMethod": "PUT",
        "InvocationRateLimitPerSecond": 5,
    }
    fake_api.answer(
        "GET",
        "/v1/api-destinations",
        {"ApiDestinations": [{"Name": "issues", "HttpMethod": "PUT"}]},
    )
    listed = run("destination", "list")
    assert listed.exit_code == 0 and "issues" in listed.output
