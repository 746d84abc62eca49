"""Contracts of the secret, issued-certificate, CRL, account and token repositories."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa
from dbtest_support import ACCOUNT, OTHER_ACCOUNT, PLUS_TWO, T0

from certherd.adapters.db.unit_of_work import SqlUnitOfWork
from certherd.domain.clock import FixedClock
from certherd.domain.records import AccountConfig, ApiToken, Crl, IssuedCertificate
from certherd.errors import ConflictError, NotFoundError
from certherd.pki.crl import RevocationReason as CrlReason


def test_secrets(uow: SqlUnitOfWork) -> None:
    assert uow.secrets.ids() == []
    uow.secrets.add("b", b"\x00\xffsealed", created_at=T0)
    uow.secrets.add("a", b"other", created_at=T0)

    assert uow.secrets.get("b") == b"\x00\xffsealed"
    assert isinstance(uow.secrets.get("b"), bytes)
    assert uow.secrets.get("missing") is None
    assert uow.secrets.ids() == ["a", "b"]

    uow.secrets.replace("b", b"rewrapped")
    assert uow.secrets.get("b") == b"rewrapped"
    with pytest.raises(NotFoundError):
        uow.secrets.replace("missing", b"x")

    uow.secrets.delete("b")
    uow.secrets.delete("b")
    assert uow.secrets.ids() == ["a"]


def test_duplicate_secret_is_a_conflict(uow: SqlUnitOfWork) -> None:
    uow.secrets.add("a", b"x", created_at=T0)
    with pytest.raises(ConflictError):
        uow.secrets.add("a", b"y", created_at=T0)


@pytest.fixture
def ca_id(uow: SqlUnitOfWork, build) -> str:
    ca = build.authority()
    uow.secrets.add(ca.key_secret_id, b"key", created_at=T0)
    uow.authorities.add(ca)
    return str(ca.id)


def test_issued_certificates(uow: SqlUnitOfWork, ca_id: str) -> None:
    big = (1 << 159) - 12345  # a 159-bit serial: more than any BIGINT holds
    record = IssuedCertificate(
        authority_id=ca_id,
        serial="7f:ff:c7:c7",
        serial_int=big,
        certificate_pem="PEM",
        not_after=T0.astimezone(PLUS_TWO) + timedelta(days=10, microseconds=5),
        issued_at=T0,
        certificate_id="cert-1",
    )
    uow.issued.add(record)
    loaded = uow.issued.get(ca_id, record.serial)
    assert loaded == record
    assert loaded is not None and loaded.serial_int == big and loaded.not_after.tzinfo is UTC
    assert uow.issued.get(ca_id, "00") is None
    assert uow.issued.get("other-ca", record.serial) is None
    with pytest.raises(ConflictError):
        uow.issued.add(record)


def test_revocation_and_what_a_crl_lists(uow: SqlUnitOfWork, ca_id: str) -> None:
    def issue(serial: str, days: int) -> IssuedCertificate:
        record = IssuedCertificate(
            ca_id, serial, int(serial, 16), "PEM", T0 + timedelta(days=days), issued_at=T0
        )
        uow.issued.add(record)
        return record

    short, long_, kept = issue("01", 5), issue("02", 50), issue("03", 50)
    uow.issued.revoke(ca_id, "02", T0 + timedelta(hours=1), CrlReason.SUPERSEDED)
    uow.issued.revoke(ca_id, "01", T0 + timedelta(hours=2), CrlReason.KEY_COMPROMISE)
    with pytest.raises(NotFoundError):
        uow.issued.revoke(ca_id, "ff", T0, CrlReason.UNSPECIFIED)

    revoked = uow.issued.revoked(ca_id)
    assert [r.serial for r in revoked] == ["02", "01"]
    assert revoked[0].revocation_reason is CrlReason.SUPERSEDED
    assert revoked[0].revoked_at == T0 + timedelta(hours=1)
    assert revoked[1].revoked_at is not None and revoked[1].revoked_at.tzinfo is UTC
    after = uow.issued.revoked_after(ca_id, T0 + timedelta(days=5))
    assert [r.serial for r in after] == [long_.serial]  # NotAfter == now is not "after"
    assert [r.serial for r in uow.issued.revoked_after(ca_id, T0)] == ["02", "01"]
    assert uow.issued.get(ca_id, kept.serial) == kept
    assert short.serial == "01"


def test_crls_latest_is_the_highest_number(uow: SqlUnitOfWork, ca_id: str) -> None:
    assert uow.crls.latest(ca_id) is None
    first = Crl(ca_id, 1, b"\x30\x82first", T0, T0 + timedelta(days=7))
    second = Crl(
        ca_id, 2, b"\x30\x82second", T0.astimezone(PLUS_TWO) + timedelta(days=1), T0 + timedelta(8)
    )
    uow.crls.save(second)
    uow.crls.save(first)
    latest = uow.crls.latest(ca_id)
    assert latest == second
    assert latest is not None and isinstance(latest.der, bytes)
    assert latest.this_update.tzinfo is UTC
    with pytest.raises(ConflictError):
        uow.crls.save(first)


def test_accounts_put_inserts_then_replaces(engine: sa.Engine) -> None:
    clock = FixedClock(T0)
    with SqlUnitOfWork(engine, clock=clock) as unit:
        assert unit.accounts.get(ACCOUNT) is None
        unit.accounts.put(AccountConfig(ACCOUNT))
        assert unit.accounts.get(ACCOUNT) == AccountConfig(ACCOUNT, 45)
        unit.accounts.put(AccountConfig(ACCOUNT, days_before_expiry=10))
        unit.accounts.put(AccountConfig(OTHER_ACCOUNT, days_before_expiry=60))
        unit.commit()
    with SqlUnitOfWork(engine, clock=FixedClock(T0 + timedelta(days=1))) as unit:
        unit.accounts.put(AccountConfig(ACCOUNT, days_before_expiry=20))
        unit.commit()
    with SqlUnitOfWork(engine) as unit:
        assert unit.accounts.get(ACCOUNT) == AccountConfig(ACCOUNT, 20)
        assert unit.accounts.get(OTHER_ACCOUNT) == AccountConfig(OTHER_ACCOUNT, 60)
        created = unit.connection.execute(
            sa.text("SELECT count(*) FROM accounts WHERE account = :a"), {"a": ACCOUNT}
        ).scalar()
        assert created == 1


def test_tokens(uow: SqlUnitOfWork) -> None:
    assert uow.tokens.count() == 0
    admin = ApiToken("t1", "ci", ACCOUNT, "d" * 64, T0.astimezone(PLUS_TWO), is_admin=True)
    user = ApiToken("t2", "reader", OTHER_ACCOUNT, "e" * 64, T0 + timedelta(seconds=1))
    uow.tokens.add(admin)
    uow.tokens.add(user)

    assert uow.tokens.find("d" * 64) == admin
    found = uow.tokens.find("e" * 64)
    assert found == user
    assert found is not None and found.created_at.tzinfo is UTC and found.is_admin is False
    assert uow.tokens.find("f" * 64) is None
    assert uow.tokens.count() == 2


def test_duplicate_token_digest_is_a_conflict(uow: SqlUnitOfWork) -> None:
    uow.tokens.add(ApiToken("t1", "a", ACCOUNT, "d" * 64, T0))
    with pytest.raises(ConflictError):
        uow.tokens.add(ApiToken("t2", "b", ACCOUNT, "d" * 64, T0))
