"""``certherd subscription ...``: who a topic's messages go to, and how."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Final

import typer
from rich.text import Text

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.sns_args import (
    file_value,
    function_arn,
    json_option,
    name_values,
    queue_arn,
    short_topic,
    subscription_path,
    topic_arn,
)
from certherd.entrypoints.cli.sns_output import (
    CONFIRMED,
    PENDING_CONFIRMATION,
    described,
    state_text,
    yes_no,
)
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="Subscriptions of topics: email, HTTP(S), queues, commands, Apprise services.",
    no_args_is_help=True,
)

#: What SNS shows in place of the ARN of a subscription not yet confirmed.
_PENDING_ARNS: Final = ("PendingConfirmation", "pending confirmation")
#: Attributes shown by their own lines or sections of ``subscription describe``.
_SHOWN_APART: Final = frozenset(
    {
        "SubscriptionArn",
        "TopicArn",
        "Protocol",
        "Endpoint",
        "Owner",
        "PendingConfirmation",
        "RawMessageDelivery",
        "ConfirmationWasAuthenticated",
        "FilterPolicy",
        "RedrivePolicy",
        "DeliveryPolicy",
        "EffectiveDeliveryPolicy",
    }
)

SubscriptionArgument = Annotated[str, typer.Argument(help="Subscription ARN.")]


class Protocol(StrEnum):
    email = "email"
    email_json = "email-json"
    http = "http"
    https = "https"
    sqs = "sqs"
    function = "function"
    lambda_ = "lambda"
    apprise = "apprise"


class FilterScope(StrEnum):
    attributes = "MessageAttributes"
    body = "MessageBody"


@app.command()
def create(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="Topic name (yours) or topic ARN.")],
    protocol: Annotated[Protocol, typer.Option(help="How messages are delivered.")],
    endpoint: Annotated[
        str,
        typer.Option(
            help="Email address, http(s) URL, queue or function (name or ARN), command "
            "line or Apprise URL; @FILE reads it from a file (for URLs holding tokens).",
        ),
    ],
    filter_policy: Annotated[
        str | None,
        typer.Option(metavar="JSON|@FILE", help="Deliver only the messages it matches."),
    ] = None,
    filter_scope: Annotated[
        FilterScope | None,
        typer.Option(help="What the filter policy matches (default MessageAttributes)."),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Deliver the message alone, without the SNS envelope."),
    ] = False,
    dead_letter_queue: Annotated[
        str | None,
        typer.Option(metavar="QUEUE", help="Queue (name or ARN) for what cannot be delivered."),
    ] = None,
    delivery_policy: Annotated[
        str | None,
        typer.Option(metavar="JSON|@FILE", help="Retries of http(s) deliveries."),
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME=VALUE",
            help="Any other subscription attribute; VALUE @FILE reads a file; repeatable.",
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Subscribe an endpoint to a topic; prints the subscription's ARN. Email and http(s)
    endpoints are sent a confirmation request and get nothing else until they confirm."""
    client = state_of(ctx).client(ctx)
    attributes = name_values(attribute)
    given: dict[str, str | None] = {
        "FilterPolicy": json_option(filter_policy, what="filter policy") if filter_policy else None,
        "FilterPolicyScope": filter_scope.value if filter_scope else None,
        "RawMessageDelivery": "true" if raw else None,
        "DeliveryPolicy": (
            json_option(delivery_policy, what="delivery policy") if delivery_policy else None
        ),
    }
    if dead_letter_queue:
        target = queue_arn(client, dead_letter_queue, option="--dead-letter-queue")
        given["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": target})
    for key, value in given.items():
        if value is None:
            continue
        if key in attributes:
            raise typer.BadParameter(f"{key} is also given by an option", param_hint="--attribute")
        attributes[key] = value
    target_endpoint = file_value(endpoint, what="endpoint")
    if protocol is Protocol.sqs:
        target_endpoint = queue_arn(client, target_endpoint, option="--endpoint")
    elif protocol is Protocol.lambda_:
        target_endpoint = function_arn(client, target_endpoint, option="--endpoint")
    body: dict[str, Any] = {
        "TopicArn": topic_arn(client, topic),
        "Protocol": protocol.value,
        "Endpoint": target_endpoint,
        # The real ARN even while pending, so that the subscription can be named at once.
        "ReturnSubscriptionArn": True,
    }
    if attributes:
        body["Attributes"] = attributes
    answer = client.post(path("subscriptions"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    typer.echo(answer.get("SubscriptionArn", ""))
    if answer.get("PendingConfirmation"):
        typer.echo(
            f"{PENDING_CONFIRMATION}: a confirmation request was sent to the endpoint; "
            "nothing else is delivered until it is confirmed",
            err=True,
        )


@app.command()
def confirm(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="Topic name (yours) or topic ARN.")],
    token: Annotated[str, typer.Argument(help="The Token of the confirmation request.")],
    authenticate_on_unsubscribe: Annotated[
        bool,
        typer.Option(
            "--authenticate-on-unsubscribe",
            help="Afterwards only the topic's or the subscription's owner may unsubscribe.",
        ),
    ] = False,
    output: OutputOption = None,
) -> None:
    """Confirm a subscription with the token its endpoint was sent; prints its ARN."""
    client = state_of(ctx).client(ctx)
    body: dict[str, Any] = {"TopicArn": topic_arn(client, topic), "Token": token}
    if authenticate_on_unsubscribe:
        body["AuthenticateOnUnsubscribe"] = True
    answer = client.post(path("subscriptions", "confirm"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(answer.get("SubscriptionArn", ""))


def _status(pending: bool) -> Text:
    return state_text(PENDING_CONFIRMATION if pending else CONFIRMED)


@app.command("list")
def list_(
    ctx: typer.Context,
    topic: Annotated[
        str | None, typer.Option(metavar="TOPIC", help="Only this topic's (name or ARN).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """List your subscriptions, or every subscription of a topic (every page)."""
    client = state_of(ctx).client(ctx)
    arn = topic_arn(client, topic) if topic else None
    found: list[Any] = []
    token: str | None = None
    while True:
        answer = client.get(path("subscriptions"), params={"TopicArn": arn, "NextToken": token})
        found += answer.get("Subscriptions") or []
        token = answer.get("NextToken")
        if not token:
            break
    if state_of(ctx).json(output):
        emit_json({"Subscriptions": found, "NextToken": None})
        return
    if not found:
        typer.echo("no subscriptions", err=True)
        return
    rows = []
    for item in found:
        shown = item.get("SubscriptionArn")
        pending = shown in _PENDING_ARNS
        rows.append(
            (
                item.get("Protocol"),
                item.get("Endpoint"),
                short_topic(item.get("TopicArn")),
                _status(pending),
                None if pending else shown,
            )
        )
    columns = ("Protocol", "Endpoint", "Topic", "Status", "ARN")
    console().print(table(columns, rows, fold=("Endpoint", "ARN")))


def _dead_letter_queue(text: object) -> object:
    if not isinstance(text, str) or not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return text
    return document.get("deadLetterTargetArn") if isinstance(document, dict) else text


def _show(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    attributes: dict[str, Any] = answer.get("Attributes") or {}
    fields: dict[str, Any] = {
        "SubscriptionArn": answer.get("SubscriptionArn") or attributes.get("SubscriptionArn"),
        "TopicArn": attributes.get("TopicArn"),
        "Protocol": attributes.get("Protocol"),
        "Endpoint": attributes.get("Endpoint"),
        "Owner": attributes.get("Owner"),
        "State": _status(str(attributes.get("PendingConfirmation", "")).lower() == "true"),
        "RawMessageDelivery": yes_no(attributes.get("RawMessageDelivery", "false")),
        "ConfirmationWasAuthenticated": yes_no(
            attributes.get("ConfirmationWasAuthenticated", "false")
        ),
        "DeadLetterQueue": _dead_letter_queue(attributes.get("RedrivePolicy")),
    }
    fields.update({k: v for k, v in attributes.items() if k not in _SHOWN_APART})
    documents = [
        ("FilterPolicy", attributes.get("FilterPolicy")),
        ("DeliveryPolicy", attributes.get("DeliveryPolicy")),
        ("EffectiveDeliveryPolicy", attributes.get("EffectiveDeliveryPolicy")),
    ]
    console().print(described(fields, documents))


@app.command("describe")
def describe_(
    ctx: typer.Context, subscription: SubscriptionArgument, output: OutputOption = None
) -> None:
    """Show a subscription: topic, endpoint, state, filter and delivery policies."""
    _show(ctx, state_of(ctx).client(ctx).get(subscription_path(subscription)), output)


@app.command("set-attribute")
def set_attribute(
    ctx: typer.Context,
    subscription: SubscriptionArgument,
    name: Annotated[
        str,
        typer.Argument(
            help="FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy or "
            "DeliveryPolicy."
        ),
    ],
    value: Annotated[
        str, typer.Argument(help='The value; @FILE reads a file (a policy), "" removes it.')
    ],
    output: OutputOption = None,
) -> None:
    """Set one attribute of a confirmed subscription (SetSubscriptionAttributes)."""
    body = {"AttributeValue": file_value(value, what=name)}
    answer = (
        state_of(ctx)
        .client(ctx)
        .put(subscription_path(subscription, "attributes", name.strip()), body)
    )
    _show(ctx, answer, output)


@app.command()
def delete(
    ctx: typer.Context, subscription: SubscriptionArgument, output: OutputOption = None
) -> None:
    """Unsubscribe (a confirmed email or http(s) endpoint is told, with a link to undo it)."""
    state_of(ctx).client(ctx).delete(subscription_path(subscription))
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"deleted subscription {subscription}")
