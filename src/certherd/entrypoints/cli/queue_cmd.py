"""``certherd queue ...``: message queues with Amazon SQS's semantics."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import typer

from certherd.entrypoints.cli.client import ApiClient, path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption, TagOption, parse_tags
from certherd.entrypoints.cli.output import console, describe, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["app", "queue_path"]

app = typer.Typer(
    help="Message queues (Amazon SQS semantics): send, receive, dead-letter queues.",
    no_args_is_help=True,
)

_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ATTRIBUTE_RE: Final = re.compile(r"(?P<name>[^=:]+)(:(?P<type>[A-Za-z.]+))?=(?P<value>.*)", re.S)

QueueArgument = Annotated[str, typer.Argument(help="Queue name, ARN or URL.")]


def queue_name(value: str) -> str:
    """The queue's name from a name, an ARN (its last field) or a URL (its last segment);
    CliError with exit code 2 for anything else."""
    text = value.strip()
    if text.startswith("arn:"):
        text = text.rsplit(":", 1)[-1]
    elif text.startswith(("http://", "https://")):
        text = text.rstrip("/").rsplit("/", 1)[-1]
    if not _NAME_RE.fullmatch(text):
        raise CliError(f"{value!r} is not a queue name, ARN or URL", exit_code=2)
    return text


def queue_path(value: str, *rest: str) -> str:
    """The API path of the queue ``value`` (name, ARN or URL) with ``rest`` appended."""
    return path("queues", queue_name(value), *rest)


def _queue_arn(client: ApiClient, value: str) -> str:
    if value.strip().startswith("arn:"):
        return value.strip()
    found = client.get(queue_path(value))
    arn = found.get("QueueArn") if isinstance(found, dict) else None
    if not isinstance(arn, str):
        raise CliError(f"the server did not describe the queue {value!r}")
    return arn


def _parse_attributes(values: list[str] | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for raw in values or []:
        match = _ATTRIBUTE_RE.fullmatch(raw)
        if match is None or not match["name"].strip():
            raise typer.BadParameter(
                f"{raw!r}: give NAME=VALUE or NAME:TYPE=VALUE", param_hint="--attribute"
            )
        data_type = match["type"] or "String"
        attributes[match["name"].strip()] = {"DataType": data_type, "StringValue": match["value"]}
    return attributes


def _show(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer))


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="1-80 letters, digits, - and _.")],
    visibility_timeout: Annotated[
        int | None, typer.Option(min=0, max=43200, metavar="SECONDS", help="Default 30.")
    ] = None,
    retention: Annotated[
        int | None,
        typer.Option(
            min=60, max=1209600, metavar="SECONDS", help="Message retention (default 4 days)."
        ),
    ] = None,
    delay: Annotated[
        int | None, typer.Option(min=0, max=900, metavar="SECONDS", help="Delivery delay.")
    ] = None,
    receive_wait: Annotated[
        int | None,
        typer.Option(min=0, max=20, metavar="SECONDS", help="Default long-poll wait."),
    ] = None,
    dead_letter_queue: Annotated[
        str | None,
        typer.Option(metavar="QUEUE", help="Dead-letter queue (name or ARN) for the redrive."),
    ] = None,
    max_receive_count: Annotated[
        int, typer.Option(min=1, max=1000, help="Receives before a message is dead-lettered.")
    ] = 10,
    attribute: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME=VALUE", help="Any other SQS queue attribute; repeatable."),
    ] = None,
    tag: TagOption = None,
    output: OutputOption = None,
) -> None:
    """Create a queue (succeeds again when it exists with the same attributes)."""
    client = state_of(ctx).client(ctx)
    attributes: dict[str, Any] = {}
    for key, number in (
        ("VisibilityTimeout", visibility_timeout),
        ("MessageRetentionPeriod", retention),
        ("DelaySeconds", delay),
        ("ReceiveMessageWaitTimeSeconds", receive_wait),
    ):
        if number is not None:
            attributes[key] = str(number)
    if dead_letter_queue:
        attributes["RedrivePolicy"] = {
            "deadLetterTargetArn": _queue_arn(client, dead_letter_queue),
            "maxReceiveCount": max_receive_count,
        }
    for raw in attribute or []:
        key, sep, text = raw.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{raw!r}: give NAME=VALUE", param_hint="--attribute")
        attributes[key.strip()] = text
    body: dict[str, Any] = {"QueueName": queue_name(name)}
    if attributes:
        body["Attributes"] = attributes
    tags = parse_tags(tag)
    if tags:
        body["Tags"] = tags
    _show(ctx, client.post(path("queues"), body), output)


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Option(help="Only names starting with this.")] = None,
    output: OutputOption = None,
) -> None:
    """List queues by name."""
    answer = state_of(ctx).client(ctx).get(path("queues"), params={"QueueNamePrefix": prefix})
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    queues = answer.get("Queues") or []
    if not queues:
        typer.echo("no queues", err=True)
        return
    rows = [(q.get("QueueName"), q.get("QueueUrl"), q.get("QueueArn")) for q in queues]
    console().print(table(("Name", "URL", "ARN"), rows, fold=("URL", "ARN")))


@app.command("describe")
def describe_(ctx: typer.Context, queue: QueueArgument, output: OutputOption = None) -> None:
    """Show a queue: URL, ARN, attributes (with message counts) and tags."""
    _show(ctx, state_of(ctx).client(ctx).get(queue_path(queue)), output)


@app.command()
def delete(ctx: typer.Context, queue: QueueArgument, output: OutputOption = None) -> None:
    """Delete a queue and every message on it."""
    state_of(ctx).client(ctx).delete(queue_path(queue))
    if state_of(ctx).json(output):
        emit_json({"Deleted": queue_name(queue)})
    else:
        typer.echo(f"deleted queue {queue_name(queue)}")


@app.command()
def purge(ctx: typer.Context, queue: QueueArgument, output: OutputOption = None) -> None:
    """Delete every message of a queue (the queue stays)."""
    answer = state_of(ctx).client(ctx).post(queue_path(queue, "purge"))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"purged {answer.get('PurgedCount', 0)} messages from {queue_name(queue)}")


@app.command()
def send(
    ctx: typer.Context,
    queue: QueueArgument,
    body: Annotated[str, typer.Argument(help="The message body; - reads standard input.")],
    delay: Annotated[
        int | None, typer.Option(min=0, max=900, metavar="SECONDS", help="Delivery delay.")
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME[:TYPE]=VALUE",
            help="A message attribute (TYPE String, the default, or Number); repeatable.",
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Send a message."""
    text = sys.stdin.read() if body == "-" else body
    request: dict[str, Any] = {"MessageBody": text}
    if delay is not None:
        request["DelaySeconds"] = delay
    attributes = _parse_attributes(attribute)
    if attributes:
        request["MessageAttributes"] = attributes
    answer = state_of(ctx).client(ctx).post(queue_path(queue, "messages"), request)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("MessageId", ""))


