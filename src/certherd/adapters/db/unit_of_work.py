"""One transaction over every repository: the UnitOfWork of the services, on SQL."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa

from certherd.adapters.db.archives_repo import SqlArchiveRepository
from certherd.adapters.db.authorities_repo import SqlAuthorityRepository
from certherd.adapters.db.bus_policies_repo import SqlBusPolicyRepository
from certherd.adapters.db.certificates_repo import SqlCertificateRepository
from certherd.adapters.db.deployments_repo import SqlDeploymentRepository
from certherd.adapters.db.destinations_repo import (
    SqlApiDestinationRepository,
    SqlConnectionRepository,
)
from certherd.adapters.db.engine import read_only as read_only_connection
from certherd.adapters.db.events_repo import SqlEventRepository
from certherd.adapters.db.findings_repo import SqlFindingRepository
from certherd.adapters.db.functions_repo import (
    SqlFunctionInvocationRepository,
    SqlFunctionRepository,
)
from certherd.adapters.db.history_repo import SqlHistoryRepository
from certherd.adapters.db.invocations_repo import SqlInvocationRepository
from certherd.adapters.db.ledger_repo import SqlLedgerRepository
from certherd.adapters.db.lifecycle_repo import SqlLifecycleRepository
from certherd.adapters.db.mail_repo import (
    SqlMailboxRepository,
    SqlMailRelayRepository,
    SqlSigningKeyRepository,
)
from certherd.adapters.db.queues_repo import SqlQueueRepository
from certherd.adapters.db.records_repo import (
    SqlAccountRepository,
    SqlCrlRepository,
    SqlIssuedCertificateRepository,
    SqlSecretRepository,
    SqlTokenRepository,
)
from certherd.adapters.db.rules_repo import SqlRuleRepository
from certherd.adapters.db.sealed_repo import SqlSealedColumnRepository
from certherd.adapters.db.topic_deliveries_repo import (
    SqlTopicDeliveryRepository,
    SqlTopicMessageRepository,
)
from certherd.adapters.db.topics_repo import SqlSubscriptionRepository, SqlTopicRepository
from certherd.domain.clock import Clock, SystemClock
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
from certherd.services.ports import (
    AccountRepository,
    AuthorityRepository,
    CertificateRepository,
    CrlRepository,
    IssuedCertificateRepository,
    SecretRepository,
    TokenRepository,
    UnitOfWorkFactory,
)
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

__all__ = ["SqlUnitOfWork", "sql_unit_of_work_factory"]


class SqlUnitOfWork:
    """A connection and its transaction, with the repositories bound to it.

    ``with uow:`` opens both; :meth:`commit` commits (the unit of work can go on after it,
    in a new transaction); leaving the block rolls back whatever was not committed and
    returns the connection to the pool. A unit of work is entered once.

    ``read_only=True`` promises that nothing will be written: on SQLite its transaction
    then begins DEFERRED and never waits for or holds the write lock. ``clock`` stamps
    rows whose domain object carries no time of creation (account settings).
    """

    # Typed as the ports (not the Sql classes): the protocol's attributes are writable,
    # so their types must match exactly for SqlUnitOfWork to be a UnitOfWork.
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

    def __init__(
        self, engine: sa.Engine, *, clock: Clock | None = None, read_only: bool = False
    ) -> None:
        self._engine = engine
        self._clock: Clock = clock or SystemClock()
        self._read_only = read_only
        self._connection: sa.Connection | None = None
        self._used = False

    @property
    def connection(self) -> sa.Connection:
        """The connection of the open unit of work (RuntimeError outside ``with``)."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open; use it in a with block")
        return self._connection

    def __enter__(self) -> Self:
        if self._used:
            raise RuntimeError("a unit of work is entered once; make a new one")
        self._used = True
        connection = self._engine.connect()
        if self._read_only:
            connection = read_only_connection(connection)
        try:
            connection.begin()
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self.secrets = SqlSecretRepository(connection)
        self.authorities = SqlAuthorityRepository(connection)
        self.issued = SqlIssuedCertificateRepository(connection)
        self.crls = SqlCrlRepository(connection)
        self.certificates = SqlCertificateRepository(connection)
        self.accounts = SqlAccountRepository(connection, clock=self._clock)
        self.tokens = SqlTokenRepository(connection)
        self.events = SqlEventRepository(connection)
        self.rules = SqlRuleRepository(connection)
        self.invocations = SqlInvocationRepository(connection)
        self.ledger = SqlLedgerRepository(connection)
        self.lifecycle = SqlLifecycleRepository(connection)
        self.queues = SqlQueueRepository(connection)
        self.archives = SqlArchiveRepository(connection)
        self.bus_policies = SqlBusPolicyRepository(connection)
        self.topics = SqlTopicRepository(connection)
        self.subscriptions = SqlSubscriptionRepository(connection)
        self.topic_messages = SqlTopicMessageRepository(connection)
        self.topic_deliveries = SqlTopicDeliveryRepository(connection)
        self.mail_relay = SqlMailRelayRepository(connection)
        self.mailbox = SqlMailboxRepository(connection)
        self.signing_keys = SqlSigningKeyRepository(connection)
        self.sealed = SqlSealedColumnRepository(connection)
        self.findings = SqlFindingRepository(connection)
        self.deployments = SqlDeploymentRepository(connection)
        self.functions = SqlFunctionRepository(connection)
        self.function_invocations = SqlFunctionInvocationRepository(connection)
        self.connections = SqlConnectionRepository(connection)
        self.api_destinations = SqlApiDestinationRepository(connection)
        self.history = SqlHistoryRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.rollback()  # no-op after commit() with nothing done since
        finally:
            connection.close()

    def commit(self) -> None:
        """Commit what was done so far; later work goes into a new transaction."""
        self.connection.commit()


def sql_unit_of_work_factory(
    engine: sa.Engine, *, clock: Clock | None = None, read_only: bool = False
) -> UnitOfWorkFactory:
    """A factory that makes a new :class:`SqlUnitOfWork` on ``engine`` per call."""

    def factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, clock=clock, read_only=read_only)

    return factory
