"""The lifecycle tick on a real database: events once a day, renewal attempts on schedule,
expiry, and nothing twice however often (or by how many workers) it runs."""

from __future__ import annotations

import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from certherd.bootstrap import Container, build
from certherd.config import Settings
from certherd.domain.authority import CertificateAuthority
from certherd.domain.certificate import CertificateStatus, RenewalStatus
from certherd.domain.clock import FixedClock
from certherd.domain.events import StoredEvent
from certherd.pki.keys import KeyAlgorithm

sys.path.insert(0, str(Path(__file__).parent))
from test_imports import make_bundle

DAY = timedelta(days=1)


def all_events(container: Container, account: str) -> list[StoredEvent]:
    found: list[StoredEvent] = []
    token = None
    while True:
        page = container.event_bus.list_events(account=account, max_items=100, next_token=token)
        found.extend(page.events)
        token = page.next_token
        if token is None:
            return sorted(found, key=lambda e: e.seq)


def of_type(events: list[StoredEvent], detail_type: str) -> list[dict[str, Any]]:
    return [dict(e.event.detail) for e in events if e.event.detail_type == detail_type]


def run_days(container: Container, clock: FixedClock, days: int, *, per_day: int = 1) -> None:
    for _ in range(days):
        for _ in range(per_day):
            container.lifecycle.tick()
        clock.advance(DAY)


def exported_private_certificate(
    container: Container, account: str, ca: CertificateAuthority, days: int
) -> str:
    arn = container.certificates.request(
        account=account,
        domain_name="svc.example.internal",
        authority_arn=ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        validity_days=days,
    )
    container.certificates.export(account=account, arn=arn, passphrase=b"correct horse")
    return arn


def test_an_imported_certificate_is_announced_once_a_day_from_45_days(
    container: Container, account: str, clock: FixedClock
) -> None:
    bundle = make_bundle(clock.now(), 50)  # 50 days to expiry now
    container.certificates.import_certificate(
        account=account, certificate=bundle.certificate, private_key=bundle.key, chain=bundle.chain
    )
    run_days(container, clock, 10, per_day=2)
    approaching = of_type(all_events(container, account), "ACM Certificate Approaching Expiration")
    assert [d["DaysToExpiry"] for d in approaching] == [45, 44, 43, 42, 41]


def test_a_certificate_whose_ca_denies_renewal_pages_at_each_attempt_then_expires(
    container: Container, account: str, clock: FixedClock, issuing_ca: CertificateAuthority
) -> None:
    arn = exported_private_certificate(container, account, issuing_ca, 100)
    container.authorities.delete_permission(account=account, arn=issuing_ca.arn)
    run_days(container, clock, 101)
    events = all_events(container, account)
    action = of_type(events, "ACM Certificate Renewal Action Required")
    assert [(d["DaysToExpiry"], d["RenewalStatusReason"]) for d in action] == [
        (45, "PCA_ACCESS_DENIED"),
        (30, "PCA_ACCESS_DENIED"),
        (15, "PCA_ACCESS_DENIED"),
        (3, "PCA_ACCESS_DENIED"),
        (1, "PCA_ACCESS_DENIED"),
    ]
    assert len(of_type(events, "ACM Certificate Expired")) == 1
    assert events[-1].event.detail_type == "ACM Certificate Expired"
    view = container.certificates.describe(account=account, arn=arn)
    assert view.certificate.status is CertificateStatus.EXPIRED
    renewal = view.certificate.renewal
    assert renewal is not None and renewal.status is RenewalStatus.FAILED
    # Nothing more happens to an expired certificate.
    before = len(events)
    run_days(container, clock, 3)
    assert len(all_events(container, account)) == before


