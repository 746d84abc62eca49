"""The lifecycle tick: deadlines become events, and due renewals are attempted.

Each tick reads the certificates whose deadlines are near (stored status ISSUED, NotAfter
within the longest window: 60 days), asks ``domain.lifecycle`` what is due for each at
``now``, claims every due step in the lifecycle ledger and acts only on the steps it
claimed: it writes their events to the outbox, attempts the renewals and records expiries,
all in the transaction of the claim. A step is therefore done once, whoever ticks and
however often: a second tick the same day, or a second worker at the same moment, finds
the ledger entries taken and does nothing. After downtime the next tick does what is due
at that moment (a renewal attempt whose day passed runs then; see ``due_window``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from certherd.domain import lifecycle as steps_of
from certherd.domain.arns import ArnFactory
from certherd.domain.authority import CertificateAuthority
from certherd.domain.certificate import (
    Certificate,
    FailureReason,
    RenewalStatus,
    RenewalSummary,
)
from certherd.domain.clock import Clock
from certherd.domain.events import Event
from certherd.domain.lifecycle import LifecycleStep, StepKind
from certherd.domain.records import AccountConfig, LedgerEntry
from certherd.errors import ValidationError
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["LifecycleEngine", "Renewer", "TickReport"]

#: How far ahead a tick looks: the earliest renewal window (60 days) and a day to spare.
HORIZON = timedelta(days=max(steps_of.RENEWAL_WINDOWS) + 1)


class Renewer(Protocol):
    """Renews one certificate inside the caller's unit of work (the certificate service)."""

    def renew_in(self, uow: UnitOfWork, cert: Certificate, now: datetime) -> Certificate: ...


@dataclass
class TickReport:
    """What one tick did."""

    at: datetime
    certificates: int = 0
    events: int = 0
    renewals_attempted: int = 0
    renewals_succeeded: int = 0
    expired: int = 0
    authorities: int = 0
    by_detail_type: dict[str, int] = field(default_factory=dict)

    def count(self, event: Event) -> None:
        self.events += 1
        self.by_detail_type[event.detail_type] = self.by_detail_type.get(event.detail_type, 0) + 1


