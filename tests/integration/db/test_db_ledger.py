"""The lifecycle ledger: each (subject, kind, occasion) is claimed once, by one transaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from dbtest_support import ACCOUNT, T0

from certherd.adapters.db.unit_of_work import SqlUnitOfWork
from certherd.domain.records import LedgerEntry


def entry(
    subject: str, occasion: str = "2026-01-01", kind: str = "approaching-expiration"
) -> LedgerEntry:
    return LedgerEntry(
        subject_id=subject, kind=kind, occasion=occasion, account=ACCOUNT, created_at=T0
    )


def test_claim_returns_only_what_was_not_there(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        first = uow.ledger.claim([entry("a"), entry("b")])
        uow.commit()
    assert [e.subject_id for e in first] == ["a", "b"]
    with SqlUnitOfWork(engine) as uow:
        again = uow.ledger.claim([entry("b"), entry("a", "2026-01-02"), entry("c")])
        uow.commit()
    assert [(e.subject_id, e.occasion) for e in again] == [("a", "2026-01-02"), ("c", "2026-01-01")]
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert [e.occasion for e in uow.ledger.of_subject("a")] == ["2026-01-01", "2026-01-02"]


def test_same_key_of_another_kind_is_another_entry(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        claimed = uow.ledger.claim([entry("a"), entry("a", kind="expired")])
        uow.commit()
    assert len(claimed) == 2


def test_a_rolled_back_claim_leaves_the_occasion_open(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        assert uow.ledger.claim([entry("a")])
    with SqlUnitOfWork(engine) as uow:
        assert uow.ledger.claim([entry("a")])


def test_claims_larger_than_one_statement(engine: sa.Engine) -> None:
    entries = [entry(f"s{i}") for i in range(4500)]
    with SqlUnitOfWork(engine) as uow:
        assert len(uow.ledger.claim(entries)) == 4500
        assert uow.ledger.claim(entries[::2]) == []
        uow.commit()


def test_entries_keep_their_fields(engine: sa.Engine) -> None:
    kept = LedgerEntry(
        subject_id="x",
        kind="renewal-attempt",
        occasion="2026-03-01T00:00:00+00:00/45",
        account=ACCOUNT,
        created_at=T0 + timedelta(hours=5),
        event_id="3f1e4c2a-0000-4000-8000-000000000000",
    )
    with SqlUnitOfWork(engine) as uow:
        uow.ledger.claim([kept])
        uow.commit()
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.ledger.of_subject("x") == [kept]


@pytest.mark.postgres
def test_concurrent_claims_of_one_key_let_exactly_one_through(postgres_url: str) -> None:
    from certherd.adapters.db.engine import create_engine
    from certherd.adapters.db.migrate import upgrade

    engine = create_engine(postgres_url)
    upgrade(engine)
    try:
        barrier = threading.Barrier(4)
        results: list[int] = []
        lock = threading.Lock()

        def worker() -> None:
            with SqlUnitOfWork(engine) as uow:
                barrier.wait()
                claimed = uow.ledger.claim([entry(f"k{i}") for i in range(50)])
                uow.commit()
            with lock:
                results.append(len(claimed))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(results) == 50
    finally:
        engine.dispose()
