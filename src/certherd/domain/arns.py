"""Amazon Resource Names of AWS's shape for everything certherd keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass

from certherd.errors import ValidationError

_ARN_RE = re.compile(
    r"^arn:(?P<partition>[\w+=/,.@-]+):(?P<service>[\w-]+):(?P<region>[\w+=/,.@-]*):"
    r"(?P<account>[0-9]*):(?P<resource>[\w+=,.@/:-]+)$"
)
_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True)
class Arn:
    """A parsed ARN: ``arn:<partition>:<service>:<region>:<account>:<resource>``."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_parts(self) -> list[str]:
        return self.resource.split("/")


def parse_arn(text: str, *, field: str, service: str | None = None) -> Arn:
    """Parse ``text`` as an ARN, optionally of one service.

    Raises ValidationError naming ``field`` when it is not an ARN of that shape.
    """
    if not isinstance(text, str) or not 20 <= len(text) <= 2048:
        raise ValidationError("must be an ARN of 20 to 2048 characters", field=field)
    m = _ARN_RE.match(text)
    if m is None:
        raise ValidationError(f"{text!r} is not a valid ARN", field=field)
    arn = Arn(**m.groupdict())
    if service is not None and arn.service != service:
        raise ValidationError(f"{text!r} is not an {service} ARN", field=field)
    return arn


def validate_account_id(account: str, *, field: str = "AccountId") -> str:
    """Return ``account`` if it is a 12-digit account id, else raise ValidationError."""
    if not isinstance(account, str) or not _ACCOUNT_RE.match(account):
        raise ValidationError("must be exactly 12 digits", field=field)
    return account


