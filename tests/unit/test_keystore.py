from __future__ import annotations

import base64
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certherd.adapters.keystore import EnvelopeKeyStore, KeyRing, key_id, load_key_ring
from certherd.config import load_settings
from certherd.errors import ConfigurationError, KeyStoreError

HEADER = 81  # version, KEK id, wrap nonce, wrapped DEK, payload nonce


def test_round_trip(keystore: EnvelopeKeyStore) -> None:
    blob = keystore.seal(b"-----BEGIN PRIVATE KEY-----", context="ca-key:1")
    assert keystore.open(blob, context="ca-key:1") == b"-----BEGIN PRIVATE KEY-----"
    assert b"PRIVATE" not in blob
    assert len(blob) == HEADER + len(b"-----BEGIN PRIVATE KEY-----") + 16
    assert blob[0] == 1
    assert blob[1:9] == keystore.ring.active_id


_RING = KeyRing.generate()


@given(plaintext=st.binary(max_size=2048), context=st.text(min_size=1, max_size=40))
def test_round_trip_any_input(plaintext: bytes, context: str) -> None:
    store = EnvelopeKeyStore(_RING)
    assert store.open(store.seal(plaintext, context=context), context=context) == plaintext


def test_every_seal_uses_a_fresh_data_key_and_nonce(keystore: EnvelopeKeyStore) -> None:
    one = keystore.seal(b"same", context="c")
    two = keystore.seal(b"same", context="c")
    assert one != two
    assert one[9:] != two[9:]


def test_context_is_bound(keystore: EnvelopeKeyStore) -> None:
    blob = keystore.seal(b"secret", context="webhook:1")
    with pytest.raises(KeyStoreError, match="'webhook:2'") as caught:
        keystore.open(blob, context="webhook:2")
    assert "secret" not in str(caught.value).replace("sealed secret", "")


@pytest.mark.parametrize("position", [0, 1, 8, 9, 20, 21, 68, 69, 80, 81, -1])
def test_tampering_is_detected(keystore: EnvelopeKeyStore, position: int) -> None:
    blob = bytearray(keystore.seal(b"secret payload", context="c"))
    blob[position] ^= 0x01
    with pytest.raises(KeyStoreError):
        keystore.open(bytes(blob), context="c")


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" * 96, b"\x02" + b"\x00" * 200])
def test_garbage_is_rejected(keystore: EnvelopeKeyStore, blob: bytes) -> None:
    with pytest.raises(KeyStoreError):
        keystore.open(blob, context="c")


def test_wrong_kek_is_refused_without_secret_material() -> None:
    ring = KeyRing.generate()
    blob = EnvelopeKeyStore(ring).seal(b"secret", context="c")
    other = EnvelopeKeyStore(KeyRing.generate())
    with pytest.raises(KeyStoreError, match="not loaded") as caught:
        other.open(blob, context="c")
    assert ring.active_id.hex() in str(caught.value)
    assert base64.b64encode(ring._keys[ring.active_id]).decode() not in str(caught.value)


def test_forged_kek_id_is_refused() -> None:
    ring = KeyRing.generate()
    other = KeyRing.generate()
    blob = bytearray(EnvelopeKeyStore(ring).seal(b"secret", context="c"))
    blob[1:9] = other.active_id  # claims to be wrapped by the other key
    with pytest.raises(KeyStoreError, match="damaged"):
        EnvelopeKeyStore(other).open(bytes(blob), context="c")


def test_rewrap_keeps_payload_and_plaintext() -> None:
    old_ring = KeyRing.generate()
    old = EnvelopeKeyStore(old_ring)
    blob = old.seal(b"private key bytes", context="ca-key:9")
    new_ring = old_ring.rotated()
    new = EnvelopeKeyStore(new_ring)

    assert new.needs_rewrap(blob)
    assert new.open(blob, context="ca-key:9") == b"private key bytes"  # old keys still open
    rewrapped = new.rewrap(blob)
    assert not new.needs_rewrap(rewrapped)
    assert EnvelopeKeyStore.key_id_of(rewrapped) == new_ring.active_id
    assert rewrapped[69:] == blob[69:]  # the payload is left as it is
    assert new.open(rewrapped, context="ca-key:9") == b"private key bytes"
    assert new.rewrap(rewrapped) == rewrapped  # idempotent

    only_new = EnvelopeKeyStore(new_ring.retaining())
    assert only_new.open(rewrapped, context="ca-key:9") == b"private key bytes"
    with pytest.raises(KeyStoreError):
        only_new.open(blob, context="ca-key:9")


def test_key_ring_basics() -> None:
    ring = KeyRing.generate()
    rotated = ring.rotated()
    assert rotated.ids[1:] == ring.ids
    assert rotated.active_id != ring.active_id
    assert ring.active_id in rotated
    assert len(rotated.retaining([ring.active_id])) == 2
    assert len(rotated.retaining()) == 1
    assert ring.active_id.hex() in repr(rotated)
    kek = ring._keys[ring.active_id]
    assert kek.hex() not in repr(rotated)
    assert base64.b64encode(kek).decode() not in repr(rotated)
    assert key_id(kek) == ring.active_id
    with pytest.raises(ValueError, match="32 bytes"):
        KeyRing(b"short")


def test_empty_context_is_refused(keystore: EnvelopeKeyStore) -> None:
    with pytest.raises(ValueError, match="context"):
        keystore.seal(b"x", context="")


def test_master_key_from_settings() -> None:
    kek = bytes(range(32))
    settings = load_settings(env={"CERTHERD_MASTER_KEY": base64.b64encode(kek).decode()})
    ring = load_key_ring(settings)
    assert ring.ids == (key_id(kek),)


def test_new_master_key_is_active_and_old_still_opens() -> None:
    old, new = bytes(32), bytes(range(32))
    env = {"CERTHERD_MASTER_KEY": base64.b64encode(old).decode()}
    blob = EnvelopeKeyStore(load_key_ring(load_settings(env=env))).seal(b"s", context="c")
    env["CERTHERD_NEW_MASTER_KEY"] = base64.b64encode(new).decode()
    store = EnvelopeKeyStore(load_key_ring(load_settings(env=env)))
    assert store.ring.ids == (key_id(new), key_id(old))
    assert store.needs_rewrap(blob)
    assert store.open(store.rewrap(blob), context="c") == b"s"


def test_begin_rotation_for_master_key_needs_the_new_key() -> None:
    from certherd.adapters.keystore import begin_rotation_for

    settings = load_settings(env={"CERTHERD_MASTER_KEY": base64.b64encode(bytes(32)).decode()})
    with pytest.raises(ConfigurationError, match="CERTHERD_NEW_MASTER_KEY"):
        begin_rotation_for(settings)


def test_sealing_is_fast(keystore: EnvelopeKeyStore) -> None:
    # A benchmark seals one key per issued certificate: thousands per second are needed.
    # The bound is loose so that a busy CI machine does not make this flaky.
    plaintext = b"k" * 1200
    started = time.perf_counter()
    for _ in range(2000):
        keystore.open(keystore.seal(plaintext, context="c"), context="c")
    assert time.perf_counter() - started < 2.0