def test_granting_the_permission_back_lets_the_next_attempt_renew(
    container: Container, account: str, clock: FixedClock, issuing_ca: CertificateAuthority
) -> None:
    arn = exported_private_certificate(container, account, issuing_ca, 100)
    container.authorities.delete_permission(account=account, arn=issuing_ca.arn)
    run_days(container, clock, 71)  # day 70: 30 days left, the 30-day attempt has failed
    container.authorities.create_permission(account=account, arn=issuing_ca.arn)
    run_days(container, clock, 40)
    events = all_events(container, account)
    action = of_type(events, "ACM Certificate Renewal Action Required")
    assert [d["DaysToExpiry"] for d in action] == [45, 30]
    renewals = [d for d in of_type(events, "ACM Certificate Available") if d["Action"] == "RENEWAL"]
    assert len(renewals) == 1
    assert renewals[0]["DaysToExpiry"] == 100
    assert of_type(events, "ACM Certificate Expired") == []
    view = container.certificates.describe(account=account, arn=arn)
    assert view.certificate.version == 2
    assert view.certificate.renewal is not None
    assert view.certificate.renewal.status is RenewalStatus.SUCCESS


def test_after_downtime_only_the_attempt_now_due_runs(
    container: Container, account: str, clock: FixedClock, issuing_ca: CertificateAuthority
) -> None:
    exported_private_certificate(container, account, issuing_ca, 100)
    container.authorities.delete_permission(account=account, arn=issuing_ca.arn)
    clock.advance(80 * DAY)  # down from 100 to 20 days left: windows 60, 45 and 30 passed
    container.lifecycle.tick()
    container.lifecycle.tick()
    action = of_type(all_events(container, account), "ACM Certificate Renewal Action Required")
    assert [d["DaysToExpiry"] for d in action] == [20]


def test_a_ca_near_its_own_expiry_is_announced_daily(
    container: Container, account: str, clock: FixedClock, root_ca: CertificateAuthority
) -> None:
    assert root_ca.not_after is not None
    clock.set(root_ca.not_after - 3 * DAY - timedelta(hours=1))
    run_days(container, clock, 2, per_day=2)
    warnings = of_type(
        all_events(container, account), "Certificate Authority Approaching Expiration"
    )
    assert [d["DaysToExpiry"] for d in warnings] == [3, 2]


def test_events_are_on_the_default_bus_with_acm_envelopes(
    container: Container, account: str, clock: FixedClock, issuing_ca: CertificateAuthority
) -> None:
    arn = exported_private_certificate(container, account, issuing_ca, 40)
    container.lifecycle.tick()
    (stored,) = [
        e
        for e in all_events(container, account)
        if e.event.detail_type == "ACM Certificate Approaching Expiration"
    ]
    assert stored.event.bus == "default"
    assert stored.event.source == "aws.acm"
    assert stored.event.resources == (arn,)
    assert stored.event.detail["DaysToExpiry"] == 40
    entries = container.uow
    with entries() as uow:
        ledger = uow.ledger.of_subject(arn.rsplit("/", 1)[1])
    assert {e.event_id for e in ledger if e.kind == "approaching-expiration"} == {stored.event.id}


@pytest.mark.postgres
def test_two_workers_ticking_at_once_make_no_duplicates(
    settings_factory: Any, postgres_url: str, clock: FixedClock
) -> None:
    settings: Settings = settings_factory(database_url=postgres_url)
    first = build(settings, clock=clock)
    second = build(settings, clock=FixedClock(clock.now()))
    try:
        account = settings.account_id
        bundle = make_bundle(clock.now() - timedelta(hours=1), 30)
        for _ in range(20):
            first.certificates.import_certificate(
                account=account,
                certificate=bundle.certificate,
                private_key=bundle.key,
                chain=bundle.chain,
            )
        barrier = threading.Barrier(2)

        def tick(container: Container) -> None:
            barrier.wait()
            container.lifecycle.tick()

        threads = [threading.Thread(target=tick, args=(c,)) for c in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        events = all_events(first, account)
        approaching = of_type(events, "ACM Certificate Approaching Expiration")
        assert len(approaching) == 20
    finally:
        first.close()
        second.close()
