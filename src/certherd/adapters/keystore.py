"""Secrets at rest: AES-256-GCM envelope encryption under a key-encryption key (KEK).

This is the one module that sees a KEK. Every sealed secret gets a fresh random 256-bit
data key (DEK); the DEK is wrapped by the active KEK, and the secret is encrypted by the
DEK. A sealed blob is laid out as::

    offset  size  field
    0       1     format version (1)
    1       8     KEK id: the first 8 bytes of SHA-256(KEK)
    9       12    nonce of the DEK wrap
    21      48    the DEK encrypted by the KEK (AES-256-GCM, 32 bytes + 16-byte tag);
                  associated data: version byte + KEK id
    69      12    nonce of the payload
    81      n+16  the plaintext encrypted by the DEK (AES-256-GCM);
                  associated data: version byte + the caller's ``context`` (UTF-8)

The ``context`` names what the secret is for (``"ca-key:<arn>"``, ``"webhook:<id>"``);
a blob copied to another row or purpose does not open. Rotating the KEK only re-wraps
the 48-byte DEK (:meth:`EnvelopeKeyStore.rewrap`); payloads are left as they are.

Where the KEK comes from (:func:`load_key_ring`):

* ``CERTHERD_MASTER_KEY`` (base64 of 32 bytes), when set; else
* the key file (``CERTHERD_KEY_FILE``, default ``<data_dir>/master.key``), created with
  mode 0600 (its directory 0700 when created) holding a fresh random KEK on first start.
  It is a small JSON document listing keys, active first::

      {"certherd_key_file": 1, "keys": [{"id": "<16 hex>", "key": "<base64>"}, ...]}

Rotation, crash-safe at every step:

1. ``ring = begin_rotation_for(settings)``: with a key file, a fresh KEK is added in front
   of the old ones and the file is rewritten atomically (:func:`begin_rotation`). With
   ``CERTHERD_MASTER_KEY``, the operator first sets ``CERTHERD_NEW_MASTER_KEY`` to the new
   key (keeping ``CERTHERD_MASTER_KEY`` at the old one); every process started so knows
   both keys and seals under the new one.
2. Re-wrap every stored blob with ``EnvelopeKeyStore(ring).rewrap`` and commit.
3. ``finish_rotation_for(settings, ring)``: with a key file, the KEKs no longer used are
   dropped (:func:`finish_rotation`). With ``CERTHERD_MASTER_KEY`` nothing is written: the
   operator now sets ``CERTHERD_MASTER_KEY`` to the new key and unsets
   ``CERTHERD_NEW_MASTER_KEY``.

A crash before step 3 leaves extra keys behind, never a blob without its key. Run one
rotation at a time; processes that loaded the ring before step 1 must be restarted to
read blobs re-wrapped in step 2.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certherd.config import Settings
from certherd.errors import ConfigurationError, KeyStoreError

__all__ = [
    "EnvelopeKeyStore",
    "KeyRing",
    "begin_rotation",
    "begin_rotation_for",
    "finish_rotation",
    "finish_rotation_for",
    "key_id",
    "load_key_ring",
]

FORMAT_VERSION: Final = 1
KEY_BYTES: Final = 32
KEY_ID_BYTES: Final = 8
_NONCE: Final = 12
_TAG: Final = 16
_WRAPPED: Final = KEY_BYTES + _TAG
_VERSION_BYTE: Final = bytes([FORMAT_VERSION])
# Offsets into a blob, per the table in the module docstring.
_ID_END: Final = 1 + KEY_ID_BYTES
_WRAP_NONCE_END: Final = _ID_END + _NONCE
_WRAPPED_END: Final = _WRAP_NONCE_END + _WRAPPED
_HEADER_END: Final = _WRAPPED_END + _NONCE
_KEY_FILE_FORMAT: Final = "certherd_key_file"


def key_id(kek: bytes) -> bytes:
    """Return the id of a KEK: the first 8 bytes of its SHA-256 (safe to show and store)."""
    return hashlib.sha256(kek).digest()[:KEY_ID_BYTES]


class KeyRing:
    """The active KEK and the older KEKs still needed to open old blobs; immutable.

    ``repr`` shows key ids only.
    """

    __slots__ = ("_active_id", "_ciphers", "_keys")

    def __init__(self, active: bytes, older: Iterable[bytes] = ()) -> None:
        """Raise ``ValueError`` when a key is not exactly 32 bytes."""
        keys: dict[bytes, bytes] = {}
        for kek in (active, *older):
            if not isinstance(kek, bytes) or len(kek) != KEY_BYTES:
                raise ValueError("a key-encryption key must be exactly 32 bytes")
            keys.setdefault(key_id(kek), kek)
        self._keys = keys  # insertion order: active first
        self._active_id = key_id(active)
        # Built once: an AESGCM object per KEK is reused for every wrap and unwrap.
        self._ciphers = {kid: AESGCM(kek) for kid, kek in keys.items()}

    @classmethod
    def generate(cls) -> KeyRing:
        """Return a ring holding one fresh random KEK."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @property
    def active_id(self) -> bytes:
        return self._active_id

    @property
    def ids(self) -> tuple[bytes, ...]:
        """All key ids, the active one first."""
        return tuple(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def rotated(self) -> KeyRing:
        """Return a ring with a fresh active KEK in front of all of these keys."""
        return KeyRing(secrets.token_bytes(KEY_BYTES), self._keys.values())

    def retaining(self, keep_ids: Iterable[bytes] = ()) -> KeyRing:
        """Return a ring of the active KEK plus those of ``keep_ids`` held here."""
        keep = set(keep_ids)
        older = [kek for kid, kek in self._keys.items() if kid in keep]
        return KeyRing(self._keys[self._active_id], older)

    def _cipher(self, kid: bytes) -> AESGCM | None:
        return self._ciphers.get(kid)

    def __repr__(self) -> str:
        older = [kid.hex() for kid in self._keys if kid != self._active_id]
        return f"KeyRing(active={self._active_id.hex()!r}, older={older!r})"


class EnvelopeKeyStore:
    """Seals and opens secrets with AES-256-GCM envelope encryption under a :class:`KeyRing`.

    Safe to share between threads.
    """

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
        active = ring._cipher(ring.active_id)
        assert active is not None  # a ring always holds its active key
        self._active = active
        self._head = _VERSION_BYTE + ring.active_id

    @property
    def ring(self) -> KeyRing:
        return self._ring

    def seal(self, plaintext: bytes, *, context: str) -> bytes:
        """Encrypt ``plaintext`` under a fresh DEK wrapped by the active KEK.

        ``context`` (non-empty) must be given again to :meth:`open`. Raises ``ValueError``
        for an empty context.
        """
        aad = _data_aad(context)
        if not isinstance(plaintext, bytes | bytearray | memoryview):
            raise TypeError(f"plaintext must be bytes, not {type(plaintext).__name__}")
        material = os.urandom(KEY_BYTES + 2 * _NONCE)
        dek = material[:KEY_BYTES]
        wrap_nonce = material[KEY_BYTES : KEY_BYTES + _NONCE]
        nonce = material[KEY_BYTES + _NONCE :]
        wrapped = self._active.encrypt(wrap_nonce, dek, self._head)
        sealed = AESGCM(dek).encrypt(nonce, plaintext, aad)
        return b"".join((self._head, wrap_nonce, wrapped, nonce, sealed))

    def open(self, blob: bytes, *, context: str) -> bytes:
        """Return the plaintext sealed in ``blob`` for ``context``.

        Raises:
            KeyStoreError: the blob is malformed or damaged, was sealed for another
                context, or under a KEK this ring does not hold.
        """
        aad = _data_aad(context)
        data = _blob_bytes(blob)
        dek = self._unwrap(data)
        try:
            return AESGCM(dek).decrypt(data[_WRAPPED_END:_HEADER_END], data[_HEADER_END:], aad)
        except InvalidTag:
            raise KeyStoreError(
                f"sealed secret does not open for context {context!r}: it is damaged "
                "or was sealed for something else"
            ) from None

    @staticmethod
    def key_id_of(blob: bytes) -> bytes:
        """Return the id of the KEK that ``blob``'s DEK is wrapped under.

        Raises:
            KeyStoreError: the blob is not a sealed secret of a known format.
        """
        data = _blob_bytes(blob)
        _check_format(data)
        return data[1:_ID_END]

    def needs_rewrap(self, blob: bytes) -> bool:
        """True when ``blob`` is wrapped under a KEK other than the active one.

        Raises:
            KeyStoreError: the blob is not a sealed secret of a known format.
        """
        return self.key_id_of(blob) != self._ring.active_id

    def rewrap(self, blob: bytes) -> bytes:
        """Return ``blob`` with its DEK re-wrapped under the active KEK.

        The encrypted payload is kept byte for byte; a blob already under the active
        KEK is returned unchanged.

        Raises:
            KeyStoreError: the blob is malformed or damaged, or its KEK is not in the ring.
        """
        data = _blob_bytes(blob)
        if not self.needs_rewrap(data):
            return data
        dek = self._unwrap(data)
        wrap_nonce = os.urandom(_NONCE)
        wrapped = self._active.encrypt(wrap_nonce, dek, self._head)
        return b"".join((self._head, wrap_nonce, wrapped, data[_WRAPPED_END:]))

    def _unwrap(self, data: bytes) -> bytes:
        _check_format(data)
        kid = data[1:_ID_END]
        cipher = self._ring._cipher(kid)
        if cipher is None:
            raise KeyStoreError(
                f"sealed secret is wrapped under key-encryption key {kid.hex()}, which is "
                "not loaded (is CERTHERD_MASTER_KEY or the key file the right one?)"
            )
        try:
            return cipher.decrypt(
                data[_ID_END:_WRAP_NONCE_END], data[_WRAP_NONCE_END:_WRAPPED_END], data[:_ID_END]
            )
        except InvalidTag:
            raise KeyStoreError(
                f"sealed secret's data key does not unwrap under key {kid.hex()}: "
                "the blob is damaged"
            ) from None


def _data_aad(context: str) -> bytes:
    if not isinstance(context, str) or not context:
        raise ValueError("context must be a non-empty string naming what the secret is for")
    return _VERSION_BYTE + context.encode("utf-8")


def _blob_bytes(blob: object) -> bytes:
    if isinstance(blob, bytes):
        return blob
    if isinstance(blob, bytearray | memoryview):  # what some database drivers return
        return bytes(blob)
    raise KeyStoreError(f"sealed secret must be bytes, not {type(blob).__name__}")


def _check_format(data: bytes) -> None:
    if len(data) < _HEADER_END + _TAG:
        raise KeyStoreError("sealed secret is truncated or not a sealed secret")
    if data[0] != FORMAT_VERSION:
        raise KeyStoreError(f"sealed secret has unknown format version {data[0]}")


# --- where the KEK comes from ------------------------------------------------------------


def load_key_ring(settings: Settings) -> KeyRing:
    """Return the key ring for ``settings``.

    With ``master_key`` set, the ring holds it; with ``new_master_key`` set as well, the
    new key is active and the old one kept for opening. Otherwise the key file is read,
    or created (0600, atomically) with a fresh KEK when it does not exist yet; with
    ``new_master_key`` set (moving from a key file to ``CERTHERD_MASTER_KEY``), the new
    key is active and the file's keys are kept for opening.

    Raises:
        ConfigurationError: the key file is readable by group or others, damaged, or
            cannot be read or written.
    """
    new = None
    if settings.new_master_key is not None:
        new = _env_key(settings.new_master_key, "CERTHERD_NEW_MASTER_KEY")
    if settings.master_key is not None:
        old = _env_key(settings.master_key, "CERTHERD_MASTER_KEY")
        return KeyRing(new, [old]) if new is not None else KeyRing(old)
    path = settings.key_file
    if new is not None:
        older = _read_key_file(path).ids_and_keys() if path.exists() else []
        return KeyRing(new, [kek for _, kek in older])
    if not path.exists():
        ring = KeyRing.generate()
        _ensure_directory(path.parent)
        if _write_atomically(path, _dump_key_file(ring), exclusive=True):
            return ring
        # Another process created it first; use theirs.
    return _read_key_file(path).ring()


def begin_rotation(key_file: Path) -> KeyRing:
    """Add a fresh active KEK to ``key_file``, keeping the old ones, and return the ring.

    The file is rewritten atomically, so a crash leaves either the old or the new file;
    blobs sealed under the old keys keep opening with both.

    Raises:
        ConfigurationError: the key file is missing, unsafe or damaged, or cannot be written.
    """
    with _locked(key_file.parent):
        ring = _read_key_file(key_file).ring().rotated()
        _write_atomically(key_file, _dump_key_file(ring), exclusive=False)
    return ring


def finish_rotation(
    key_file: Path, ring: KeyRing, *, keep_ids: Iterable[bytes] | None = None
) -> KeyRing:
    """Drop from ``key_file`` the KEKs that nothing references any more; return the ring.

    Call it only after the re-wrap committed. ``keep_ids`` are the ids still referenced
    by stored blobs (see :meth:`EnvelopeKeyStore.key_id_of`); ``None`` keeps only the
    active KEK of ``ring``. The active KEK now in the file is always kept too, so that a
    rotation begun meanwhile by someone else loses nothing.

    Raises:
        ConfigurationError: the key file is missing, unsafe or damaged, or cannot be written.
    """
    with _locked(key_file.parent):
        current = _read_key_file(key_file).ring()
        keep = {ring.active_id, current.active_id, *(keep_ids or ())}
        # Rebuild from the file (not from ``ring``) so keys added meanwhile are not lost.
        merged = KeyRing(
            ring._keys[ring.active_id], [*current._keys.values(), *ring._keys.values()]
        )
        remaining = merged.retaining(keep)
        _write_atomically(key_file, _dump_key_file(remaining), exclusive=False)
    return remaining


def begin_rotation_for(settings: Settings) -> KeyRing:
    """Step 1 of a rotation for ``settings`` (see the module docstring); return the ring.

    Raises:
        ConfigurationError: ``CERTHERD_MASTER_KEY`` is used but ``CERTHERD_NEW_MASTER_KEY``
            is not set, or as :func:`begin_rotation`.
    """
    if settings.master_key is not None or settings.new_master_key is not None:
        if settings.new_master_key is None:
            raise ConfigurationError(
                "CERTHERD_NEW_MASTER_KEY: must be set to the new key to rotate a "
                "CERTHERD_MASTER_KEY (keep CERTHERD_MASTER_KEY at the old key meanwhile)",
                field="CERTHERD_NEW_MASTER_KEY",
            )
        return load_key_ring(settings)
    load_key_ring(settings)  # creates the key file if there is none yet
    return begin_rotation(settings.key_file)


def finish_rotation_for(
    settings: Settings, ring: KeyRing, *, keep_ids: Iterable[bytes] | None = None
) -> KeyRing:
    """Step 3 of a rotation for ``settings``: return the ring of keys still needed.

    With a key file the unused keys are dropped from it; with ``CERTHERD_MASTER_KEY``
    nothing is written and the operator swaps the environment variables.
    """
    if settings.master_key is not None or settings.new_master_key is not None:
        return ring.retaining(keep_ids or ())
    return finish_rotation(settings.key_file, ring, keep_ids=keep_ids)


def _env_key(value: str, variable: str) -> bytes:
    try:
        kek = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        kek = b""
    if len(kek) != KEY_BYTES:
        raise ConfigurationError(
            f"{variable}: must be the base64 encoding of exactly 32 bytes", field=variable
        )
    return kek


# --- the key file --------------------------------------------------------------------------


class _KeyFile:
    def __init__(self, keys: list[tuple[bytes, bytes]]) -> None:
        self._keys = keys

    def ids_and_keys(self) -> list[tuple[bytes, bytes]]:
        return list(self._keys)

    def ring(self) -> KeyRing:
        return KeyRing(self._keys[0][1], [kek for _, kek in self._keys[1:]])


def _dump_key_file(ring: KeyRing) -> bytes:
    keys = [
        {"id": kid.hex(), "key": base64.b64encode(ring._keys[kid]).decode("ascii")}
        for kid in ring.ids
    ]
    document = {_KEY_FILE_FORMAT: 1, "keys": keys}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _read_key_file(path: Path) -> _KeyFile:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: key file not found", field="key_file") from None
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read key file: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigurationError(f"{path}: key file is not a regular file", field="key_file")
        if info.st_mode & 0o077:
            raise ConfigurationError(
                f"{path}: key file is accessible by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}",
                field="key_file",
            )
        raw = handle.read()
    damaged = ConfigurationError(
        f"{path}: key file is damaged (expected a certherd key file with base64 keys)",
        field="key_file",
    )
    try:
        document = json.loads(raw)
        if document.get(_KEY_FILE_FORMAT) != 1:
            raise damaged
        keys: list[tuple[bytes, bytes]] = []
        for entry in document["keys"]:
            kek = base64.b64decode(entry["key"], validate=True)
            if len(kek) != KEY_BYTES or key_id(kek).hex() != entry["id"]:
                raise damaged
            keys.append((key_id(kek), kek))
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        raise damaged from None
    if not keys:
        raise damaged
    return _KeyFile(keys)


def _ensure_directory(directory: Path) -> None:
    try:
        # 0700 when we create it; an existing directory is left as its owner set it.
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"{directory}: cannot create key file directory: {exc.strerror}"
        ) from None


def _write_atomically(path: Path, data: bytes, *, exclusive: bool) -> bool:
    """Write ``data`` to ``path`` via an fsynced 0600 temporary file in the same directory.

    With ``exclusive``, return False (writing nothing) when ``path`` already exists.
    """
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        # os.open with 0o600 so that the key is never readable by others, whatever the umask.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            if not _link_new(temporary, path):
                return False
        else:
            temporary.replace(path)
        _fsync_directory(path.parent)
        return True
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot write key file: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _link_new(source: Path, target: Path) -> bool:
    # A hard link creates ``target`` atomically and only if it does not exist, so two
    # processes starting at once cannot both create (and one lose) a key file.
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if target.exists():  # a file system without hard links: best effort
            return False
        source.replace(target)
    return True


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` so key file updates do not interleave."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigurationError(
            f"{directory}: cannot open key file directory: {exc.strerror}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
