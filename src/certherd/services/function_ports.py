"""What the function services need from the outside world: storage of functions and of
their runs, and something that runs a function in a process of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from certherd.domain.functions import Function, FunctionInvocation, RunOutcome

__all__ = ["FunctionInvocationRepository", "FunctionRepository", "FunctionRunner"]


class FunctionRepository(Protocol):
    def add(self, function: Function) -> None:
        """Add ``function``; ConflictError when the account has one of that name."""

    def get(self, account: str, name: str) -> Function | None: ...

    def list(self, account: str) -> list[Function]:
        """The account's functions by name."""

    def delete(self, function_id: str) -> None:
        """Remove the function and the records of its runs."""


class FunctionInvocationRepository(Protocol):
    def add(self, invocation: FunctionInvocation) -> None: ...

    def page(
        self, function_id: str, *, before: int | None, limit: int
    ) -> list[tuple[int, FunctionInvocation]]:
        """Runs of the function, newest first, each with its position (for paging): those
        before position ``before`` when given."""


class FunctionRunner(Protocol):
    """Runs functions in processes of their own (see :mod:`certherd.domain.functions`)."""

    def check(self, function: Function) -> None:
        """Raise ValidationError when ``function`` could never run here: an entry point no
        installed package publishes (EntryPoint), a user that does not exist or that
        certherd may not switch to (RunAs: only root runs functions as another user)."""

    def run(self, function: Function, payload: str, environment: Mapping[str, str]) -> RunOutcome:
        """Run ``function`` once with ``payload`` (a command gets it on standard input, a
        python callable as its argument) and the variables of ``environment``; one still
        running at its timeout is killed. Never raises for a run that failed: the outcome
        says how it ended (``error`` when it could not start)."""
