"""Subscriptions (SNS's Subscribe, ConfirmSubscription, Unsubscribe, Get/Set
SubscriptionAttributes, ListSubscriptions and ListSubscriptionsByTopic).

Email and http(s) subscriptions start pending: subscribing writes a
SubscriptionConfirmation delivery carrying a token valid for two days, and the
subscription is confirmed by the link in it (served by certherd's API) or by the token
(ConfirmSubscription). Unsubscribing a confirmed email or http(s) subscription sends an
UnsubscribeConfirmation whose link restores it for two days. Tokens are stored as a
digest, and sealed until the message carrying them has been sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final
from urllib.parse import quote

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock, require_utc
from certherd.domain.delivery_policy import (
    effective_policy,
    parse_subscription_delivery_policy,
    parse_topic_delivery_policy,
)
from certherd.domain.delivery_policy_json import effective_policy_json, subscription_policy_json
from certherd.domain.subscriptions import (
    CONFIRMATION_VALIDITY,
    Subscription,
    SubscriptionProtocol,
    SubscriptionSettings,
    SubscriptionState,
    check_endpoint,
    endpoint_has_secret,
    parse_protocol,
    parse_subscription_attributes,
    shown_endpoint,
    subscription_attribute_strings,
)
from certherd.domain.topic_deliveries import DeliveryKind, DeliveryState, TopicDelivery
from certherd.domain.topic_policy import LIST_SUBSCRIPTIONS_BY_TOPIC, SUBSCRIBE
from certherd.domain.topics import Topic
from certherd.errors import (
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from certherd.services.channel_ports import AppriseSender
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.publishing import FilterCache
from certherd.services.topics import Caller, TopicService

__all__ = [
    "MAX_LIST_SUBSCRIPTIONS",
    "SnsLinks",
    "SubscriptionPage",
    "SubscriptionService",
    "endpoint_context",
    "token_context",
]

#: ListSubscriptions answers at most 100 subscriptions a page [SNS API].
MAX_LIST_SUBSCRIPTIONS: Final = 100
_TOKEN_BYTES: Final = 64


def token_context(subscription_id: str) -> str:
    return f"subscription-token:{subscription_id}"


def endpoint_context(subscription_id: str) -> str:
    return f"subscription-endpoint:{subscription_id}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SnsLinks:
    """The links certherd's messages carry, served by its API under ``public_url``."""

    public_url: str

    def confirm(self, topic_arn: str, token: str) -> str:
        return (
            f"{self._base}/sns/confirm?Action=ConfirmSubscription"
            f"&TopicArn={quote(topic_arn, safe='')}&Token={token}"
        )

    def unsubscribe(self, subscription_arn: str) -> str:
        return (
            f"{self._base}/sns/unsubscribe?Action=Unsubscribe"
            f"&SubscriptionArn={quote(subscription_arn, safe='')}"
        )

    def signing_certificate(self, name: str) -> str:
        return f"{self._base}/sns/{name}"

    @property
    def _base(self) -> str:
        return self.public_url.rstrip("/")


@dataclass(frozen=True)
class SubscriptionPage:
    subscriptions: list[Subscription]
    next_token: str | None


def normal_subscription_delivery_policy(text: str) -> str:
    return subscription_policy_json(parse_subscription_delivery_policy(text))


