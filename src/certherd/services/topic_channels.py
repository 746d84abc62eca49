"""How one delivery reaches its subscriber, protocol by protocol: what is sent (SNS's JSON
envelope, the raw message, a readable mail, the Lambda event) and through which channel.
A ``lambda`` subscription runs a registered function of its account (:mod:`.functions`)
with SNS's Lambda event; a ``function`` one runs its command line with the same event on
standard input. The signed envelopes come from :mod:`.topic_envelopes`, made once per
batch where the subscribers of a message share them.

:meth:`TopicChannels.send` makes one attempt and reports it as an :class:`AttemptResult`;
it never raises for a failed delivery. An http(s) endpoint succeeds with a 2xx answer;
429 and 5xx answers, and no answer, are worth retrying; other answers are not.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from certherd.domain.arns import ArnFactory
from certherd.domain.functions import RunState
from certherd.domain.queue_messages import MessageAttributeValue
from certherd.domain.sns_envelopes import (
    function_event,
    http_headers,
)
from certherd.domain.sns_messages import sns_timestamp
from certherd.domain.subscriptions import SubscriptionProtocol
from certherd.domain.topic_deliveries import MAX_ERROR, DeliveryKind
from certherd.errors import CertherdError, NotFoundError
from certherd.services.channel_ports import (
    AppriseSender,
    ChannelError,
    CommandRunner,
    HttpRequest,
    HttpResponse,
    HttpSender,
    MailContent,
    MailMessage,
    MailRenderer,
    RenderInput,
)
from certherd.services.functions import FunctionService
from certherd.services.mail import MailService, mail_content
from certherd.services.notification_signing import NotificationSigner
from certherd.services.ports import UnitOfWorkFactory
from certherd.services.queues import QueueService
from certherd.services.subscriptions import SnsLinks
from certherd.services.topic_documents import pretty_json
from certherd.services.topic_envelopes import DeliveryJob, Envelopes, required

__all__ = ["AttemptResult", "DeliveryJob", "TopicChannels"]

#: How long a function (a command) may run before it is killed.
FUNCTION_TIMEOUT_SECONDS: Final = 30.0
#: How long an http(s) endpoint has to answer.
HTTP_TIMEOUT_SECONDS: Final = 10.0
_NOTIFICATION_SUBJECT: Final = "AWS Notification Message"
_CONFIRMATION_SUBJECT: Final = "AWS Notification - Subscription Confirmation"


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    latency_ms: float
    status_code: int | None = None
    error: str | None = None
    retryable: bool = True


class TopicChannels:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        links: SnsLinks,
        signer: NotificationSigner,
        http: HttpSender,
        apprise: AppriseSender,
        commands: CommandRunner,
        mail: MailService,
        renderer: MailRenderer,
        queues: QueueService,
        functions: FunctionService,
        arns: ArnFactory,
    ) -> None:
        self._uow = uow
        self._functions = functions
        self._arns = arns
        self._links = links
        self._http = http
        self._apprise = apprise
        self._commands = commands
        self._mail = mail
        self._renderer = renderer
        self._queues = queues
        self._envelopes = Envelopes(signer=signer, links=links)

    def new_batch(self) -> None:
        """Start a batch: forget what the deliveries of the previous one shared (its
        signing key, signatures, documents and texts)."""
        self._envelopes.new_batch()

    # -- one attempt --------------------------------------------------------------------------

    def send(self, job: DeliveryJob, now: datetime) -> AttemptResult:
        started = time.perf_counter()
        try:
            status = self._dispatch(job, now)
        except ChannelError as exc:
            return _failed(exc, started)
        except CertherdError as exc:
            return AttemptResult(False, _since(started), None, str(exc)[:MAX_ERROR], False)
        return AttemptResult(True, _since(started), status)

    def _dispatch(self, job: DeliveryJob, now: datetime) -> int | None:
        protocol = job.subscription.protocol
        if protocol.is_http:
            return self._send_http(job)
        if protocol is SubscriptionProtocol.SQS:
            self._send_queue(job, now)
        elif protocol is SubscriptionProtocol.FUNCTION:
            self._run_function(job)
        elif protocol is SubscriptionProtocol.LAMBDA:
            self._invoke_function(job)
        elif protocol is SubscriptionProtocol.APPRISE:
            content = self._readable(job)
            self._apprise.notify(job.endpoint, title=content.subject, body=content.text)
        else:
            self._send_mail(job)
        return None

    # -- documents ------------------------------------------------------------------------------

    def text_for(self, job: DeliveryJob) -> str:
        """The message text this subscriber receives (MessageStructure applied)."""
        return self._envelopes.text_for(job)

    def document(self, job: DeliveryJob) -> dict[str, object]:
        """The JSON envelope of the delivery, signed."""
        return self._envelopes.document(job)

    def dead_letter_body(self, job: DeliveryJob) -> str:
        """What goes to the subscription's dead-letter queue: the message as a queue
        subscriber would have received it."""
        if job.subscription.settings.raw_message_delivery:
            return self.text_for(job)
        return json.dumps(self.document(job))

    # -- channels ------------------------------------------------------------------------------

    def send_http_many(self, jobs: Sequence[DeliveryJob]) -> list[AttemptResult]:
        """One attempt at each of ``jobs`` (all http or https), sent at once; the results
        in the jobs' order. Never raises for a failed delivery."""
        results: list[AttemptResult | None] = []
        requests: list[HttpRequest] = []
        for job in jobs:
            try:
                requests.append(self._http_request(job))
                results.append(None)
            except CertherdError as exc:
                results.append(AttemptResult(False, 0.0, None, str(exc)[:MAX_ERROR], False))
        answers = iter(self._http.send_many(requests))
        return [result if result is not None else _http_result(next(answers)) for result in results]

    def _send_http(self, job: DeliveryJob) -> int:
        response = self._http.send(self._http_request(job))
        return _http_status(response)

    def _http_request(self, job: DeliveryJob) -> HttpRequest:
        raw = (
            job.subscription.settings.raw_message_delivery
            and job.delivery.kind is DeliveryKind.NOTIFICATION
        )
        if raw:
            body = self.text_for(job)
        elif job.delivery.kind is DeliveryKind.NOTIFICATION:
            body = self._envelopes.notification_json(job)
        else:
            body = pretty_json(self.document(job))
        headers = http_headers(
            message_type=job.delivery.kind.value,
            message_id=job.delivery.message_id,
            topic_arn=job.topic.arn,
            subscription_arn=(
                job.subscription.arn
                if job.delivery.kind is not DeliveryKind.SUBSCRIPTION_CONFIRMATION
                else None
            ),
            raw=raw,
        )
        content_type = job.policy.request.header_content_type
        if content_type:
            headers["Content-Type"] = content_type
        return HttpRequest(
            url=job.endpoint,
            body=body.encode(),
            headers=headers,
            timeout_seconds=HTTP_TIMEOUT_SECONDS,
        )

    def _send_queue(self, job: DeliveryJob, now: datetime) -> None:
        raw = job.subscription.settings.raw_message_delivery
        attributes: dict[str, MessageAttributeValue] | None = None
        if raw:
            body = self.text_for(job)
            attributes = dict(job.message.attributes) if job.message else None
        else:
            body = json.dumps(self.document(job))
        with self._uow() as uow:
            self._queues.send_in(uow, job.endpoint, body, attributes or None, now)
            uow.commit()
        self._queues.notify(queue_arn=job.endpoint)

    def _invoke_function(self, job: DeliveryJob) -> None:
        """Run the registered function the ``lambda`` subscription names, with SNS's Lambda
        event. A function that does not exist (yet), exits with another status than 0 or
        is killed at its timeout fails retryably; one that cannot be started does not."""
        account, name = self._arns.function_name(job.endpoint, field="Endpoint")
        if account != job.subscription.account:
            raise ChannelError(
                f"{job.endpoint} belongs to another account; function policies are not supported",
                retryable=False,
            )
        try:
            record = self._functions.run_for_subscription(
                account=account,
                name=name,
                payload=self._lambda_event(job),
                subscription_arn=job.subscription.arn,
                message_id=job.delivery.message_id,
            )
        except NotFoundError:
            raise ChannelError(f"function {name} does not exist", retryable=True) from None
        latency = record.duration_ms
        if record.state is RunState.SUCCEEDED:
            return
        if record.state is RunState.TIMED_OUT:
            reason, retryable = "was killed at its timeout", True
        elif record.state is RunState.FAILED:
            reason, retryable = f"exited with status {record.exit_status}", True
        else:
            reason, retryable = f"could not be started: {record.error}", False
        raise ChannelError(
            f"function {name} {reason} (run {record.id})", retryable=retryable, latency_ms=latency
        )

    def _lambda_event(self, job: DeliveryJob) -> str:
        """SNS's event for Lambda: one record with the message, signed."""
        document = self.document(job)
        event = function_event(
            subscription_arn=job.subscription.arn,
            message_id=job.delivery.message_id,
            topic_arn=job.topic.arn,
            subject=required(job.message).subject,
            message=self.text_for(job),
            timestamp=str(document["Timestamp"]),
            signature_version=str(document["SignatureVersion"]),
            signing_cert_url=str(document["SigningCertURL"]),
            unsubscribe_url=str(document["UnsubscribeURL"]),
            message_attributes=required(job.message).attributes,
            sign=self._envelopes.signer_for(job.topic.settings.signature_version),
        )
        return json.dumps(event)

    def _run_function(self, job: DeliveryJob) -> None:
        if job.subscription.settings.raw_message_delivery:
            stdin = self.text_for(job)
        else:
            stdin = self._lambda_event(job)
        result = self._commands.run(
            shlex.split(job.endpoint),
            stdin=stdin.encode(),
            timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
        )
        if result.timed_out:
            raise ChannelError(
                f"the function was killed after {FUNCTION_TIMEOUT_SECONDS:g} s",
                retryable=True,
                latency_ms=result.duration_ms,
            )
        if result.exit_status != 0:
            tail = result.output_tail.strip()[-500:]
            raise ChannelError(
                f"the function exited with status {result.exit_status}"
                + (f": {tail}" if tail else ""),
                retryable=True,
                latency_ms=result.duration_ms,
            )

    def _readable(self, job: DeliveryJob) -> MailContent:
        topic = job.topic
        kind = job.delivery.kind
        if kind is DeliveryKind.SUBSCRIPTION_CONFIRMATION:
            return self._renderer.render_confirmation(
                topic_arn=topic.arn,
                topic_display_name=topic.settings.display_name,
                confirm_url=self._links.confirm(topic.arn, required(job.token)),
            )
        if kind is DeliveryKind.UNSUBSCRIBE_CONFIRMATION:
            return mail_content(
                f"Unsubscribed from {topic.settings.display_name or topic.name}",
                f"This address no longer receives notifications from {topic.arn}.\n\n"
                "If that was a mistake, restore the subscription (within two days):\n"
                f"{self._links.confirm(topic.arn, required(job.token))}\n",
            )
        message = required(job.message)
        return self._renderer.render_notification(
            RenderInput(
                topic_arn=topic.arn,
                topic_display_name=topic.settings.display_name,
                subject=message.subject,
                message=self.text_for(job),
                message_id=job.delivery.message_id,
                timestamp=sns_timestamp(message.published_at),
                unsubscribe_url=self._links.unsubscribe(job.subscription.arn),
            )
        )

    def _send_mail(self, job: DeliveryJob) -> None:
        if job.subscription.protocol is SubscriptionProtocol.EMAIL_JSON:
            kind = job.delivery.kind
            subject = (
                _CONFIRMATION_SUBJECT
                if kind is DeliveryKind.SUBSCRIPTION_CONFIRMATION
                else (job.message.subject if job.message and job.message.subject else None)
                or _NOTIFICATION_SUBJECT
            )
            content = mail_content(subject, pretty_json(self.document(job)))
        else:
            content = self._readable(job)
        sender, sender_name = self._mail.sender()
        self._mail.send(
            job.delivery.account,
            MailMessage(
                sender=sender,
                recipients=(job.endpoint,),
                content=content,
                sender_name=sender_name or job.topic.settings.display_name,
                headers={
                    "List-Unsubscribe": f"<{self._links.unsubscribe(job.subscription.arn)}>",
                    "X-Certherd-Message-Id": job.delivery.message_id,
                    "X-Certherd-Topic-Arn": job.topic.arn,
                },
            ),
            delivery_id=job.delivery.id,
        )


def _http_status(response: HttpResponse) -> int:
    """The status of a successful (2xx) answer. Raises ChannelError for any other, retryable
    for 429 and 5xx."""
    status = response.status_code
    if 200 <= status < 300:
        return status
    raise ChannelError(
        f"the endpoint answered HTTP {status}"
        + (f": {response.body_excerpt[:200]}" if response.body_excerpt else ""),
        retryable=status == 429 or status >= 500,
        status_code=status,
        latency_ms=response.latency_ms,
    )


def _http_result(answer: HttpResponse | ChannelError) -> AttemptResult:
    if isinstance(answer, ChannelError):
        return _failed(answer, None)
    try:
        status = _http_status(answer)
    except ChannelError as exc:
        return _failed(exc, None)
    return AttemptResult(True, answer.latency_ms, status)


def _failed(error: ChannelError, started: float | None) -> AttemptResult:
    if error.latency_ms is not None:
        latency = error.latency_ms
    else:
        latency = _since(started) if started is not None else 0.0
    return AttemptResult(
        False, latency, error.status_code, error.message[:MAX_ERROR], error.retryable
    )


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
