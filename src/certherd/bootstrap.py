"""The composition root: settings in, a wired application out.

Only this module builds engines, key stores, clocks, services and (later) workers; the
entrypoints ask it for a :class:`Container` and use the services on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from certherd.adapters.channels.apprise import AppriseNotifier
from certherd.adapters.channels.command import SubprocessRunner
from certherd.adapters.channels.destination_http import HttpxTokenClient, SocketResolver
from certherd.adapters.channels.email_render import JinjaMailRenderer
from certherd.adapters.channels.http import AiohttpSender
from certherd.adapters.channels.smtp import SmtpMailRelay
from certherd.adapters.db.engine import create_engine
from certherd.adapters.db.migrate import upgrade
from certherd.adapters.db.unit_of_work import sql_unit_of_work_factory
from certherd.adapters.deploy.files import AtomicFileWriter
from certherd.adapters.deploy.probe import SocketTlsProbe
from certherd.adapters.functions.runner import ProcessFunctionRunner
from certherd.adapters.keystore import (
    EnvelopeKeyStore,
    begin_rotation_for,
    finish_rotation_for,
    load_key_ring,
)
from certherd.config import Settings
from certherd.domain.arns import ArnFactory
from certherd.domain.clock import Clock, FixedClock, SystemClock
from certherd.services.accounts import AccountService
from certherd.services.archives import ArchiveService
from certherd.services.authorities import AuthorityService
from certherd.services.bus_permissions import BusPermissionService
from certherd.services.certificates import CertificateService
from certherd.services.connections import ConnectionService
from certherd.services.delivery import Delivery
from certherd.services.deploy_target import DeploymentTarget
from certherd.services.deployment_runs import Deployer
from certherd.services.deployments import DeploymentService
from certherd.services.destination_target import ApiDestinationTarget
from certherd.services.destinations import ApiDestinationService
from certherd.services.event_bus import EventBusService
from certherd.services.finding_target import FindingTarget
from certherd.services.findings import FindingService
from certherd.services.function_target import FunctionTarget
from certherd.services.functions import FunctionService
from certherd.services.history import HistoryRetention
from certherd.services.issuing import IssuingService
from certherd.services.keys import rewrap_all
from certherd.services.lifecycle import LifecycleEngine
from certherd.services.mail import MailService
from certherd.services.notification_signing import NotificationSigner
from certherd.services.ports import UnitOfWorkFactory
from certherd.services.publishing import FilterCache, Publisher
from certherd.services.queues import QueueService
from certherd.services.replays import ReplayService
from certherd.services.router import Router
from certherd.services.rules import RuleService
from certherd.services.signer import Signer
from certherd.services.subscriptions import SnsLinks, SubscriptionService
from certherd.services.targets import TargetRegistry
from certherd.services.time_travel import Forecaster, Simulation
from certherd.services.tokens import TokenService
from certherd.services.topic_channels import TopicChannels
from certherd.services.topic_deliveries import DeliveryRecords
from certherd.services.topic_delivery import TopicDeliveryWorker
from certherd.services.topic_target import TopicTarget
from certherd.services.topics import TopicService


@dataclass(frozen=True)
class Container:
    """Everything an entrypoint needs, built once per process."""

    settings: Settings
    engine: Engine
    clock: Clock
    arns: ArnFactory
    uow: UnitOfWorkFactory
    keystore: EnvelopeKeyStore
    authorities: AuthorityService
    issuing: IssuingService
    certificates: CertificateService
    accounts: AccountService
    tokens: TokenService
    queues: QueueService
    event_bus: EventBusService
    rules: RuleService
    router: Router
    delivery: Delivery
    lifecycle: LifecycleEngine
    forecaster: Forecaster
    simulation: Simulation
    archives: ArchiveService
    replays: ReplayService
    bus_permissions: BusPermissionService
    topics: TopicService
    publisher: Publisher
    subscriptions: SubscriptionService
    mail: MailService
    links: SnsLinks
    notification_signer: NotificationSigner
    topic_delivery: TopicDeliveryWorker
    history: HistoryRetention
    deliveries: DeliveryRecords
    http: AiohttpSender
    connections: ConnectionService
    api_destinations: ApiDestinationService
    token_client: HttpxTokenClient
    findings: FindingService
    functions: FunctionService
    deployments: DeploymentService
    deployer: Deployer

    def close(self) -> None:
        self.topic_delivery.close()
        self.http.close()
        self.token_client.close()
        self.engine.dispose()


def make_clock(settings: Settings) -> Clock:
    """The system clock, or a simulated one standing at ``settings.now``."""
    return FixedClock(settings.now) if settings.now is not None else SystemClock()


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Container:
    """Wire certherd for ``settings``: open the database (migrating it to the current schema
    unless ``migrate`` is false), load or create the key-encryption key and build services.

    Raises ConfigurationError for settings that cannot work (an unsafe key file, say).
    """
    engine = create_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    keystore = EnvelopeKeyStore(load_key_ring(settings))
    return _assemble(settings, engine, keystore, clock or make_clock(settings))


def _assemble(
    settings: Settings, engine: Engine, keystore: EnvelopeKeyStore, clock: Clock
) -> Container:
    uow = sql_unit_of_work_factory(engine, clock=clock)
    # Reads need no write lock: on SQLite they then never queue behind issuing.
    read_uow = sql_unit_of_work_factory(engine, clock=clock, read_only=True)
    arns = ArnFactory(partition=settings.partition, region=settings.region)
    signer = Signer(secrets=keystore, crl_base_url=settings.public_url)
    issuing = IssuingService(
        uow=uow, read_uow=read_uow, signer=signer, secrets=keystore, clock=clock, arns=arns
    )
    certificates = CertificateService(
        uow=uow,
        read_uow=read_uow,
        signer=signer,
        issuing=issuing,
        secrets=keystore,
        clock=clock,
        arns=arns,
    )
    lifecycle = LifecycleEngine(
        uow=uow,
        renewer=certificates,
        clock=clock,
        arns=arns,
        ca_days_before=settings.ca_expiry_days,
    )
    router = Router(uow=uow)
    findings = FindingService(uow=uow, read_uow=read_uow, clock=clock, arns=arns)
    queues = QueueService(
        uow=uow, read_uow=read_uow, clock=clock, arns=arns, public_url=settings.public_url
    )
    links = SnsLinks(settings.public_url)
    filters = FilterCache()
    topics = TopicService(uow=uow, clock=clock, arns=arns)
    publisher = Publisher(uow=uow, clock=clock, topics=topics, secrets=keystore, filters=filters)
    apprise = AppriseNotifier()
    subscriptions = SubscriptionService(
        uow=uow,
        clock=clock,
        arns=arns,
        topics=topics,
        secrets=keystore,
        filters=filters,
        apprise=apprise,
    )
    mail = MailService(
        uow=uow,
        clock=clock,
        secrets=keystore,
        relay_factory=lambda config, password: SmtpMailRelay(config, password, clock=clock),
    )
    notification_signer = NotificationSigner(uow=uow, clock=clock, secrets=keystore, links=links)
    functions = FunctionService(
        uow=uow,
        read_uow=read_uow,
        clock=clock,
        arns=arns,
        secrets=keystore,
        runner=ProcessFunctionRunner(),
    )
    http = AiohttpSender(ca_bundle=settings.http_ca_bundle)
    topic_delivery = TopicDeliveryWorker(
        uow=uow,
        channels=TopicChannels(
            uow=uow,
            links=links,
            signer=notification_signer,
            http=http,
            apprise=apprise,
            commands=SubprocessRunner(),
            mail=mail,
            renderer=JinjaMailRenderer(settings.email_templates_dir),
            queues=queues,
            functions=functions,
            arns=arns,
        ),
        subscriptions=subscriptions,
        queues=queues,
        secrets=keystore,
        lease_seconds=settings.delivery_lease_seconds,
    )
    deployer = Deployer(
        uow=uow,
        secrets=keystore,
        clock=clock,
        arns=arns,
        files=AtomicFileWriter(),
        commands=SubprocessRunner(),
        probe=SocketTlsProbe(),
    )
    resolver = SocketResolver()
    token_client = HttpxTokenClient(ca_bundle=settings.http_ca_bundle)
    delivery = Delivery(
        uow=uow,
        targets=TargetRegistry.standard(queues=queues, arns=arns)
        .with_kind("sns", TopicTarget(publisher=publisher))
        .with_kind(
            "events:api-destination",
            ApiDestinationTarget(
                uow=uow,
                secrets=keystore,
                http=http,
                tokens=token_client,
                resolver=resolver,
                allow_private=settings.destinations_allow_private,
            ),
        )
        .with_kind("securityhub:hub", FindingTarget(findings=findings))
        .with_kind("certherd:deployment", DeploymentTarget(deployer=deployer, arns=arns))
        .with_kind("lambda:function", FunctionTarget(functions=functions, arns=arns)),
        queues=queues,
        arns=arns,
        read_uow=read_uow,
        lease_seconds=settings.delivery_lease_seconds,
    )
    replays = ReplayService(uow=uow, read_uow=read_uow, clock=clock, arns=arns)
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        arns=arns,
        uow=uow,
        keystore=keystore,
        authorities=AuthorityService(
            uow=uow,
            read_uow=read_uow,
            signer=signer,
            secrets=keystore,
            clock=clock,
            arns=arns,
            restore_days=settings.ca_restore_days,
        ),
        issuing=issuing,
        certificates=certificates,
        accounts=AccountService(uow=uow, read_uow=read_uow),
        tokens=TokenService(uow=uow, read_uow=read_uow, clock=clock),
        queues=queues,
        event_bus=EventBusService(uow=uow, read_uow=read_uow, clock=clock, arns=arns),
        rules=RuleService(uow=uow, read_uow=read_uow, clock=clock, arns=arns),
        router=router,
        delivery=delivery,
        lifecycle=lifecycle,
        forecaster=Forecaster(
            read_uow=read_uow, clock=clock, ca_days_before=settings.ca_expiry_days
        ),
        simulation=Simulation(
            clock=clock,
            lifecycle=lifecycle,
            drains=[
                lambda at: replays.advance(at),
                lambda at: router.route_batch(at),
                lambda at: delivery.deliver_due(at),
                lambda at: topic_delivery.deliver_due(at),
            ],
        ),
        archives=ArchiveService(uow=uow, read_uow=read_uow, clock=clock, arns=arns),
        replays=replays,
        bus_permissions=BusPermissionService(uow=uow, clock=clock, arns=arns),
        topics=topics,
        publisher=publisher,
        subscriptions=subscriptions,
        mail=mail,
        links=links,
        notification_signer=notification_signer,
        topic_delivery=topic_delivery,
        history=HistoryRetention(uow=uow, days=settings.history_days),
        deliveries=DeliveryRecords(uow=uow, clock=clock),
        findings=findings,
        functions=functions,
        http=http,
        connections=ConnectionService(
            uow=uow,
            clock=clock,
            arns=arns,
            secrets=keystore,
            resolver=resolver,
            allow_private=settings.destinations_allow_private,
        ),
        api_destinations=ApiDestinationService(
            uow=uow,
            clock=clock,
            arns=arns,
            resolver=resolver,
            allow_private=settings.destinations_allow_private,
        ),
        token_client=token_client,
        deployments=DeploymentService(
            uow=uow, read_uow=read_uow, secrets=keystore, clock=clock, arns=arns
        ),
        deployer=deployer,
    )


def rotate_keys(settings: Settings) -> int:
    """Rotate the key-encryption key: add a new one, re-wrap every data key under it in one
    transaction, then drop the old key. Returns how many secrets were re-wrapped.

    A crash at any step leaves every secret readable: the old key is only dropped after the
    re-wrap has committed.
    """
    engine = create_engine(settings.database_url)
    try:
        upgrade(engine)
        ring = begin_rotation_for(settings)
        keystore = EnvelopeKeyStore(ring)
        uow_factory = sql_unit_of_work_factory(engine)
        with uow_factory() as uow:
            count = rewrap_all(uow, keystore)
            uow.commit()
        finish_rotation_for(settings, ring)
        return count
    finally:
        engine.dispose()
