"""``/v1/buses/{bus}/rules``: rules of a bus and their targets (EventBridge semantics).

``{bus}`` is a bus name (``default`` for the default bus).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from certherd.domain.rules import Rule, RuleState
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.event_schemas import (
    PutRuleBody,
    PutTargetsBody,
    RemoveTargetsBody,
    RuleArnOut,
    RuleOut,
    RulesOut,
    TargetsOut,
    TargetsResultOut,
)
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text, tags_of
from certherd.errors import ValidationError
from certherd.services.rules import FailedEntry

router = APIRouter(prefix="/v1/buses/{bus}/rules", tags=["rules"])

JSON = dict[str, Any]
_ANY = problems(400, 401, 403, 404, 409)


def rule_view(rule: Rule) -> JSON:
    return {
        "Name": rule.name,
        "Arn": rule.arn,
        "EventPattern": rule.event_pattern,
        "State": rule.state.value,
        "Description": rule.description,
        "RoleArn": rule.role_arn,
        "EventBusName": rule.bus,
        "CreatedBy": rule.account,
    }


def _failed(entries: list[FailedEntry]) -> JSON:
    return {"FailedEntryCount": len(entries), "FailedEntries": [e.to_json() for e in entries]}


@router.get(
    "",
    response_model=RulesOut,
    summary="List the rules of a bus",
    description="By name. Pass `NextToken` back as `next-token` (with the same prefix).",
    responses=_ANY,
)
def list_rules(
    bus: str,
    account: AccountDep,
    c: ContainerDep,
    name_prefix: Annotated[Text | None, Query(alias="name-prefix", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    next_token: Annotated[Text | None, Query(alias="next-token", max_length=2048)] = None,
) -> JSON:
    try:
        page = c.rules.list_rules(
            account=account, bus=bus, prefix=name_prefix, limit=limit, next_token=next_token
        )
    except ValidationError as exc:
        exc.field = {"NextToken": "next-token", "NamePrefix": "name-prefix"}.get(
            exc.field or "", exc.field
        )
        raise
    return {"Rules": [rule_view(r) for r in page.rules], "NextToken": page.next_token}


@router.put(
    "/{name}",
    response_model=RuleArnOut,
    summary="Create or replace a rule (PutRule)",
    description="Replaces the rule wholesale: omitted fields are cleared and `State` is "
    "`ENABLED` unless given. An invalid `EventPattern` is a 400 with AWS's message "
    "(`Event pattern is not valid. Reason: ...`, code `InvalidEventPatternException`).",
    responses=_ANY,
)
def put_rule(bus: str, name: str, body: PutRuleBody, account: AccountDep, c: ContainerDep) -> JSON:
    pattern = body.event_pattern
    text = pattern if pattern is None or isinstance(pattern, str) else json.dumps(pattern)
    rule = c.rules.put_rule(
        account=account,
        name=name,
        bus=bus,
        event_pattern=text,
        state=body.state,
        description=body.description,
        role_arn=body.role_arn,
        tags=tags_of(body.tags),
    )
    return {"RuleArn": rule.arn}


@router.get("/{name}", response_model=RuleOut, summary="Describe a rule", responses=_ANY)
def describe_rule(bus: str, name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return rule_view(c.rules.describe_rule(account=account, name=name, bus=bus))


@router.post("/{name}/enable", response_model=RuleOut, summary="Enable a rule", responses=_ANY)
def enable_rule(bus: str, name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return rule_view(
        c.rules.set_state(account=account, name=name, bus=bus, state=RuleState.ENABLED)
    )


@router.post("/{name}/disable", response_model=RuleOut, summary="Disable a rule", responses=_ANY)
def disable_rule(bus: str, name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return rule_view(
        c.rules.set_state(account=account, name=name, bus=bus, state=RuleState.DISABLED)
    )


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a rule",
    description="Refused while the rule has targets, unless `force=true` removes them too. "
    "Deleting a rule that is not there succeeds.",
    responses=_ANY,
)
def delete_rule(
    bus: str,
    name: str,
    account: AccountDep,
    c: ContainerDep,
    force: Annotated[bool, Query()] = False,
) -> Response:
    c.rules.delete_rule(account=account, name=name, bus=bus, force=force)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{name}/targets", response_model=TargetsOut, summary="List a rule's targets", responses=_ANY
)
def list_targets(bus: str, name: str, account: AccountDep, c: ContainerDep) -> JSON:
    targets = c.rules.list_targets(account=account, rule=name, bus=bus)
    return {"Targets": [t.to_json() for t in targets]}


@router.post(
    "/{name}/targets",
    response_model=TargetsResultOut,
    summary="Add or replace targets (PutTargets)",
    description="A target with an existing `Id` replaces it; a rule has at most 5 targets.",
    responses=_ANY,
)
def put_targets(
    bus: str, name: str, body: PutTargetsBody, account: AccountDep, c: ContainerDep
) -> JSON:
    targets = [t.model_dump(by_alias=True, exclude_none=True) for t in body.targets]
    return _failed(c.rules.put_targets(account=account, rule=name, bus=bus, targets=targets))


@router.post(
    "/{name}/targets/remove",
    response_model=TargetsResultOut,
    summary="Remove targets (RemoveTargets)",
    responses=_ANY,
)
def remove_targets(
    bus: str, name: str, body: RemoveTargetsBody, account: AccountDep, c: ContainerDep
) -> JSON:
    removed = c.rules.remove_targets(
        account=account, rule=name, bus=bus, ids=body.ids, force=body.force
    )
    return _failed(removed)
