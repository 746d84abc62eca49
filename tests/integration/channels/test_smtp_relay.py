"""The SMTP mail relay against a real SMTP server (aiosmtpd): plain, STARTTLS, implicit
TLS, login, refusals and connection failures."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import pytest

from certherd.adapters.channels.smtp import SmtpMailRelay
from certherd.domain.clock import FixedClock
from certherd.domain.mail_relay import MailRelayConfig, SmtpSecurity, check_mail_relay
from certherd.services.channel_ports import ChannelError, MailContent, MailMessage

if TYPE_CHECKING:
    from conftest import SmtpDelivery, SmtpServer

NOW = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
PASSWORD = "s3cret-Pa55word"
SENDER = "alerts@example.com"
RECIPIENT = "ops@example.org"

StartServer = Callable[..., "SmtpServer"]


def _config(server_port: int, security: str, *, username: str | None = None) -> MailRelayConfig:
    return check_mail_relay(
        host="127.0.0.1",
        port=server_port,
        security=security,
        sender=SENDER,
        sender_name="Zertifikats-Wächter",
        username=username,
        timeout_seconds=5,
    )


def _message(*recipients: str, headers: dict[str, str] | None = None) -> MailMessage:
    return MailMessage(
        sender=SENDER,
        recipients=recipients or (RECIPIENT,),
        content=MailContent(
            subject="Zertifikat läuft ab: www.example.com (3 days left)",
            text="The certificate www.example.com expires in 3 days.\n",
            html="<p>The certificate <strong>www.example.com</strong> expires.</p>",
        ),
        headers=headers or {},
    )


def _relay(
    config: MailRelayConfig,
    password: str | None = None,
    *,
    context: ssl.SSLContext | None = None,
) -> SmtpMailRelay:
    return SmtpMailRelay(config, password, ssl_context=context, clock=FixedClock(NOW))


def _parse(delivery: SmtpDelivery) -> EmailMessage:
    parsed = email.message_from_bytes(delivery.content, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_plain_relay_delivers_a_multipart_mail_with_its_headers(smtp_server: StartServer) -> None:
    server = smtp_server(security="none")
    relay = _relay(_config(server.port, "none"))

    relay.send(_message(headers={"List-Unsubscribe": "<https://certherd.test/u?t=1>"}))

    delivery = server.next_mail()
    assert delivery.mail_from == SENDER
    assert delivery.rcpt_tos == [RECIPIENT]
    mail = _parse(delivery)
    assert mail.get_content_type() == "multipart/alternative"
    text_part, html_part = list(mail.iter_parts())
    assert text_part.get_content_type() == "text/plain"
    assert "expires in 3 days" in text_part.get_content()
    assert html_part.get_content_type() == "text/html"
    assert "<strong>www.example.com</strong>" in html_part.get_content()
    assert str(mail["From"]) == "Zertifikats-Wächter <alerts@example.com>"
    assert str(mail["To"]) == RECIPIENT
    assert str(mail["Subject"]) == "Zertifikat läuft ab: www.example.com (3 days left)"
    assert parsedate_to_datetime(str(mail["Date"])) == NOW
    assert str(mail["Message-ID"]).endswith("@example.com>")
    assert str(mail["List-Unsubscribe"]) == "<https://certherd.test/u?t=1>"


def test_starttls_upgrades_the_connection_and_verifies_the_server(
    smtp_server: StartServer,
) -> None:
    server = smtp_server(security="starttls")
    relay = _relay(_config(server.port, "starttls"), context=server.client_context())

    relay.send(_message())

    delivery = server.next_mail()
    assert delivery.starttls
    assert _parse(delivery).get_content_type() == "multipart/alternative"


def test_starttls_refuses_to_go_on_in_clear_when_the_relay_lacks_it(
    smtp_server: StartServer,
) -> None:
    server = smtp_server(security="none")
    relay = _relay(_config(server.port, "starttls"), context=server.client_context())

    with pytest.raises(ChannelError) as caught:
        relay.send(_message())

    assert not caught.value.retryable
    assert "STARTTLS" in caught.value.message
    assert server.mails_so_far() == []


def test_implicit_tls_delivers(smtp_server: StartServer) -> None:
    server = smtp_server(security="tls")
    relay = _relay(_config(server.port, "tls"), context=server.client_context())

    relay.send(_message())

    assert _parse(server.next_mail())["Subject"].startswith("Zertifikat")


def test_a_server_certificate_not_trusted_fails_retryably(smtp_server: StartServer) -> None:
    server = smtp_server(security="tls")
    relay = _relay(_config(server.port, "tls"), context=ssl.create_default_context())

    with pytest.raises(ChannelError) as caught:
        relay.send(_message())

    assert caught.value.retryable
    assert "TLS" in caught.value.message
    assert caught.value.latency_ms is not None


def test_login_with_a_password(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", users={"mailer": PASSWORD})
    relay = _relay(
        _config(server.port, "starttls", username="mailer"),
        PASSWORD,
        context=server.client_context(),
    )

    relay.send(_message())

    delivery = server.next_mail()
    assert delivery.login == "mailer"
    assert server.authenticator is not None
    assert server.authenticator.mechanisms == ["LOGIN"]


def test_a_wrong_password_is_not_retried_and_never_shown(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", users={"mailer": PASSWORD})
    wrong = "not-the-Pa55word"
    relay = _relay(
        _config(server.port, "starttls", username="mailer"),
        wrong,
        context=server.client_context(),
    )

    with pytest.raises(ChannelError) as caught:
        relay.send(_message())

    assert not caught.value.retryable
    assert "535" in caught.value.message
    assert "login" in caught.value.message
    assert wrong not in caught.value.message
    assert server.mails_so_far() == []


def test_a_relay_without_login_while_a_username_is_set(smtp_server: StartServer) -> None:
    # aiosmtpd offers AUTH only over TLS; the configuration is built directly because
    # check_mail_relay refuses a login without TLS.
    server = smtp_server(security="none")
    config = MailRelayConfig(
        host="127.0.0.1",
        port=server.port,
        security=SmtpSecurity.NONE,
        sender=SENDER,
        username="mailer",
        timeout_seconds=5,
    )
    relay = _relay(config, PASSWORD)

    with pytest.raises(ChannelError) as caught:
        relay.send(_message())

    assert not caught.value.retryable
    assert "AUTH" in caught.value.message


def test_a_refused_recipient_is_not_retryable(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", refuse={"gone@example.org"})
    relay = _relay(_config(server.port, "none"))

    with pytest.raises(ChannelError) as caught:
        relay.send(_message("gone@example.org"))

    assert not caught.value.retryable
    assert "550" in caught.value.message
    assert "gone@example.org" in caught.value.message


def test_a_deferred_recipient_is_retryable(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", defer={"busy@example.org"})
    relay = _relay(_config(server.port, "none"))

    with pytest.raises(ChannelError) as caught:
        relay.send(_message("busy@example.org"))

    assert caught.value.retryable
    assert "451" in caught.value.message


def test_some_recipients_refused_is_reported_without_retry(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", defer={"busy@example.org"})
    relay = _relay(_config(server.port, "none"))

    with pytest.raises(ChannelError) as caught:
        relay.send(_message(RECIPIENT, "busy@example.org"))

    # The other recipient has the mail: another attempt would send it twice.
    assert not caught.value.retryable
    assert "busy@example.org" in caught.value.message
    assert server.next_mail().rcpt_tos == [RECIPIENT]


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])  # released on exit: nothing listens there
    relay = _relay(_config(port, "none"))

    with pytest.raises(ChannelError) as caught:
        relay.send(_message())

    assert caught.value.retryable
    assert f"127.0.0.1:{port}" in caught.value.message


def test_a_header_with_a_line_break_is_refused_before_connecting() -> None:
    relay = _relay(_config(9, "none"))

    with pytest.raises(ChannelError) as caught:
        relay.send(_message(headers={"X-Note": "hello\r\nBcc: victim@example.net"}))

    assert not caught.value.retryable
    assert "line break" in caught.value.message


def test_extra_headers_may_not_replace_the_addresses() -> None:
    relay = _relay(_config(9, "none"))

    with pytest.raises(ChannelError) as caught:
        relay.send(_message(headers={"To": "someone@example.net"}))

    assert not caught.value.retryable


def test_a_relay_that_never_answers_times_out_retryably() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections complete in the backlog; no greeting ever comes
        config = check_mail_relay(
            host="127.0.0.1",
            port=silent.getsockname()[1],
            security="none",
            sender=SENDER,
            timeout_seconds=1,
        )

        with pytest.raises(ChannelError) as caught:
            _relay(config).send(_message())

    assert caught.value.retryable
