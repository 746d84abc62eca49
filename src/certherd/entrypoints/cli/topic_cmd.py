"""``certherd topic ...``: notification topics with Amazon SNS's semantics."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption, TagOption, parse_tags
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.pattern_cmd import read_input
from certherd.entrypoints.cli.sns_args import (
    file_value,
    message_attributes,
    name_values,
    topic_path,
)
from certherd.entrypoints.cli.sns_output import described, yes_no
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="Notification topics (Amazon SNS semantics): publish to email, HTTP, queues, chat.",
    no_args_is_help=True,
)

#: The key id --encrypt sets: SNS's AWS-managed key (certherd's key store seals the bodies).
DEFAULT_KMS_KEY: Final = "alias/aws/sns"
#: Attributes shown by their own lines or sections of ``topic describe``, not as they come.
_SHOWN_APART: Final = frozenset(
    {
        "TopicArn",
        "DisplayName",
        "Owner",
        "KmsMasterKeyId",
        "SignatureVersion",
        "SubscriptionsConfirmed",
        "SubscriptionsPending",
        "SubscriptionsDeleted",
        "Policy",
        "DeliveryPolicy",
        "EffectiveDeliveryPolicy",
    }
)

TopicArgument = Annotated[str, typer.Argument(help="Topic name (yours) or topic ARN.")]


class SignatureVersion(StrEnum):
    sha1 = "1"
    sha256 = "2"


class Structure(StrEnum):
    json = "json"


def _tags(values: list[str] | None) -> list[dict[str, str]]:
    # SNS tags always have a value; KEY alone is KEY with an empty one.
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in parse_tags(values)]


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="1-256 letters, digits, - and _.")],
    display_name: Annotated[
        str | None, typer.Option(help="Sender name of email notifications (up to 100).")
    ] = None,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt", help=f"Seal message bodies at rest (KmsMasterKeyId {DEFAULT_KMS_KEY})."
        ),
    ] = False,
    kms_key_id: Annotated[
        str | None, typer.Option(metavar="ID", help="Encrypt, recording this key id instead.")
    ] = None,
    signature_version: Annotated[
        SignatureVersion | None,
        typer.Option(help="Signatures of HTTP(S) messages: 1 (SHA1) or 2 (SHA256)."),
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME=VALUE",
            help="Any other topic attribute (Policy, DeliveryPolicy ...); VALUE @FILE reads "
            "a file; repeatable.",
        ),
    ] = None,
    tag: TagOption = None,
    output: OutputOption = None,
) -> None:
    """Create a topic (succeeds again when it exists with the same attributes); prints
    its ARN."""
    attributes = name_values(attribute)
    given: dict[str, str | None] = {
        "DisplayName": display_name,
        "KmsMasterKeyId": kms_key_id or (DEFAULT_KMS_KEY if encrypt else None),
        "SignatureVersion": signature_version.value if signature_version else None,
    }
    for key, value in given.items():
        if value is None:
            continue
        if key in attributes:
            raise typer.BadParameter(f"{key} is also given by an option", param_hint="--attribute")
        attributes[key] = value
    body: dict[str, Any] = {"Name": name}
    if attributes:
        body["Attributes"] = attributes
    tags = _tags(tag)
    if tags:
        body["Tags"] = tags
    answer = state_of(ctx).client(ctx).post(path("topics"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("TopicArn", ""))


@app.command("list")
def list_(ctx: typer.Context, output: OutputOption = None) -> None:
    """List your topics (every page)."""
    client = state_of(ctx).client(ctx)
    topics: list[Any] = []
    token: str | None = None
    while True:
        answer = client.get(path("topics"), params={"NextToken": token})
        topics += answer.get("Topics") or []
        token = answer.get("NextToken")
        if not token:
            break
    if state_of(ctx).json(output):
        emit_json({"Topics": topics, "NextToken": None})
        return
    if not topics:
        typer.echo("no topics", err=True)
        return
    rows = [
        (
            t.get("Name"),
            t.get("DisplayName"),
            yes_no(t.get("Encrypted")),
            t.get("SubscriptionsConfirmed"),
            t.get("SubscriptionsPending"),
            t.get("TopicArn"),
        )
        for t in topics
    ]
    columns = ("Name", "Display name", "Encrypted", "Confirmed", "Pending", "ARN")
    console().print(table(columns, rows, fold=("ARN",)))


def _show_topic(answer: dict[str, Any]) -> None:
    attributes: dict[str, Any] = answer.get("Attributes") or {}
    key = attributes.get("KmsMasterKeyId")
    fields: dict[str, Any] = {
        "Name": answer.get("Name"),
        "TopicArn": answer.get("TopicArn") or attributes.get("TopicArn"),
        "DisplayName": attributes.get("DisplayName"),
        "Owner": attributes.get("Owner"),
        "Encrypted": f"yes ({key})" if key else "no",
        "SignatureVersion": attributes.get("SignatureVersion"),
        "Subscriptions": (
            f"{attributes.get('SubscriptionsConfirmed', 0)} confirmed, "
            f"{attributes.get('SubscriptionsPending', 0)} pending, "
            f"{attributes.get('SubscriptionsDeleted', 0)} deleted"
        ),
    }
    fields.update({k: v for k, v in attributes.items() if k not in _SHOWN_APART})
    fields["Tags"] = answer.get("Tags")
    documents = [
        ("Policy", attributes.get("Policy")),
        ("DeliveryPolicy", attributes.get("DeliveryPolicy")),
        ("EffectiveDeliveryPolicy", attributes.get("EffectiveDeliveryPolicy")),
    ]
    console().print(described(fields, documents))


def _show(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        _show_topic(answer)


@app.command("describe")
def describe_(ctx: typer.Context, topic: TopicArgument, output: OutputOption = None) -> None:
    """Show a topic: ARN, encryption, subscription counts, policies (as JSON) and tags."""
    _show(ctx, state_of(ctx).client(ctx).get(topic_path(topic)), output)


@app.command()
def delete(ctx: typer.Context, topic: TopicArgument, output: OutputOption = None) -> None:
    """Delete a topic with its subscriptions and undelivered messages."""
    state_of(ctx).client(ctx).delete(topic_path(topic))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"deleted topic {topic}")


@app.command("set-attribute")
def set_attribute(
    ctx: typer.Context,
    topic: TopicArgument,
    name: Annotated[
        str,
        typer.Argument(
            help="DisplayName, Policy, DeliveryPolicy, KmsMasterKeyId or SignatureVersion."
        ),
    ],
    value: Annotated[
        str, typer.Argument(help='The value; @FILE reads a file (a policy), "" unsets.')
    ],
    output: OutputOption = None,
) -> None:
    """Set one attribute of a topic (SetTopicAttributes)."""
    body = {"AttributeValue": file_value(value, what=name)}
    answer = state_of(ctx).client(ctx).put(topic_path(topic, "attributes", name.strip()), body)
    _show(ctx, answer, output)


@app.command("allow-events")
def allow_events(
    ctx: typer.Context,
    topic: TopicArgument,
    rule: Annotated[
        str | None,
        typer.Option(metavar="RULE_ARN", help="Only this rule (default: any rule of yours)."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Let the event bus publish to the topic: add the policy statement a rule target of
    the topic needs."""
    body = {"RuleArn": rule} if rule else {}
    answer = state_of(ctx).client(ctx).post(topic_path(topic, "allow-events"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        who = f"the rule {rule}" if rule else "any rule of the topic's account"
        typer.echo(f"{answer.get('TopicArn') or topic}: events from {who} may be published")


@app.command()
def publish(
    ctx: typer.Context,
    topic: TopicArgument,
    message: Annotated[
        str | None, typer.Option("--message", "-m", metavar="TEXT", help="The message.")
    ] = None,
    message_file: Annotated[
        str | None,
        typer.Option(metavar="FILE", help="Read the message from FILE (- for standard input)."),
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Subject of email notifications (under 100, one line).")
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME[:TYPE]=VALUE",
            help="A message attribute; TYPE String (default), Number, Binary (base64 or "
            "@FILE) or String.Array; repeatable.",
        ),
    ] = None,
    structure: Annotated[
        Structure | None,
        typer.Option(help='json: the message is {"default": ..., "<protocol>": ...}.'),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Publish a message to every subscription whose filter lets it through; prints its
    MessageId."""
    if (message is None) == (message_file is None):
        raise CliError(
            "give the message with --message or --message-file (one of them)", exit_code=2
        )
    text = (
        message if message is not None else read_input(Path(str(message_file)), what="message file")
    )
    body: dict[str, Any] = {"Message": text}
    if subject is not None:
        body["Subject"] = subject
    attributes = message_attributes(attribute)
    if attributes:
        body["MessageAttributes"] = attributes
    if structure is not None:
        body["MessageStructure"] = structure.value
    answer = state_of(ctx).client(ctx).post(topic_path(topic, "publish"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("MessageId", ""))
