"""The key certherd signs notifications with (SNS's SignatureVersion 1 and 2), made on first
use and replaced when it nears its end, and the certificates served at SigningCertURL.

The key is stored sealed by the key store; the certificate chain (signing certificate, then
the CA that issued it) in clear. Old certificates stay served, so messages signed before a
key change can still be checked.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from certherd.domain.clock import Clock
from certherd.pki.message_signing import sign_message, signing_cert_name
from certherd.pki.signing_identity import SIGNING_VALIDITY, new_signing_identity
from certherd.services.ports import SecretBox, UnitOfWorkFactory
from certherd.services.subscriptions import SnsLinks
from certherd.services.topic_ports import SigningKeyRecord

__all__ = ["NotificationSigner", "SigningKey"]

PURPOSE: Final = "sns"
#: A key is replaced once less than this much of its certificate's validity is left.
_RENEW_BEFORE: Final = SIGNING_VALIDITY / 10


def _context(key_id: str) -> str:
    return f"signing-key:{key_id}"


@dataclass(frozen=True)
class SigningKey:
    id: str
    key: rsa.RSAPrivateKey
    certificate_url: str
    not_after: datetime

    def sign(self, data: bytes, signature_version: str) -> str:
        return sign_message(self.key, data, signature_version=signature_version)


class NotificationSigner:
    """Thread-safe; the current key is kept in memory once loaded."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, secrets: SecretBox, links: SnsLinks
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._secrets = secrets
        self._links = links
        self._lock = threading.Lock()
        self._current: SigningKey | None = None

    def current(self) -> SigningKey:
        """The key to sign with now (made, and stored, if there is none fit to use)."""
        now = self._clock.now()
        with self._lock:
            if self._current is not None and self._current.not_after - _RENEW_BEFORE > now:
                return self._current
            with self._uow() as uow:
                record = uow.signing_keys.current(PURPOSE, valid_at=now + _RENEW_BEFORE)
                if record is None:
                    record = self._new_record(now)
                    uow.signing_keys.add(record)
                    uow.commit()
            self._current = self._load(record)
            return self._current

    def certificate(self, name: str) -> str | None:
        """The PEM chain served under ``name`` (``SimpleNotificationService-<hash>.pem``)."""
        with self._uow() as uow:
            records = uow.signing_keys.by_certificate_name(PURPOSE)
        for record in records:
            if _name_of(record) == name:
                return record.certificate_pem
        return None

    def _new_record(self, now: datetime) -> SigningKeyRecord:
        host = urlsplit(self._links.public_url).hostname or "localhost"
        identity = new_signing_identity(now=now, host=host)
        key_id = str(uuid.uuid4())
        return SigningKeyRecord(
            id=key_id,
            purpose=PURPOSE,
            certificate_pem=(identity.certificate_pem + identity.ca_certificate_pem).decode(),
            sealed_key=self._secrets.seal(identity.key_pem, context=_context(key_id)),
            not_after=identity.not_after,
            created_at=now,
        )

    def _load(self, record: SigningKeyRecord) -> SigningKey:
        pem = self._secrets.open(record.sealed_key, context=_context(record.id))
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the stored signing key is not an RSA key")
        return SigningKey(
            id=record.id,
            key=key,
            certificate_url=self._links.signing_certificate(_name_of(record)),
            not_after=record.not_after,
        )


def _name_of(record: SigningKeyRecord) -> str:
    leaf = x509.load_pem_x509_certificate(record.certificate_pem.encode())
    return signing_cert_name(leaf.public_bytes(serialization.Encoding.DER))
