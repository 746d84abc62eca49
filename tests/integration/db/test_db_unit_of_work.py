"""SqlUnitOfWork: one transaction over every repository; no commit means nothing happened."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from dbtest_support import ACCOUNT, T0

from certherd.adapters.db.unit_of_work import SqlUnitOfWork, sql_unit_of_work_factory
from certherd.domain.records import AccountConfig, ApiToken
from certherd.domain.tags import Tag
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

TABLES = (
    "accounts",
    "secrets",
    "authorities",
    "authority_tags",
    "authority_permissions",
    "issued_certificates",
    "crls",
    "certificates",
    "certificate_versions",
    "certificate_tags",
    "api_tokens",
)


def _row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def _write_everything(unit: UnitOfWork, build) -> None:
    ca = build.full_authority()
    unit.secrets.add(ca.key_secret_id, b"key", created_at=T0)
    unit.authorities.add(ca)
    cert = build.certificate(tags=(Tag("env", "prod"),))
    unit.certificates.add(cert, build.version(cert))
    unit.accounts.put(AccountConfig(ACCOUNT, 30))
    unit.tokens.add(ApiToken("t1", "n", ACCOUNT, "d" * 64, T0))


def test_leaving_without_commit_leaves_nothing(engine: sa.Engine, build) -> None:
    with SqlUnitOfWork(engine) as unit:
        _write_everything(unit, build)
        assert unit.tokens.count() == 1  # visible inside its own transaction
    assert set(_row_counts(engine).values()) == {0}


def test_an_exception_rolls_back_and_propagates(engine: sa.Engine, build) -> None:
    with pytest.raises(RuntimeError, match="boom"), SqlUnitOfWork(engine) as unit:
        _write_everything(unit, build)
        raise RuntimeError("boom")
    assert set(_row_counts(engine).values()) == {0}


def test_commit_keeps_and_later_work_needs_its_own_commit(engine: sa.Engine, build) -> None:
    with SqlUnitOfWork(engine) as unit:
        unit.tokens.add(ApiToken("t1", "n", ACCOUNT, "d" * 64, T0))
        unit.commit()
        unit.tokens.add(ApiToken("t2", "n", ACCOUNT, "e" * 64, T0))
    with SqlUnitOfWork(engine) as unit:
        assert unit.tokens.count() == 1
        assert unit.tokens.find("d" * 64) is not None


def test_a_unit_of_work_is_entered_once_and_used_inside_with(engine: sa.Engine) -> None:
    unit = SqlUnitOfWork(engine)
    with pytest.raises(RuntimeError):
        unit.commit()
    with unit:
        pass
    with pytest.raises(RuntimeError), unit:
        pass


def test_factory_makes_fresh_units_that_satisfy_the_port(engine: sa.Engine) -> None:
    factory: UnitOfWorkFactory = sql_unit_of_work_factory(engine)
    first, second = factory(), factory()
    assert first is not second
    with first as unit:
        unit.tokens.add(ApiToken("t1", "n", ACCOUNT, "d" * 64, T0))
        unit.commit()
    with second as unit:
        assert unit.tokens.count() == 1


def test_connections_go_back_to_the_pool(engine: sa.Engine) -> None:
    for _ in range(3 * engine.pool.size()):
        with SqlUnitOfWork(engine) as unit:
            unit.tokens.count()
    assert engine.pool.checkedout() == 0


def test_concurrent_read_then_write_units_do_not_lose_updates(engine: sa.Engine) -> None:
    """Each unit reads a counter and writes it back + 1. BEGIN IMMEDIATE (SQLite) and row
    locks (PostgreSQL, via the upsert's conflict) must serialise them: no lost update,
    no 'database is locked'."""
    threads, rounds = 4, 15
    with SqlUnitOfWork(engine) as unit:
        unit.accounts.put(AccountConfig(ACCOUNT, 0))
        unit.commit()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(rounds):
                with SqlUnitOfWork(engine) as unit:
                    if engine.dialect.name == "postgresql":
                        unit.connection.execute(
                            sa.text("SELECT 1 FROM accounts WHERE account = :a FOR UPDATE"),
                            {"a": ACCOUNT},
                        )
                    current = unit.accounts.get(ACCOUNT)
                    assert current is not None
                    unit.accounts.put(AccountConfig(ACCOUNT, current.days_before_expiry + 1))
                    unit.commit()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    with SqlUnitOfWork(engine, read_only=True) as unit:
        assert unit.accounts.get(ACCOUNT) == AccountConfig(ACCOUNT, threads * rounds)


def test_read_only_unit_reads_while_a_writer_holds_the_lock(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as writer:
        writer.tokens.add(ApiToken("t1", "n", ACCOUNT, "d" * 64, T0))
        with SqlUnitOfWork(engine, read_only=True) as reader:
            assert reader.tokens.count() == 0  # not committed yet, and no waiting
        writer.commit()
