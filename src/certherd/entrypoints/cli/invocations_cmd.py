"""``certherd events invocations``: what became of events handed to rule targets."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from certherd.entrypoints.cli.client import path
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["invocations"]


class StateChoice(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    DEAD_LETTERED = "DEAD_LETTERED"


def invocations(
    ctx: typer.Context,
    state: Annotated[
        StateChoice | None,
        typer.Option(case_sensitive=False, help="Only invocations in this state."),
    ] = None,
    max_items: Annotated[int, typer.Option(min=1, max=100, help="Invocations per page.")] = 25,
    next_token: Annotated[str | None, typer.Option(help="The page after a previous one.")] = None,
    output: OutputOption = None,
) -> None:
    """List invocations (one per event and rule target), newest first: state, attempts,
    last error and, while pending, the next attempt."""
    params = {
        "state": None if state is None else state.value,
        "max-items": max_items,
        "next-token": next_token,
    }
    answer = state_of(ctx).client(ctx).get(path("invocations"), params=params)
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    rows = [
        (
            i.get("CreatedAt"),
            i.get("State"),
            f"{i.get('Attempts')}/{i.get('MaximumAttempts')}",
            i.get("NextAttemptAt") or "",
            _error(i.get("LastErrorCode"), i.get("LastErrorMessage")),
            i.get("TargetArn"),
            i.get("EventId"),
        )
        for i in answer.get("Invocations", [])
    ]
    columns = ("Created", "State", "Attempts", "Next attempt", "Last error", "Target", "Event")
    console().print(table(columns, rows, fold=("Last error", "Target")))
    if answer.get("NextToken"):
        typer.echo(f"more: --next-token {answer['NextToken']}")


def _error(code: str | None, message: str | None) -> str:
    if code is None:
        return ""
    return f"{code}: {message}" if message else code
