"""``/v1/queues``: message queues with Amazon SQS's semantics, addressed by name."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any, Final

import anyio
from fastapi import APIRouter, Query, Request, Response, status

from certherd.bootstrap import Container
from certherd.domain.queues import Queue
from certherd.entrypoints.api import views
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.queue_schemas import (
    AttributesBody,
    AttributesOut,
    ChangeVisibilityBody,
    CreateQueueBody,
    DeleteBatchBody,
    DeleteBatchOut,
    DeletedOut,
    DeleteMessageBody,
    PurgeOut,
    QueueListOut,
    QueueOut,
    QueueUrlOut,
    ReceiveBody,
    ReceiveOut,
    RedriveBody,
    RedriveOut,
    SendBatchBody,
    SendBatchOut,
    SendBody,
    SentOut,
    attribute_strings_of,
    attributes_json,
)
from certherd.entrypoints.api.responses import TagsOut, problems
from certherd.entrypoints.api.schemas import TagsBody, Text, tags_of
from certherd.errors import NotFoundError
from certherd.services.queue_receiving import ReceivedMessage

router = APIRouter(prefix="/v1/queues", tags=["queues"])

_ANY = problems(400, 401, 403, 404, 409)
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
#: Long polls wait in threads of their own, so that waiting receivers never hold the
#: threads every other request runs in.
_LONG_POLLS: Final = 64

JSON = dict[str, Any]


def _name(name: str) -> str:
    """A name that could be a queue's; NotFoundError (404) otherwise."""
    if not _NAME_RE.fullmatch(name):
        raise NotFoundError(f"queue {name!r} not found")
    return name


def _long_polls(request: Request) -> anyio.CapacityLimiter:
    """The threads receives wait in: a limiter of the application's own (made in its event
    loop, on first use)."""
    limiter = getattr(request.app.state, "queue_long_polls", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(_LONG_POLLS)
        request.app.state.queue_long_polls = limiter
    return limiter


def _view(c: Container, queue: Queue, attributes: dict[str, str] | None = None) -> JSON:
    return {
        "QueueName": queue.name,
        "QueueUrl": c.queues.url(queue),
        "QueueArn": c.queues.arn(queue),
        "Attributes": attributes
        if attributes is not None
        else c.queues.attributes(account=queue.account, name=queue.name),
        "Tags": views.tags(queue.tags),
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=QueueOut,
    summary="Create a queue",
    description="Creating a queue that exists succeeds when every attribute given has the "
    "value it has already (its tags are then kept); otherwise 409.",
    responses=_ANY,
)
def create_queue(body: CreateQueueBody, account: AccountDep, c: ContainerDep) -> JSON:
    queue = c.queues.create(
        account=account,
        name=body.queue_name,
        attributes=attribute_strings_of(body.attributes),
        tags=tags_of(body.tags),
    )
    return _view(c, queue)


@router.get(
    "",
    response_model=QueueListOut,
    summary="List queues",
    description="By name. Without `MaxResults` up to 1000 and no `NextToken`.",
    responses=problems(400, 401, 403),
)
def list_queues(
    account: AccountDep,
    c: ContainerDep,
    prefix: Annotated[Text, Query(alias="QueueNamePrefix", max_length=80)] = "",
    max_results: Annotated[int | None, Query(alias="MaxResults")] = None,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=512)] = None,
) -> JSON:
    found, token = c.queues.list(
        account=account, prefix=prefix, max_results=max_results, next_token=next_token
    )
    summaries = [
        {"QueueName": q.name, "QueueUrl": c.queues.url(q), "QueueArn": c.queues.arn(q)}
        for q in found
    ]
    return {
        "QueueUrls": [s["QueueUrl"] for s in summaries],
        "Queues": summaries,
        "NextToken": token,
    }


