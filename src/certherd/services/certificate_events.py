"""Telling the event bus about a certificate, in the transaction that changed it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from certherd.domain import acm_events
from certherd.domain.acm_events import Envelope
from certherd.domain.certificate import Certificate, VersionAction
from certherd.domain.events import Event
from certherd.services.ports import UnitOfWork

__all__ = ["announce", "announce_available", "announce_revoked"]


def announce(uow: UnitOfWork, envelopes: Iterable[Envelope], now: datetime) -> None:
    """Append the events to the outbox of ``uow`` (their account's default bus); they
    commit, or roll back, with the change they tell of."""
    batch = [Event.from_envelope(envelope, now=now) for envelope in envelopes]
    if batch:
        uow.events.append_many(batch)


def announce_available(
    uow: UnitOfWork,
    certificates: Iterable[Certificate],
    *,
    action: VersionAction,
    now: datetime,
    region: str,
) -> None:
    """``ACM Certificate Available`` for the current version of each certificate."""
    announce(
        uow,
        (acm_events.available(c, action=action, now=now, region=region) for c in certificates),
        now,
    )


def announce_revoked(
    uow: UnitOfWork, certificate: Certificate, *, now: datetime, region: str
) -> None:
    """``ACM Certificate Revoked`` for ``certificate``."""
    announce(uow, [acm_events.revoked(certificate, now=now, region=region)], now)
