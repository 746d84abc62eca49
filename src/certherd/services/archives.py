"""Archives (EventBridge semantics, spec 2.7): CreateArchive, DescribeArchive, ListArchives,
UpdateArchive, DeleteArchive, and the retention sweep.

The router copies events into archives as it routes them; every change here that alters
which events an archive keeps moves the bus's routing version in the same transaction, so
the router rebuilds its view of the bus's archives before its next batch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from certherd.domain.archives import (
    Archive,
    ArchiveState,
    check_archive_description,
    check_archive_name,
    check_archive_pattern,
    check_retention_days,
    retention_cutoff,
)
from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.events import DEFAULT_BUS
from certherd.domain.rules import EventBus, check_bus_name
from certherd.errors import ConflictError, NotFoundError, ValidationError
from certherd.services.event_bus import bus_not_found
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["ArchivePage", "ArchiveService", "archive_not_found", "own_bus"]

MAX_PAGE: Final = 100
#: Archived events the retention sweep deletes per call, at most.
DEFAULT_SWEEP: Final = 1000


@dataclass(frozen=True)
class ArchivePage:
    archives: list[Archive]
    next_token: str | None


def archive_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Archive {name} does not exist.", field="ArchiveName")


def page_after(next_token: str | None) -> str | None:
    """The name a ``NextToken`` of a list call continues after (ValidationError if it is
    not one)."""
    if not next_token:
        return None
    if not next_token.startswith("after:") or len(next_token) > 2048:
        raise ValidationError("is not a token returned by a previous list call", field="NextToken")
    return next_token.removeprefix("after:")


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"must be between 1 and {MAX_PAGE}", field="Limit")
    return limit


def own_bus(arns: ArnFactory, account: str, arn: object, *, field: str) -> str:
    """The name of the bus ``arn`` names, which must be a bus ARN of ``account``
    (ValidationError naming ``field`` otherwise)."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise ValidationError("must be the ARN of an event bus", field=field)
    owner, name = arns.event_bus_ref(arn, field=field)
    if owner != account:
        raise ValidationError("must be an event bus of this account", field=field)
    return check_bus_name(name, field=field)


