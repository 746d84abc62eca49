"""Event buses, rules and targets (EventBridge's, spec 2.4 to 2.6 and 2.8) and their checks.

Everything here is a value: the services load and store them. A rule's pattern is
compiled when the rule is saved, so a stored pattern is always valid; a target's input
options are checked with the pattern language's own transform validation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from certherd.domain.arns import ArnFactory, parse_arn
from certherd.domain.events import DEFAULT_BUS
from certherd.domain.tags import Tag
from certherd.errors import LimitExceededError, ValidationError
from certherd.patterns import (
    InputTransformError,
    PatternError,
    TargetInput,
    compile_pattern,
    compile_target_input,
)

__all__ = [
    "DEFAULT_BUS",
    "MAX_BUSES",
    "MAX_TARGETS_PER_RULE",
    "EventBus",
    "InvalidEventPatternError",
    "RetryPolicy",
    "Rule",
    "RuleState",
    "Target",
    "check_bus_name",
    "check_description",
    "check_event_pattern",
    "check_rule_name",
    "check_target_count",
    "parse_target",
]

#: Buses per account and region (spec 2.8).
MAX_BUSES: Final = 100
#: Targets per rule (spec 2.4, 2.9).
MAX_TARGETS_PER_RULE: Final = 5
MAX_DESCRIPTION: Final = 512
MAX_INPUT: Final = 8192
MAX_INPUT_PATH: Final = 256
DEFAULT_RETRY_ATTEMPTS: Final = 185
DEFAULT_EVENT_AGE: Final = 86400
_BUS_NAME: Final = re.compile(r"[/\.\-_A-Za-z0-9]{1,256}")
_RULE_NAME: Final = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")
_TARGET_ID: Final = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")
#: Services whose ARNs a target may name; delivery to each is the delivery workers' business.
TARGET_SERVICES: Final = frozenset({"sqs", "sns", "events", "lambda", "securityhub", "certherd"})


class InvalidEventPatternError(ValidationError):
    """A rule's EventPattern that EventBridge would refuse (``InvalidEventPatternException``).

    The message is AWS's: ``Event pattern is not valid. Reason: <reason>``.
    """

    code = "InvalidEventPatternException"


class RuleState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@dataclass(frozen=True)
class EventBus:
    """A bus of an account; the ``default`` bus exists for every account."""

    account: str
    name: str
    arn: str
    created_at: datetime | None
    updated_at: datetime | None
    description: str | None = None
    policy: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often delivery to a target is retried (spec 2.6)."""

    maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_EVENT_AGE

    def to_json(self) -> dict[str, int]:
        return {
            "MaximumRetryAttempts": self.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": self.maximum_event_age_seconds,
        }


@dataclass(frozen=True)
class Target:
    """A rule's target: where matching events go, in what form, and how retries go."""

    id: str
    arn: str
    role_arn: str | None = None
    input: str | None = None
    input_path: str | None = None
    input_transformer: Mapping[str, Any] | None = None
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    dead_letter_arn: str | None = None

    def compiled_input(self) -> TargetInput:
        """The input options, compiled (they were checked when the target was put)."""
        return compile_target_input(
            input=self.input,
            input_path=self.input_path,
            input_transformer=self.input_transformer,
            target_id=self.id,
        )

    def to_json(self) -> dict[str, Any]:
        """The target as PutTargets / ListTargetsByRule spell it (absent options left out)."""
        out: dict[str, Any] = {"Id": self.id, "Arn": self.arn}
        if self.role_arn is not None:
            out["RoleArn"] = self.role_arn
        if self.input is not None:
            out["Input"] = self.input
        if self.input_path is not None:
            out["InputPath"] = self.input_path
        if self.input_transformer is not None:
            out["InputTransformer"] = dict(self.input_transformer)
        out["RetryPolicy"] = self.retry_policy.to_json()
        if self.dead_letter_arn is not None:
            out["DeadLetterConfig"] = {"Arn": self.dead_letter_arn}
        return out


