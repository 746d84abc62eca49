"""Event bus permissions (EventBridge semantics, spec 2.8): PutPermission and
RemovePermission, which edit the resource policy kept on the bus.

Whether the policy lets another account put events is decided by
:func:`certherd.domain.bus_policy.bus_policy_allows`, through
:meth:`certherd.services.event_bus.EventBusService.allows_put`.
"""

from __future__ import annotations

from collections.abc import Mapping

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.bus_policy import (
    add_statement,
    check_action,
    check_condition,
    check_policy,
    check_principal,
    check_statement_id,
    remove_statement,
)
from certherd.domain.clock import Clock
from certherd.domain.events import DEFAULT_BUS
from certherd.domain.rules import EventBus, check_bus_name
from certherd.errors import ValidationError
from certherd.services.event_bus import bus_not_found
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["BusPermissionService"]


class BusPermissionService:
    """The policies of an account's buses."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, arns: ArnFactory) -> None:
        self._uow = uow
        self._clock = clock
        self._arns = arns

    def _bus(self, account: str, name_or_arn: str | None) -> str:
        if not name_or_arn:
            return DEFAULT_BUS
        owner, name = self._arns.event_bus_ref(name_or_arn)
        if owner is not None and owner != account:
            raise ValidationError("must be an event bus of this account", field="EventBusName")
        return check_bus_name(name, field="EventBusName")

    def _open(self, uow: UnitOfWork, account: str, bus: str) -> str | None:
        """The bus's policy, its row locked (the default bus gets a row on first use)."""
        if bus == DEFAULT_BUS:
            now = self._clock.now()
            arn = self._arns.event_bus(account, bus)
            uow.rules.ensure_bus(EventBus(account, bus, arn, now, now))
        elif uow.rules.get_bus(account, bus) is None:
            raise bus_not_found(bus)
        return uow.bus_policies.lock_policy(account, bus)

    def _store(self, uow: UnitOfWork, account: str, bus: str, policy: str | None) -> EventBus:
        uow.bus_policies.set_policy(account, bus, policy, self._clock.now())
        stored = uow.rules.get_bus(account, bus)
        if stored is None:  # the row was locked above; only a broken database gets here
            raise bus_not_found(bus)
        uow.commit()
        return stored

    def put_permission(
        self,
        *,
        account: str,
        bus: str | None = None,
        action: str | None = None,
        principal: str | None = None,
        statement_id: str | None = None,
        condition: Mapping[str, str] | None = None,
        policy: str | None = None,
    ) -> EventBus:
        """PutPermission: add a statement letting ``principal`` (an account id, or ``*``)
        do ``action`` (``events:PutEvents``) on the bus, under ``statement_id``, limited by
        ``condition`` ``{Type, Key, Value}`` when given; or replace the whole policy with
        ``policy`` (then none of the others may be given). Returns the bus with its policy.

        Raises ValidationError naming the field, ConflictError (the statement id is taken),
        PolicyLengthExceededError (over 10,240 characters) and NotFoundError (no such bus).
        """
        validate_account_id(account)
        name = self._bus(account, bus)
        if policy is not None:
            if any(v is not None for v in (action, principal, statement_id, condition)):
                raise ValidationError(
                    "cannot be combined with Action, Principal, StatementId or Condition",
                    field="Policy",
                )
            checked = check_policy(policy)
            with self._uow() as uow:
                self._open(uow, account, name)
                return self._store(uow, account, name, checked)
        if action is None:
            raise ValidationError("is required (or a whole Policy)", field="Action")
        if principal is None:
            raise ValidationError("is required (or a whole Policy)", field="Principal")
        if statement_id is None:
            raise ValidationError("is required (or a whole Policy)", field="StatementId")
        check_action(action)
        check_principal(principal)
        check_statement_id(statement_id)
        checked_condition = check_condition(condition)
        with self._uow() as uow:
            current = self._open(uow, account, name)
            updated = add_statement(
                current,
                statement_id=statement_id,
                principal=principal,
                action=action,
                bus_arn=self._arns.event_bus(account, name),
                condition=checked_condition,
            )
            return self._store(uow, account, name, updated)

    def remove_permission(
        self,
        *,
        account: str,
        bus: str | None = None,
        statement_id: str | None = None,
        remove_all: bool = False,
    ) -> EventBus:
        """RemovePermission: remove the statement ``statement_id`` (the policy goes when
        its last statement does), or with ``remove_all`` the whole policy. Exactly one of
        the two; NotFoundError when the bus or the statement does not exist."""
        validate_account_id(account)
        name = self._bus(account, bus)
        if remove_all == (statement_id is not None):
            raise ValidationError(
                "give either StatementId or RemoveAllPermissions", field="StatementId"
            )
        if statement_id is not None:
            check_statement_id(statement_id)
        with self._uow() as uow:
            current = self._open(uow, account, name)
            updated = None if remove_all else remove_statement(current, statement_id or "")
            return self._store(uow, account, name, updated)
