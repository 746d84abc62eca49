"""Requesting private certificates (RequestCertificate), one or a batch in one transaction.

A request is checked before anything else happens, its key is generated before the
transaction begins (RSA keys take tens of milliseconds, which the write lock need not
wait for), and the CA is read, checked and used inside the transaction that stores the
certificate, so a CA changed by anyone (another process included) is seen at once.

A batch is all or nothing: every entry is checked first, then every certificate is
issued and stored in one transaction; the first entry that cannot be issued (its CA
unknown or not ACTIVE, its validity beyond the CA's) fails the whole batch and nothing is
written. Errors name the entry: ``Entries[3].DomainName``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from certherd.domain.arns import ArnFactory
from certherd.domain.authority import AnyAuthority, IssuingAuthority, check_can_issue
from certherd.domain.certificate import (
    DEFAULT_PRIVATE_VALIDITY_DAYS,
    MAX_DOMAIN_NAMES,
    REQUESTABLE_KEY_ALGORITHMS,
    Certificate,
    CertificateStatus,
    CertificateType,
    CertificateVersion,
    VersionAction,
)
from certherd.domain.clock import Clock
from certherd.domain.records import IssuedCertificate
from certherd.domain.tags import Tag, validate_tags
from certherd.errors import CertherdError, LimitExceededError, ValidationError
from certherd.pki.issue import Validity, common_name_subject
from certherd.pki.keys import KeyAlgorithm, PrivateKey, generate_private_key
from certherd.pki.names import validate_domain_name, validate_san
from certherd.pki.parse import CertificateInfo
from certherd.services.certificate_events import announce_available
from certherd.services.keys import SealedKey, seal_private_key
from certherd.services.lookup import load_issuing_authority
from certherd.services.ports import IssuedRows, SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.signer import Signer

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "MAX_BATCH_ENTRIES",
    "CertificateRequests",
    "CheckedRequest",
    "IssuedVersion",
    "RequestEntry",
    "check_batch",
    "check_request",
]

_TOKEN_RE = re.compile(r"^\w{1,32}$")
IDEMPOTENCY_WINDOW = timedelta(hours=1)
#: The most certificates one batch may request.
MAX_BATCH_ENTRIES = 1000


@dataclass(frozen=True)
class RequestEntry:
    """One certificate request as the caller gave it (RequestCertificate's fields)."""

    domain_name: str
    authority_arn: str | None
    subject_alternative_names: Sequence[str] = ()
    key_algorithm: KeyAlgorithm = KeyAlgorithm.RSA_2048
    idempotency_token: str | None = None
    validity_days: int = DEFAULT_PRIVATE_VALIDITY_DAYS
    tags: Sequence[Tag] = ()


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request whose every field follows the rules; ``names`` is DomainName first."""

    names: tuple[str, ...]
    authority_arn: str
    key_algorithm: KeyAlgorithm
    idempotency_token: str | None
    validity_days: int
    tags: tuple[Tag, ...]


def check_request(entry: RequestEntry) -> CheckedRequest:
    """``entry`` checked; ValidationError (LimitExceededError for too many names or tags)
    naming the field otherwise."""
    names = _names(entry.domain_name, entry.subject_alternative_names)
    if entry.key_algorithm not in REQUESTABLE_KEY_ALGORITHMS:
        raise ValidationError(
            f"{KeyAlgorithm(entry.key_algorithm).value} cannot be requested; use one of "
            + ", ".join(sorted(a.value for a in REQUESTABLE_KEY_ALGORITHMS)),
            field="KeyAlgorithm",
        )
    token = entry.idempotency_token
    if token is not None and not _TOKEN_RE.match(token):
        raise ValidationError(
            "must be 1 to 32 letters, digits or underscores", field="IdempotencyToken"
        )
    if not 1 <= entry.validity_days <= 36500:
        raise ValidationError("must be between 1 and 36500 days", field="ValidityInDays")
    if entry.authority_arn is None:
        raise ValidationError(
            "is required: certherd issues private certificates from its own CAs",
            field="CertificateAuthorityArn",
        )
    return CheckedRequest(
        names=names,
        authority_arn=entry.authority_arn,
        key_algorithm=entry.key_algorithm,
        idempotency_token=token,
        validity_days=entry.validity_days,
        tags=validate_tags(entry.tags),
    )


def check_batch(entries: Sequence[RequestEntry]) -> list[CheckedRequest]:
    """Every entry checked, in order; the first error names its entry (``Entries[i]...``).

    Raises ValidationError for an empty batch and LimitExceededError for one of more than
    :data:`MAX_BATCH_ENTRIES` entries.
    """
    if not entries:
        raise ValidationError("must hold at least one entry", field="Entries")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise LimitExceededError(
            f"a batch holds at most {MAX_BATCH_ENTRIES} entries, not {len(entries)}",
            field="Entries",
        )
    checked = []
    for index, entry in enumerate(entries):
        try:
            checked.append(check_request(entry))
        except CertherdError as exc:
            raise _in_entry(exc, index) from None
    return checked


def _in_entry(exc: CertherdError, index: int) -> CertherdError:
    """``exc`` again (same class and message), its field put under ``Entries[index]``."""
    where = f"Entries[{index}]"
    return type(exc)(exc.message, field=f"{where}.{exc.field}" if exc.field else where)


def _names(domain_name: str, sans: Sequence[str]) -> tuple[str, ...]:
    first = validate_domain_name(domain_name, field="DomainName")
    names = [first]
    for i, san in enumerate(sans):
        name = validate_san(san, field=f"SubjectAlternativeNames[{i}]")
        if name not in names:
            names.append(name)
    if len(names) > MAX_DOMAIN_NAMES:
        raise LimitExceededError(
            f"a certificate can hold at most {MAX_DOMAIN_NAMES} names",
            field="SubjectAlternativeNames",
        )
    return tuple(names)


@lru_cache(maxsize=64)
def _validity(now: datetime, days: int) -> Validity:
    # The certificates of a batch share their validity (it is frozen).
    return Validity(now, now + timedelta(days=days))


class IssuedVersion(NamedTuple):
    """A version just signed, with what must be stored along with it."""

    version: CertificateVersion
    info: CertificateInfo
    record: IssuedCertificate  # the CA's register entry
    key: SealedKey  # the version's private key, sealed


class CertificateRequests:
    """Issues requested private certificates and signs new versions of existing ones."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        signer: Signer,
        secrets: SecretBox,
        clock: Clock,
        arns: ArnFactory,
    ) -> None:
        self._uow = uow
        self._signer = signer
        self._secrets = secrets
        self._clock = clock
        self._arns = arns

    def request(
        self, *, account: str, requests: Sequence[CheckedRequest], batch: bool
    ) -> list[str]:
        """Issue a certificate for each of ``requests`` in one transaction; their ARNs.

        A request whose idempotency token was used within the last hour (earlier in
        ``requests`` too) gets the first certificate's ARN and issues nothing. Raises
        NotFoundError for an unknown CA and InvalidStateError for a CA that cannot issue;
        with ``batch``, errors name the entry (``Entries[i].<field>``). Nothing is written
        when anything fails. ``account`` must have been checked.
        """
        now = self._clock.now()
        keys = [generate_private_key(r.key_algorithm) for r in requests]
        arns: list[str] = []
        with self._uow() as uow:
            authorities: dict[str, IssuingAuthority] = {}
            by_token: dict[str, str] = {}
            rows: list[IssuedRows] = []
            for index, (request, key) in enumerate(zip(requests, keys, strict=True)):
                try:
                    arn = self._earlier(uow, account, request.idempotency_token, by_token, now)
                    if arn is None:
                        ca = authorities.get(request.authority_arn)
                        if ca is None:
                            ca = load_issuing_authority(
                                uow, self._arns, account=account, arn=request.authority_arn, now=now
                            )
                            check_can_issue(ca, now)
                            authorities[request.authority_arn] = ca
                        row = self._new(uow, account, ca, request, key, now)
                        rows.append(row)
                        arn = row.certificate.arn
                except CertherdError as exc:
                    if not batch:
                        raise
                    raise _in_entry(exc, index) from None
                if request.idempotency_token is not None:
                    by_token.setdefault(request.idempotency_token, arn)
                arns.append(arn)
            if len(rows) == 1:
                row = rows[0]
                uow.certificates.add_issued(
                    row.certificate, row.version, issued=row.issued, key_blob=row.key_blob
                )
            elif rows:
                uow.certificates.add_issued_many(rows)
            announce_available(
                uow,
                (row.certificate for row in rows),
                action=VersionAction.ISSUANCE,
                now=now,
                region=self._arns.region,
            )
            uow.commit()
        return arns

    def _earlier(
        self,
        uow: UnitOfWork,
        account: str,
        token: str | None,
        by_token: dict[str, str],
        now: datetime,
    ) -> str | None:
        """The ARN of the certificate requested with ``token`` within the window, if any."""
        if token is None:
            return None
        arn = by_token.get(token)
        if arn is not None:
            return arn
        found = uow.certificates.find_by_token(account, token, now - IDEMPOTENCY_WINDOW)
        return None if found is None else self._arns.certificate(account, found)

    def _new(
        self,
        uow: UnitOfWork,
        account: str,
        ca: IssuingAuthority,
        request: CheckedRequest,
        key: PrivateKey,
        now: datetime,
    ) -> IssuedRows:
        """Sign a new certificate for ``request``; what is to be stored of it."""
        certificate_id = str(uuid.uuid4())
        issued = self.issue_version(
            uow,
            ca,
            key,
            request.names,
            request.validity_days,
            certificate_id,
            VersionAction.ISSUANCE,
            now,
        )
        version, info = issued.version, issued.info
        cert = Certificate(
            id=certificate_id,
            arn=self._arns.certificate(account, certificate_id),
            account=account,
            type=CertificateType.PRIVATE,
            status=CertificateStatus.ISSUED,
            domain_name=request.names[0],
            subject_alternative_names=request.names,
            key_algorithm=request.key_algorithm,
            signature_algorithm=info.signature_algorithm,
            serial=version.serial,
            subject=info.subject,
            issuer=info.issuer,
            not_before=version.not_before,
            not_after=version.not_after,
            created_at=now,
            version=version.number,
            key_secret_id=version.key_secret_id,
            issued_at=now,
            authority_arn=ca.arn,
            key_usages=info.key_usages,
            extended_key_usages=info.extended_key_usages,
            validity_days=request.validity_days,
            idempotency_token=request.idempotency_token,
            tags=request.tags,
        )
        return IssuedRows(cert, version, issued.record, issued.key.blob)

    def issue_version(
        self,
        uow: UnitOfWork,
        ca: AnyAuthority,
        key: PrivateKey,
        names: Sequence[str],
        validity_days: int,
        certificate_id: str,
        action: VersionAction,
        now: datetime,
        *,
        number: int = 1,
    ) -> IssuedVersion:
        """Sign a certificate for ``key`` and seal the key; nothing is stored yet."""
        signed = self._signer.issue(
            uow,
            ca,
            public_key=key.public_key(),
            subject=common_name_subject(names[0] if len(names[0]) <= 64 else None),
            sans=names,
            validity=_validity(now, validity_days),
            certificate_id=certificate_id,
            now=now,
        )
        info, record = signed.info, signed.record
        sealed = seal_private_key(self._secrets, key)
        version = CertificateVersion(
            number=number,
            action=action,
            serial=record.serial,
            certificate_pem=record.certificate_pem,
            chain_pem=self._signer.chain_of(ca),
            key_secret_id=sealed.id,
            not_before=info.not_before,
            not_after=info.not_after,
            created_at=now,
        )
        return IssuedVersion(version, info, record, sealed)