class SubscriptionService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        topics: TopicService,
        secrets: SecretBox,
        filters: FilterCache,
        apprise: AppriseSender,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._arns = arns
        self._topics = topics
        self._secrets = secrets
        self._filters = filters
        self._apprise = apprise

    # -- subscribing ---------------------------------------------------------------------------

    def subscribe(
        self,
        caller: Caller,
        topic_arn: str,
        protocol: str,
        endpoint: str,
        *,
        attributes: Mapping[str, str] | None = None,
        may_run_commands: bool = False,
    ) -> Subscription:
        """Subscribe ``endpoint`` to the topic. Email and http(s) subscriptions are pending
        (a confirmation request is on its way); others are confirmed. Subscribing the same
        endpoint again returns the existing subscription (a pending one gets a new
        confirmation request). ``function`` subscriptions run commands on this server:
        only callers with ``may_run_commands`` (administrators) may make them; ``lambda``
        subscriptions run a registered function of the caller's own account.

        Raises ValidationError (the field at fault), PermissionDeniedError, NotFoundError,
        TopicAccessError.
        """
        kind = parse_protocol(protocol)
        check_endpoint(kind, endpoint)
        if kind is SubscriptionProtocol.FUNCTION and not may_run_commands:
            raise PermissionDeniedError(
                "function subscriptions run commands on the server: an administrator's "
                "token is needed",
                field="Protocol",
            )
        if kind is SubscriptionProtocol.APPRISE:
            self._apprise.check(endpoint)
        if kind is SubscriptionProtocol.SQS:
            self._arns.queue_name(endpoint, field="Endpoint")
        if kind is SubscriptionProtocol.LAMBDA:
            account, _ = self._arns.function_name(endpoint, field="Endpoint")
            if account != caller.account:
                raise PermissionDeniedError(
                    "a lambda subscription runs a function of the subscriber's own account "
                    f"({caller.account or 'none'}); function policies are not supported",
                    field="Endpoint",
                )
        settings = parse_subscription_attributes(
            attributes or {},
            protocol=kind,
            current=SubscriptionSettings(),
            check_filter_policy=self._filters.check,
            check_delivery_policy=normal_subscription_delivery_policy,
        )
        shown = shown_endpoint(kind, endpoint, mask_apprise=self._apprise.mask)
        now = self._clock.now()
        owner = caller.account or caller.source_account or ""
        with self._uow() as uow:
            topic = self._topics.get_in(uow, caller, topic_arn, action=SUBSCRIBE)
            existing = self._existing(uow, topic, kind, endpoint, shown)
            if existing is not None:
                if attributes and existing.settings != settings:
                    raise ValidationError(
                        "Invalid parameter: Attributes Reason: Subscription already exists "
                        "with different attributes",
                        field="Attributes",
                    )
                if existing.pending:
                    existing = self._request_confirmation(uow, existing, topic, now)
                    uow.commit()
                return existing
            subscription_id = str(uuid.uuid4())
            sealed = (
                self._secrets.seal(endpoint.encode(), context=endpoint_context(subscription_id))
                if endpoint_has_secret(kind, endpoint)
                else None
            )
            subscription = Subscription(
                id=subscription_id,
                arn=f"{topic.arn}:{subscription_id}",
                account=owner,
                topic_id=topic.id,
                topic_arn=topic.arn,
                protocol=kind,
                endpoint=shown,
                state=(
                    SubscriptionState.PENDING_CONFIRMATION
                    if kind.needs_confirmation
                    else SubscriptionState.CONFIRMED
                ),
                settings=settings,
                created_at=now,
                updated_at=now,
                sealed_endpoint=sealed,
            )
            uow.subscriptions.add(subscription)
            if subscription.pending:
                subscription = self._request_confirmation(uow, subscription, topic, now)
            uow.commit()
        return subscription

    def _existing(
        self,
        uow: UnitOfWork,
        topic: Topic,
        protocol: SubscriptionProtocol,
        endpoint: str,
        shown: str,
    ) -> Subscription | None:
        for candidate in uow.subscriptions.matching_endpoint(topic.id, protocol.value, shown):
            if self.endpoint_of(candidate) == endpoint:
                return candidate
        return None

    def endpoint_of(self, subscription: Subscription) -> str:
        """The subscription's real endpoint (opened from the key store when sealed)."""
        if subscription.sealed_endpoint is None:
            return subscription.endpoint
        return self._secrets.open(
            subscription.sealed_endpoint, context=endpoint_context(subscription.id)
        ).decode()

    def token_of(self, subscription: Subscription) -> str | None:
        """The confirmation token still to be sent, if any."""
        if subscription.sealed_token is None:
            return None
        return self._secrets.open(
            subscription.sealed_token, context=token_context(subscription.id)
        ).decode()

    def _request_confirmation(
        self,
        uow: UnitOfWork,
        subscription: Subscription,
        topic: Topic,
        now: datetime,
        *,
        kind: DeliveryKind = DeliveryKind.SUBSCRIPTION_CONFIRMATION,
        state: SubscriptionState | None = None,
    ) -> Subscription:
        token = secrets.token_hex(_TOKEN_BYTES)
        updated = replace(
            subscription,
            state=state or subscription.state,
            token_digest=token_digest(token),
            sealed_token=self._secrets.seal(token.encode(), context=token_context(subscription.id)),
            token_expires_at=now + CONFIRMATION_VALIDITY,
            updated_at=now,
        )
        uow.subscriptions.update(updated)
        uow.topic_deliveries.add_many(
            [
                TopicDelivery(
                    id=str(uuid.uuid4()),
                    account=topic.account,
                    kind=kind,
                    message_id=str(uuid.uuid4()),
                    topic_arn=topic.arn,
                    subscription_id=subscription.id,
                    subscription_arn=subscription.arn,
                    protocol=subscription.protocol.value,
                    state=DeliveryState.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            ]
        )
        return updated

    # -- confirming and unsubscribing ----------------------------------------------------------

    def confirm(
        self,
        topic_arn: str,
        token: str,
        *,
        caller: Caller | None = None,
        authenticate_on_unsubscribe: bool = False,
    ) -> Subscription:
        """ConfirmSubscription (also what the confirmation link does, and the restore link
        of an UnsubscribeConfirmation). ``authenticate_on_unsubscribe`` needs a caller of
        the topic's or the subscription's account; afterwards only they may unsubscribe.

        Raises ValidationError (not a token of this topic, or an expired one: field
        ``Token``), NotFoundError (no such topic), PermissionDeniedError.
        """
        account, name = self._arns.topic_name(topic_arn)
        if not isinstance(token, str) or not token:
            raise ValidationError("Invalid parameter: Token", field="Token")
        now = self._clock.now()
        with self._uow() as uow:
            topic = uow.topics.get(account, name)
            if topic is None:
                raise NotFoundError("Topic does not exist", field="TopicArn")
            found = uow.subscriptions.find_by_token(topic.id, token_digest(token))
            if found is None:
                raise ValidationError("Invalid token", field="Token")
            if found.token_expires_at is None or require_utc(found.token_expires_at) <= now:
                raise ValidationError(
                    "Invalid token: the confirmation link has expired (tokens are valid for "
                    "two days); subscribe again for a new one",
                    field="Token",
                )
            authenticated = found.confirmation_was_authenticated
            if authenticate_on_unsubscribe:
                if caller is None or caller.account not in (topic.account, found.account):
                    raise PermissionDeniedError(
                        "AuthenticateOnUnsubscribe needs the topic owner's or the "
                        "subscriber's credentials",
                        field="AuthenticateOnUnsubscribe",
                    )
                authenticated = True
            confirmed = replace(
                found,
                state=SubscriptionState.CONFIRMED,
                sealed_token=None,
                confirmation_was_authenticated=authenticated,
                updated_at=now,
            )
            uow.subscriptions.update(confirmed)
            uow.commit()
        return confirmed

    def unsubscribe(self, caller: Caller | None, subscription_arn: str) -> None:
        """Unsubscribe. ``caller`` None is the unsubscribe link, which works unless the
        subscription was confirmed with AuthenticateOnUnsubscribe. A confirmed email or
        http(s) subscriber is sent an UnsubscribeConfirmation whose link restores the
        subscription for two days. Unsubscribing twice succeeds.

        Raises ValidationError (not a subscription ARN), NotFoundError,
        PermissionDeniedError."""
        _, subscription_id = self._arns.subscription_ref(subscription_arn)
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.subscriptions.get(subscription_id)
            if found is None or found.arn != subscription_arn:
                raise NotFoundError("Subscription does not exist", field="SubscriptionArn")
            if found.state is SubscriptionState.DELETED:
                return
            topic = uow.topics.get_by_id(found.topic_id)
            owners = {found.account, topic.account if topic else found.account}
            if caller is None:
                if found.confirmation_was_authenticated:
                    raise PermissionDeniedError(
                        "this subscription can only be removed with the topic owner's or "
                        "the subscriber's credentials",
                        field="SubscriptionArn",
                    )
            elif caller.account not in owners:
                raise NotFoundError("Subscription does not exist", field="SubscriptionArn")
            if (
                topic is not None
                and found.state is SubscriptionState.CONFIRMED
                and (found.protocol.needs_confirmation)
            ):
                self._request_confirmation(
                    uow,
                    found,
                    topic,
                    now,
                    kind=DeliveryKind.UNSUBSCRIBE_CONFIRMATION,
                    state=SubscriptionState.DELETED,
                )
            else:
                uow.subscriptions.update(
                    replace(
                        found,
                        state=SubscriptionState.DELETED,
                        sealed_token=None,
                        token_expires_at=now,
                        updated_at=now,
                    )
                )
            uow.commit()

    # -- reading and changing ------------------------------------------------------------------

    def get(self, caller: Caller, subscription_arn: str) -> Subscription:
        """The subscription (not deleted) if the caller owns it or its topic."""
        with self._uow() as uow:
            return self._get_in(uow, caller, subscription_arn)

    def _get_in(self, uow: UnitOfWork, caller: Caller, subscription_arn: str) -> Subscription:
        _, subscription_id = self._arns.subscription_ref(subscription_arn)
        found = uow.subscriptions.get(subscription_id)
        if (
            found is None
            or found.arn != subscription_arn
            or found.state is SubscriptionState.DELETED
        ):
            raise NotFoundError("Subscription does not exist", field="SubscriptionArn")
        topic = uow.topics.get_by_id(found.topic_id)
        if caller.account not in (found.account, topic.account if topic else None):
            raise NotFoundError("Subscription does not exist", field="SubscriptionArn")
        return found

    def attributes(self, caller: Caller, subscription_arn: str) -> dict[str, str]:
        """GetSubscriptionAttributes."""
        with self._uow() as uow:
            subscription = self._get_in(uow, caller, subscription_arn)
            topic = uow.topics.get_by_id(subscription.topic_id)
        return subscription_attribute_strings(
            subscription,
            effective_delivery_policy=self.effective_delivery_policy(subscription, topic),
        )

    @staticmethod
    def effective_delivery_policy(subscription: Subscription, topic: Topic | None) -> str | None:
        if not subscription.protocol.is_http:
            return None
        topic_text = topic.settings.delivery_policy if topic else None
        text = subscription.settings.delivery_policy
        return effective_policy_json(
            effective_policy(
                subscription.protocol.value,
                topic=parse_topic_delivery_policy(topic_text) if topic_text else None,
                subscription=parse_subscription_delivery_policy(text) if text else None,
            )
        )

    def set_attribute(
        self, caller: Caller, subscription_arn: str, name: str, value: str
    ) -> Subscription:
        """SetSubscriptionAttributes: one attribute. Raises ValidationError naming
        ``Attributes.<name>``, NotFoundError, InvalidStateError (pending)."""
        with self._uow() as uow:
            subscription = self._get_in(uow, caller, subscription_arn)
            if subscription.pending:
                raise InvalidStateError(
                    "the subscription is pending confirmation", field="SubscriptionArn"
                )
            settings = parse_subscription_attributes(
                {name: value},
                protocol=subscription.protocol,
                current=subscription.settings,
                check_filter_policy=self._filters.check,
                check_delivery_policy=normal_subscription_delivery_policy,
            )
            updated = replace(subscription, settings=settings, updated_at=self._clock.now())
            uow.subscriptions.update(updated)
            uow.commit()
        return updated

    def list(
        self, account: str, *, topic_arn: str | None = None, next_token: str | None = None
    ) -> SubscriptionPage:
        """ListSubscriptions (the account's), or ListSubscriptionsByTopic with
        ``topic_arn`` (every subscription of a topic the account may list), 100 a page."""
        validate_account_id(account)
        after = _decode_token(next_token) if next_token else None
        with self._uow() as uow:
            if topic_arn is None:
                found = uow.subscriptions.page(
                    account=account, after=after, limit=MAX_LIST_SUBSCRIPTIONS + 1
                )
            else:
                topic = self._topics.get_in(
                    uow, Caller.of_account(account), topic_arn, action=LIST_SUBSCRIPTIONS_BY_TOPIC
                )
                found = uow.subscriptions.page(
                    topic_id=topic.id, after=after, limit=MAX_LIST_SUBSCRIPTIONS + 1
                )
        page = found[:MAX_LIST_SUBSCRIPTIONS]
        more = len(found) > MAX_LIST_SUBSCRIPTIONS
        return SubscriptionPage(page, _encode_token(page[-1]) if more else None)

    def purge_expired(self) -> int:
        """Remove unconfirmed and unsubscribed subscriptions whose links have expired."""
        with self._uow() as uow:
            removed = uow.subscriptions.purge_deleted(self._clock.now())
            uow.commit()
        return removed


def _encode_token(last: Subscription) -> str:
    raw = f"{last.created_at.isoformat()}|{last.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        created, separator, subscription_id = raw.partition("|")
        if separator and subscription_id:
            return require_utc(datetime.fromisoformat(created)), subscription_id
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise ValidationError("is not a token this server gave", field="NextToken")
