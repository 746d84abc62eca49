"""The key file: created 0600 and atomically, refused when others can read it, rotated safely."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from certherd.adapters.keystore import (
    EnvelopeKeyStore,
    begin_rotation,
    begin_rotation_for,
    finish_rotation,
    finish_rotation_for,
    load_key_ring,
)
from certherd.config import Settings
from certherd.errors import ConfigurationError

SettingsFactory = Callable[..., Settings]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_creates_a_private_key_file(
    settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    settings = settings_factory(data_dir=tmp_path / "data", key_file=tmp_path / "data/k/master.key")
    old_umask = os.umask(0o000)  # even a permissive umask must not loosen the modes
    try:
        ring = load_key_ring(settings)
    finally:
        os.umask(old_umask)
    assert _mode(settings.key_file) == 0o600
    assert _mode(settings.key_file.parent) == 0o700
    assert [p.name for p in settings.key_file.parent.iterdir()] == ["master.key"]  # no temp
    document = json.loads(settings.key_file.read_text())
    assert document["certherd_key_file"] == 1
    assert [entry["id"] for entry in document["keys"]] == [ring.active_id.hex()]
    # The next start reads the same key.
    assert load_key_ring(settings).ids == ring.ids


def test_existing_directory_mode_is_left_alone(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    settings.data_dir.chmod(0o755)
    load_key_ring(settings)
    assert _mode(settings.data_dir) == 0o755
    assert _mode(settings.key_file) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(
    settings_factory: SettingsFactory, mode: int
) -> None:
    settings = settings_factory()
    load_key_ring(settings)
    settings.key_file.chmod(mode)
    with pytest.raises(ConfigurationError) as caught:
        load_key_ring(settings)
    message = str(caught.value)
    assert f"chmod 600 {settings.key_file}" in message
    assert f"{mode:04o}" in message
    assert json.loads(settings.key_file.read_text())["keys"][0]["key"] not in message


def test_damaged_key_file_is_refused(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    fd = os.open(settings.key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'{"certherd_key_file": 1, "keys": [{"id": "00", "key": "AAAA"}]}')
    os.close(fd)
    with pytest.raises(ConfigurationError, match="damaged"):
        load_key_ring(settings)


def test_rotation_is_crash_safe(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    first = load_key_ring(settings)
    old_blob = EnvelopeKeyStore(first).seal(b"ca private key", context="ca:1")

    ring = begin_rotation(settings.key_file)
    assert _mode(settings.key_file) == 0o600
    # "Crash" here: a restart loads the file and still opens the old blob.
    restarted = EnvelopeKeyStore(load_key_ring(settings))
    assert restarted.ring.active_id == ring.active_id
    assert restarted.open(old_blob, context="ca:1") == b"ca private key"
    new_blob = restarted.seal(b"new secret", context="n")

    # A second begin (rotation re-run after the crash) keeps every key.
    ring = begin_rotation(settings.key_file)
    assert len(ring) == 3
    store = EnvelopeKeyStore(ring)
    rewrapped = [store.rewrap(old_blob), store.rewrap(new_blob)]

    finish_rotation(settings.key_file, ring)
    final = EnvelopeKeyStore(load_key_ring(settings))
    assert final.ring.ids == (ring.active_id,)
    assert final.open(rewrapped[0], context="ca:1") == b"ca private key"
    assert final.open(rewrapped[1], context="n") == b"new secret"
    assert _mode(settings.key_file) == 0o600
    assert sorted(p.name for p in settings.data_dir.iterdir()) == ["master.key"]


def test_finish_rotation_keeps_referenced_keys(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    first = load_key_ring(settings)
    ring = begin_rotation_for(settings)
    remaining = finish_rotation_for(settings, ring, keep_ids=[first.active_id])
    assert remaining.ids == (ring.active_id, first.active_id)
    assert load_key_ring(settings).ids == remaining.ids


def test_begin_rotation_without_key_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="key file not found"):
        begin_rotation(tmp_path / "missing.key")


def test_two_first_starts_agree_on_one_key(settings_factory: SettingsFactory) -> None:
    # The second start finds the file the first created and must not replace it.
    settings = settings_factory()
    rings = [load_key_ring(settings) for _ in range(3)]
    assert len({ring.active_id for ring in rings}) == 1
