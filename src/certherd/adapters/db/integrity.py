"""Turning constraint violations of the database into certherd's errors."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError

from certherd.errors import ConflictError, NotFoundError

__all__ = ["conflict_on_duplicate", "require_one"]


class conflict_on_duplicate:
    """Raise ConflictError when the statements inside break a uniqueness or key constraint.

    On PostgreSQL the transaction cannot go on after that (the unit of work rolls back).
    (A class, not @contextmanager: it wraps every insert of the issuing path.)
    """

    __slots__ = ("_what",)

    def __init__(self, what: str) -> None:
        self._what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, IntegrityError):
            raise ConflictError(
                f"{self._what} already exists or refers to something that does not exist"
            ) from exc


def require_one(rowcount: int, what: str) -> None:
    """Raise NotFoundError when an UPDATE or DELETE found no row."""
    if rowcount == 0:
        raise NotFoundError(f"{what} does not exist")
