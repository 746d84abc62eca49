"""Private keys at rest: sealed by the key store, kept in the secrets table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from certherd.errors import KeyStoreError
from certherd.pki.keys import PrivateKey, load_private_key_der, private_key_to_der
from certherd.services.ports import SecretBox, UnitOfWork


def _context(secret_id: str) -> str:
    # Binding the id as associated data stops a sealed key being moved to another row.
    return f"private-key:{secret_id}"


@dataclass(frozen=True, slots=True)
class SealedKey:
    """A private key sealed for the secrets table under its (new) secret id."""

    id: str
    blob: bytes


def seal_private_key(box: SecretBox, key: PrivateKey) -> SealedKey:
    """Seal ``key`` under a new secret id; the caller stores it (see store_private_key)."""
    secret_id = str(uuid.uuid4())
    return SealedKey(secret_id, box.seal(private_key_to_der(key), context=_context(secret_id)))


def store_private_key(uow: UnitOfWork, box: SecretBox, key: PrivateKey, now: datetime) -> str:
    """Seal ``key`` and add it to the secrets table; return its secret id."""
    sealed = seal_private_key(box, key)
    uow.secrets.add(sealed.id, sealed.blob, created_at=now)
    return sealed.id


def load_private_key(uow: UnitOfWork, box: SecretBox, secret_id: str) -> PrivateKey:
    """Open the key sealed under ``secret_id``; KeyStoreError if it is missing or damaged."""
    blob = uow.secrets.get(secret_id)
    if blob is None:
        raise KeyStoreError(f"secret {secret_id} is missing")
    return load_private_key_der(box.open(blob, context=_context(secret_id)))


def rewrap_all(uow: UnitOfWork, box: SecretBox) -> int:
    """Re-wrap every secret's data key under the active key-encryption key; return how many."""
    count = 0
    for secret_id in uow.secrets.ids():
        blob = uow.secrets.get(secret_id)
        if blob is not None and box.needs_rewrap(blob):
            uow.secrets.replace(secret_id, box.rewrap(blob))
            count += 1
    # Sealed values kept in their own rows (collected first: they are replaced as we go).
    stale = [
        (reference, key, blob)
        for reference, key, blob in uow.sealed.blobs()
        if box.needs_rewrap(blob)
    ]
    for reference, key, blob in stale:
        uow.sealed.replace(reference, key, box.rewrap(blob))
    return count + len(stale)
