"""Notification topics (SNS's CreateTopic, GetTopicAttributes, SetTopicAttributes,
ListTopics, DeleteTopic and tags), and who may act on them.

Every call names its caller (:class:`Caller`): an account (an API token of that account)
or a service principal acting for a resource (the event bus delivering for a rule). The
topic's access policy (:mod:`certherd.domain.topic_policy`) decides: the owning account
may do anything its policy does not deny, anyone else needs an Allow. Another account's
topic that its policy does not open to the caller is answered as not found, so that
topics of other accounts cannot be discovered by probing.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.delivery_policy import parse_topic_delivery_policy
from certherd.domain.delivery_policy_json import effective_topic_policy_json, topic_policy_json
from certherd.domain.tags import Tag, merge_tags, remove_tags, validate_tags
from certherd.domain.topic_policy import (
    DELETE_TOPIC,
    GET_TOPIC_ATTRIBUTES,
    SET_TOPIC_ATTRIBUTES,
    allow_events_statement,
    check_topic_policy,
    default_topic_policy,
    topic_policy_allows,
    with_statement,
)
from certherd.domain.topics import (
    SubscriptionCounts,
    Topic,
    TopicSettings,
    check_topic_name,
    parse_topic_attributes,
    topic_attribute_strings,
)
from certherd.errors import (
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["MAX_LIST_TOPICS", "Caller", "TopicAccessError", "TopicPage", "TopicService"]

_TagChange = Callable[[tuple[Tag, ...]], tuple[Tag, ...]]

#: ListTopics answers at most 100 topics a page [SNS API].
MAX_LIST_TOPICS: Final = 100


@dataclass(frozen=True)
class Caller:
    """Who is asking: an account, or a service (``events.amazonaws.com``) acting for
    ``source_arn`` of ``source_account``."""

    account: str | None = None
    service: str | None = None
    source_arn: str | None = None
    source_account: str | None = None

    @classmethod
    def of_account(cls, account: str) -> Caller:
        return cls(account=account)


class TopicAccessError(PermissionDeniedError):
    """The topic's policy does not let the caller do this (SNS's AuthorizationError)."""

    code = "AuthorizationError"


@dataclass(frozen=True)
class TopicPage:
    topics: list[Topic]
    next_token: str | None
    #: Each topic's subscription counts, by topic id.
    counts: dict[str, SubscriptionCounts]


def normal_delivery_policy(text: str) -> str:
    """A topic DeliveryPolicy checked and written as SNS shows it."""
    return topic_policy_json(parse_topic_delivery_policy(text))


class TopicService:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, arns: ArnFactory) -> None:
        self._uow = uow
        self._clock = clock
        self._arns = arns

    # -- creating and finding ------------------------------------------------------------------

    def create(
        self,
        account: str,
        name: str,
        *,
        attributes: Mapping[str, str] | None = None,
        tags: Iterable[Tag] = (),
    ) -> Topic:
        """Create the topic ``name``, or return it if it exists with the same attributes
        (CreateTopic is idempotent). Raises ValidationError (a bad name or attribute,
        tags), ConflictError when the topic exists with other attributes or tags."""
        validate_account_id(account)
        check_topic_name(name)
        arn = self._arns.topic(account, name)
        wanted = parse_topic_attributes(
            attributes or {},
            current=TopicSettings(),
            check_policy=lambda text: check_topic_policy(text, topic_arn=arn),
            check_delivery_policy=normal_delivery_policy,
        )
        tag_list = validate_tags(tags)
        with self._uow() as uow:
            existing = uow.topics.get(account, name)
            if existing is not None:
                if existing.settings != wanted and attributes:
                    raise ValidationError(
                        "Invalid parameter: Attributes Reason: Topic already exists with "
                        "different attributes",
                        field="Attributes",
                    )
                if tag_list and set(tag_list) != set(existing.tags):
                    raise ValidationError(
                        "Invalid parameter: Tags Reason: Topic already exists with different tags",
                        field="Tags",
                    )
                return existing
            topic = Topic(
                id=str(uuid.uuid4()),
                account=account,
                name=name,
                arn=arn,
                settings=wanted,
                created_at=self._clock.now(),
                tags=tag_list,
            )
            uow.topics.add(topic)
            uow.commit()
        return topic

    def get(self, caller: Caller, topic_arn: str, *, action: str = GET_TOPIC_ATTRIBUTES) -> Topic:
        """The topic ``topic_arn`` if the caller may do ``action`` on it. Raises
        ValidationError (not a topic ARN), NotFoundError, TopicAccessError."""
        with self._uow() as uow:
            return self.get_in(uow, caller, topic_arn, action=action)

    def get_in(self, uow: UnitOfWork, caller: Caller, topic_arn: str, *, action: str) -> Topic:
        """As :meth:`get`, within ``uow``."""
        account, name = self._arns.topic_name(topic_arn)
        topic = uow.topics.get(account, name)
        if topic is None:
            raise NotFoundError("Topic does not exist", field="TopicArn")
        if not self.allows(topic, caller, action):
            if caller.account is not None and caller.account != topic.account:
                raise NotFoundError("Topic does not exist", field="TopicArn")
            raise TopicAccessError(
                f"the topic's policy does not allow {action} on {topic_arn}", field="TopicArn"
            )
        return topic

    @staticmethod
    def allows(topic: Topic, caller: Caller, action: str) -> bool:
        """Whether ``caller`` may do ``action`` on ``topic`` by its policy."""
        return topic_policy_allows(
            policy_of(topic),
            action=action,
            topic_arn=topic.arn,
            owner_account=topic.account,
            caller_account=caller.account,
            caller_service=caller.service,
            source_arn=caller.source_arn,
            source_account=caller.source_account,
        )

    def list(self, account: str, *, next_token: str | None = None) -> TopicPage:
        """The account's topics by name, 100 a page, with their subscription counts."""
        validate_account_id(account)
        after = _decode_token(next_token) if next_token else None
        with self._uow() as uow:
            found = uow.topics.page(account, after=after, limit=MAX_LIST_TOPICS + 1)
            page = found[:MAX_LIST_TOPICS]
            counts = uow.topics.counts_many([topic.id for topic in page])
        more = len(found) > MAX_LIST_TOPICS
        return TopicPage(page, _encode_token(page[-1].name) if more else None, counts)

    # -- attributes --------------------------------------------------------------------------

    def attributes(self, caller: Caller, topic_arn: str) -> dict[str, str]:
        """GetTopicAttributes."""
        with self._uow() as uow:
            topic = self.get_in(uow, caller, topic_arn, action=GET_TOPIC_ATTRIBUTES)
            counts = uow.topics.counts(topic.id)
        delivery = (
            parse_topic_delivery_policy(topic.settings.delivery_policy)
            if topic.settings.delivery_policy
            else None
        )
        return topic_attribute_strings(
            topic,
            policy=policy_of(topic),
            effective_delivery_policy=effective_topic_policy_json(delivery),
            counts=counts,
        )

    def set_attribute(self, caller: Caller, topic_arn: str, name: str, value: str) -> Topic:
        """SetTopicAttributes: one attribute. Raises ValidationError naming
        ``Attributes.<name>``, NotFoundError, TopicAccessError."""
        with self._uow() as uow:
            topic = self.get_in(uow, caller, topic_arn, action=SET_TOPIC_ATTRIBUTES)
            settings = parse_topic_attributes(
                {name: value},
                current=topic.settings,
                check_policy=lambda text: check_topic_policy(text, topic_arn=topic.arn),
                check_delivery_policy=normal_delivery_policy,
            )
            updated = topic.with_settings(settings)
            uow.topics.update(updated)
            uow.commit()
        return updated

    def allow_events(
        self, caller: Caller, topic_arn: str, *, source_arn: str | None = None
    ) -> Topic:
        """Add to the topic's policy the statement that lets the event bus publish to it
        (for the rule ``source_arn`` only, when given; else for any rule of the topic's
        account), as EventBridge's console does. Idempotent: the statement has a fixed Sid
        per rule. Raises as :meth:`set_attribute`."""
        with self._uow() as uow:
            topic = self.get_in(uow, caller, topic_arn, action=SET_TOPIC_ATTRIBUTES)
            sid = "AllowEventBridgePublish"
            if source_arn is not None:
                sid += "-" + uuid.uuid5(uuid.NAMESPACE_URL, source_arn).hex[:16]
            statement = allow_events_statement(
                topic.arn,
                sid=sid,
                source_arn=source_arn,
                source_account=None if source_arn is not None else topic.account,
            )
            policy = with_statement(policy_of(topic), statement)
            updated = topic.with_settings(replace(topic.settings, policy=policy))
            uow.topics.update(updated)
            uow.commit()
        return updated

    def delete(self, caller: Caller, topic_arn: str) -> None:
        """DeleteTopic, with its subscriptions and undelivered messages. Deleting a topic
        that does not exist succeeds (SNS's DeleteTopic is idempotent)."""
        with self._uow() as uow:
            try:
                topic = self.get_in(uow, caller, topic_arn, action=DELETE_TOPIC)
            except NotFoundError:
                return
            uow.topics.delete(topic.id)
            uow.commit()

    # -- tags -----------------------------------------------------------------------------------

    def tag(self, account: str, topic_arn: str, tags: Iterable[Tag]) -> None:
        added = validate_tags(tags)
        self._change_tags(account, topic_arn, lambda old: merge_tags(old, added))

    def untag(self, account: str, topic_arn: str, keys: Iterable[str]) -> None:
        removed = [Tag(key) for key in keys]
        self._change_tags(account, topic_arn, lambda old: remove_tags(old, removed))

    def tags(self, account: str, topic_arn: str) -> tuple[Tag, ...]:
        return self.get(Caller.of_account(account), topic_arn).tags

    def _change_tags(self, account: str, topic_arn: str, change: _TagChange) -> None:
        with self._uow() as uow:
            topic = self.get_in(
                uow, Caller.of_account(account), topic_arn, action=SET_TOPIC_ATTRIBUTES
            )
            if topic.account != account:
                raise TopicAccessError("only the owner tags a topic", field="ResourceArn")
            uow.topics.set_tags(topic.id, validate_tags(change(topic.tags)))
            uow.commit()


def policy_of(topic: Topic) -> str:
    """The policy in force: the topic's own, or SNS's default until one is set."""
    return topic.settings.policy or default_topic_policy(topic.arn, topic.account)


def _encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        name = base64.urlsafe_b64decode(token.encode()).decode()
        return check_topic_name(name, field="NextToken")
    except (binascii.Error, UnicodeError, ValueError, ValidationError):
        raise ValidationError("is not a token this server gave", field="NextToken") from None
