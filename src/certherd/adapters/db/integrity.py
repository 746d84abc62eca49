"""Turning constraint violations of the database into certherd's errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from certherd.errors import ConflictError, NotFoundError

__all__ = ["conflict_on_duplicate", "require_one"]


@contextmanager
def conflict_on_duplicate(what: str) -> Iterator[None]:
    """Raise ConflictError when the statements inside break a uniqueness or key constraint.

    On PostgreSQL the transaction cannot go on after that (the unit of work rolls back).
    """
    try:
        yield
    except IntegrityError as exc:
        raise ConflictError(
            f"{what} already exists or refers to something that does not exist"
        ) from exc


def require_one(rowcount: int, what: str) -> None:
    """Raise NotFoundError when an UPDATE or DELETE found no row."""
    if rowcount == 0:
        raise NotFoundError(f"{what} does not exist")
