"""The steps of ``certherd demo``: the renewal-alert scenario, played on a container of its
own (a throw-away data directory, a simulated clock, no workers).

Each step calls the services as the API would, then drives what the workers of
``certherd serve`` would do (routing, delivery, lifecycle ticks) through the container's
:class:`~certherd.services.time_travel.Simulation`, and describes itself as a
:class:`DemoStep`: what happened, why, the commands a user types to do the same against a
server, and what came of it.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import parse_qs, urlsplit

from certherd.bootstrap import Container
from certherd.domain.authority import AuthorityType, CertificateAuthority, Permission
from certherd.domain.certificate import days_to_expiry
from certherd.domain.events import PutEventsEntry
from certherd.errors import InvalidStateError
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.subject import Subject
from certherd.services.mail import MailboxMail
from certherd.services.time_travel import SimulatedDay
from certherd.services.topics import Caller

__all__ = [
    "DOMAIN",
    "STEP_COUNT",
    "DemoOutcome",
    "DemoStep",
    "Fact",
    "RenewalAlertDemo",
    "ShownMail",
]

DOMAIN: Final = "shop.example.com"
TOPIC: Final = "renewal-alerts"
RULE: Final = "renewal-action-required"
TARGET_ID: Final = "alerts"
ACTION_REQUIRED: Final = "ACM Certificate Renewal Action Required"
#: The source of the test event: sources starting ``aws.`` are kept for AWS services.
TEST_SOURCE: Final = "certherd.demo"
KMS_KEY: Final = "alias/aws/sns"
ALERT_DAYS: Final = 45
#: Short-lived, so that the simulated run to the alert is short; every renewal window
#: (60 days and less) still applies.
VALIDITY_DAYS: Final = 90
STEP_COUNT: Final = 13
#: Only read by the demo's own export; the exported key is not kept.
_PASSPHRASE: Final = b"certherd demo passphrase"

#: One line of a step's outcome: a name and a value (several lines for a tuple).
Fact = tuple[str, str | tuple[str, ...]]


@dataclass(frozen=True)
class ShownMail:
    """A mail of the local mailbox, as the demo shows it."""

    id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str

    @classmethod
    def of(cls, mail: MailboxMail) -> ShownMail:
        return cls(mail.id, mail.sender, mail.recipients, mail.subject, mail.text)


@dataclass(frozen=True)
class DemoStep:
    """One numbered step: what was done and why, the CLI commands that do it against a
    server, and its outcome."""

    number: int
    title: str
    why: str
    commands: tuple[str, ...]
    facts: tuple[Fact, ...]
    mail: ShownMail | None = None


@dataclass(frozen=True)
class DemoOutcome:
    """What the scenario ended with."""

    started_at: datetime
    ended_at: datetime
    certificate_arn: str
    days_to_expiry: int
    renewal_reason: str | None
    alert: ShownMail


def _cli(template: str, *values: str) -> str:
    """A ``certherd`` command line: ``template`` with each ``{}`` a value, quoted for a
    POSIX shell."""
    return "certherd " + template.format(*(shlex.quote(value) for value in values))


def _short(arn: str) -> str:
    """The id an ARN ends with (the CLI takes CA and certificate ids for their ARNs)."""
    return arn.rsplit("/", 1)[-1]


class RenewalAlertDemo:
    """The renewal-alert scenario on ``container`` (on simulated time, workers off): each
    step is handed to ``show`` as soon as it is done.

    Raises CertherdError when a service refuses a step, and InvalidStateError when the
    scenario does not turn out as it should (no alert mail, say).
    """

    def __init__(
        self, container: Container, *, email: str, show: Callable[[DemoStep], None]
    ) -> None:
        self._c = container
        self._account = container.settings.account_id
        self._caller = Caller.of_account(self._account)
        self._email = email
        self._show = show
        self._number = 0

    def play(self) -> DemoOutcome:
        started_at = self._c.clock.now()
        root = self._root()
        issuing = self._issuing(root)
        certificate_arn, not_after = self._certificate(issuing)
        topic_arn = self._topic()
        subscription_arn = self._subscribe(topic_arn)
        confirmation = self._confirm(topic_arn, subscription_arn)
        rule_arn = self._rule(topic_arn)
        self._trigger(certificate_arn, topic_arn)
        self._allow(topic_arn, rule_arn)
        self._withdraw(issuing)
        until = not_after - timedelta(days=ALERT_DAYS)
        self._forecast(certificate_arn, until)
        self._run(certificate_arn, not_after, until)
        return self._alert(certificate_arn, confirmation, started_at)

    # -- the steps ------------------------------------------------------------------------

    def _root(self) -> CertificateAuthority:
        root = self._c.authorities.create(
            account=self._account,
            type=AuthorityType.ROOT,
            subject=Subject(common_name="Demo Root CA"),
            key_algorithm=KeyAlgorithm.RSA_2048,
        )
        self._step(
            "Create a root certificate authority",
            "Private certificates chain up to a root CA of your own. The root signs its own "
            "certificate and is ACTIVE at once; it will only sign the CA below it.",
            (_cli("ca create --common-name {}", "Demo Root CA"),),
            (("Arn", root.arn), ("Status", root.status.value), ("NotAfter", _day(root.not_after))),
        )
        return root

    def _issuing(self, root: CertificateAuthority) -> CertificateAuthority:
        issuing = self._c.authorities.create(
            account=self._account,
            type=AuthorityType.SUBORDINATE,
            subject=Subject(common_name="Demo Issuing CA"),
            key_algorithm=KeyAlgorithm.RSA_2048,
            parent_arn=root.arn,
        )
        self._step(
            "Create a subordinate CA that issues the certificates",
            "Certificates come from a subordinate CA signed by the root. It grants the "
            "certificate manager (acm.amazonaws.com) permission to issue through it, as AWS "
            "Private CA's console does: managed renewal needs that permission.",
            (
                _cli(
                    "ca create --common-name {} --type SUBORDINATE --parent {}",
                    "Demo Issuing CA",
                    _short(root.arn),
                ),
                _cli("ca permission list {}", _short(issuing.arn)),
            ),
            (
                ("Arn", issuing.arn),
                ("Status", issuing.status.value),
                ("Permissions", _permissions(issuing.permissions)),
            ),
        )
        return issuing

    def _certificate(self, issuing: CertificateAuthority) -> tuple[str, datetime]:
        certificates = self._c.certificates
        arn = certificates.request(
            account=self._account,
            domain_name=DOMAIN,
            authority_arn=issuing.arn,
            validity_days=VALIDITY_DAYS,
        )
        certificates.export(account=self._account, arn=arn, passphrase=_PASSPHRASE)
        view = certificates.describe(account=self._account, arn=arn)
        cert = view.certificate
        self._step(
            f"Request a private certificate valid for {VALIDITY_DAYS} days, and export it",
            "ACM renews a private certificate for you only when it is eligible: ISSUED, and "
            "exported (or in use) since it was issued. Exporting hands out the certificate, "
            "its chain and its key, encrypted under a passphrase, so from now on certherd "
            "renews it before it expires.",
            (
                _cli(
                    f"cert request {DOMAIN} --ca {{}} --validity-days {VALIDITY_DAYS}",
                    _short(issuing.arn),
                ),
                _cli(
                    "cert export {} --out-dir ./shop --passphrase-file passphrase.txt",
                    _short(arn),
                ),
            ),
            (
                ("CertificateArn", arn),
                ("Status", view.status.value),
                ("NotAfter", _day(cert.not_after)),
                ("DaysToExpiry", str(view.days_to_expiry)),
                ("RenewalEligibility", view.renewal_eligibility.value),
            ),
        )
        return arn, cert.not_after

    def _topic(self) -> str:
        topic = self._c.topics.create(self._account, TOPIC, attributes={"KmsMasterKeyId": KMS_KEY})
        self._step(
            "Create an encrypted topic for the alerts",
            "A topic fans each message out to its subscribers. With KmsMasterKeyId "
            f"{KMS_KEY} the message bodies are sealed at rest by certherd's key store.",
            (_cli(f"topic create {TOPIC} --encrypt"),),
            (("TopicArn", topic.arn), ("KmsMasterKeyId", KMS_KEY)),
        )
        return topic.arn

    def _subscribe(self, topic_arn: str) -> str:
        subscription = self._c.subscriptions.subscribe(
            self._caller, topic_arn, "email", self._email
        )
        self._drain()
        self._step(
            f"Subscribe {self._email}",
            "An email subscription starts PENDING_CONFIRMATION: the address is sent a "
            "confirmation request and gets nothing else until it confirms, so nobody is "
            "subscribed against their will.",
            (_cli(f"subscription create {TOPIC} --protocol email --endpoint {{}}", self._email),),
            (("SubscriptionArn", subscription.arn), ("State", subscription.state.value)),
        )
        return subscription.arn

    def _confirm(self, topic_arn: str, subscription_arn: str) -> ShownMail:
        mail = ShownMail.of(self._c.mail.mailbox(self._account, limit=1).mails[0])
        confirmed = self._c.subscriptions.confirm(topic_arn, _confirmation_token(mail.text))
        self._step(
            "Read the confirmation mail and confirm",
            "No mail relay is configured, so certherd put the mail in its local mailbox "
            "instead of sending it. Its link is served by `certherd serve`; here the demo "
            "confirms with the Token the link carries, as `subscription confirm` does.",
            (
                _cli("mailbox list"),
                _cli("mailbox show {}", mail.id),
                _cli(f"subscription confirm {TOPIC} TOKEN"),
            ),
            (("SubscriptionArn", subscription_arn), ("State", confirmed.state.value)),
            mail,
        )
        return mail

    def _rule(self, topic_arn: str) -> str:
        pattern = json.dumps({"source": ["aws.acm", TEST_SOURCE], "detail-type": [ACTION_REQUIRED]})
        rule = self._c.rules.put_rule(account=self._account, name=RULE, event_pattern=pattern)
        self._c.rules.put_targets(
            account=self._account,
            rule=RULE,
            targets=[
                {"Id": TARGET_ID, "Arn": topic_arn, "RetryPolicy": {"MaximumRetryAttempts": 0}}
            ],
        )
        self._step(
            "Send renewal alerts to the topic with a rule",
            f"A rule on the default event bus matches ACM's `{ACTION_REQUIRED}` events and "
            f"targets the topic. Its pattern also admits the source {TEST_SOURCE}, so that it "
            "can be tried with an event of your own (sources aws.* are kept for AWS "
            "services). No retries: a failure shows at once.",
            (
                _cli(f"rule create {RULE} --pattern {{}}", pattern),
                _cli(
                    f"rule target add {RULE} --id {TARGET_ID} --arn {{}} --max-retries 0",
                    topic_arn,
                ),
            ),
            (("RuleArn", rule.arn), ("EventPattern", pattern), ("Target", topic_arn)),
        )
        return rule.arn

    def _trigger(self, certificate_arn: str, topic_arn: str) -> None:
        detail = json.dumps({"note": "a test of the rule"})
        [result] = self._c.event_bus.put_events(
            account=self._account,
            entries=[
                PutEventsEntry(
                    source=TEST_SOURCE,
                    detail_type=ACTION_REQUIRED,
                    detail=detail,
                    resources=(certificate_arn,),
                )
            ],
        )
        if result.event_id is None:
            raise InvalidStateError(f"the test event was refused: {result.error_message}")
        self._drain()
        _, invocations = self._c.event_bus.describe_event(
            account=self._account, event_id=result.event_id
        )
        shown = [
            f"{i.state.value} after {i.attempts}/{i.max_attempts} attempt(s): "
            f"{i.last_error_code or '-'}: {i.last_error_message or ''}"
            for i in invocations
            if i.target_arn == topic_arn
        ]
        self._step(
            "Try the rule: the delivery fails with NO_PERMISSIONS",
            "The event bus publishes to the topic as the service events.amazonaws.com. A "
            "topic's default policy admits only its own account, so the publish is refused "
            "and the invocation fails with NO_PERMISSIONS: the usual reason why ACM alerts "
            "never arrive.",
            (
                _cli(
                    f"events put --source {TEST_SOURCE} --detail-type {{}} --detail {{}} "
                    "--resource {}",
                    ACTION_REQUIRED,
                    detail,
                    certificate_arn,
                ),
                _cli("events invocations --state FAILED"),
            ),
            (("EventId", result.event_id), ("Invocation", tuple(shown) or ("none",))),
        )

    def _allow(self, topic_arn: str, rule_arn: str) -> None:
        topic = self._c.topics.allow_events(self._caller, topic_arn, source_arn=rule_arn)
        statements = json.loads(topic.settings.policy or "{}").get("Statement", [])
        added = [
            json.dumps(s, separators=(",", ":"))
            for s in statements
            if str(s.get("Sid", "")).startswith("AllowEventBridgePublish")
        ]
        self._step(
            "Let the event bus publish to the topic",
            "`topic allow-events` adds the statement EventBridge's console adds to a topic "
            "policy: events.amazonaws.com may sns:Publish, for this rule only "
            "(aws:SourceArn).",
            (_cli(f"topic allow-events {TOPIC} --rule {{}}", rule_arn),),
            (("Statement", tuple(added)),),
        )

    def _withdraw(self, issuing: CertificateAuthority) -> None:
        self._c.authorities.delete_permission(account=self._account, arn=issuing.arn)
        left = self._c.authorities.list_permissions(account=self._account, arn=issuing.arn)
        self._step(
            "Break renewal: withdraw the certificate manager's permission on the CA",
            "Managed renewal asks the CA to sign the new certificate as acm.amazonaws.com. "
            "Without that permission every attempt fails with PCA_ACCESS_DENIED: the "
            "mistake this scenario is about.",
            (_cli("ca permission delete {}", _short(issuing.arn)),),
            (("Permissions", _permissions(left)),),
        )

    def _forecast(self, certificate_arn: str, until: datetime) -> None:
        days = (until.date() - self._c.clock.now().date()).days + 1
        entries = [
            f"{e.date.isoformat()}  {e.detail_type}  ({e.days_to_expiry} days left): {e.why}"
            for e in self._c.forecaster.forecast(account=self._account, days=days)
            if e.arn == certificate_arn
        ]
        self._step(
            "Look ahead: what the lifecycle will send",
            "The forecast runs the lifecycle's own decisions on the stored facts, sending "
            "nothing. Renewal is attempted 60, 45, 30, 15, 3 and 1 days before expiry; a "
            "failed attempt alerts from 45 days on.",
            (_cli(f"lifecycle forecast --days {days}"),),
            (("Forecast", tuple(entries) or ("nothing",)),),
        )

    def _run(self, certificate_arn: str, not_after: datetime, until: datetime) -> None:
        ran = self._c.simulation.run_until(until)
        view = self._c.certificates.describe(account=self._account, arn=certificate_arn)
        renewal = view.certificate.renewal
        self._step(
            f"Run the simulated clock to {ALERT_DAYS} days before expiry",
            "Each simulated day runs the real lifecycle tick, routes the events through the "
            "rules and delivers to targets and subscribers, as the workers of "
            "`certherd serve` do, so weeks pass in a second.",
            (_cli("lifecycle run --until {}", until.date().isoformat()),),
            (
                ("DaysSimulated", str(len(ran))),
                ("Busy days", tuple(_busy(day, not_after) for day in ran if _was_busy(day))),
                ("DaysToExpiry", str(view.days_to_expiry)),
                (
                    "RenewalSummary",
                    f"{renewal.status.value} ({renewal.reason.value if renewal.reason else '-'})"
                    if renewal
                    else "-",
                ),
            ),
        )

    def _alert(
        self, certificate_arn: str, confirmation: ShownMail, started_at: datetime
    ) -> DemoOutcome:
        mails = self._c.mail.mailbox(self._account).mails
        alerts = [m for m in mails if m.id != confirmation.id]
        if not alerts:
            raise InvalidStateError("no renewal alert reached the mailbox")
        alert = ShownMail.of(alerts[0])
        view = self._c.certificates.describe(account=self._account, arn=certificate_arn)
        renewal = view.certificate.renewal
        reason = renewal.reason.value if renewal and renewal.reason else None
        self._step(
            "Read the renewal alert",
            f"The `{ACTION_REQUIRED}` event went through the rule and the topic to "
            f"{self._email}, as a readable mail: which certificate, how many days are left, "
            "why renewal failed and what to do.",
            (_cli("mailbox show {}", alert.id),),
            (
                ("Certificate", f"{DOMAIN} ({certificate_arn})"),
                ("DaysToExpiry", str(view.days_to_expiry)),
                ("RenewalStatusReason", reason or "-"),
            ),
            alert,
        )
        return DemoOutcome(
            started_at=started_at,
            ended_at=self._c.clock.now(),
            certificate_arn=certificate_arn,
            days_to_expiry=view.days_to_expiry,
            renewal_reason=reason,
            alert=alert,
        )

    # -- shared ---------------------------------------------------------------------------

    def _step(
        self,
        title: str,
        why: str,
        commands: tuple[str, ...],
        facts: tuple[Fact, ...],
        mail: ShownMail | None = None,
    ) -> None:
        self._number += 1
        self._show(DemoStep(self._number, title, why, commands, facts, mail))

    def _drain(self) -> None:
        """Route and deliver what is due now, as the workers would (the clock stays)."""
        self._c.simulation.run_until(self._c.clock.now())


def _confirmation_token(text: str) -> str:
    for word in text.split():
        if "/sns/confirm?" in word:
            tokens = parse_qs(urlsplit(word).query).get("Token")
            if tokens:
                return tokens[0]
    raise InvalidStateError("the confirmation mail carries no confirmation link")


def _permissions(permissions: tuple[Permission, ...]) -> tuple[str, ...]:
    shown = [f"{p.principal}: {', '.join(p.actions)}" for p in permissions]
    return tuple(shown) or ("none",)


def _was_busy(day: SimulatedDay) -> bool:
    return bool(day.tick.events or day.tick.renewals_attempted)


def _busy(day: SimulatedDay, not_after: datetime) -> str:
    tick = day.tick
    parts = []
    failed = tick.renewals_attempted - tick.renewals_succeeded
    if failed:
        parts.append("renewal attempt failed")
    if tick.renewals_succeeded:
        parts.append("renewed")
    parts.extend(f"sent {name}" for name in sorted(tick.by_detail_type))
    left = days_to_expiry(not_after, day.at)
    return f"{day.at.date().isoformat()} ({left} days left): {'; '.join(parts)}"


def _day(instant: datetime | None) -> str:
    return instant.date().isoformat() if instant else "-"
