"""``certherd mailbox`` and ``certherd mail relay``: what is sent, what is shown, and where
the relay's password comes from (a file, a variable or a prompt; never an argument)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitest_support import FakeApi
from typer.main import get_command
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.mail_cmd import read_password
from certherd.entrypoints.cli.main import app

runner = CliRunner()
MAIL = {
    "MailId": "mail-1",
    "From": "certherd@example.com",
    "To": ["ops@example.com", "sec@example.com"],
    "Subject": "Certificate expiring",
    "CreatedAt": "2026-01-01T00:00:05Z",
    "Delivered": False,
}
RELAY = {
    "Host": "smtp.example.com",
    "Port": 587,
    "Security": "starttls",
    "Username": "mailer",
    "HasPassword": True,
    "Sender": "certherd@example.com",
    "SenderName": "certherd",
    "TimeoutSeconds": 30.0,
    "UpdatedAt": "2026-01-01T00:00:00Z",
}
USER = ["--username", "u"]
SET = ("mail", "relay", "set", "--host", "smtp.example.com", "--sender", "certherd@example.com")


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin, env=env)


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


# -- the mailbox ----------------------------------------------------------------------------


def test_mailbox_list(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/mailbox", {"Mails": [MAIL], "NextToken": "7"})
    result = run("mailbox", "list", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert fake_api.only.params == {"MaxItems": "5"}
    assert lines_of(result.stdout) == [
        "Created From To Subject Id",
        "2026-01-01 00:00:05 certherd@example.com ops@example.com, sec@example.com "
        "Certificate expiring mail-1",
    ]
    assert result.stderr == "more: --next-token 7\n"


def test_mailbox_list_empty_next_page_and_json(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/mailbox", {"Mails": [], "NextToken": None})
    empty = run("mailbox", "list", "--next-token", "7")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "the mailbox is empty\n")
    assert fake_api.only.params == {"MaxItems": "20", "NextToken": "7"}
    assert json.loads(run("mailbox", "list", "-o", "json").stdout) == {
        "Mails": [],
        "NextToken": None,
    }
    assert run("mailbox", "list", "--limit", "101").exit_code == 2


def test_mailbox_show_prints_headers_and_the_text(fake_api: FakeApi) -> None:
    mail = {**MAIL, "Text": "Your certificate expires in 7 days.\n", "Html": "<p>7 days</p>"}
    fake_api.answer("GET", "/v1/mailbox/mail-1", mail)
    result = run("mailbox", "show", "mail-1")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "From: certherd@example.com\n"
        "To: ops@example.com, sec@example.com\n"
        "Subject: Certificate expiring\n"
        "Date: 2026-01-01T00:00:05Z\n"
        "\n"
        "Your certificate expires in 7 days.\n"
    )
    html = run("mailbox", "show", "mail-1", "--html")
    assert html.stdout == "<p>7 days</p>\n"
    assert json.loads(run("mailbox", "show", "mail-1", "-o", "json").stdout) == mail


def test_mailbox_show_without_the_part_asked_for(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/mailbox/mail-1", {**MAIL, "Text": "t", "Html": ""})
    result = run("mailbox", "show", "mail-1", "--html")
    assert (result.exit_code, result.stderr) == (1, "error: the mail mail-1 has no HTML part\n")
    problem = {"status": 404, "detail": "no mail x in the mailbox", "field": "MailId"}
    fake_api.answer("GET", "/v1/mailbox/x", problem, status=404)
    missing = run("mailbox", "show", "x")
    assert (missing.exit_code, missing.stderr) == (1, "error: MailId: no mail x in the mailbox\n")


# -- mail relay set: the request and the password's sources ----------------------------------


def test_relay_set_with_a_password_file(fake_api: FakeApi, tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret pass\nignored\n")
    fake_api.answer("PUT", "/v1/mail-relay", RELAY)
    result = run(
        *SET, "--port", "2525", "--security", "tls", "--username", "mailer",
        "--password-file", str(secret), "--sender-name", "certherd", "--timeout", "10",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {
        "Host": "smtp.example.com",
        "Sender": "certherd@example.com",
        "Port": 2525,
        "Security": "tls",
        "Username": "mailer",
        "Password": "s3cret pass",
        "SenderName": "certherd",
        "TimeoutSeconds": 10.0,
    }
    shown = lines_of(result.stdout)
    assert "Password set" in shown
    assert "Sender certherd <certherd@example.com>" in shown
    assert "s3cret" not in result.output


def test_relay_set_with_a_password_variable_and_json(fake_api: FakeApi) -> None:
    fake_api.answer("PUT", "/v1/mail-relay", RELAY)
    result = run(
        *SET, "--username", "mailer", "--password-env", "SMTP_PASS", "-o", "json",
        env={"SMTP_PASS": "from-env"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake_api.only.body["Password"] == "from-env"
    assert json.loads(result.stdout) == RELAY


def test_relay_set_without_a_login_sends_no_password(fake_api: FakeApi) -> None:
    fake_api.answer("PUT", "/v1/mail-relay", {**RELAY, "Username": None, "HasPassword": False})
    result = run(*SET, "--security", "none")
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {
        "Host": "smtp.example.com",
        "Sender": "certherd@example.com",
        "Security": "none",
    }
    assert "Password not set" in lines_of(result.stdout)


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (USER, {}, 1, "no terminal to ask for it: use --password-file FILE"),
        (["--password-env", "P"], {"P": "x"}, 2, "a password needs --username"),
        ([*USER, "--password-env", "P", "--password-file", "f"], {"P": "x"}, 2, "not both"),
        ([*USER, "--password-env", "UNSET_VAR"], {}, 1, "UNSET_VAR (--password-env) is unset"),
        ([*USER, "--password-env", "P"], {"P": ""}, 1, "the environment variable P is empty"),
        ([*USER, "--password-file", "missing"], {}, 1, "password file missing does not exist"),
        (["--security", "ssl"], {}, 2, "ssl"),
        (["--port", "0"], {}, 2, "--port"),
        (["--password", "s3cret"], {}, 2, "No such option"),
    ],
)
def test_relay_set_password_errors_send_nothing(
    args: list[str],
    env: dict[str, str],
    code: int,
    message: str,
    fake_api: FakeApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*SET, *args, env=env)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert fake_api.calls == []


def test_relay_set_has_no_password_argument() -> None:
    command = get_command(app).commands["mail"].commands["relay"].commands["set"]  # type: ignore[attr-defined]
    options = {option for param in command.params for option in param.opts}
    assert {"--password-file", "--password-env"} <= options
    assert not {"--password", "-p"} & options


def test_the_relay_password_is_asked_twice_when_there_is_a_terminal() -> None:
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return "typed"

    value = read_password(
        password_file=None, password_env=None, username="mailer", interactive=True, prompt=prompt
    )
    assert value == "typed"
    assert asked == ["SMTP password for mailer"]


def test_no_username_no_password_and_no_prompt() -> None:
    def never(question: str) -> str:
        raise AssertionError("must not prompt")

    assert (
        read_password(
            password_file=None, password_env=None, username=None, interactive=True, prompt=never
        )
        is None
    )


def test_an_empty_prompt_is_refused_and_no_error_holds_the_password(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="from the prompt is empty"):
        read_password(
            password_file=None,
            password_env=None,
            username="u",
            interactive=True,
            prompt=lambda question: "",
        )
    secret = tmp_path / "pass"
    secret.write_bytes(b"\xffnot-utf8-s3cret")
    with pytest.raises(CliError) as caught:
        read_password(password_file=secret, password_env=None, username="u")
    assert "is not UTF-8 text" in caught.value.message and "s3cret" not in caught.value.message


# -- mail relay show and clear --------------------------------------------------------------


def test_relay_show(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/mail-relay", RELAY)
    result = run("mail", "relay", "show")
    assert result.exit_code == 0, result.output
    assert lines_of(result.stdout) == [
        "Host smtp.example.com",
        "Port 587",
        "Security starttls",
        "Username mailer",
        "Password set",
        "Sender certherd <certherd@example.com>",
        "TimeoutSeconds 30.0",
        "UpdatedAt 2026-01-01T00:00:00Z",
    ]
    assert json.loads(run("mail", "relay", "show", "-o", "json").stdout) == RELAY


def test_relay_show_when_none_is_set(fake_api: FakeApi) -> None:
    problem = {"status": 404, "detail": "no mail relay is set"}
    fake_api.answer("GET", "/v1/mail-relay", problem, status=404)
    result = run("mail", "relay", "show")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "email notifications go to the mailbox" in result.stderr
    assert json.loads(run("mail", "relay", "show", "-o", "json").stdout) == {}


def test_relay_show_and_clear_need_an_admin(fake_api: FakeApi) -> None:
    problem = {"status": 403, "detail": "an administrator's token is needed"}
    fake_api.answer("GET", "/v1/mail-relay", problem, status=403)
    fake_api.answer("DELETE", "/v1/mail-relay", problem, status=403)
    for args in (("show",), ("clear",)):
        result = run("mail", "relay", *args)
        assert (result.exit_code, result.stderr) == (
            1,
            "error: an administrator's token is needed\n",
        )


def test_relay_clear(fake_api: FakeApi) -> None:
    fake_api.answer("DELETE", "/v1/mail-relay", None, status=204)
    result = run("mail", "relay", "clear")
    assert result.exit_code == 0, result.output
    assert result.stdout == "mail relay removed: email notifications go to the mailbox\n"
    assert fake_api.only.method == "DELETE"
    assert json.loads(run("mail", "relay", "clear", "-o", "json").stdout) == {}
