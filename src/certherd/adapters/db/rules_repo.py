"""Event buses, rules (with tags) and rule targets on SQL."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certherd.adapters.db.event_tables import event_buses, rule_tags, rule_targets, rules
from certherd.adapters.db.integrity import conflict_on_duplicate, require_one
from certherd.domain.rules import EventBus, RetryPolicy, Rule, RuleState, Target
from certherd.domain.tags import Tag

__all__ = ["SqlRuleRepository"]

_BUS_KEY = sa.and_(
    event_buses.c.account == sa.bindparam("bus_account"),
    event_buses.c.name == sa.bindparam("bus_name"),
)


def _bus_values(bus: EventBus) -> dict[str, Any]:
    return {
        "account": bus.account,
        "name": bus.name,
        "arn": bus.arn,
        "description": bus.description,
        "policy": bus.policy,
        # A new bus starts its version at random: a bus deleted and created again under
        # the same name must not find a router's index of the old one current.
        "rules_version": secrets.randbelow(2**30),
        "created_at": bus.created_at,
        "updated_at": bus.updated_at,
    }


def _bus(row: sa.Row[Any]) -> EventBus:
    return EventBus(
        account=row.account,
        name=row.name,
        arn=row.arn,
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
        policy=row.policy,
    )


def _rule_values(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "account": rule.account,
        "bus": rule.bus,
        "name": rule.name,
        "arn": rule.arn,
        "event_pattern": rule.event_pattern,
        "state": rule.state.value,
        "description": rule.description,
        "role_arn": rule.role_arn,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _rule(row: sa.Row[Any], tags: tuple[Tag, ...] = ()) -> Rule:
    return Rule(
        id=row.id,
        account=row.account,
        bus=row.bus,
        name=row.name,
        arn=row.arn,
        event_pattern=row.event_pattern,
        state=RuleState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
        role_arn=row.role_arn,
        tags=tags,
    )


def _target_values(rule_id: str, target: Target, at: datetime) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "target_id": target.id,
        "arn": target.arn,
        "role_arn": target.role_arn,
        "input": target.input,
        "input_path": target.input_path,
        "input_transformer": (
            None if target.input_transformer is None else dict(target.input_transformer)
        ),
        "maximum_retry_attempts": target.retry_policy.maximum_retry_attempts,
        "maximum_event_age_seconds": target.retry_policy.maximum_event_age_seconds,
        "dead_letter_arn": target.dead_letter_arn,
        "created_at": at,
    }


def _target(row: sa.Row[Any]) -> Target:
    return Target(
        id=row.target_id,
        arn=row.arn,
        role_arn=row.role_arn,
        input=row.input,
        input_path=row.input_path,
        input_transformer=row.input_transformer,
        retry_policy=RetryPolicy(row.maximum_retry_attempts, row.maximum_event_age_seconds),
        dead_letter_arn=row.dead_letter_arn,
    )


class SqlRuleRepository:
    """``event_buses``, ``rules``, ``rule_tags`` and ``rule_targets``."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    # -- buses ------------------------------------------------------------------------------

    def add_bus(self, bus: EventBus) -> None:
        with conflict_on_duplicate(f"Event bus {bus.name}"):
            self._conn.execute(event_buses.insert(), _bus_values(bus))

    def ensure_bus(self, bus: EventBus) -> None:
        dialect = self._conn.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._conn.execute(
            insert(event_buses).values(_bus_values(bus)).on_conflict_do_nothing(),
        )

    def get_bus(self, account: str, name: str) -> EventBus | None:
        row = self._conn.execute(
            sa.select(event_buses).where(_BUS_KEY), {"bus_account": account, "bus_name": name}
        ).first()
        return None if row is None else _bus(row)

    def list_buses(self, account: str) -> list[EventBus]:
        query = (
            sa.select(event_buses)
            .where(event_buses.c.account == account)
            .order_by(event_buses.c.name)
        )
        return [_bus(row) for row in self._conn.execute(query)]

    def count_buses(self, account: str) -> int:
        query = sa.select(sa.func.count()).where(event_buses.c.account == account)
        return int(self._conn.execute(query).scalar_one())

    def delete_bus(self, account: str, name: str) -> None:
        self._conn.execute(
            event_buses.delete().where(_BUS_KEY), {"bus_account": account, "bus_name": name}
        )

    def touch_bus(self, account: str, name: str, at: datetime) -> None:
        result = self._conn.execute(
            event_buses.update()
            .where(_BUS_KEY)
            .values(rules_version=event_buses.c.rules_version + 1, updated_at=at),
            {"bus_account": account, "bus_name": name},
        )
        require_one(result.rowcount, f"Event bus {name}")

    def rules_version(self, account: str, bus: str) -> int:
        version = self._conn.execute(
            sa.select(event_buses.c.rules_version).where(_BUS_KEY),
            {"bus_account": account, "bus_name": bus},
        ).scalar()
        return 0 if version is None else int(version)

    # -- rules ------------------------------------------------------------------------------

    def add_rule(self, rule: Rule) -> None:
        with conflict_on_duplicate(f"rule {rule.name}"):
            self._conn.execute(rules.insert(), _rule_values(rule))
            if rule.tags:
                self._conn.execute(
                    rule_tags.insert(),
                    [{"rule_id": rule.id, "key": t.key, "value": t.value} for t in rule.tags],
                )

    def update_rule(self, rule: Rule) -> None:
        values = _rule_values(rule)
        del values["id"], values["created_at"]
        result = self._conn.execute(rules.update().where(rules.c.id == rule.id).values(values))
        require_one(result.rowcount, f"rule {rule.name}")

    def get_rule(self, account: str, bus: str, name: str) -> Rule | None:
        row = self._conn.execute(
            sa.select(rules).where(
                rules.c.account == account, rules.c.bus == bus, rules.c.name == name
            )
        ).first()
        if row is None:
            return None
        tags = self._conn.execute(
            sa.select(rule_tags.c.key, rule_tags.c.value)
            .where(rule_tags.c.rule_id == row.id)
            .order_by(rule_tags.c.key)
        )
        return _rule(row, tuple(Tag(key, value) for key, value in tags))

    def list_rules(
        self, account: str, bus: str, *, prefix: str | None, after: str | None, limit: int
    ) -> list[Rule]:
        query = sa.select(rules).where(rules.c.account == account, rules.c.bus == bus)
        if prefix:
            # Rule names hold no LIKE wildcards except '_', which is escaped.
            escaped = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
            query = query.where(rules.c.name.like(f"{escaped}%", escape="\\"))
        if after is not None:
            query = query.where(rules.c.name > after)
        query = query.order_by(rules.c.name).limit(limit)
        return [_rule(row) for row in self._conn.execute(query)]

    def count_rules(self, account: str, bus: str) -> int:
        query = sa.select(sa.func.count()).where(rules.c.account == account, rules.c.bus == bus)
        return int(self._conn.execute(query).scalar_one())

    def delete_rule(self, rule_id: str) -> None:
        # Children first: SQLite enforces foreign keys only when told to.
        self._conn.execute(rule_targets.delete().where(rule_targets.c.rule_id == rule_id))
        self._conn.execute(rule_tags.delete().where(rule_tags.c.rule_id == rule_id))
        self._conn.execute(rules.delete().where(rules.c.id == rule_id))

    # -- targets ----------------------------------------------------------------------------

    def targets(self, rule_id: str) -> list[Target]:
        query = (
            sa.select(rule_targets)
            .where(rule_targets.c.rule_id == rule_id)
            .order_by(rule_targets.c.target_id)
        )
        return [_target(row) for row in self._conn.execute(query)]

    def put_targets(self, rule_id: str, targets: Sequence[Target], at: datetime) -> None:
        if not targets:
            return
        self.remove_targets(rule_id, [t.id for t in targets])
        self._conn.execute(rule_targets.insert(), [_target_values(rule_id, t, at) for t in targets])

    def remove_targets(self, rule_id: str, ids: Sequence[str]) -> list[str]:
        if not ids:
            return []
        where = sa.and_(rule_targets.c.rule_id == rule_id, rule_targets.c.target_id.in_(ids))
        found = list(self._conn.execute(sa.select(rule_targets.c.target_id).where(where)).scalars())
        if found:
            self._conn.execute(rule_targets.delete().where(where))
        return found

    def buses_with_rules(self) -> list[tuple[str, str]]:
        """(account, bus) of every bus with an ENABLED rule, of every account."""
        query = (
            sa.select(rules.c.account, rules.c.bus)
            .where(rules.c.state == RuleState.ENABLED.value)
            .distinct()
            .order_by(rules.c.account, rules.c.bus)
        )
        return [(row[0], row[1]) for row in self._conn.execute(query)]

    def enabled_rules(self, account: str, bus: str) -> list[tuple[Rule, list[Target]]]:
        query = (
            sa.select(rules, *(c.label(f"t_{c.name}") for c in rule_targets.c))
            .select_from(rules.outerjoin(rule_targets, rule_targets.c.rule_id == rules.c.id))
            .where(
                rules.c.account == account,
                rules.c.bus == bus,
                rules.c.state == RuleState.ENABLED.value,
            )
            .order_by(rules.c.name, rule_targets.c.target_id)
        )
        found: dict[str, tuple[Rule, list[Target]]] = {}
        for row in self._conn.execute(query):
            entry = found.get(row.id)
            if entry is None:
                entry = found[row.id] = (_rule(row), [])
            if row.t_target_id is not None:
                entry[1].append(_labelled_target(row._mapping))
        return list(found.values())


def _labelled_target(row: sa.RowMapping) -> Target:
    return Target(
        id=row["t_target_id"],
        arn=row["t_arn"],
        role_arn=row["t_role_arn"],
        input=row["t_input"],
        input_path=row["t_input_path"],
        input_transformer=row["t_input_transformer"],
        retry_policy=RetryPolicy(
            row["t_maximum_retry_attempts"], row["t_maximum_event_age_seconds"]
        ),
        dead_letter_arn=row["t_dead_letter_arn"],
    )