@dataclass(frozen=True)
class Rule:
    """A rule on a bus: an event pattern, a state and (stored apart) its targets."""

    id: str
    account: str
    bus: str
    name: str
    arn: str
    event_pattern: str
    state: RuleState
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    role_arn: str | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.state is RuleState.ENABLED


def check_bus_name(name: object, *, field: str = "Name") -> str:
    """A bus name: 1-256 of ``A-Za-z0-9._-/``; ValidationError naming ``field`` otherwise."""
    if not isinstance(name, str) or not _BUS_NAME.fullmatch(name):
        raise ValidationError(
            "must be 1 to 256 characters of letters, digits, '.', '-', '_' and '/'", field=field
        )
    return name


def check_new_bus_name(name: object) -> str:
    """A name for a new bus: as :func:`check_bus_name`, not ``default`` and not ``aws.``
    (partner buses)."""
    checked = check_bus_name(name)
    if checked == DEFAULT_BUS:
        raise ValidationError("the default bus exists already for every account", field="Name")
    if checked.startswith("aws."):
        raise ValidationError("names starting with 'aws.' are for partner buses", field="Name")
    return checked


def check_rule_name(name: object, *, field: str = "Name") -> str:
    """A rule name: 1-64 of ``A-Za-z0-9._-``; ValidationError naming ``field`` otherwise."""
    if not isinstance(name, str) or not _RULE_NAME.fullmatch(name):
        raise ValidationError(
            "must be 1 to 64 characters of letters, digits, '.', '-' and '_'", field=field
        )
    return name


def check_description(text: str | None, *, field: str = "Description") -> str | None:
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise ValidationError(f"must be at most {MAX_DESCRIPTION} characters", field=field)
    return text


def check_event_pattern(pattern: str | None) -> str:
    """A rule's EventPattern, compiled to check it; returned as given.

    Raises ValidationError when it is missing (certherd has no scheduled rules) and
    :class:`InvalidEventPatternError` with AWS's message when it is not valid.
    """
    if pattern is None or pattern == "":
        raise ValidationError(
            "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            field="EventPattern",
        )
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise InvalidEventPatternError(exc.aws_message, field="EventPattern") from None
    return pattern


def check_target_count(existing: Iterable[str], added: Iterable[str]) -> None:
    """Refuse more than five targets on a rule (LimitExceededError naming Targets)."""
    if len(set(existing) | set(added)) > MAX_TARGETS_PER_RULE:
        raise LimitExceededError(
            "The requested resource exceeds the maximum number allowed: a rule has at most "
            f"{MAX_TARGETS_PER_RULE} targets.",
            field="Targets",
        )


def _text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("must be a string", field=f"{where}.{key}")
    return value


def _int_in(value: object, low: int, high: int, default: int, name: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"must be a whole number from {low} to {high}", field=name)
    return value


def _retry_policy(data: object, where: str) -> RetryPolicy:
    if data is None:
        return RetryPolicy()
    if not isinstance(data, Mapping):
        raise ValidationError("must be an object", field=f"{where}.RetryPolicy")
    return RetryPolicy(
        _int_in(
            data.get("MaximumRetryAttempts"),
            0,
            DEFAULT_RETRY_ATTEMPTS,
            DEFAULT_RETRY_ATTEMPTS,
            f"{where}.RetryPolicy.MaximumRetryAttempts",
        ),
        _int_in(
            data.get("MaximumEventAgeInSeconds"),
            60,
            DEFAULT_EVENT_AGE,
            DEFAULT_EVENT_AGE,
            f"{where}.RetryPolicy.MaximumEventAgeInSeconds",
        ),
    )


