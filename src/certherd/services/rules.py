"""Rules and their targets (EventBridge semantics): PutRule, DescribeRule, ListRules,
EnableRule, DisableRule, DeleteRule, PutTargets, RemoveTargets, ListTargetsByRule.

Every change moves the bus's rules version in the same transaction, so the router
rebuilds its index of the bus before it routes the next event.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from certherd.domain.arns import ArnFactory, parse_arn, validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.events import DEFAULT_BUS
from certherd.domain.rules import (
    EventBus,
    Rule,
    RuleState,
    Target,
    check_bus_name,
    check_description,
    check_event_pattern,
    check_rule_name,
    check_target_count,
    parse_target,
)
from certherd.domain.tags import Tag, validate_tags
from certherd.errors import NotFoundError, ValidationError
from certherd.services.event_bus import bus_not_found
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["FailedEntry", "RulePage", "RuleService"]

MAX_RULES_PAGE: Final = 100
MAX_IDS: Final = 100


@dataclass(frozen=True)
class FailedEntry:
    """A target PutTargets or RemoveTargets could not put or remove."""

    target_id: str
    error_code: str
    error_message: str

    def to_json(self) -> dict[str, str]:
        return {
            "TargetId": self.target_id,
            "ErrorCode": self.error_code,
            "ErrorMessage": self.error_message,
        }


@dataclass(frozen=True)
class RulePage:
    rules: list[Rule]
    next_token: str | None


def rule_not_found(name: str, bus: str) -> NotFoundError:
    return NotFoundError(f"Rule {name} does not exist on EventBus {bus}.", field="Name")


class RuleService:
    """Rules of the buses of an account, and their targets."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        # Reads go through ``read_uow`` (on SQLite they never wait for the write lock).
        self._read_uow = read_uow or uow
        self._clock = clock
        self._arns = arns

    def _bus(self, name_or_arn: str | None) -> str:
        if not name_or_arn:
            return DEFAULT_BUS
        return check_bus_name(
            self._arns.event_bus_name(name_or_arn, field="EventBusName"), field="EventBusName"
        )

    def _open_bus(self, uow: UnitOfWork, account: str, bus: str) -> None:
        """Make sure the bus has a row (the default bus gets one on first use), locked
        and its rules version moved: the caller is about to change its rules."""
        now = self._clock.now()
        if bus == DEFAULT_BUS:
            uow.rules.ensure_bus(
                EventBus(account, bus, self._arns.event_bus(account, bus), now, now)
            )
        elif uow.rules.get_bus(account, bus) is None:
            raise bus_not_found(bus)
        uow.rules.touch_bus(account, bus, now)

    def _load(self, uow: UnitOfWork, account: str, bus: str, name: str) -> Rule:
        rule = uow.rules.get_rule(account, bus, check_rule_name(name))
        if rule is None:
            raise rule_not_found(name, bus)
        return rule

    # -- rules ------------------------------------------------------------------------------

    def put_rule(
        self,
        *,
        account: str,
        name: str,
        event_pattern: str | None,
        bus: str | None = None,
        state: RuleState | None = None,
        description: str | None = None,
        role_arn: str | None = None,
        tags: Sequence[Tag] = (),
    ) -> Rule:
        """PutRule: create the rule, or replace it wholesale (omitted fields are cleared,
        State back to ENABLED; tags are kept, as AWS ignores them on update).

        Raises ValidationError (bad name, description, role or tags; no pattern),
        InvalidEventPatternError (AWS's reason) and NotFoundError for an unknown bus.
        """
        validate_account_id(account)
        check_rule_name(name)
        pattern = check_event_pattern(event_pattern)
        check_description(description)
        if role_arn is not None:
            parse_arn(role_arn, field="RoleArn", service="iam")
        checked_tags = validate_tags(tags)
        bus_name = self._bus(bus)
        now = self._clock.now()
        with self._uow() as uow:
            self._open_bus(uow, account, bus_name)
            existing = uow.rules.get_rule(account, bus_name, name)
            rule = Rule(
                id=existing.id if existing else str(uuid.uuid4()),
                account=account,
                bus=bus_name,
                name=name,
                arn=self._arns.rule(account, bus_name, name),
                event_pattern=pattern,
                state=state or RuleState.ENABLED,
                created_at=existing.created_at if existing else now,
                updated_at=now,
                description=description,
                role_arn=role_arn,
                tags=existing.tags if existing else checked_tags,
            )
            if existing is None:
                uow.rules.add_rule(rule)
            else:
                uow.rules.update_rule(rule)
            uow.commit()
        return rule

    def describe_rule(self, *, account: str, name: str, bus: str | None = None) -> Rule:
        """DescribeRule; NotFoundError when the bus has no such rule."""
        validate_account_id(account)
        bus_name = self._bus(bus)
        with self._read_uow() as uow:
            return self._load(uow, account, bus_name, name)

    def list_rules(
        self,
        *,
        account: str,
        bus: str | None = None,
        prefix: str | None = None,
        limit: int = MAX_RULES_PAGE,
        next_token: str | None = None,
    ) -> RulePage:
        """ListRules: the bus's rules by name (those starting ``prefix``), a page at a time."""
        validate_account_id(account)
        if not 1 <= limit <= MAX_RULES_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_RULES_PAGE}", field="Limit")
        if prefix is not None and prefix != "":
            check_rule_name(prefix, field="NamePrefix")
        after = None
        if next_token:
            if not next_token.startswith("after:") or len(next_token) > 2048:
                raise ValidationError(
                    "is not a token returned by a previous list call", field="NextToken"
                )
            after = next_token.removeprefix("after:")
        bus_name = self._bus(bus)
        with self._read_uow() as uow:
            if bus_name != DEFAULT_BUS and uow.rules.get_bus(account, bus_name) is None:
                raise bus_not_found(bus_name)
            found = uow.rules.list_rules(
                account, bus_name, prefix=prefix or None, after=after, limit=limit + 1
            )
        page = found[:limit]
        token = f"after:{page[-1].name}" if len(found) > limit else None
        return RulePage(page, token)

    def set_state(
        self, *, account: str, name: str, state: RuleState, bus: str | None = None
    ) -> Rule:
        """EnableRule / DisableRule; NotFoundError when the bus has no such rule."""
        validate_account_id(account)
        bus_name = self._bus(bus)
        with self._uow() as uow:
            rule = self._load(uow, account, bus_name, name)
            self._open_bus(uow, account, bus_name)
            changed = replace(rule, state=state, updated_at=self._clock.now())
            uow.rules.update_rule(changed)
            uow.commit()
        return changed

    def delete_rule(
        self, *, account: str, name: str, bus: str | None = None, force: bool = False
    ) -> None:
        """DeleteRule. A rule with targets is refused (ValidationError) unless ``force``
        removes them with it; deleting a rule that is not there succeeds, as in AWS."""
        validate_account_id(account)
        check_rule_name(name)
        bus_name = self._bus(bus)
        with self._uow() as uow:
            rule = uow.rules.get_rule(account, bus_name, name)
            if rule is None:
                return
            if uow.rules.targets(rule.id) and not force:
                raise ValidationError("Rule can't be deleted since it has targets.", field="Name")
            self._open_bus(uow, account, bus_name)
            uow.rules.delete_rule(rule.id)
            uow.commit()

    # -- targets ----------------------------------------------------------------------------

    def put_targets(
        self,
        *,
        account: str,
        rule: str,
        targets: Sequence[Mapping[str, Any]],
        bus: str | None = None,
    ) -> list[FailedEntry]:
        """PutTargets: add targets to the rule, replacing those of the same Id.

        Targets are given in their PutTargets JSON (``Id``, ``Arn``, ``Input``, ...). A
        target Id given twice, or input options on another account's bus, fail that entry
        (returned); a malformed target is a ValidationError naming ``Targets[i].<field>``
        and more than five targets on the rule a LimitExceededError: then nothing changes.
        """
        validate_account_id(account)
        if not 1 <= len(targets) <= MAX_IDS:
            raise ValidationError(f"must hold 1 to {MAX_IDS} targets", field="Targets")
        parsed = [
            parse_target(data, index=i, arns=self._arns, account=account)
            for i, data in enumerate(targets)
        ]
        failed: list[FailedEntry] = []
        accepted: dict[str, Target] = {}
        for target in parsed:
            problem = self._target_problem(target, account, accepted)
            if problem is None:
                accepted[target.id] = target
            else:
                failed.append(FailedEntry(target.id, "ValidationException", problem))
        bus_name = self._bus(bus)
        with self._uow() as uow:
            found = self._load(uow, account, bus_name, rule)
            if accepted:
                # Lock the bus first: two callers adding targets cannot both pass the count.
                self._open_bus(uow, account, bus_name)
                existing = [t.id for t in uow.rules.targets(found.id)]
                check_target_count(existing, accepted)
                uow.rules.put_targets(found.id, list(accepted.values()), self._clock.now())
            uow.commit()
        return failed

    @staticmethod
    def _target_problem(target: Target, account: str, seen: Mapping[str, Target]) -> str | None:
        if target.id in seen:
            return f"Target Id {target.id} is given more than once in this request."
        arn = parse_arn(target.arn, field="Arn")
        options = (target.input, target.input_path, target.input_transformer)
        if (
            arn.service == "events"
            and arn.account != account
            and any(option is not None for option in options)
        ):
            return (
                "Input, InputPath and InputTransformer are not allowed on a target that is "
                "another account's event bus."
            )
        return None

    def remove_targets(
        self,
        *,
        account: str,
        rule: str,
        ids: Sequence[str],
        bus: str | None = None,
        force: bool = False,
    ) -> list[FailedEntry]:
        """RemoveTargets: remove the rule's targets of these ids (ids it does not have are
        ignored, as AWS does). ``force`` is accepted for managed rules (none here)."""
        del force
        validate_account_id(account)
        if not 1 <= len(ids) <= MAX_IDS:
            raise ValidationError(f"must hold 1 to {MAX_IDS} target ids", field="Ids")
        bus_name = self._bus(bus)
        with self._uow() as uow:
            found = self._load(uow, account, bus_name, rule)
            if uow.rules.remove_targets(found.id, list(dict.fromkeys(ids))):
                self._open_bus(uow, account, bus_name)
            uow.commit()
        return []

    def list_targets(self, *, account: str, rule: str, bus: str | None = None) -> list[Target]:
        """ListTargetsByRule: the rule's targets by Id; NotFoundError for an unknown rule."""
        validate_account_id(account)
        bus_name = self._bus(bus)
        with self._read_uow() as uow:
            return uow.rules.targets(self._load(uow, account, bus_name, rule).id)
