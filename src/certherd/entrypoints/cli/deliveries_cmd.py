"""``certherd deliveries ...``: what became of each message sent to a subscription, attempt
by attempt, and the redrive of what was given up."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Final

import typer
from rich.console import Group
from rich.text import Text

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.sns_args import subscription_ref, topic_arn
from certherd.entrypoints.cli.sns_output import described, instant, state_text
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(
    help="Deliveries of topic messages: state, attempts (status, latency, error), redrive.",
    no_args_is_help=True,
)

MAX_PAGE: Final = 100
#: Short names of the kinds of delivery, for the list's narrow column.
_KINDS: Final = {
    "Notification": "notification",
    "SubscriptionConfirmation": "confirmation",
    "UnsubscribeConfirmation": "unsubscribe",
}


class DeliveryState(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    DEAD_LETTERED = "DEAD_LETTERED"
    DROPPED = "DROPPED"


@app.command("list")
def list_(
    ctx: typer.Context,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only those given up (FAILED or DEAD_LETTERED).")
    ] = False,
    state: Annotated[DeliveryState | None, typer.Option(help="Only those in this state.")] = None,
    topic: Annotated[
        str | None, typer.Option(metavar="TOPIC", help="Only this topic's (name or ARN).")
    ] = None,
    subscription: Annotated[
        str | None, typer.Option(metavar="ARN", help="Only this subscription's.")
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_PAGE, metavar="N", help=f"At most N (1-{MAX_PAGE}).")
    ] = 50,
    next_token: Annotated[str | None, typer.Option(help="Continue a previous listing.")] = None,
    output: OutputOption = None,
) -> None:
    """List deliveries, newest first."""
    if failed and state is not None:
        raise CliError("give --failed or --state, not both", exit_code=2)
    client = state_of(ctx).client(ctx)
    params: dict[str, str | int | None] = {
        "Failed": "true" if failed else None,
        "State": state.value if state else None,
        "TopicArn": topic_arn(client, topic) if topic else None,
        "SubscriptionArn": subscription_ref(subscription) if subscription else None,
        "MaxItems": limit,
        "NextToken": next_token,
    }
    answer = client.get(path("deliveries"), params=params)
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    deliveries = answer.get("Deliveries") or []
    if not deliveries:
        typer.echo("no deliveries", err=True)
    else:
        rows = [
            (
                d.get("DeliveryId"),
                instant(d.get("CreatedAt")),
                state_text(d.get("State")),
                _KINDS.get(d.get("Kind"), d.get("Kind")),
                d.get("Protocol"),
                d.get("Attempts"),
                d.get("LastStatusCode"),
                instant(d.get("NextAttemptAt")) if d.get("State") == "PENDING" else None,
                d.get("LastError"),
            )
            for d in deliveries
        ]
        columns = (
            "Id",
            "Created",
            "State",
            "Kind",
            "Protocol",
            "Attempts",
            "Code",
            "Next attempt",
            "Last error",
        )
        console().print(table(columns, rows, fold=("Id", "Last error")))
    if answer.get("NextToken"):
        typer.echo(f"more: --next-token {answer['NextToken']}", err=True)


def _attempts_table(attempts: list[Any]) -> Any:
    rows = [
        (
            a.get("Number"),
            instant(a.get("At")),
            Text("ok", style="green") if a.get("Succeeded") else Text("failed", style="red"),
            a.get("StatusCode"),
            _latency(a.get("LatencyMs")),
            a.get("Error"),
        )
        for a in attempts
    ]
    columns = ("#", "Time", "Result", "Status code", "Latency ms", "Error")
    return table(columns, rows, fold=("Error",))


def _latency(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


@app.command("describe")
def describe_(
    ctx: typer.Context,
    delivery_id: Annotated[str, typer.Argument(metavar="ID", help="The DeliveryId.")],
    output: OutputOption = None,
) -> None:
    """Show a delivery with every attempt at it (time, status code, latency, error)."""
    answer = state_of(ctx).client(ctx).get(path("deliveries", delivery_id.strip()))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    attempts = answer.get("Attempts")
    listed = attempts if isinstance(attempts, list) else []
    fields = {
        "DeliveryId": answer.get("DeliveryId"),
        "State": state_text(answer.get("State")),
        "Kind": answer.get("Kind"),
        "MessageId": answer.get("MessageId"),
        "TopicArn": answer.get("TopicArn"),
        "SubscriptionArn": answer.get("SubscriptionArn"),
        "Protocol": answer.get("Protocol"),
        "Attempts": len(listed) if isinstance(attempts, list) else attempts,
        "CreatedAt": answer.get("CreatedAt"),
        "NextAttemptAt": None if answer.get("FinishedAt") else answer.get("NextAttemptAt"),
        "FinishedAt": answer.get("FinishedAt"),
        "LastStatusCode": answer.get("LastStatusCode"),
        "LastError": answer.get("LastError"),
    }
    parts: list[Any] = [described(fields)]
    if listed:
        parts += [Text("\nAttempts", style="bold"), _attempts_table(listed)]
    else:
        parts.append(Text("\nno attempts yet", style="dim"))
    console().print(Group(*parts))


@app.command()
def redrive(
    ctx: typer.Context,
    subscription: Annotated[str, typer.Argument(metavar="ARN", help="Subscription ARN.")],
    output: OutputOption = None,
) -> None:
    """Deliver again what was given up (FAILED or DEAD_LETTERED) for a subscription. The
    copies on its dead-letter queue stay there."""
    body = {"SubscriptionArn": subscription_ref(subscription)}
    answer = state_of(ctx).client(ctx).post(path("deliveries", "redrive"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo(f"redriven {answer.get('Redriven', 0)} deliveries of {subscription}")
