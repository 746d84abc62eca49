"""Bus permissions on SQLite and PostgreSQL: the policy documents PutPermission and
RemovePermission write, and PutEvents onto another account's bus, allowed or refused."""

from __future__ import annotations

import json

import pytest

from certherd.bootstrap import Container
from certherd.domain.bus_policy import PolicyLengthExceededError
from certherd.domain.clock import FixedClock
from certherd.domain.events import PutEventsEntry
from certherd.errors import ConflictError, NotFoundError, ValidationError

OWNER = "111122223333"
SENDER = "444455556666"
STRANGER = "777788889999"


def _entry(container: Container, bus: str = "default", owner: str = OWNER) -> PutEventsEntry:
    return PutEventsEntry(
        source="partner.app",
        detail_type="Hello",
        detail='{"n": 1}',
        event_bus_name=container.arns.event_bus(owner, bus),
    )


def test_put_and_remove_permission_write_aws_policy_documents(container: Container) -> None:
    permissions = container.bus_permissions
    bus_arn = container.arns.event_bus(OWNER, "default")
    bus = permissions.put_permission(
        account=OWNER, action="events:PutEvents", principal=SENDER, statement_id="sender"
    )
    assert json.loads(bus.policy or "") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "sender",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{SENDER}:root"},
                "Action": "events:PutEvents",
                "Resource": bus_arn,
            }
        ],
    }
    permissions.put_permission(
        account=OWNER,
        bus="default",
        action="events:PutEvents",
        principal="*",
        statement_id="org",
        condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"},
    )
    described = container.event_bus.describe_bus(account=OWNER)
    statements = json.loads(described.policy or "")["Statement"]
    assert statements[1] == {
        "Sid": "org",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "events:PutEvents",
        "Resource": bus_arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}},
    }
    with pytest.raises(ConflictError) as taken:
        permissions.put_permission(
            account=OWNER, action="events:PutEvents", principal=SENDER, statement_id="org"
        )
    assert taken.value.field == "StatementId"

    after = permissions.remove_permission(account=OWNER, statement_id="sender")
    assert [s["Sid"] for s in json.loads(after.policy or "")["Statement"]] == ["org"]
    with pytest.raises(NotFoundError) as gone:
        permissions.remove_permission(account=OWNER, statement_id="sender")
    assert gone.value.field == "StatementId"
    assert permissions.remove_permission(account=OWNER, statement_id="org").policy is None
    permissions.put_permission(
        account=OWNER, action="events:PutEvents", principal=SENDER, statement_id="again"
    )
    assert permissions.remove_permission(account=OWNER, remove_all=True).policy is None


def test_a_whole_policy_and_its_limits(container: Container) -> None:
    permissions = container.bus_permissions
    container.event_bus.create_bus(account=OWNER, name="ops")
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": [SENDER]},
            "Action": ["events:PutEvents"],
            "Resource": "arn:aws:events:us-east-1:111122223333:event-bus/*",
        },
    }
    bus = permissions.put_permission(account=OWNER, bus="ops", policy=json.dumps(document))
    assert json.loads(bus.policy or "") == document

    def refused(**arguments: object) -> str | None:
        with pytest.raises(ValidationError) as error:
            permissions.put_permission(account=OWNER, bus="ops", **arguments)  # type: ignore[arg-type]
        return error.value.field

    assert refused(policy="{", principal="*") == "Policy"
    assert refused(policy="[1]") == "Policy"
    assert refused(policy='{"Statement": []}') == "Policy.Statement"
    assert refused(policy='{"Statement": [{"Effect": "Maybe"}]}') == "Policy.Statement[0].Effect"
    assert refused(policy='{"Statement": [{"Effect": "Allow", "Principal": "*"}]}') == (
        "Policy.Statement[0].Action"
    )
    assert refused(action="events:PutEvents", principal="12", statement_id="s") == "Principal"
    assert refused(action="sqs:SendMessage", principal="*", statement_id="s") == "Action"
    assert refused(action="events:PutEvents", principal="*", statement_id="a b") == "StatementId"
    assert refused(action="events:PutEvents", principal="*") == "StatementId"
    assert (
        refused(
            action="events:PutEvents",
            principal="*",
            statement_id="s",
            condition={"Type": "StringLike", "Key": "aws:PrincipalOrgID", "Value": "o-1"},
        )
        == "Condition.Type"
    )
    assert (
        refused(
            action="events:PutEvents",
            principal="*",
            statement_id="s",
            condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID"},
        )
        == "Condition.Value"
    )
    too_long = json.dumps({**document, "Padding": "x" * 10240})
    with pytest.raises(PolicyLengthExceededError) as length:
        permissions.put_permission(account=OWNER, bus="ops", policy=too_long)
    assert length.value.field == "Policy"
    with pytest.raises(ValidationError) as both:
        permissions.remove_permission(account=OWNER, bus="ops", statement_id="s", remove_all=True)
    assert both.value.field == "StatementId"
    with pytest.raises(NotFoundError):
        permissions.put_permission(
            account=OWNER, bus="nope", action="events:PutEvents", principal="*", statement_id="s"
        )


