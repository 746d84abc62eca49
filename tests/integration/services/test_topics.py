"""Topics: creation, attributes, access policies, listing, deletion, encryption at rest."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from certherd.adapters.db.topic_tables import topic_messages
from certherd.bootstrap import Container
from certherd.domain.topic_policy import EVENTS_SERVICE, PUBLISH
from certherd.errors import NotFoundError, PermissionDeniedError, ValidationError
from certherd.services.topics import Caller

OTHER = "111122223333"


def test_create_is_idempotent_by_name(container: Container, account: str) -> None:
    first = container.topics.create(account, "alerts", attributes={"DisplayName": "Alerts"})
    again = container.topics.create(account, "alerts", attributes={"DisplayName": "Alerts"})
    assert again.id == first.id
    assert first.arn == f"arn:aws:sns:us-east-1:{account}:alerts"
    with pytest.raises(ValidationError, match="different attributes"):
        container.topics.create(account, "alerts", attributes={"DisplayName": "Other"})


@pytest.mark.parametrize("name", ["", "a" * 257, "bad name", "topic.fifo"])
def test_bad_names_are_refused(container: Container, account: str, name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        container.topics.create(account, name)
    assert raised.value.field == "Name"


def test_attributes_show_what_sns_shows(container: Container, account: str) -> None:
    topic = container.topics.create(account, "alerts")
    shown = container.topics.attributes(Caller.of_account(account), topic.arn)
    assert shown["TopicArn"] == topic.arn
    assert shown["Owner"] == account
    assert shown["SubscriptionsConfirmed"] == "0"
    assert shown["SignatureVersion"] == "1"
    policy = json.loads(shown["Policy"])
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": account}}
    assert "KmsMasterKeyId" not in shown
    effective = json.loads(shown["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3


def test_set_attribute_checks_the_value(container: Container, account: str) -> None:
    topic = container.topics.create(account, "alerts")
    caller = Caller.of_account(account)
    container.topics.set_attribute(caller, topic.arn, "SignatureVersion", "2")
    assert container.topics.attributes(caller, topic.arn)["SignatureVersion"] == "2"
    with pytest.raises(ValidationError) as raised:
        container.topics.set_attribute(caller, topic.arn, "SignatureVersion", "3")
    assert raised.value.field == "Attributes.SignatureVersion"
    with pytest.raises(ValidationError) as raised:
        container.topics.set_attribute(caller, topic.arn, "Policy", "{not json")
    assert raised.value.field is not None and raised.value.field.startswith("Attributes.Policy")
    with pytest.raises(ValidationError) as raised:
        container.topics.set_attribute(caller, topic.arn, "Owner", "x")
    assert raised.value.field == "Attributes.Owner"


def test_another_accounts_topic_is_not_found(container: Container, account: str) -> None:
    topic = container.topics.create(account, "alerts")
    with pytest.raises(NotFoundError):
        container.topics.attributes(Caller.of_account(OTHER), topic.arn)


def test_the_event_bus_needs_the_policy_to_allow_it(container: Container, account: str) -> None:
    topic = container.topics.create(account, "alerts")
    rule = f"arn:aws:events:us-east-1:{account}:rule/renewals"
    bus = Caller(service=EVENTS_SERVICE, source_arn=rule, source_account=account)
    with pytest.raises(PermissionDeniedError):
        container.topics.get(bus, topic.arn, action=PUBLISH)
    container.topics.allow_events(Caller.of_account(account), topic.arn, source_arn=rule)
    container.topics.allow_events(Caller.of_account(account), topic.arn, source_arn=rule)
    assert container.topics.get(bus, topic.arn, action=PUBLISH).arn == topic.arn
    other_rule = Caller(
        service=EVENTS_SERVICE,
        source_arn=f"arn:aws:events:us-east-1:{account}:rule/other",
        source_account=account,
    )
    with pytest.raises(PermissionDeniedError):
        container.topics.get(other_rule, topic.arn, action=PUBLISH)
    statements = json.loads(
        container.topics.get(bus, topic.arn, action=PUBLISH).settings.policy or ""
    )
    assert len(statements["Statement"]) == 2


def test_list_pages_by_name_with_each_topics_counts(container: Container, account: str) -> None:
    for name in ("c", "a", "b"):
        container.topics.create(account, name)
    caller = Caller.of_account(account)
    b_arn = f"arn:aws:sns:us-east-1:{account}:b"
    container.subscriptions.subscribe(caller, b_arn, "email", "ops@example.com")
    container.subscriptions.subscribe(caller, b_arn, "sqs", f"arn:aws:sqs:us-east-1:{account}:q")

    page = container.topics.list(account)

    assert [t.name for t in page.topics] == ["a", "b", "c"]
    assert page.next_token is None
    counts = {t.name: page.counts[t.id] for t in page.topics}
    assert (counts["b"].confirmed, counts["b"].pending) == (1, 1)
    assert (counts["a"].confirmed, counts["a"].pending) == (0, 0)


def test_delete_is_idempotent(container: Container, account: str) -> None:
    topic = container.topics.create(account, "alerts")
    caller = Caller.of_account(account)
    container.topics.delete(caller, topic.arn)
    container.topics.delete(caller, topic.arn)
    with pytest.raises(NotFoundError):
        container.topics.attributes(caller, topic.arn)


def test_bodies_of_encrypted_topics_are_sealed(container: Container, account: str) -> None:
    plain = container.topics.create(account, "plain")
    sealed = container.topics.create(
        account, "sealed", attributes={"KmsMasterKeyId": "alias/aws/sns"}
    )
    caller = Caller.of_account(account)
    secret = "the quarterly numbers are 42"
    container.publisher.publish(caller, plain.arn, "hello")
    container.publisher.publish(caller, sealed.arn, secret)
    with container.engine.connect() as connection:
        rows = connection.execute(select(topic_messages)).all()
    by_topic = {row.topic_id: row for row in rows}
    assert by_topic[plain.id].body == "hello"
    assert by_topic[sealed.id].body is None
    assert secret.encode() not in by_topic[sealed.id].body_sealed
