"""``certherd events ...``: put events, list the event history, test a pattern on the
server, and print sample ACM events (the last needs no server)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from certherd.domain.event_samples import sample_events
from certherd.entrypoints.cli.bus_cmd import bus_name
from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.json_input import json_text, json_value
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.pattern_cmd import INVALID, NO_MATCH
from certherd.entrypoints.cli.state import state_of

__all__ = ["app"]

app = typer.Typer(help="Events: put, list, follow, test patterns, samples.", no_args_is_help=True)
_JSON_HELP = "inline JSON, a file, or - for standard input"


@app.command()
def put(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Source (not aws.*).")] = None,
    detail_type: Annotated[str | None, typer.Option(help="DetailType.")] = None,
    detail: Annotated[
        str | None, typer.Option(metavar="JSON|FILE", help=f"Detail, a JSON object: {_JSON_HELP}.")
    ] = None,
    resource: Annotated[
        list[str] | None, typer.Option(metavar="ARN", help="A resource ARN; repeat for more.")
    ] = None,
    time: Annotated[str | None, typer.Option(help="RFC 3339 time (default: now).")] = None,
    bus: Annotated[
        str | None, typer.Option("--bus", "-b", help="Event bus (default: default).")
    ] = None,
    entries: Annotated[
        str | None,
        typer.Option(
            metavar="JSON|FILE",
            help=f"PutEvents entries instead (a list of {{Source, DetailType, Detail, ...}}): "
            f"{_JSON_HELP}.",
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Put events (PutEvents); prints each event's id. Exits 1 if an entry failed."""
    if entries is not None:
        if any(v is not None for v in (source, detail_type, detail, resource, time, bus)):
            raise CliError("give either --entries or the fields of one event", exit_code=INVALID)
        listed = json_value(entries, what="entries")
        if not isinstance(listed, list):
            raise CliError("the entries must be a JSON list", exit_code=INVALID)
        body: dict[str, Any] = {"Entries": listed}
    else:
        if source is None or detail_type is None:
            raise CliError("--source and --detail-type are required", exit_code=INVALID)
        entry: dict[str, Any] = {
            "Source": source,
            "DetailType": detail_type,
            "Detail": json_text(detail, what="detail") if detail is not None else "{}",
        }
        if resource:
            entry["Resources"] = resource
        if time is not None:
            entry["Time"] = time
        if bus is not None:
            entry["EventBusName"] = bus
        body = {"Entries": [entry]}
    answer = state_of(ctx).client(ctx).post(path("events"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        for result in answer.get("Entries", []):
            if "EventId" in result:
                typer.echo(result["EventId"])
            else:
                typer.echo(
                    f"failed: {result.get('ErrorCode')}: {result.get('ErrorMessage')}", err=True
                )
    if answer.get("FailedEntryCount"):
        raise typer.Exit(1)


@app.command("list")
def list_(
    ctx: typer.Context,
    bus: Annotated[str | None, typer.Option("--bus", "-b", help="Only this bus.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    detail_type: Annotated[str | None, typer.Option(help="Only this detail type.")] = None,
    resource: Annotated[
        str | None, typer.Option(metavar="ARN", help="Only about this resource.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Ingested at or after (ISO 8601).")] = None,
    max_items: Annotated[int, typer.Option(min=1, max=100, help="Events per page.")] = 25,
    next_token: Annotated[str | None, typer.Option(help="The page after a previous one.")] = None,
    output: OutputOption = None,
) -> None:
    """List events, newest first."""
    params = {
        "bus": None if bus is None else bus_name(bus),
        "source": source,
        "detail-type": detail_type,
        "resource": resource,
        "since": since,
        "max-items": max_items,
        "next-token": next_token,
    }
    answer = state_of(ctx).client(ctx).get(path("events"), params=params)
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    rows = [
        (
            e.get("IngestedAt"),
            e.get("EventBusName"),
            e.get("Source"),
            e.get("DetailType"),
            (e.get("Resources") or [None])[0],
            "yes" if e.get("RoutedAt") else "no",
            e.get("EventId"),
        )
        for e in answer.get("Events", [])
    ]
    columns = ("Ingested", "Bus", "Source", "Detail type", "Resource", "Routed", "Id")
    console().print(table(columns, rows, fold=("Resource",)))
    if answer.get("NextToken"):
        typer.echo(f"more: --next-token {answer['NextToken']}")


@app.command()
def tail(
    ctx: typer.Context,
    bus: Annotated[str | None, typer.Option("--bus", "-b", help="Only this bus.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    detail_type: Annotated[str | None, typer.Option(help="Only this detail type.")] = None,
    resource: Annotated[
        str | None, typer.Option(metavar="ARN", help="Only about this resource.")
    ] = None,
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=0, max=100, help="Past events to show first.")
    ] = 10,
    interval: Annotated[
        float, typer.Option(min=0.2, max=60.0, help="Seconds between looks.")
    ] = 1.0,
    count: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many new events.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Follow events as they arrive, oldest first (Ctrl-C stops): one line each, or one
    JSON envelope per line with --output json."""
    client = state_of(ctx).client(ctx)
    params = {
        "bus": None if bus is None else bus_name(bus),
        "source": source,
        "detail-type": detail_type,
        "resource": resource,
    }
    as_json = state_of(ctx).json(output)
    seen: dict[str, None] = {}  # ids already shown, oldest first (bounded below)
    newest = _newest(client, params, limit=100, seen=seen)
    for item in newest[-lines:] if lines else []:
        _print_event(item, as_json=as_json)
    seen.update((e["EventId"], None) for e in newest)
    shown = 0
    try:
        while count is None or shown < count:
            time.sleep(interval)
            for item in _newest(client, params, limit=None, seen=seen):
                _print_event(item, as_json=as_json)
                seen[item["EventId"]] = None
                shown += 1
                if count is not None and shown >= count:
                    break
            while len(seen) > 10_000:
                del seen[next(iter(seen))]
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def _newest(
    client: Any, params: dict[str, Any], *, limit: int | None, seen: dict[str, None]
) -> list[dict[str, Any]]:
    """Events not in ``seen``, oldest first: pages back from the newest until one already
    seen (or ``limit`` events, or the first event) is reached."""
    found: list[dict[str, Any]] = []
    token = None
    while True:
        answer = client.get(
            path("events"), params={**params, "max-items": 100, "next-token": token}
        )
        for item in answer.get("Events", []):
            if item["EventId"] in seen or (limit is not None and len(found) >= limit):
                return found[::-1]
            found.append(item)
        token = answer.get("NextToken")
        if not token:
            return found[::-1]


def _print_event(item: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(item.get("Event"), separators=(",", ":")))
        return
    resource = (item.get("Resources") or ["-"])[0]
    typer.echo(
        f"{item.get('Time')}  {item.get('EventBusName')}  {item.get('Source')}  "
        f"{item.get('DetailType')}  {resource}  {item.get('EventId')}"
    )


@app.command("test-pattern")
def test_pattern(
    ctx: typer.Context,
    pattern: Annotated[
        str,
        typer.Option("--pattern", "-p", metavar="JSON|FILE", help=f"Event pattern: {_JSON_HELP}."),
    ],
    event: Annotated[
        str, typer.Option("--event", "-e", metavar="JSON|FILE", help=f"The event: {_JSON_HELP}.")
    ],
    output: OutputOption = None,
) -> None:
    """Test a pattern against an event on the server (TestEventPattern).

    Prints "match" (exit 0) or "no match" (exit 1). The event needs id, account, source,
    time, region, resources and detail-type, as AWS requires.
    """
    if pattern.strip() == "-" and event.strip() == "-":
        raise CliError("only one of --pattern and --event can be - (standard input)", exit_code=2)
    body = {
        "EventPattern": json_text(pattern, what="pattern"),
        "Event": json_text(event, what="event"),
    }
    answer = state_of(ctx).client(ctx).post(path("events", "test-pattern"), body)
    matched = bool(answer.get("Result"))
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        typer.echo("match" if matched else "no match")
    if not matched:
        raise typer.Exit(NO_MATCH)


@app.command()
def sample(
    detail_type: Annotated[
        str | None,
        typer.Argument(help="One detail type (default: one sample of each, as a JSON list)."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Print sample events, exactly as certherd sends them (no server needed): ACM's
    (source aws.acm) and certherd's own (source certherd), made now by the builders of the
    real events, so a pattern that matches a sample matches the real thing.

    Detail types: ACM Certificate Approaching Expiration, ACM Certificate Expired,
    ACM Certificate Available, ACM Certificate Renewal Action Required,
    ACM Certificate Revoked, Imported Certificate Expired, Certificate Authority
    Approaching Expiration, Event Delivery Dead-Lettered. The output is JSON whatever
    --output says.
    """
    del output
    samples = sample_events(now=datetime.now(UTC))
    if detail_type is None:
        emit_json(list(samples.values()))
        return
    if detail_type not in samples:
        raise CliError(
            f"no sample of {detail_type!r}; there are: {', '.join(samples)}",
            exit_code=INVALID,
        )
    emit_json(samples[detail_type])