@dataclass(frozen=True)
class ArnFactory:
    """Builds the ARNs of one deployment (partition and region come from settings)."""

    partition: str
    region: str

    def certificate(self, account: str, certificate_id: str) -> str:
        return f"arn:{self.partition}:acm:{self.region}:{account}:certificate/{certificate_id}"

    def authority(self, account: str, authority_id: str) -> str:
        return (
            f"arn:{self.partition}:acm-pca:{self.region}:{account}:"
            f"certificate-authority/{authority_id}"
        )

    def queue(self, account: str, name: str) -> str:
        """A message queue's ARN: ``arn:<partition>:sqs:<region>:<account>:<name>``."""
        return f"arn:{self.partition}:sqs:{self.region}:{account}:{name}"

    def queue_name(self, arn: str, *, field: str = "QueueArn") -> tuple[str, str]:
        """Return ``(account, name)`` of a queue ARN of this deployment."""
        parsed = parse_arn(arn, field=field, service="sqs")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", parsed.resource):
            raise ValidationError(f"{arn!r} is not a queue ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, parsed.resource

    def topic(self, account: str, name: str) -> str:
        """A notification topic's ARN: ``arn:<partition>:sns:<region>:<account>:<name>``."""
        return f"arn:{self.partition}:sns:{self.region}:{account}:{name}"

    def topic_name(self, arn: str, *, field: str = "TopicArn") -> tuple[str, str]:
        """Return ``(account, name)`` of a topic ARN of this deployment."""
        parsed = parse_arn(arn, field=field, service="sns")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", parsed.resource):
            raise ValidationError(f"{arn!r} is not a topic ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, parsed.resource

    def function(self, account: str, name: str) -> str:
        """A function's ARN: ``arn:<partition>:lambda:<region>:<account>:function:<name>``."""
        return f"arn:{self.partition}:lambda:{self.region}:{account}:function:{name}"

    def function_name(self, arn: str, *, field: str = "FunctionArn") -> tuple[str, str]:
        """Return ``(account, name)`` of a function ARN of this deployment."""
        parsed = parse_arn(arn, field=field, service="lambda")
        kind, _, name = parsed.resource.partition(":")
        if kind != "function" or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
            raise ValidationError(f"{arn!r} is not a function ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, name

    def subscription_ref(self, arn: str, *, field: str = "SubscriptionArn") -> tuple[str, str]:
        """Return ``(topic ARN, subscription id)`` of a subscription ARN
        (``<topic ARN>:<id>``) of this deployment."""
        topic_arn, _, subscription_id = arn.rpartition(":")
        if not re.fullmatch(r"[0-9a-f-]{36}", subscription_id):
            raise ValidationError(f"{arn!r} is not a subscription ARN", field=field)
        self.topic_name(topic_arn, field=field)
        return topic_arn, subscription_id

    def deployment(self, account: str, name: str) -> str:
        """A deployment's ARN: ``arn:<partition>:certherd:<region>:<account>:deployment/<name>``."""
        return f"arn:{self.partition}:certherd:{self.region}:{account}:deployment/{name}"

    def deployment_name(self, arn: str, *, field: str = "DeploymentArn") -> tuple[str, str]:
        """Return ``(account, name)`` of a deployment ARN of this deployment."""
        parsed = parse_arn(arn, field=field, service="certherd")
        kind, _, name = parsed.resource.partition("/")
        if kind != "deployment" or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
            raise ValidationError(f"{arn!r} is not a deployment ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, name

    def issued_certificate(self, authority_arn: str, serial_hex: str) -> str:
        """ARN AWS Private CA gives a certificate issued directly by IssueCertificate."""
        return f"{authority_arn}/certificate/{serial_hex}"

    def event_bus(self, account: str, name: str) -> str:
        """An EventBridge bus: ``arn:<p>:events:<r>:<account>:event-bus/<name>``."""
        return f"arn:{self.partition}:events:{self.region}:{account}:event-bus/{name}"

    def rule(self, account: str, bus: str, name: str) -> str:
        """An EventBridge rule: ``rule/<name>`` on the default bus, ``rule/<bus>/<name>``
        on any other (spec 2.4)."""
        path = name if bus == "default" else f"{bus}/{name}"
        return f"arn:{self.partition}:events:{self.region}:{account}:rule/{path}"

    def event_bus_name(self, name_or_arn: str, *, field: str = "EventBusName") -> str:
        """The bus name of ``name_or_arn`` (a name, or a bus ARN of this deployment)."""
        if not name_or_arn.startswith("arn:"):
            return name_or_arn
        parsed = parse_arn(name_or_arn, field=field, service="events")
        kind, _, name = parsed.resource.partition("/")
        if kind != "event-bus" or not name:
            raise ValidationError(f"{name_or_arn!r} is not an event bus ARN", field=field)
        self._check_home(parsed, name_or_arn, field)
        return name

    def event_bus_ref(
        self, name_or_arn: str, *, field: str = "EventBusName"
    ) -> tuple[str | None, str]:
        """``(account, name)`` of a bus ARN of this deployment, ``(None, name)`` for a name."""
        if not name_or_arn.startswith("arn:"):
            return None, name_or_arn
        name = self.event_bus_name(name_or_arn, field=field)
        return parse_arn(name_or_arn, field=field).account, name

    def security_hub(self, account: str) -> str:
        """The account's findings hub (a rule target):
        ``arn:<p>:securityhub:<r>:<account>:hub/default``."""
        return f"arn:{self.partition}:securityhub:{self.region}:{account}:hub/default"

    def archive(self, account: str, name: str) -> str:
        """An EventBridge archive: ``arn:<p>:events:<r>:<account>:archive/<name>``."""
        return f"arn:{self.partition}:events:{self.region}:{account}:archive/{name}"

    def replay(self, account: str, name: str) -> str:
        """An EventBridge replay: ``arn:<p>:events:<r>:<account>:replay/<name>``."""
        return f"arn:{self.partition}:events:{self.region}:{account}:replay/{name}"

    def archive_name(self, arn: str, *, field: str = "EventSourceArn") -> tuple[str, str]:
        """``(account, name)`` of an archive ARN of this deployment."""
        return self._events_resource(arn, "archive", field)

    def rule_ref(self, arn: str, *, field: str = "RuleArn") -> tuple[str, str, str]:
        """``(account, bus, name)`` of a rule ARN of this deployment (``rule/<name>`` is on
        the default bus, ``rule/<bus>/<name>`` on another)."""
        account, path = self._events_resource(arn, "rule", field)
        bus, _, name = path.rpartition("/")
        return account, bus or "default", name

    def _events_resource(self, arn: str, kind: str, field: str) -> tuple[str, str]:
        parsed = parse_arn(arn, field=field, service="events")
        found, _, rest = parsed.resource.partition("/")
        if found != kind or not rest or rest.endswith("/"):
            raise ValidationError(f"{arn!r} is not an EventBridge {kind} ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, rest

    def certificate_id(self, arn: str, *, field: str = "CertificateArn") -> tuple[str, str]:
        """Return ``(account, certificate_id)`` of an ACM certificate ARN of this deployment."""
        parsed = parse_arn(arn, field=field, service="acm")
        parts = parsed.resource_parts
        if len(parts) != 2 or parts[0] != "certificate" or not parts[1]:
            raise ValidationError(f"{arn!r} is not a certificate ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, parts[1]

    def authority_id(self, arn: str, *, field: str = "CertificateAuthorityArn") -> tuple[str, str]:
        """Return ``(account, authority_id)`` of a private CA ARN of this deployment."""
        parsed = parse_arn(arn, field=field, service="acm-pca")
        parts = parsed.resource_parts
        if len(parts) != 2 or parts[0] != "certificate-authority" or not parts[1]:
            raise ValidationError(f"{arn!r} is not a certificate authority ARN", field=field)
        self._check_home(parsed, arn, field)
        return parsed.account, parts[1]

    def issued_certificate_serial(self, arn: str, *, field: str = "CertificateArn") -> str:
        """Return the hex serial of an ARN made by :meth:`issued_certificate`."""
        parsed = parse_arn(arn, field=field, service="acm-pca")
        parts = parsed.resource_parts
        if len(parts) != 4 or parts[0] != "certificate-authority" or parts[2] != "certificate":
            raise ValidationError(f"{arn!r} is not an issued-certificate ARN", field=field)
        return parts[3]

    def _check_home(self, parsed: Arn, text: str, field: str) -> None:
        if parsed.partition != self.partition or parsed.region != self.region:
            raise ValidationError(
                f"{text!r} names partition {parsed.partition!r} and region {parsed.region!r}; "
                f"this server serves {self.partition!r} / {self.region!r}",
                field=field,
            )
        validate_account_id(parsed.account, field=field)