def _sent(attributes: dict[str, str]) -> str | None:
    millis = attributes.get("SentTimestamp")
    if not millis or not millis.isdigit():
        return None
    return datetime.fromtimestamp(int(millis) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@app.command()
def receive(
    ctx: typer.Context,
    queue: QueueArgument,
    max_messages: Annotated[int, typer.Option("--max", min=1, max=10, help="1-10.")] = 10,
    visibility_timeout: Annotated[
        int | None,
        typer.Option(min=0, max=43200, metavar="SECONDS", help="Default: the queue's."),
    ] = None,
    wait: Annotated[
        int | None,
        typer.Option(min=0, max=20, metavar="SECONDS", help="Long-poll up to this long."),
    ] = None,
    delete: Annotated[
        bool, typer.Option("--delete", help="Delete the messages shown (acknowledge them).")
    ] = False,
    output: OutputOption = None,
) -> None:
    """Receive messages and show them; they stay on the queue unless --delete is given
    (and reappear after the visibility timeout)."""
    client = state_of(ctx).client(ctx)
    request: dict[str, Any] = {
        "MaxNumberOfMessages": max_messages,
        "MessageSystemAttributeNames": ["All"],
        "MessageAttributeNames": ["All"],
    }
    if visibility_timeout is not None:
        request["VisibilityTimeout"] = visibility_timeout
    if wait is not None:
        request["WaitTimeSeconds"] = wait
    answer = client.post(queue_path(queue, "messages", "receive"), request)
    messages = answer.get("Messages") or []
    if state_of(ctx).json(output):
        emit_json(answer)
    elif not messages:
        typer.echo("no messages", err=True)
    else:
        rows = [
            (
                m.get("MessageId"),
                (m.get("Attributes") or {}).get("ApproximateReceiveCount"),
                _sent(m.get("Attributes") or {}),
                m.get("Body"),
            )
            for m in messages
        ]
        console().print(table(("Message id", "Receives", "Sent", "Body"), rows, fold=("Body",)))
    if delete and messages:
        entries = [
            {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
            for index, m in enumerate(messages)
        ]
        client.post(queue_path(queue, "messages", "delete-batch"), {"Entries": entries})
        if not state_of(ctx).json(output):
            typer.echo(f"deleted {len(entries)} messages", err=True)


@app.command("delete-message")
def delete_message(
    ctx: typer.Context,
    queue: QueueArgument,
    receipt_handle: Annotated[str, typer.Argument(help="The handle of the latest receive.")],
    output: OutputOption = None,
) -> None:
    """Delete a received message by its receipt handle."""
    answer = (
        state_of(ctx)
        .client(ctx)
        .post(queue_path(queue, "messages", "delete"), {"ReceiptHandle": receipt_handle})
    )
    if state_of(ctx).json(output):
        emit_json(answer)
    elif answer.get("Deleted"):
        typer.echo("deleted")
    else:
        raise CliError(
            "nothing deleted: the handle is not the message's latest receive (or it is gone)"
        )


@app.command()
def redrive(
    ctx: typer.Context,
    queue: Annotated[str, typer.Argument(help="The dead-letter queue (name, ARN or URL).")],
    destination: Annotated[
        str | None,
        typer.Option(metavar="QUEUE", help="Move all here instead of to their source queues."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Move the messages of a dead-letter queue back to the queues they came from."""
    client = state_of(ctx).client(ctx)
    body: dict[str, Any] = {}
    if destination:
        body["DestinationArn"] = _queue_arn(client, destination)
    answer = client.post(queue_path(queue, "redrive"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        moved = answer.get("ApproximateNumberOfMessagesMoved", 0)
        typer.echo(f"moved {moved} messages from {queue_name(queue)}")