@router.get("/{name}", response_model=QueueOut, summary="Describe a queue", responses=_ANY)
def describe_queue(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return _view(c, c.queues.get(account=account, name=_name(name)))


@router.get(
    "/{name}/url", response_model=QueueUrlOut, summary="Get the queue's URL", responses=_ANY
)
def queue_url(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return {"QueueUrl": c.queues.url(c.queues.get(account=account, name=_name(name)))}


@router.get(
    "/{name}/attributes",
    response_model=AttributesOut,
    summary="Get queue attributes",
    description="`AttributeNames` (repeatable; default `All`).",
    responses=_ANY,
)
def get_attributes(
    name: str,
    account: AccountDep,
    c: ContainerDep,
    names: Annotated[list[Text] | None, Query(alias="AttributeNames", max_length=32)] = None,
) -> JSON:
    found = c.queues.attributes(account=account, name=_name(name), names=names or ["All"])
    return {"Attributes": found}


@router.patch(
    "/{name}",
    response_model=QueueOut,
    summary="Set queue attributes",
    description="Changes the attributes given; an empty RedrivePolicy or RedriveAllowPolicy "
    "removes it.",
    responses=_ANY,
)
def set_attributes(name: str, body: AttributesBody, account: AccountDep, c: ContainerDep) -> JSON:
    queue = c.queues.set_attributes(
        account=account, name=_name(name), attributes=attribute_strings_of(body.attributes)
    )
    return _view(c, queue)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a queue and its messages",
    responses=_ANY,
)
def delete_queue(name: str, account: AccountDep, c: ContainerDep) -> Response:
    c.queues.delete(account=account, name=_name(name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{name}/purge", response_model=PurgeOut, summary="Delete every message", responses=_ANY
)
def purge_queue(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return {"PurgedCount": c.queues.purge(account=account, name=_name(name))}


@router.post(
    "/{name}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=SentOut,
    summary="Send a message",
    responses=_ANY,
)
def send_message(name: str, body: SendBody, account: AccountDep, c: ContainerDep) -> JSON:
    sent = c.queues.send(account=account, name=_name(name), message=body.outgoing())
    return {
        "MessageId": sent.message_id,
        "MD5OfMessageBody": sent.md5_of_message_body,
        "MD5OfMessageAttributes": sent.md5_of_message_attributes,
    }


@router.post(
    "/{name}/messages/batch",
    response_model=SendBatchOut,
    summary="Send up to 10 messages",
    description="Entries SQS would refuse are listed in `Failed`; the others are sent.",
    responses=_ANY,
)
def send_batch(name: str, body: SendBatchBody, account: AccountDep, c: ContainerDep) -> JSON:
    entries = [
        (e.id, e.outgoing(field=f"Entries[{i}].MessageAttributes"))
        for i, e in enumerate(body.entries)
    ]
    result = c.queues.send_batch(account=account, name=_name(name), entries=entries)
    return {
        "Successful": [
            {
                "Id": entry_id,
                "MessageId": sent.message_id,
                "MD5OfMessageBody": sent.md5_of_message_body,
                "MD5OfMessageAttributes": sent.md5_of_message_attributes,
            }
            for entry_id, sent in result.successful
        ],
        "Failed": [
            {"Id": f.id, "Code": f.code, "Message": f.message, "SenderFault": f.sender_fault}
            for f in result.failed
        ],
    }


def _message(message: ReceivedMessage) -> JSON:
    return {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
        "Attributes": message.attributes,
        "MD5OfMessageAttributes": message.md5_of_message_attributes,
        "MessageAttributes": attributes_json(message.message_attributes),
    }


@router.post(
    "/{name}/messages/receive",
    response_model=ReceiveOut,
    summary="Receive messages (long polling with WaitTimeSeconds)",
    description="Each message received is hidden for the visibility timeout and gets a new "
    "receipt handle. With nothing visible the request waits up to `WaitTimeSeconds` for a "
    "message to arrive.",
    responses=_ANY,
)
async def receive_messages(
    name: str, body: ReceiveBody, account: AccountDep, c: ContainerDep, request: Request
) -> JSON:
    receive = partial(
        c.queues.receive,
        account=account,
        name=_name(name),
        max_messages=body.max_number_of_messages or 1,
        visibility_timeout=body.visibility_timeout,
        wait_seconds=body.wait_time_seconds,
        attribute_names=[
            *(body.message_system_attribute_names or ()),
            *(body.attribute_names or ()),
        ],
        message_attribute_names=body.message_attribute_names or (),
    )
    found = await anyio.to_thread.run_sync(receive, limiter=_long_polls(request))
    return {"Messages": [_message(m) for m in found]}


@router.post(
    "/{name}/messages/delete",
    response_model=DeletedOut,
    summary="Delete a received message",
    responses=_ANY,
)
def delete_message(
    name: str, body: DeleteMessageBody, account: AccountDep, c: ContainerDep
) -> JSON:
    deleted = c.queues.delete_message(
        account=account, name=_name(name), receipt_handle=body.receipt_handle
    )
    return {"Deleted": deleted}


@router.post(
    "/{name}/messages/delete-batch",
    response_model=DeleteBatchOut,
    summary="Delete up to 10 received messages",
    responses=_ANY,
)
def delete_batch(name: str, body: DeleteBatchBody, account: AccountDep, c: ContainerDep) -> JSON:
    done, failed = c.queues.delete_message_batch(
        account=account,
        name=_name(name),
        entries=[(e.id, e.receipt_handle) for e in body.entries],
    )
    return {
        "Successful": [{"Id": entry_id, "Deleted": deleted} for entry_id, deleted in done],
        "Failed": [
            {"Id": entry_id, "Code": code, "Message": message, "SenderFault": True}
            for entry_id, code, message in failed
        ],
    }


@router.post(
    "/{name}/messages/visibility",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Change a received message's visibility timeout",
    responses=_ANY,
)
def change_visibility(
    name: str, body: ChangeVisibilityBody, account: AccountDep, c: ContainerDep
) -> Response:
    c.queues.change_visibility(
        account=account,
        name=_name(name),
        receipt_handle=body.receipt_handle,
        visibility_timeout=body.visibility_timeout,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{name}/redrive",
    response_model=RedriveOut,
    summary="Move messages of a dead-letter queue back",
    description="SQS's StartMessageMoveTask, done before answering: the available messages "
    "go back to the queues they were dead-lettered from, or all to `DestinationArn`.",
    responses=_ANY,
)
def redrive(name: str, body: RedriveBody, account: AccountDep, c: ContainerDep) -> JSON:
    source = c.queues.get(account=account, name=_name(name))
    moved = c.queues.move_messages(
        account=account, name=source.name, destination_arn=body.destination_arn
    )
    return {
        "SourceArn": c.queues.arn(source),
        "DestinationArn": body.destination_arn,
        "Status": "COMPLETED",
        "ApproximateNumberOfMessagesMoved": moved,
    }


@router.get("/{name}/tags", response_model=TagsOut, summary="List a queue's tags", responses=_ANY)
def list_tags(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return {"Tags": views.tags(c.queues.get(account=account, name=_name(name)).tags)}


@router.post("/{name}/tags", response_model=TagsOut, summary="Tag a queue", responses=_ANY)
def tag_queue(name: str, body: TagsBody, account: AccountDep, c: ContainerDep) -> JSON:
    tags = c.queues.tag(account=account, name=_name(name), tags=tags_of(body.tags))
    return {"Tags": views.tags(tags)}


@router.post("/{name}/tags/remove", response_model=TagsOut, summary="Untag a queue", responses=_ANY)
def untag_queue(name: str, body: TagsBody, account: AccountDep, c: ContainerDep) -> JSON:
    tags = c.queues.untag(account=account, name=_name(name), tags=tags_of(body.tags))
    return {"Tags": views.tags(tags)}
