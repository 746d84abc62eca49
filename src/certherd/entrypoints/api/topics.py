"""``/v1/topics``: notification topics with Amazon SNS's semantics.

``{topic}`` is a topic name (of the account the request acts for) or a full topic ARN (of
any account: the topic's access policy decides; another account's topic that is not open
to the caller is answered as not found).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response, status

from certherd.bootstrap import Container
from certherd.domain.topics import Topic
from certherd.entrypoints.api import views
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import TagsOut, problems
from certherd.entrypoints.api.schemas import TagsBody, Text, tags_of
from certherd.entrypoints.api.topic_schemas import (
    AllowEventsBody,
    CreateTopicBody,
    PublishBatchBody,
    PublishBatchOut,
    PublishBody,
    PublishOut,
    SetAttributeBody,
    TagKeysBody,
    TopicListOut,
    TopicOut,
    attribute_string,
    attribute_strings,
    message_attributes,
)
from certherd.errors import NotFoundError, ValidationError
from certherd.services.publishing import PublishEntry
from certherd.services.topics import Caller as TopicCaller

__all__ = ["TAG", "router", "topic_arn_of", "topic_ref"]

#: The OpenAPI tag of every notification route.
TAG: Final = "notifications"

router = APIRouter(prefix="/v1/topics", tags=[TAG])

_ANY = problems(400, 401, 403, 404, 409)
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")

JSON = dict[str, Any]


def topic_ref(c: Container, account: str, topic: str) -> str:
    """The ARN a ``{topic}`` path segment names; NotFoundError (404) for a segment that
    cannot name a topic."""
    if topic.startswith("arn:"):
        return topic
    if not _NAME_RE.fullmatch(topic):
        raise NotFoundError(f"topic {topic!r} not found", field="TopicArn")
    return c.arns.topic(account, topic)


def topic_arn_of(c: Container, account: str, value: str, *, field: str = "TopicArn") -> str:
    """A ``TopicArn`` given in a body or query: an ARN as it is, or the name of one of the
    account's topics. Raises ValidationError naming ``field`` for anything else."""
    if value.startswith("arn:"):
        return value
    if not _NAME_RE.fullmatch(value):
        raise ValidationError("must be a topic ARN or the name of one of your topics", field=field)
    return c.arns.topic(account, value)


def _caller(account: str) -> TopicCaller:
    return TopicCaller.of_account(account)


def _view(c: Container, account: str, topic: Topic) -> JSON:
    return {
        "TopicArn": topic.arn,
        "Name": topic.name,
        "Attributes": c.topics.attributes(_caller(account), topic.arn),
        "Tags": views.tags(topic.tags),
    }


@router.post(
    "",
    response_model=TopicOut,
    summary="Create a topic",
    description="Creating a topic that exists returns it when the attributes given are those "
    "it has (400 `Attributes` otherwise).",
    responses=_ANY,
)
def create_topic(body: CreateTopicBody, account: AccountDep, c: ContainerDep) -> JSON:
    attributes = attribute_strings(body.attributes)
    topic = c.topics.create(account, body.name, attributes=attributes, tags=tags_of(body.tags))
    return _view(c, account, topic)


@router.get(
    "",
    response_model=TopicListOut,
    summary="List topics",
    description="The account's topics by name, 100 a page; pass `NextToken` back for the next.",
    responses=problems(400, 401, 403),
)
def list_topics(
    account: AccountDep,
    c: ContainerDep,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=2048)] = None,
) -> JSON:
    page = c.topics.list(account, next_token=next_token)
    summaries = []
    for topic in page.topics:
        counts = page.counts[topic.id]
        summaries.append(
            {
                "TopicArn": topic.arn,
                "Name": topic.name,
                "DisplayName": topic.settings.display_name or "",
                "Encrypted": topic.encrypted,
                "SubscriptionsConfirmed": counts.confirmed,
                "SubscriptionsPending": counts.pending,
            }
        )
    return {"Topics": summaries, "NextToken": page.next_token}


@router.get("/{topic}", response_model=TopicOut, summary="Describe a topic", responses=_ANY)
def describe_topic(topic: str, account: AccountDep, c: ContainerDep) -> JSON:
    found = c.topics.get(_caller(account), topic_ref(c, account, topic))
    return _view(c, account, found)