class ArchiveService:
    """Archives of the buses of an account."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        # Reads go through ``read_uow`` (on SQLite they never wait for the write lock).
        self._read_uow = read_uow or uow
        self._clock = clock
        self._arns = arns

    def _open_bus(
        self, uow: UnitOfWork, account: str, bus: str, now: datetime, *, required: bool = True
    ) -> None:
        """The bus has a row (the default bus gets one on first use) and its routing
        version moves: the caller is about to change its archives. A custom bus that is
        gone is NotFoundError when ``required``, else nothing to do."""
        if bus == DEFAULT_BUS:
            arn = self._arns.event_bus(account, bus)
            uow.rules.ensure_bus(EventBus(account, bus, arn, now, now))
        elif uow.rules.get_bus(account, bus) is None:
            if required:
                raise bus_not_found(bus)
            return
        uow.archives.move_bus_version(account, bus)

    def _load(self, uow: UnitOfWork, account: str, name: str) -> Archive:
        archive = uow.archives.get(account, check_archive_name(name))
        if archive is None:
            raise archive_not_found(name)
        return archive

    def create_archive(
        self,
        *,
        account: str,
        name: str,
        event_source_arn: str,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int = 0,
    ) -> Archive:
        """CreateArchive: an ENABLED archive of the bus ``event_source_arn`` (a bus ARN of
        the account) keeping the events ``event_pattern`` matches (all when None) for
        ``retention_days`` (0: for ever).

        Raises ValidationError (name, ARN, description, retention), InvalidEventPatternError
        (AWS's reason), NotFoundError (no such bus) and ConflictError (name taken).
        """
        validate_account_id(account)
        check_archive_name(name)
        bus = own_bus(self._arns, account, event_source_arn, field="EventSourceArn")
        check_archive_description(description)
        pattern = check_archive_pattern(event_pattern)
        check_retention_days(retention_days)
        now = self._clock.now()
        archive = Archive(
            id=str(uuid.uuid4()),
            account=account,
            name=name,
            arn=self._arns.archive(account, name),
            bus=bus,
            source_arn=self._arns.event_bus(account, bus),
            retention_days=retention_days,
            state=ArchiveState.ENABLED,
            created_at=now,
            updated_at=now,
            description=description,
            event_pattern=pattern,
        )
        with self._uow() as uow:
            if uow.archives.get(account, name) is not None:
                raise ConflictError(f"Archive {name} already exists.", field="ArchiveName")
            if bus != DEFAULT_BUS and uow.rules.get_bus(account, bus) is None:
                raise NotFoundError(f"Event bus {bus} does not exist.", field="EventSourceArn")
            self._open_bus(uow, account, bus, now)
            uow.archives.add(archive)
            uow.commit()
        return archive

    def describe_archive(self, *, account: str, name: str) -> Archive:
        """DescribeArchive, with EventCount and SizeBytes; NotFoundError if unknown."""
        validate_account_id(account)
        with self._read_uow() as uow:
            return self._load(uow, account, name)

    def list_archives(
        self,
        *,
        account: str,
        prefix: str | None = None,
        event_source_arn: str | None = None,
        state: str | None = None,
        limit: int = MAX_PAGE,
        next_token: str | None = None,
    ) -> ArchivePage:
        """ListArchives: by name, those starting ``prefix``, of the bus ``event_source_arn``
        and in ``state`` (each when given), a page at a time."""
        validate_account_id(account)
        check_limit(limit)
        if prefix:
            check_archive_name(prefix, field="NamePrefix")
        bus = (
            None
            if not event_source_arn
            else own_bus(self._arns, account, event_source_arn, field="EventSourceArn")
        )
        if state is not None and state not in ArchiveState.__members__:
            raise ValidationError(
                f"must be one of {', '.join(s.value for s in ArchiveState)}", field="State"
            )
        after = page_after(next_token)
        with self._read_uow() as uow:
            found = uow.archives.list(
                account, prefix=prefix or None, bus=bus, state=state, after=after, limit=limit + 1
            )
        page = found[:limit]
        return ArchivePage(page, f"after:{page[-1].name}" if len(found) > limit else None)

    def update_archive(
        self,
        *,
        account: str,
        name: str,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int | None = None,
    ) -> Archive:
        """UpdateArchive: change the description, pattern or retention (None: unchanged).
        A new pattern applies to events routed from now on."""
        validate_account_id(account)
        check_archive_description(description)
        pattern = check_archive_pattern(event_pattern)
        if retention_days is not None:
            check_retention_days(retention_days)
        now = self._clock.now()
        with self._uow() as uow:
            archive = self._load(uow, account, name)
            changed = replace(
                archive,
                description=archive.description if description is None else description,
                event_pattern=archive.event_pattern if pattern is None else pattern,
                retention_days=(
                    archive.retention_days if retention_days is None else retention_days
                ),
                updated_at=now,
            )
            if changed.event_pattern != archive.event_pattern:
                self._open_bus(uow, account, archive.bus, now, required=False)
            uow.archives.update(changed)
            uow.commit()
        return changed

    def delete_archive(self, *, account: str, name: str) -> None:
        """DeleteArchive: the archive and every event it holds; NotFoundError if unknown.
        Replays still reading it fail."""
        validate_account_id(account)
        now = self._clock.now()
        with self._uow() as uow:
            archive = self._load(uow, account, name)
            self._open_bus(uow, account, archive.bus, now, required=False)
            uow.archives.delete(archive.id)
            uow.commit()

    def sweep(self, now: datetime, limit: int = DEFAULT_SWEEP) -> int:
        """Delete up to ``limit`` archived events that are past their archive's retention
        (archived more than RetentionDays days before ``now``); return how many."""
        removed = 0
        with self._uow() as uow:
            for archive in uow.archives.retained():
                cutoff = retention_cutoff(archive.retention_days, now)
                if cutoff is None or removed >= limit:
                    continue
                removed += uow.archives.delete_archived_before(archive.id, cutoff, limit - removed)
            uow.commit()
        return removed
