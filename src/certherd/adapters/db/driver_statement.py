"""Statements on the issuing path, run on the driver's cursor after being compiled once.

``Connection.execute`` spends tens of microseconds of Python on every statement (execution
context, parameter processing, result set-up): several times what SQLite itself needs for
a small INSERT, and issuing a certificate runs five statements. A :class:`DriverStatement`
is still a Core construct, compiled by SQLAlchemy once per dialect, and its values still
go through the column types' own bind and result processors, so the SQL and the stored
values are exactly SQLAlchemy's; only the per-call machinery is skipped. Errors come out
as SQLAlchemy raises them (``IntegrityError`` and the rest of the ``DBAPIError`` family;
``StatementError`` for a value a type refuses), so :mod:`.integrity` works unchanged.

Connection events (``before_cursor_execute``, ``echo``) do not see these statements.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

__all__ = ["DriverStatement"]

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    values: Callable[[Mapping[str, Any]], Any]  # itemgetter of the names, in order
    defaults: dict[str, Any]  # values bound in the construct itself (LIMIT 1, literals)
    bind: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor) of those with one
    result: tuple[_Processor, ...]
    positional: bool
    dbapi_error: type[Exception]


class DriverStatement:
    """A Core INSERT or SELECT with bound parameters only, run straight on the driver."""

    __slots__ = ("_last", "_plans", "_statement")

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._plans: weakref.WeakKeyDictionary[Dialect, _Plan] = weakref.WeakKeyDictionary()
        # The dialect last used and its plan (one engine per process: a weak dict look-up
        # per statement would be most of the cost of finding the plan).
        self._last: tuple[weakref.ref[Dialect], _Plan] | None = None

    def execute(self, conn: sa.Connection, params: Mapping[str, Any]) -> None:
        """Run the statement with ``params`` (one value for every parameter)."""
        plan = self._plan(conn.dialect)
        cursor = self._run(conn, plan, params)
        cursor.close()

    def execute_many(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per mapping of ``rows`` (the driver's ``executemany``)."""
        if not rows:
            return
        plan = self._plan(conn.dialect)
        args = [self._args(plan, params) for params in rows]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(plan.sql, args)
        except plan.dbapi_error as exc:
            raise sa.exc.DBAPIError.instance(
                plan.sql, args[0], exc, plan.dbapi_error, dialect=conn.dialect
            ) from exc
        finally:
            cursor.close()

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of the result (its values processed by the column types), or None."""
        plan = self._plan(conn.dialect)
        cursor = self._run(conn, plan, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return tuple(v if p is None else p(v) for p, v in zip(plan.result, row, strict=True))

    @staticmethod
    def _args(plan: _Plan, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for ``params``: processed by the column types, in order."""
        if plan.defaults:
            params = {**plan.defaults, **params}
        try:
            got = plan.values(params)
            values = list(got) if len(plan.names) > 1 else [got]
            for position, process in plan.bind:
                values[position] = process(values[position])
        except (KeyError, TypeError, ValueError) as exc:
            raise sa.exc.StatementError(str(exc), plan.sql, dict(params), exc) from exc
        return values if plan.positional else dict(zip(plan.names, values, strict=True))

    def _run(self, conn: sa.Connection, plan: _Plan, params: Mapping[str, Any]) -> Any:
        args = self._args(plan, params)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, args)
        except plan.dbapi_error as exc:
            cursor.close()
            raise sa.exc.DBAPIError.instance(
                plan.sql, args, exc, plan.dbapi_error, dialect=conn.dialect
            ) from exc
        return cursor

    def _plan(self, dialect: Dialect) -> _Plan:
        last = self._last
        if last is not None and last[0]() is dialect:
            return last[1]
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = self._compile(dialect)
        self._last = (weakref.ref(dialect), plan)
        return plan

    def _compile(self, dialect: Dialect) -> _Plan:
        compiled = self._statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError("DriverStatement takes a SQL statement")
        if compiled.escaped_bind_names or compiled.literal_execute_params:
            raise TypeError("DriverStatement takes plain named parameters only")
        binds = compiled.binds
        names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(binds)
        if any(binds[n].expanding for n in names):
            raise TypeError("DriverStatement takes no expanding (IN list) parameters")
        defaults = {n: binds[n].effective_value for n in names if not binds[n].required}
        processors = [binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
        bind = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        columns = getattr(self._statement, "selected_columns", ())
        result = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        error = dialect.loaded_dbapi.Error
        if not names:
            raise TypeError("DriverStatement takes statements with parameters")
        return _Plan(
            str(compiled),
            names,
            itemgetter(*names),
            defaults,
            bind,
            result,
            dialect.positional,
            error,
        )
