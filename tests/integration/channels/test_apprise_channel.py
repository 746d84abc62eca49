"""The Apprise channel against a real local HTTP receiver (json://) and SMTP server
(mailto://)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from channel_servers import (
    MailServer,
    Receiver,
    Reply,
    free_port,
    running_mail_server,
    running_receiver,
)

from certherd.adapters.channels.apprise import (
    AppriseNotifier,
    check_apprise_url,
    mask_apprise_url,
)
from certherd.errors import ValidationError
from certherd.services.channel_ports import ChannelError


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    with running_mail_server() as running:
        yield running


@pytest.fixture
def notifier() -> AppriseNotifier:
    return AppriseNotifier(timeout_seconds=10)


def json_url(receiver: Receiver, path: str = "/apprise") -> str:
    return f"json://127.0.0.1:{receiver.port}{path}"


def test_json_url_posts_title_message_and_type(
    receiver: Receiver, notifier: AppriseNotifier
) -> None:
    notifier.notify(json_url(receiver), title="Certificate expiring", body="www.example.com")

    got = receiver.next_request()
    assert got.method == "POST"
    assert got.path == "/apprise"
    payload = json.loads(got.body)
    assert payload["title"] == "Certificate expiring"
    assert payload["message"] == "www.example.com"
    assert payload["type"] == "info"


def test_a_refusing_endpoint_is_a_retryable_failure(
    receiver: Receiver, notifier: AppriseNotifier
) -> None:
    receiver.reply = Reply(status=500, body=b"broken")

    with pytest.raises(ChannelError) as caught:
        notifier.notify(json_url(receiver), title="t", body="b")

    assert caught.value.retryable
    assert "500" in caught.value.message


def test_an_endpoint_that_does_not_answer_in_time_is_a_retryable_timeout(
    receiver: Receiver,
) -> None:
    receiver.stall()

    with pytest.raises(ChannelError) as caught:
        AppriseNotifier(timeout_seconds=0.3).notify(json_url(receiver), title="t", body="b")

    assert caught.value.retryable
    assert "timed out" in caught.value.message


def test_failure_messages_mask_the_url_credentials(notifier: AppriseNotifier) -> None:
    url = f"json://alice:hunter2-pass@127.0.0.1:{free_port()}/hook?token=tok-secret-1"

    with pytest.raises(ChannelError) as caught:
        notifier.notify(url, title="t", body="b")

    error = caught.value
    assert error.retryable
    assert "127.0.0.1" in error.message
    assert "hunter2-pass" not in error.message
    assert "tok-secret-1" not in error.message


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(record.name)


def test_apprise_records_stay_out_of_the_server_log(notifier: AppriseNotifier) -> None:
    # The server's log handlers sit on the root logger.
    root = logging.getLogger()
    collect = _Collect()
    root.addHandler(collect)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        with pytest.raises(ChannelError):
            notifier.notify(f"json://127.0.0.1:{free_port()}/", title="t", body="b")
    finally:
        root.setLevel(previous)
        root.removeHandler(collect)

    assert [name for name in collect.names if name.startswith("apprise")] == []


def test_mailto_url_reaches_an_smtp_server(
    mail_server: MailServer, notifier: AppriseNotifier
) -> None:
    url = (
        f"mailto://127.0.0.1:{mail_server.port}"
        "?to=ops@example.com&from=certherd@example.com&mode=insecure"
    )

    notifier.notify(url, title="Certificate renewed", body="www.example.com was renewed")

    mail = mail_server.next_mail()
    assert mail.sender == "certherd@example.com"
    assert mail.recipients == ["ops@example.com"]
    message = message_from_bytes(mail.content, policy=policy.default)
    assert message["Subject"] == "Certificate renewed"
    body = message.get_body(preferencelist=("plain", "html"))
    assert body is not None
    assert "www.example.com was renewed" in body.get_content()


@pytest.mark.parametrize("url", ["nosuchservice://host/path", "json://", "just words", ""])
def test_urls_apprise_cannot_use_are_refused_when_subscribing(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_apprise_url(url)

    assert caught.value.field == "Endpoint"


def test_an_unknown_scheme_is_not_retryable(notifier: AppriseNotifier) -> None:
    with pytest.raises(ChannelError) as caught:
        notifier.notify("nosuchservice://host/path", title="t", body="b")

    assert not caught.value.retryable
    assert "nosuchservice" in caught.value.message


def test_check_returns_the_url_it_accepts() -> None:
    url = "json://alice:hunter2-pass@hooks.example.com/notify"

    assert check_apprise_url(f"  {url} ") == url
    assert AppriseNotifier().check(url) == url


def test_mask_hides_the_secrets_of_the_url() -> None:
    shown = mask_apprise_url("json://alice:hunter2-pass@hooks.example.com/notify")

    assert shown.startswith("json://alice:")
    assert "hooks.example.com/notify" in shown
    assert "hunter2-pass" not in shown
    assert (
        AppriseNotifier()
        .mask("tgram://123456789:AAHsecret-token-value/12345")
        .find("AAHsecret-token-value")
        == -1
    )


def test_mask_of_an_unusable_url_keeps_only_its_scheme() -> None:
    assert mask_apprise_url("nosuchservice://alice:hunter2-pass@host/") == "nosuchservice://****"


def test_an_error_for_a_bad_url_does_not_repeat_it() -> None:
    with pytest.raises(ValidationError) as caught:
        check_apprise_url("nosuchservice://alice:hunter2-pass@host/")

    assert "hunter2-pass" not in str(caught.value)