@router.put(
    "/{topic}/attributes/{name}",
    response_model=TopicOut,
    summary="Set a topic attribute",
    description="DisplayName, Policy, DeliveryPolicy, KmsMasterKeyId (encryption at rest; "
    '`""` turns it off) or SignatureVersion (1 or 2).',
    responses=_ANY,
)
def set_topic_attribute(
    topic: str, name: str, body: SetAttributeBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = topic_ref(c, account, topic)
    updated = c.topics.set_attribute(
        _caller(account), arn, name, attribute_string(body.attribute_value)
    )
    return _view(c, account, updated)


@router.post(
    "/{topic}/allow-events",
    response_model=TopicOut,
    summary="Let event bus rules publish to the topic",
    description="Adds the policy statement EventBridge needs: for `RuleArn` only, or for any "
    "rule of the topic's account. Idempotent.",
    responses=_ANY,
)
def allow_events(topic: str, body: AllowEventsBody, account: AccountDep, c: ContainerDep) -> JSON:
    try:
        updated = c.topics.allow_events(
            _caller(account), topic_ref(c, account, topic), source_arn=body.rule_arn
        )
    except ValidationError as exc:
        if exc.field == "SourceArn":
            exc.field = "RuleArn"
        raise
    return _view(c, account, updated)


@router.delete(
    "/{topic}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a topic, its subscriptions and undelivered messages",
    description="Deleting a topic that does not exist succeeds, as in SNS.",
    responses=_ANY,
)
def delete_topic(topic: str, account: AccountDep, c: ContainerDep) -> Response:
    c.topics.delete(_caller(account), topic_ref(c, account, topic))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{topic}/publish",
    response_model=PublishOut,
    summary="Publish a message",
    description="Delivered to every confirmed subscription whose filter policy lets it "
    "through. `MessageStructure: json` takes a JSON object of messages per protocol, with a "
    "`default`.",
    responses=_ANY,
)
def publish(topic: str, body: PublishBody, account: AccountDep, c: ContainerDep) -> JSON:
    message_id = c.publisher.publish(
        _caller(account),
        topic_ref(c, account, topic),
        body.message,
        subject=body.subject,
        attributes=message_attributes(body.message_attributes),
        structure=body.message_structure,
    )
    return {"MessageId": message_id}


@router.post(
    "/{topic}/publish-batch",
    response_model=PublishBatchOut,
    summary="Publish up to 10 messages",
    description="Entries SNS would refuse are listed in `Failed`; the others are published.",
    responses=_ANY,
)
def publish_batch(topic: str, body: PublishBatchBody, account: AccountDep, c: ContainerDep) -> JSON:
    entries = [
        PublishEntry(
            id=e.id,
            message=e.message,
            subject=e.subject,
            attributes=message_attributes(e.message_attributes),
            structure=e.message_structure,
        )
        for e in body.publish_batch_request_entries
    ]
    result = c.publisher.publish_batch(_caller(account), topic_ref(c, account, topic), entries)
    return {
        "Successful": [
            {"Id": entry_id, "MessageId": message_id} for entry_id, message_id in result.successful
        ],
        "Failed": [
            {"Id": f.id, "Code": f.code, "Message": f.message, "SenderFault": f.sender_fault}
            for f in result.failed
        ],
    }


@router.get("/{topic}/tags", response_model=TagsOut, summary="List a topic's tags", responses=_ANY)
def list_tags(topic: str, account: AccountDep, c: ContainerDep) -> JSON:
    return {"Tags": views.tags(c.topics.tags(account, topic_ref(c, account, topic)))}


@router.post("/{topic}/tags", response_model=TagsOut, summary="Tag a topic", responses=_ANY)
def tag_topic(topic: str, body: TagsBody, account: AccountDep, c: ContainerDep) -> JSON:
    arn = topic_ref(c, account, topic)
    c.topics.tag(account, arn, tags_of(body.tags))
    return {"Tags": views.tags(c.topics.tags(account, arn))}


@router.post(
    "/{topic}/tags/remove", response_model=TagsOut, summary="Untag a topic", responses=_ANY
)
def untag_topic(topic: str, body: TagKeysBody, account: AccountDep, c: ContainerDep) -> JSON:
    arn = topic_ref(c, account, topic)
    c.topics.untag(account, arn, body.tag_keys)
    return {"Tags": views.tags(c.topics.tags(account, arn))}
