"""The SMTP relay configuration: checked field by field, default ports by security."""

from __future__ import annotations

import pytest

from certherd.domain.mail_relay import (
    MailRelayConfig,
    SmtpSecurity,
    check_mail_address,
    check_mail_relay,
)
from certherd.errors import ValidationError


def test_defaults_and_normalisation() -> None:
    config = check_mail_relay(host=" SMTP.Example.COM. ", sender="alerts@example.com")

    assert config == MailRelayConfig(
        host="smtp.example.com",
        port=587,
        security=SmtpSecurity.STARTTLS,
        sender="alerts@example.com",
    )
    assert not config.logs_in


@pytest.mark.parametrize(
    ("security", "port"), [("starttls", 587), ("TLS", 465), ("none", 25), (SmtpSecurity.TLS, 465)]
)
def test_the_port_defaults_by_security(security: object, port: int) -> None:
    assert check_mail_relay(host="mail", sender="a@b", security=security).port == port


def test_everything_given() -> None:
    config = check_mail_relay(
        host="[2001:db8::1]",
        port="2525",
        security="tls",
        sender="certherd@example.com",
        sender_name="certherd alerts",
        username="mailer@example.com",
        timeout_seconds=10,
    )

    assert config.host == "2001:db8::1"
    assert config.port == 2525
    assert config.username == "mailer@example.com"
    assert config.sender_name == "certherd alerts"
    assert config.timeout_seconds == 10.0
    assert config.logs_in


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"host": ""}, "Host"),
        ({"host": "smtp://mail.example.com"}, "Host"),
        ({"host": "mail.example.com:587"}, "Host"),
        ({"host": "bad host"}, "Host"),
        ({"host": 42}, "Host"),
        ({"port": 0}, "Port"),
        ({"port": 70000}, "Port"),
        ({"port": True}, "Port"),
        ({"port": "587a"}, "Port"),
        ({"security": "ssl"}, "Security"),
        ({"sender": "not an address"}, "Sender"),
        ({"sender": "Alerts <alerts@example.com>"}, "Sender"),
        ({"sender": "alerts@"}, "Sender"),
        ({"sender": "alerts@example.com\r\nBcc: x@y"}, "Sender"),
        ({"username": ""}, "Username"),
        ({"username": "a\nb"}, "Username"),
        ({"username": "mailer", "security": "none"}, "Username"),
        ({"sender_name": "Alerts\r\nBcc: x@y"}, "SenderName"),
        ({"sender_name": " "}, "SenderName"),
        ({"timeout_seconds": 0}, "TimeoutSeconds"),
        ({"timeout_seconds": 301}, "TimeoutSeconds"),
    ],
)
def test_bad_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"host": "mail.example.com", "sender": "alerts@example.com"}
    values.update(overrides)

    with pytest.raises(ValidationError) as caught:
        check_mail_relay(**values)

    assert caught.value.field == field


@pytest.mark.parametrize(
    "address", ["a@b", "first.last+tag@mail.example.co.uk", "o'brien@example.ie", "x@localhost"]
)
def test_mail_addresses_accepted(address: str) -> None:
    assert check_mail_address(address, field="Endpoint") == address


@pytest.mark.parametrize(
    "address", ["", "@example.com", "a..b@example.com", "a@-example.com", "a b@example.com"]
)
def test_mail_addresses_refused(address: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_mail_address(address, field="Endpoint")
    assert caught.value.field == "Endpoint"