class LifecycleEngine:
    """Runs lifecycle ticks (see the module docstring)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        renewer: Renewer,
        clock: Clock,
        arns: ArnFactory,
        ca_days_before: int = steps_of.DEFAULT_CA_DAYS_BEFORE_EXPIRY,
        page_size: int = 1000,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._uow = uow
        self._renewer = renewer
        self._clock = clock
        self._arns = arns
        self._region = arns.region
        self._ca_days_before = ca_days_before
        self._page_size = page_size
        self._new_id = new_id

    def tick(self, now: datetime | None = None) -> TickReport:
        """Do everything due at ``now`` (default: the clock's now); one transaction per page
        of certificates. Raises what the database raises; what committed before stays."""
        at = self._clock.now() if now is None else now
        report = TickReport(at=at)
        configs: dict[str, AccountConfig] = {}
        after: tuple[datetime, str] | None = None
        while True:
            with self._uow() as uow:
                page = uow.lifecycle.certificates_due(
                    at + HORIZON, after=after, limit=self._page_size
                )
                if not page:
                    break
                self._tick_certificates(uow, page, at, configs, report)
                uow.commit()
            report.certificates += len(page)
            last = (page[-1].not_after, page[-1].id)
            if after is not None and last <= after:
                # A repository that pages wrongly must not make the tick loop forever.
                raise RuntimeError(f"the lifecycle page after {after} did not move on")
            after = last
        self._tick_authorities(at, report)
        return report

    # -- certificates ----------------------------------------------------------------------

    def _tick_certificates(
        self,
        uow: UnitOfWork,
        page: Sequence[Certificate],
        now: datetime,
        configs: dict[str, AccountConfig],
        report: TickReport,
    ) -> None:
        due: list[tuple[Certificate, LifecycleStep]] = []
        for cert in page:
            config = self._config(uow, cert.account, configs)
            due.extend((cert, step) for step in steps_of.due_steps(cert, config=config, now=now))
        if not due:
            return
        claimed = self._claim(uow, due, now)
        # The CAs of this page's renewals, read once each in this transaction.
        authorities: dict[str, CertificateAuthority | None] = {}
        events: list[Event] = []
        expired: list[str] = []
        renewed: set[str] = set()
        for (cert, step), event_id in claimed:
            if cert.id in renewed:
                continue  # renewed this tick: what was due for the old version is moot
            if step.kind is StepKind.RENEWAL_ATTEMPT:
                outcome, succeeded = self._renew(uow, cert, step, now, report, authorities)
                if outcome is not None:
                    events.append(outcome)
                if succeeded:
                    renewed.add(cert.id)
                continue
            envelope = steps_of.step_envelope(
                step, cert, now=now, region=self._region, event_id=event_id
            )
            events.append(Event.from_envelope(envelope, now=now))
            if step.kind is StepKind.EXPIRED:
                expired.append(cert.id)
        uow.lifecycle.mark_expired(expired)
        report.expired += len(expired)
        self._append(uow, events, report)

    def _renew(
        self,
        uow: UnitOfWork,
        cert: Certificate,
        step: LifecycleStep,
        now: datetime,
        report: TickReport,
        authorities: dict[str, CertificateAuthority | None],
    ) -> tuple[Event | None, bool]:
        """Attempt the renewal of ``step``; its event (if it has one) and whether it renewed."""
        report.renewals_attempted += 1
        failure = steps_of.renewal_failure(
            cert, authority=self._authority(uow, cert, authorities), now=now
        )
        if failure is not None:
            # Known to fail: record it without reading and rewriting the whole certificate.
            summary = RenewalSummary(RenewalStatus.FAILED, now, failure)
            uow.certificates.set_renewal(cert.id, summary)
            after = replace(cert, renewal=summary)
        else:
            # The page was read without tags; the renewal stores the whole certificate.
            current = uow.certificates.get(cert.account, cert.id)
            if current is None:
                return None, False
            after = self._renewer.renew_in(uow, current, now)
            if after.renewal is None or after.renewal.status is not RenewalStatus.SUCCESS:
                failure = (after.renewal.reason if after.renewal else None) or FailureReason.OTHER
            else:
                report.renewals_succeeded += 1
        outcome = steps_of.apply_renewal_outcome(
            step, after, failure=failure, now=now, region=self._region, new_id=self._new_id
        )
        event = None if outcome.envelope is None else Event.from_envelope(outcome.envelope, now=now)
        return event, failure is None

    def _authority(
        self, uow: UnitOfWork, cert: Certificate, seen: dict[str, CertificateAuthority | None]
    ) -> CertificateAuthority | None:
        """The CA ``cert`` renews through, as stored now (None when it is gone)."""
        arn = cert.authority_arn
        if arn is None:
            return None
        if arn not in seen:
            try:
                account, authority_id = self._arns.authority_id(arn)
            except ValidationError:
                seen[arn] = None
            else:
                seen[arn] = uow.authorities.get(account, authority_id)
        return seen[arn]

    # -- certificate authorities -----------------------------------------------------------

    def _tick_authorities(self, now: datetime, report: TickReport) -> None:
        with self._uow() as uow:
            due: list[tuple[Any, LifecycleStep]] = []
            for account, authority_id in uow.lifecycle.authorities_due(
                now + timedelta(days=self._ca_days_before + 1)
            ):
                ca = uow.authorities.get(account, authority_id)
                if ca is None:
                    continue
                for step in steps_of.authority_due_steps(
                    ca, now=now, days_before=self._ca_days_before
                ):
                    due.append((ca, step))
            events = [
                Event.from_envelope(
                    steps_of.step_envelope(
                        step, ca, now=now, region=self._region, event_id=event_id
                    ),
                    now=now,
                )
                for (ca, step), event_id in self._claim(uow, due, now)
            ]
            report.authorities += len(events)
            self._append(uow, events, report)
            uow.commit()

    # -- shared ----------------------------------------------------------------------------

    def _claim(
        self, uow: UnitOfWork, due: Sequence[tuple[Any, LifecycleStep]], now: datetime
    ) -> list[tuple[tuple[Any, LifecycleStep], str | None]]:
        """Claim the steps' ledger keys; return the claimed ones with their event ids."""
        entries: list[LedgerEntry] = []
        for _, step in due:
            key = step.ledger_key
            # A renewal attempt's event (if any) depends on its outcome: no id in advance.
            event_id = None if step.kind is StepKind.RENEWAL_ATTEMPT else self._new_id()
            entries.append(
                LedgerEntry(
                    subject_id=key.subject_id,
                    kind=key.kind,
                    occasion=key.occasion,
                    account=step.account,
                    created_at=now,
                    event_id=event_id,
                )
            )
        claimed = {
            (e.subject_id, e.kind, e.occasion): e.event_id for e in uow.ledger.claim(entries)
        }
        result = []
        for item in due:
            key = item[1].ledger_key
            triple = (key.subject_id, key.kind, key.occasion)
            if triple in claimed:
                result.append((item, claimed[triple]))
        return result

    def _append(self, uow: UnitOfWork, events: Iterable[Event], report: TickReport) -> None:
        batch = list(events)
        if batch:
            uow.events.append_many(batch)
            for event in batch:
                report.count(event)

    @staticmethod
    def _config(uow: UnitOfWork, account: str, configs: dict[str, AccountConfig]) -> AccountConfig:
        config = configs.get(account)
        if config is None:
            config = uow.accounts.get(account) or AccountConfig(account=account)
            configs[account] = config
        return config
