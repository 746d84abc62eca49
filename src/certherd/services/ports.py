"""What the services need from the outside world, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self

from certherd.domain.authority import CertificateAuthority, IssuingAuthority
from certherd.domain.certificate import Certificate, CertificateVersion, RenewalSummary
from certherd.domain.inventory import CertificateFilter, PageRequest
from certherd.domain.records import (
    AccountConfig,
    ApiToken,
    Crl,
    IssuedCertificate,
)
from certherd.pki.crl import RevocationReason as CrlReason
from certherd.services.deploy_ports import DeploymentRepository
from certherd.services.destination_ports import ApiDestinationRepository, ConnectionRepository
from certherd.services.event_ports import (
    ArchiveRepository,
    BusPolicyRepository,
    EventRepository,
    InvocationRepository,
    LedgerRepository,
    LifecycleRepository,
    QueueRepository,
    RuleRepository,
)
from certherd.services.finding_ports import FindingRepository
from certherd.services.function_ports import FunctionInvocationRepository, FunctionRepository
from certherd.services.history_ports import HistoryRepository
from certherd.services.topic_ports import (
    MailboxRepository,
    MailRelayRepository,
    SealedColumnRepository,
    SigningKeyRepository,
    SubscriptionRepository,
    TopicDeliveryRepository,
    TopicMessageRepository,
    TopicRepository,
)


class SecretBox(Protocol):
    """Seals secrets at rest (the key store)."""

    def seal(self, plaintext: bytes, *, context: str) -> bytes: ...

    def open(self, blob: bytes, *, context: str) -> bytes: ...

    def needs_rewrap(self, blob: bytes) -> bool: ...

    def rewrap(self, blob: bytes) -> bytes: ...


class SecretRepository(Protocol):
    """Sealed blobs by id; the context each was sealed with is the caller's business."""

    def add(self, secret_id: str, blob: bytes, *, created_at: datetime) -> None: ...

    def get(self, secret_id: str) -> bytes | None: ...

    def replace(self, secret_id: str, blob: bytes) -> None: ...

    def delete(self, secret_id: str) -> None: ...

    def ids(self) -> list[str]: ...


class AuthorityRepository(Protocol):
    def add(self, authority: CertificateAuthority) -> None: ...

    def update(self, authority: CertificateAuthority) -> None:
        """Store every field of ``authority`` (tags and permissions included)."""

    def get(self, account: str, authority_id: str) -> CertificateAuthority | None: ...

    def get_issuing(self, account: str, authority_id: str) -> IssuingAuthority | None:
        """What issuing needs of the CA (one narrow read), as it is stored now."""

    def list(self, account: str) -> list[CertificateAuthority]:
        """All CAs of the account, oldest first."""

    def delete(self, authority_id: str) -> None:
        """Remove the CA row for good (after its restore period)."""


class IssuedCertificateRepository(Protocol):
    def add(self, record: IssuedCertificate) -> None: ...

    def get(self, authority_id: str, serial: str) -> IssuedCertificate | None: ...

    def revoke(self, authority_id: str, serial: str, at: datetime, reason: CrlReason) -> None: ...

    def revoked(self, authority_id: str) -> list[IssuedCertificate]:
        """Revoked certificates of the CA that have not expired yet (what a CRL lists)."""

    def revoked_after(self, authority_id: str, now: datetime) -> list[IssuedCertificate]:
        """Revoked certificates of the CA whose NotAfter is after ``now``."""


class CrlRepository(Protocol):
    def save(self, crl: Crl) -> None: ...

    def latest(self, authority_id: str) -> Crl | None: ...


class IssuedRows(NamedTuple):
    """A certificate one of our CAs just issued, with what is stored along with it."""

    certificate: Certificate
    version: CertificateVersion  # its first version
    issued: IssuedCertificate  # the CA's register entry
    key_blob: bytes  # its private key, sealed (secret ``version.key_secret_id``)


class CertificateRepository(Protocol):
    def add(self, certificate: Certificate, version: CertificateVersion) -> None: ...

    def add_issued(
        self,
        certificate: Certificate,
        version: CertificateVersion,
        *,
        issued: IssuedCertificate,
        key_blob: bytes,
    ) -> None:
        """Add a certificate one of our CAs just issued with everything that came with it:
        its sealed key (secret ``version.key_secret_id``, created at ``version.created_at``),
        the CA's register entry ``issued``, the certificate and its first version. Does what
        ``secrets.add``, ``issued.add`` and :meth:`add` do, in as few round trips as the
        database allows, and raises ConflictError as they do."""

    def add_issued_many(self, rows: Sequence[IssuedRows]) -> None:
        """:meth:`add_issued` for many certificates at once, with a few statements per
        table instead of a few per certificate; ConflictError as it raises it."""

    def update(self, certificate: Certificate) -> None:
        """Store every field of ``certificate`` (tags and in-use list included)."""

    def set_renewal(self, certificate_id: str, summary: RenewalSummary) -> None:
        """Store the renewal summary alone (a failed renewal changes nothing else)."""

    def add_version(self, certificate: Certificate, version: CertificateVersion) -> None:
        """Add ``version`` and store ``certificate`` (which now points at it)."""

    def get(self, account: str, certificate_id: str) -> Certificate | None: ...

    def versions(self, certificate_id: str) -> list[CertificateVersion]:
        """All versions, oldest first."""

    def mark_version_exported(self, certificate_id: str, number: int, at: datetime) -> None: ...

    def delete(self, certificate_id: str) -> list[str]:
        """Remove the certificate and its versions; return the secret ids they held."""

    def page(
        self, account: str, where: CertificateFilter, page: PageRequest, now: datetime
    ) -> tuple[list[Certificate], str | None]:
        """One page of matching certificates and the token of the next page (None at the end)."""

    def count(self, account: str, where: CertificateFilter, now: datetime) -> int: ...

    def count_by_status(self, account: str | None, now: datetime) -> dict[str, int]: ...

    def iter_all(self, account: str | None = None) -> Iterator[Certificate]: ...

    def find_by_token(self, account: str, token: str, since: datetime) -> str | None:
        """The id of a certificate requested with ``token`` at or after ``since``."""


class AccountRepository(Protocol):
    def get(self, account: str) -> AccountConfig | None: ...

    def put(self, config: AccountConfig) -> None: ...


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def find(self, digest: str) -> ApiToken | None: ...

    def count(self) -> int: ...


class UnitOfWork(Protocol):
    """One transaction over every repository; leaving the block without commit rolls back."""

    secrets: SecretRepository
    authorities: AuthorityRepository
    issued: IssuedCertificateRepository
    crls: CrlRepository
    certificates: CertificateRepository
    accounts: AccountRepository
    tokens: TokenRepository
    events: EventRepository
    rules: RuleRepository
    invocations: InvocationRepository
    ledger: LedgerRepository
    lifecycle: LifecycleRepository
    queues: QueueRepository
    archives: ArchiveRepository
    bus_policies: BusPolicyRepository
    topics: TopicRepository
    subscriptions: SubscriptionRepository
    topic_messages: TopicMessageRepository
    topic_deliveries: TopicDeliveryRepository
    mail_relay: MailRelayRepository
    mailbox: MailboxRepository
    signing_keys: SigningKeyRepository
    sealed: SealedColumnRepository
    findings: FindingRepository
    deployments: DeploymentRepository
    functions: FunctionRepository
    function_invocations: FunctionInvocationRepository
    connections: ConnectionRepository
    api_destinations: ApiDestinationRepository
    history: HistoryRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
