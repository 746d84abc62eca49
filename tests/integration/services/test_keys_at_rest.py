"""No private key is stored in plain text, and rotating the key-encryption key keeps them all."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import MetaData, select

from certherd.adapters.keystore import EnvelopeKeyStore
from certherd.bootstrap import Container, build, rotate_keys
from certherd.config import Settings
from certherd.domain.authority import AuthorityType
from certherd.domain.clock import FixedClock
from certherd.pki.keys import KeyAlgorithm, PrivateKey, private_key_to_der, private_key_to_pem
from certherd.pki.subject import Subject
from certherd.services.keys import load_private_key

PASSPHRASE = b"an export passphrase"


def _needles(key: PrivateKey) -> list[bytes]:
    """Byte strings that would give the key away: its encodings and its secret numbers."""
    der = private_key_to_der(key)
    pem_body = b"".join(private_key_to_pem(key).splitlines()[1:-1])
    found = [der, pem_body[10:60], base64.b64encode(der)[10:60], der.hex().encode()]
    numbers = key.private_numbers()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert isinstance(numbers, ec.EllipticCurvePrivateNumbers)
        secrets_ = [numbers.private_value]
    else:
        assert isinstance(numbers, rsa.RSAPrivateNumbers)
        secrets_ = [numbers.d, numbers.p, numbers.q]
    for value in secrets_:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        found += [raw, raw.hex().encode(), base64.b64encode(raw)[4:36]]
    return found


def _populate(container: Container, account: str) -> list[PrivateKey]:
    """CAs and certificates of every kind; returns every private key certherd now holds."""
    root = container.authorities.create(
        account=account,
        type=AuthorityType.ROOT,
        subject=Subject(common_name="Root"),
        key_algorithm=KeyAlgorithm.RSA_2048,
    )
    sub = container.authorities.create(
        account=account,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="Sub"),
        key_algorithm=KeyAlgorithm.EC_secp384r1,
        parent_arn=root.arn,
    )
    for i, algorithm in enumerate((KeyAlgorithm.EC_prime256v1, KeyAlgorithm.RSA_2048)):
        arn = container.certificates.request(
            account=account,
            domain_name=f"h{i}.example",
            authority_arn=sub.arn,
            key_algorithm=algorithm,
        )
        container.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)
    with container.uow() as uow:
        return [load_private_key(uow, container.keystore, sid) for sid in uow.secrets.ids()]


def _database_bytes(settings: Settings, container: Container) -> bytes:
    """Every stored value, as bytes: the SQLite files as they are on disk, or each PostgreSQL
    row's columns."""
    if settings.is_sqlite:
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        return b"".join(
            p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
        )
    meta = MetaData()
    meta.reflect(container.engine)
    chunks: list[bytes] = []
    with container.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def test_no_private_key_material_in_the_database(
    settings: Settings, container: Container, account: str
) -> None:
    keys = _populate(container, account)
    assert len(keys) == 4  # two CAs, two certificates
    stored = _database_bytes(settings, container)
    assert len(stored) > 10_000
    for key in keys:
        for needle in _needles(key):
            assert needle not in stored
    # the search reads real content: the (public) certificates are found in it
    with container.uow() as uow:
        (ca,) = [c for c in uow.authorities.list(account) if c.type is AuthorityType.ROOT]
    assert ca.certificate_pem is not None
    assert ca.certificate_pem.splitlines()[1].encode() in stored


def test_rotation_rewraps_every_data_key(
    settings: Settings, container: Container, account: str, clock: FixedClock
) -> None:
    keys = _populate(container, account)
    with container.uow() as uow:
        before = {sid: uow.secrets.get(sid) for sid in uow.secrets.ids()}
    old_id = container.keystore.ring.active_id
    container.close()

    assert rotate_keys(settings) == len(before)

    key_file = json.loads(settings.key_file.read_text())
    assert len(key_file["keys"]) == 1
    assert settings.key_file.stat().st_mode & 0o777 == 0o600
    reopened = build(settings, clock=clock)
    try:
        assert reopened.keystore.ring.active_id != old_id
        with reopened.uow() as uow:
            for sid, blob in before.items():
                new_blob = uow.secrets.get(sid)
                assert new_blob is not None and blob is not None and new_blob != blob
                assert EnvelopeKeyStore.key_id_of(new_blob) == reopened.keystore.ring.active_id
            again = [load_private_key(uow, reopened.keystore, sid) for sid in uow.secrets.ids()]
        assert [private_key_to_der(k) for k in again] == [private_key_to_der(k) for k in keys]
        # and the rotated store still issues and exports
        (ca,) = [
            c
            for c in reopened.authorities.list(account=account)
            if c.type is AuthorityType.SUBORDINATE
        ]
        arn = reopened.certificates.request(
            account=account,
            domain_name="after.example",
            authority_arn=ca.arn,
            key_algorithm=KeyAlgorithm.EC_prime256v1,
        )
        reopened.certificates.export(account=account, arn=arn, passphrase=PASSPHRASE)
    finally:
        reopened.close()
