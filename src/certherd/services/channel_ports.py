"""What topic deliveries need from the outside world: the channels that carry a message to
a subscriber (mail relay, HTTP, Apprise, commands) and the renderer of readable mail.

Every channel raises :class:`ChannelError` when a delivery did not happen, saying whether
trying again could help (a refused connection, a timeout, a 5xx: yes; a 4xx, an address the
relay refuses for good, a malformed endpoint: no). Messages of these errors are shown to
users and recorded: they never contain a secret (passwords, tokens, URL credentials).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "AppriseSender",
    "ChannelError",
    "CommandResult",
    "CommandRunner",
    "HttpRequest",
    "HttpResponse",
    "HttpSender",
    "MailContent",
    "MailMessage",
    "MailRelay",
    "MailRenderer",
    "RenderInput",
]


class ChannelError(Exception):
    """A delivery through a channel did not happen.

    ``retryable``: whether another attempt could succeed. ``status_code``: the HTTP status
    the endpoint answered, when it answered. ``latency_ms``: how long the attempt took,
    when known."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        latency_ms: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status_code = status_code
        self.latency_ms = latency_ms


# -- mail ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailContent:
    """A readable mail: subject line, plain-text body and HTML body."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class MailMessage:
    """One mail to send: envelope sender and recipients, the sender's display name, and
    extra headers (``List-Unsubscribe``, ``X-Certherd-Message-Id`` ...)."""

    sender: str
    recipients: Sequence[str]
    content: MailContent
    sender_name: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class MailRelay(Protocol):
    """An SMTP relay (host, port, STARTTLS or implicit TLS, optional login)."""

    def send(self, message: MailMessage) -> None:
        """Hand ``message`` to the relay. Raises ChannelError."""


@dataclass(frozen=True)
class RenderInput:
    """What a readable mail is made from: the topic, the published subject and message
    (for an event sent by a rule, the event's JSON), and the links the mail must offer."""

    topic_arn: str
    topic_display_name: str | None
    subject: str | None
    message: str
    message_id: str
    timestamp: str
    unsubscribe_url: str


class MailRenderer(Protocol):
    """Turns a notification into a readable mail; certificate events (``aws.acm`` and
    ``certherd`` sources) get a mail that says which certificate, when it expires, what
    happened and what to do; any other message a plain one."""

    def render_notification(self, notification: RenderInput) -> MailContent: ...

    def render_confirmation(
        self, *, topic_arn: str, topic_display_name: str | None, confirm_url: str
    ) -> MailContent:
        """The mail that asks the subscriber to confirm a subscription by its link."""


# -- http ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes
    headers: Mapping[str, str]
    method: str = "POST"
    timeout_seconds: float = 15.0


@dataclass(frozen=True)
class HttpResponse:
    status_code: int
    latency_ms: float
    body_excerpt: str = ""


class HttpSender(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; return the response whatever its status (the caller decides
        what a status means). Raises ChannelError when no response came (connection
        refused, TLS failure, timeout: retryable) or the URL is unusable (not retryable)."""

    def send_many(self, requests: Sequence[HttpRequest]) -> list[HttpResponse | ChannelError]:
        """Send ``requests`` concurrently; return, in their order, each one's response or
        the ChannelError :meth:`send` would have raised for it."""


# -- apprise ---------------------------------------------------------------------------------


class AppriseSender(Protocol):
    def notify(self, url: str, *, title: str, body: str) -> None:
        """Send one notification to the Apprise URL ``url``. Raises ChannelError (an URL
        Apprise does not understand is not retryable; a failed send is)."""

    def check(self, url: str) -> str:
        """``url`` if Apprise has a service for it; raises ValidationError (field
        ``Endpoint``) otherwise."""

    def mask(self, url: str) -> str:
        """``url`` with its credentials and tokens hidden, fit to show and store."""


# -- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    duration_ms: float
    output_tail: str
    timed_out: bool = False


class CommandRunner(Protocol):
    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes,
        timeout_seconds: float,
        environment: Mapping[str, str] | None = None,
        working_directory: str | None = None,
    ) -> CommandResult:
        """Run ``argv`` with ``stdin``; a command still running at the timeout is killed
        (with its children) and reported with ``timed_out``. Raises ChannelError only when
        the command could not be started."""
