"""The HTTP channel against real local HTTP and HTTPS servers."""

from __future__ import annotations

import base64
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from channel_servers import (
    Receiver,
    Reply,
    TlsFiles,
    free_port,
    running_receiver,
    write_tls_files,
)

from certherd.adapters.channels.http import BODY_EXCERPT_CHARS, AiohttpSender
from certherd.errors import ConfigurationError
from certherd.services.channel_ports import ChannelError, HttpRequest, HttpResponse


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    return write_tls_files(tmp_path)


@pytest.fixture
def https_receiver(tls_files: TlsFiles) -> Iterator[Receiver]:
    with running_receiver(tls_files.server_context()) as running:
        yield running


@pytest.fixture
def sender() -> Iterator[AiohttpSender]:
    plain = AiohttpSender()
    yield plain
    plain.close()


def request(
    url: str, body: bytes = b'{"hello": "world"}', timeout_seconds: float = 5.0
) -> HttpRequest:
    headers = {"Content-Type": "text/plain; charset=UTF-8", "X-Amz-Sns-Message-Type": "x"}
    return HttpRequest(url=url, body=body, headers=headers, timeout_seconds=timeout_seconds)


def test_posts_the_body_and_headers_and_returns_the_answer(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(status=200, body=b"thanks")

    response = sender.send(request(receiver.url("/hook?source=certherd")))

    assert response.status_code == 200
    assert response.body_excerpt == "thanks"
    assert response.latency_ms > 0
    got = receiver.next_request()
    assert (got.method, got.path, got.body) == (
        "POST",
        "/hook?source=certherd",
        b'{"hello": "world"}',
    )
    assert got.headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert got.headers["X-Amz-Sns-Message-Type"] == "x"


@pytest.mark.parametrize("status", [201, 204, 400, 404, 500, 503])
def test_any_status_is_passed_through(
    status: int, receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(status=status, body=b"" if status == 204 else b"answer")

    assert sender.send(request(receiver.url())).status_code == status


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"ok"),
        Reply(body=b""),
        Reply(status=204, body=b""),
        Reply(status=500, body=b"try again later"),
        Reply(body=b"chunked answer, in several pieces", chunked=True),
    ],
    ids=["body", "empty", "204", "500", "chunked"],
)
def test_one_connection_carries_request_after_request(
    reply: Reply, receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = reply

    statuses = [sender.send(request(receiver.url(f"/hook/{n}"))).status_code for n in range(3)]

    assert statuses == [reply.status] * 3
    assert len({got.client_port for got in receiver.requests_so_far()}) == 1


def test_a_connection_is_not_reused_after_an_answer_too_long_to_drain(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(body=b"x" * 200_000)

    for n in range(2):
        assert sender.send(request(receiver.url(f"/hook/{n}"))).status_code == 200

    assert len({got.client_port for got in receiver.requests_so_far()}) == 2


def test_a_connection_the_server_closed_while_idle_is_replaced(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(body=b"bye", hang_up=True)

    statuses = [sender.send(request(receiver.url(f"/hook/{n}"))).status_code for n in range(3)]

    assert statuses == [200] * 3
    received = receiver.requests_so_far()
    assert [got.path for got in received] == ["/hook/0", "/hook/1", "/hook/2"]
    assert len({got.client_port for got in received}) == 3


def test_a_kept_alive_connection_closed_as_it_is_reused_is_retried_on_a_new_one(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(body=b"ok", drop_reused=True)

    statuses = [sender.send(request(receiver.url(f"/hook/{n}"))).status_code for n in range(2)]

    assert statuses == [200, 200]
    received = receiver.requests_so_far()
    assert [got.path for got in received] == ["/hook/0", "/hook/1", "/hook/1"]
    first, dropped, retried = (got.client_port for got in received)
    assert first == dropped != retried


def test_a_new_connection_closed_without_an_answer_is_not_retried(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(drop_all=True)

    with pytest.raises(ChannelError) as caught:
        sender.send(request(receiver.url("/hook")))

    assert caught.value.retryable
    assert "closed the connection" in caught.value.message
    assert [got.path for got in receiver.requests_so_far()] == ["/hook"]


def test_redirects_are_returned_not_followed(receiver: Receiver, sender: AiohttpSender) -> None:
    receiver.reply = Reply(status=302, headers={"Location": receiver.url("/elsewhere")})

    response = sender.send(request(receiver.url("/hook")))

    assert response.status_code == 302
    assert [got.path for got in receiver.requests_so_far()] == ["/hook"]


def test_only_the_start_of_a_long_body_is_kept(receiver: Receiver, sender: AiohttpSender) -> None:
    receiver.reply = Reply(body="é".encode() * 100_000)

    response = sender.send(request(receiver.url()))

    assert response.body_excerpt == "é" * BODY_EXCERPT_CHARS


def test_userinfo_of_the_url_is_sent_as_basic_authentication(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    url = f"http://alice:s3cret@127.0.0.1:{receiver.port}/hook"

    sender.send(request(url))

    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert receiver.next_request().headers["Authorization"] == expected


def test_connection_refused_is_retryable_and_shows_no_secret(sender: AiohttpSender) -> None:
    port = free_port()
    url = f"http://alice:hunter2@127.0.0.1:{port}/hook?token=tok-123#frag"

    with pytest.raises(ChannelError) as caught:
        sender.send(request(url))

    error = caught.value
    assert error.retryable
    assert error.status_code is None
    assert f"http://127.0.0.1:{port}/hook" in error.message
    assert "could not connect" in error.message
    for secret in ("alice", "hunter2", "tok-123", "frag"):
        assert secret not in error.message


def test_a_server_that_does_not_answer_in_time_is_a_retryable_timeout(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.stall()

    with pytest.raises(ChannelError) as caught:
        sender.send(request(receiver.url(), timeout_seconds=0.3))

    assert caught.value.retryable
    assert "timed out" in caught.value.message


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/file", "file:///etc/passwd", "http://", "not a url", "http://[::1/x"],
)
def test_unusable_urls_are_not_retryable(url: str, sender: AiohttpSender) -> None:
    with pytest.raises(ChannelError) as caught:
        sender.send(request(url))

    assert not caught.value.retryable


def test_https_with_a_certificate_of_a_ca_in_the_bundle(
    https_receiver: Receiver, tls_files: TlsFiles
) -> None:
    trusting = AiohttpSender(ca_bundle=tls_files.ca_bundle)
    try:
        response = trusting.send(request(https_receiver.url("/secure")))
    finally:
        trusting.close()

    assert response.status_code == 200
    assert https_receiver.next_request().path == "/secure"


def test_https_with_an_untrusted_certificate_is_a_retryable_tls_failure(
    https_receiver: Receiver, sender: AiohttpSender
) -> None:
    with pytest.raises(ChannelError) as caught:
        sender.send(request(https_receiver.url()))

    assert caught.value.retryable
    assert "TLS" in caught.value.message
    assert "certificate" in caught.value.message
    assert https_receiver.requests_so_far() == []


def test_plain_http_to_an_https_server_fails_retryably(
    https_receiver: Receiver, sender: AiohttpSender
) -> None:
    with pytest.raises(ChannelError) as caught:
        sender.send(request(f"http://127.0.0.1:{https_receiver.port}/hook", timeout_seconds=2))

    assert caught.value.retryable


def test_a_ca_bundle_that_is_not_pem_is_a_configuration_error(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("not a certificate")

    with pytest.raises(ConfigurationError) as caught:
        AiohttpSender(ca_bundle=bundle)

    assert caught.value.field == "http_ca_bundle"


def test_one_sender_serves_many_threads(receiver: Receiver) -> None:
    shared = AiohttpSender(max_connections=4)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda n: shared.send(request(receiver.url(f"/hook/{n}"))).status_code,
                    range(40),
                )
            )
    finally:
        shared.close()

    assert statuses == [200] * 40
    assert sorted(got.path for got in receiver.requests_so_far()) == sorted(
        f"/hook/{n}" for n in range(40)
    )


def test_requests_beyond_the_limit_wait_for_a_free_slot_within_their_timeout(
    receiver: Receiver,
) -> None:
    receiver.stall()
    narrow = AiohttpSender(max_connections=1)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(narrow.send, request(receiver.url("/first"), timeout_seconds=5))
            assert receiver.next_request().path == "/first"

            with pytest.raises(ChannelError) as caught:
                narrow.send(request(receiver.url("/second"), timeout_seconds=0.2))

            receiver.released.set()
            with pytest.raises(ChannelError):
                first.result()
    finally:
        narrow.close()

    assert caught.value.retryable
    assert "free connection" in caught.value.message
    assert receiver.requests_so_far() == []


def test_send_many_sends_at_once_and_answers_in_order(receiver: Receiver) -> None:
    receiver.together = threading.Barrier(6)
    receiver.reply = Reply(status=202, body=b"accepted")
    many = AiohttpSender(max_connections=10)
    try:
        outcomes = many.send_many([request(receiver.url(f"/hook/{n}")) for n in range(6)])
    finally:
        many.close()

    # The receiver answers none before all six are waiting: they were in flight together.
    assert not receiver.together.broken
    assert [(o.status_code, o.body_excerpt) for o in outcomes if isinstance(o, HttpResponse)] == [
        (202, "accepted")
    ] * 6


def test_send_many_reports_each_failure_in_its_place(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    receiver.reply = Reply(status=500, body=b"broken")
    refused = f"http://127.0.0.1:{free_port()}/hook"

    outcomes = sender.send_many(
        [
            request(receiver.url("/a")),
            request(refused),
            request("ftp://x/y"),
            request(receiver.url("/b")),
        ]
    )

    first, second, third, fourth = outcomes
    assert isinstance(first, HttpResponse) and first.status_code == 500
    assert isinstance(second, ChannelError) and second.retryable
    assert "could not connect" in second.message
    assert isinstance(third, ChannelError) and not third.retryable
    assert isinstance(fourth, HttpResponse) and fourth.status_code == 500
    assert sorted(got.path for got in receiver.requests_so_far()) == ["/a", "/b"]


def test_send_many_of_nothing_is_nothing(sender: AiohttpSender) -> None:
    assert sender.send_many([]) == []


def test_a_closed_sender_starts_again_when_used(receiver: Receiver) -> None:
    reopened = AiohttpSender()
    try:
        assert reopened.send(request(receiver.url("/before"))).status_code == 200
        reopened.close()
        reopened.close()
        assert reopened.send(request(receiver.url("/after"))).status_code == 200
    finally:
        reopened.close()


def test_a_header_with_a_line_break_is_refused_and_not_retried(
    receiver: Receiver, sender: AiohttpSender
) -> None:
    injected = HttpRequest(
        url=receiver.url(), body=b"{}", headers={"X-Note": "a\r\nX-Evil: 1"}, timeout_seconds=5
    )

    with pytest.raises(ChannelError) as caught:
        sender.send(injected)

    assert not caught.value.retryable
    assert "could not be sent" in caught.value.message
    assert receiver.requests_so_far() == []