def _dead_letter_arn(data: object, where: str, arns: ArnFactory, account: str) -> str | None:
    if data is None:
        return None
    name = f"{where}.DeadLetterConfig.Arn"
    arn = data.get("Arn") if isinstance(data, Mapping) else None
    if not isinstance(arn, str):
        raise ValidationError("is required (an SQS queue ARN)", field=name)
    parsed = parse_arn(arn, field=name, service="sqs")
    if (parsed.partition, parsed.region, parsed.account) != (arns.partition, arns.region, account):
        raise ValidationError(
            "must be a queue of this account and region "
            f"({arns.partition} / {arns.region} / {account})",
            field=name,
        )
    return arn


def parse_target(data: Mapping[str, Any], *, index: int, arns: ArnFactory, account: str) -> Target:
    """A target from its PutTargets JSON (``Id``, ``Arn``, ``Input`` ...), checked.

    Id 1-64 ``A-Za-z0-9._-``; Arn of an SQS, SNS, EventBridge or Lambda resource (stored
    as given); at most one of Input (JSON, <= 8192), InputPath (<= 256) and
    InputTransformer; RetryPolicy within 0-185 retries and 60-86400 seconds (defaults
    the maximums); DeadLetterConfig an SQS queue of this account and region. Raises
    ValidationError naming ``Targets[index].<field>``.
    """
    where = f"Targets[{index}]"
    known = {
        "Id",
        "Arn",
        "RoleArn",
        "Input",
        "InputPath",
        "InputTransformer",
        "RetryPolicy",
        "DeadLetterConfig",
    }
    for key in data:
        if key not in known:
            raise ValidationError("is not a supported target parameter", field=f"{where}.{key}")
    target_id = data.get("Id")
    if not isinstance(target_id, str) or not _TARGET_ID.fullmatch(target_id):
        raise ValidationError(
            "must be 1 to 64 characters of letters, digits, '.', '-' and '_'", field=f"{where}.Id"
        )
    arn = data.get("Arn")
    if not isinstance(arn, str):
        raise ValidationError("is required", field=f"{where}.Arn")
    parsed = parse_arn(arn, field=f"{where}.Arn")
    if parsed.service not in TARGET_SERVICES:
        raise ValidationError(
            "must be the ARN of a queue, topic, event bus or function "
            f"({', '.join(sorted(TARGET_SERVICES))})",
            field=f"{where}.Arn",
        )
    role_arn = _text(data, "RoleArn", where)
    if role_arn is not None:
        parse_arn(role_arn, field=f"{where}.RoleArn", service="iam")
    input_text = _text(data, "Input", where)
    input_path = _text(data, "InputPath", where)
    transformer = data.get("InputTransformer")
    if transformer is not None and not isinstance(transformer, Mapping):
        raise ValidationError("must be an object", field=f"{where}.InputTransformer")
    _check_input(input_text, input_path, transformer, target_id, where)
    return Target(
        id=target_id,
        arn=arn,
        role_arn=role_arn,
        input=input_text,
        input_path=input_path,
        input_transformer=None if transformer is None else json.loads(json.dumps(transformer)),
        retry_policy=_retry_policy(data.get("RetryPolicy"), where),
        dead_letter_arn=_dead_letter_arn(data.get("DeadLetterConfig"), where, arns, account),
    )


def _check_input(
    input_text: str | None,
    input_path: str | None,
    transformer: Mapping[str, Any] | None,
    target_id: str,
    where: str,
) -> None:
    given = [
        name
        for name, value in (
            ("Input", input_text),
            ("InputPath", input_path),
            ("InputTransformer", transformer),
        )
        if value is not None
    ]
    if input_text is not None and len(input_text) > MAX_INPUT:
        raise ValidationError(f"must be at most {MAX_INPUT} characters", field=f"{where}.Input")
    if input_path is not None and len(input_path) > MAX_INPUT_PATH:
        raise ValidationError(
            f"must be at most {MAX_INPUT_PATH} characters", field=f"{where}.InputPath"
        )
    try:
        compile_target_input(
            input=input_text,
            input_path=input_path,
            input_transformer=transformer,
            target_id=target_id,
        )
    except InputTransformError as exc:
        name = where if len(given) != 1 else f"{where}.{given[0]}"
        raise ValidationError(exc.message, field=name) from None
