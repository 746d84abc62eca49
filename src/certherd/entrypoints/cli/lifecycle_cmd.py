"""``certherd lifecycle run|forecast|clock``: simulated days, and the calendar of what
will page you."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from certherd.domain.clock import parse_instant
from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.state import state_of
from certherd.errors import ValidationError

app = typer.Typer(
    help="The certificate lifecycle: forecast what it will send, or run it ahead on a "
    "server that runs on simulated time.",
    no_args_is_help=True,
)

#: Days per request of ``run``, so that each answer comes well within the client timeout.
_CHUNK_DAYS = 31


@app.command()
def clock(ctx: typer.Context, output: OutputOption = None) -> None:
    """Show the server's current time, and whether it is simulated."""
    answer = state_of(ctx).client(ctx).get(path("lifecycle", "clock"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    kind = "simulated" if answer["Simulated"] else "system clock"
    console().print(f"{answer['Now']} ({kind})")


@app.command()
def forecast(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option(min=1, max=3660, help="How many days ahead to look (from today).")
    ] = 30,
    output: OutputOption = None,
) -> None:
    """List the lifecycle events of the coming days: when, for which certificate, and why.

    Nothing is sent; renewals are assumed to go as the CAs stand today.
    """
    answer = state_of(ctx).client(ctx).get(path("lifecycle", "forecast"), params={"Days": days})
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    entries = answer.get("Entries", [])
    if not entries:
        console().print(f"Nothing will be sent in the next {days} days.")
        return
    console().print(
        table(
            ["DATE", "EVENT", "DAYS LEFT", "CERTIFICATE", "WHY"],
            (
                (e["Date"], e["DetailType"], e["DaysToExpiry"], e["CertificateArn"], e["Why"])
                for e in entries
            ),
            fold=["CERTIFICATE", "WHY"],
        )
    )


@app.command()
def run(
    ctx: typer.Context,
    until: Annotated[
        str,
        typer.Option(help="Run through this date or date-time (ISO 8601, UTC)."),
    ],
    output: OutputOption = None,
) -> None:
    """Run the lifecycle day by day up to UNTIL on a server that runs on simulated time
    (started with --now or CERTHERD_NOW): each day ticks, routes and delivers for real.

    Needs an admin token.
    """
    try:
        target = parse_instant(until, field="--until")
    except ValidationError as exc:
        raise CliError(str(exc), exit_code=2) from None
    client = state_of(ctx).client(ctx)
    now_answer = client.get(path("lifecycle", "clock"))
    if not now_answer["Simulated"]:
        raise CliError(
            "the server runs on the system clock; start it with --now or CERTHERD_NOW "
            "to run the lifecycle ahead"
        )
    now = parse_instant(now_answer["Now"])
    days: list[dict[str, Any]] = []
    while True:
        step = min(target, now + timedelta(days=_CHUNK_DAYS))
        answer = client.post(path("lifecycle", "run"), {"Until": _iso(step)})
        # Each answer repeats the day it started on; keep one of each.
        days.extend(d for d in answer["Days"] if not days or d["At"] > days[-1]["At"])
        now = parse_instant(answer["Now"])
        if now >= target:
            break
    if state_of(ctx).json(output):
        emit_json({"Now": _iso(now), "Days": days})
        return
    busy = [d for d in days if d["Events"] or d["RenewalsAttempted"]]
    if busy:
        console().print(
            table(
                ["DAY", "EVENTS", "BY TYPE", "RENEWALS", "EXPIRED"],
                (
                    (
                        d["At"][:10],
                        d["Events"],
                        ", ".join(f"{k}: {v}" for k, v in sorted(d["ByDetailType"].items())),
                        f"{d['RenewalsSucceeded']}/{d['RenewalsAttempted']}",
                        d["Expired"],
                    )
                    for d in busy
                ),
                fold=["BY TYPE"],
            )
        )
    total = sum(d["Events"] for d in days)
    console().print(f"Ran {len(days)} day(s) to {_iso(now)}: {total} event(s).")


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
