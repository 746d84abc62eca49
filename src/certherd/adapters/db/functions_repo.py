"""Functions and the records of their runs (the function repository ports on SQL)."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.function_tables import function_invocations, functions
from certherd.adapters.db.integrity import conflict_on_duplicate
from certherd.domain.functions import (
    Function,
    FunctionInvocation,
    FunctionKind,
    InvocationSource,
    RunState,
)

__all__ = ["SqlFunctionInvocationRepository", "SqlFunctionRepository"]

_f = functions.c
_i = function_invocations.c


def _function(row: sa.Row[Any]) -> Function:
    return Function(
        id=row.id,
        account=row.account,
        name=row.name,
        kind=FunctionKind(row.kind),
        timeout_seconds=row.timeout_seconds,
        created_at=row.created_at,
        command=tuple(row.command or ()),
        entry_point=row.entry_point,
        environment_keys=tuple(row.environment_keys or ()),
        environment_secret_id=row.environment_secret_id,
        working_directory=row.working_directory,
        run_as=row.run_as,
        description=row.description,
    )


class SqlFunctionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, function: Function) -> None:
        with conflict_on_duplicate(f"function {function.name!r}"):
            self._conn.execute(
                functions.insert().values(
                    id=function.id,
                    account=function.account,
                    name=function.name,
                    kind=function.kind.value,
                    command=list(function.command),
                    entry_point=function.entry_point,
                    environment_keys=list(function.environment_keys),
                    environment_secret_id=function.environment_secret_id,
                    working_directory=function.working_directory,
                    timeout_seconds=function.timeout_seconds,
                    run_as=function.run_as,
                    description=function.description,
                    created_at=function.created_at,
                )
            )

    def get(self, account: str, name: str) -> Function | None:
        row = self._conn.execute(
            sa.select(functions).where(_f.account == account, _f.name == name)
        ).first()
        return None if row is None else _function(row)

    def list(self, account: str) -> builtins.list[Function]:
        rows = self._conn.execute(
            sa.select(functions).where(_f.account == account).order_by(_f.name)
        ).all()
        return [_function(row) for row in rows]

    def delete(self, function_id: str) -> None:
        # Explicitly, not only by the cascade: the records go with the function either way.
        self._conn.execute(function_invocations.delete().where(_i.function_id == function_id))
        self._conn.execute(functions.delete().where(_f.id == function_id))


def _invocation(row: sa.Row[Any]) -> FunctionInvocation:
    return FunctionInvocation(
        id=row.id,
        account=row.account,
        function_id=row.function_id,
        function_name=row.function_name,
        source=InvocationSource(row.source),
        started_at=row.started_at,
        duration_ms=row.duration_ms,
        state=RunState(row.state),
        output_tail=row.output_tail,
        timed_out=row.timed_out,
        exit_status=row.exit_status,
        error=row.error,
        rule_arn=row.rule_arn,
        event_id=row.event_id,
        target_invocation_id=row.target_invocation_id,
        subscription_arn=row.subscription_arn,
        message_id=row.message_id,
    )


class SqlFunctionInvocationRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, invocation: FunctionInvocation) -> None:
        self._conn.execute(
            function_invocations.insert().values(
                id=invocation.id,
                account=invocation.account,
                function_id=invocation.function_id,
                function_name=invocation.function_name,
                source=invocation.source.value,
                rule_arn=invocation.rule_arn,
                event_id=invocation.event_id,
                target_invocation_id=invocation.target_invocation_id,
                subscription_arn=invocation.subscription_arn,
                message_id=invocation.message_id,
                started_at=invocation.started_at,
                duration_ms=invocation.duration_ms,
                state=invocation.state.value,
                exit_status=invocation.exit_status,
                timed_out=invocation.timed_out,
                error=invocation.error,
                output_tail=invocation.output_tail,
            )
        )

    def page(
        self, function_id: str, *, before: int | None, limit: int
    ) -> list[tuple[int, FunctionInvocation]]:
        query = sa.select(function_invocations).where(_i.function_id == function_id)
        if before is not None:
            query = query.where(_i.seq < before)
        rows = self._conn.execute(query.order_by(_i.seq.desc()).limit(limit)).all()
        return [(row.seq, _invocation(row)) for row in rows]