def test_put_events_on_another_accounts_bus(container: Container, clock: FixedClock) -> None:
    bus_service = container.event_bus
    (denied,) = bus_service.put_events(account=SENDER, entries=[_entry(container)])
    assert denied.error_code == "AccessDeniedException"
    assert f"arn:aws:iam::{SENDER}:root" in (denied.error_message or "")

    container.bus_permissions.put_permission(
        account=OWNER, action="events:PutEvents", principal=SENDER, statement_id="sender"
    )
    container.rules.put_rule(
        account=OWNER, name="partner", event_pattern='{"source": ["partner.app"]}'
    )
    container.rules.put_targets(
        account=OWNER,
        rule="partner",
        targets=[{"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:{OWNER}:q"}],
    )
    allowed, stranger = (
        bus_service.put_events(account=SENDER, entries=[_entry(container)])[0],
        bus_service.put_events(account=STRANGER, entries=[_entry(container)])[0],
    )
    assert allowed.event_id and not allowed.failed
    assert stranger.error_code == "AccessDeniedException"
    assert container.router.route_all(clock.now()) == 1
    # The event is on the owner's bus, routed by the owner's rules; its account the sender's.
    stored, invocations = bus_service.describe_event(account=OWNER, event_id=allowed.event_id)
    assert json.loads(stored.envelope)["account"] == SENDER
    assert stored.event.bus == "default"
    assert [i.account for i in invocations] == [OWNER]
    assert bus_service.list_events(account=SENDER).events == []

    # No such bus in the other account: refused the same way.
    (missing,) = bus_service.put_events(account=SENDER, entries=[_entry(container, "nope")])
    assert missing.error_code == "AccessDeniedException"


def test_star_principal_and_deny_wins(container: Container) -> None:
    bus_service = container.event_bus
    arn = container.arns.event_bus(OWNER, "default")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "all",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:*",
                "Resource": arn,
            },
            {
                "Sid": "not-stranger",
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{STRANGER}:root"},
                "Action": "events:PutEvents",
                "Resource": arn,
            },
        ],
    }
    container.bus_permissions.put_permission(account=OWNER, policy=json.dumps(policy))
    assert bus_service.allows_put(None, arn, SENDER)
    assert not bus_service.allows_put(None, arn, STRANGER)
    assert bus_service.allows_put(None, arn, OWNER)  # the bus's own account always may
    assert not bus_service.allows_put(None, "not an arn", SENDER)
    with container.uow() as uow:
        assert bus_service.allows_put(uow, arn, SENDER)
    results = bus_service.put_events(
        account=STRANGER, entries=[_entry(container), _entry(container, owner=STRANGER)]
    )
    assert results[0].error_code == "AccessDeniedException"
    assert results[1].event_id is not None  # its own bus, named by ARN


def test_an_org_condition_grants_nothing_without_organizations(container: Container) -> None:
    container.bus_permissions.put_permission(
        account=OWNER,
        action="events:PutEvents",
        principal="*",
        statement_id="org",
        condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1"},
    )
    arn = container.arns.event_bus(OWNER, "default")
    assert not container.event_bus.allows_put(None, arn, SENDER)
