"""``/v1/mailbox`` and ``/v1/mail-relay``: where certherd's mail goes.

With no relay configured, mail is kept in the local mailbox of the account it was sent for
(shown here, marked as not delivered). The relay is the installation's, one for every
account: only an admin token reads or changes it, and its password is never shown.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response, status

from certherd.entrypoints.api.auth import AccountDep, Caller, CallerDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import Text
from certherd.entrypoints.api.topic_schemas import MailListOut, MailOut, RelayBody, RelayOut
from certherd.entrypoints.api.topics import TAG
from certherd.entrypoints.api.views import instant
from certherd.errors import NotFoundError, PermissionDeniedError
from certherd.services.mail import MailboxMail, RelaySettings

__all__ = ["mailbox_router", "relay_router"]

mailbox_router = APIRouter(prefix="/v1/mailbox", tags=[TAG])
relay_router = APIRouter(prefix="/v1/mail-relay", tags=[TAG])

_ID_RE: Final = re.compile(r"[0-9a-f-]{36}")
_DEFAULT_PAGE: Final = 20

JSON = dict[str, Any]


def _summary(mail: MailboxMail) -> JSON:
    return {
        "MailId": mail.id,
        "From": mail.sender,
        "To": list(mail.recipients),
        "Subject": mail.subject,
        "CreatedAt": instant(mail.created_at),
        "Delivered": mail.delivered,
    }


@mailbox_router.get(
    "",
    response_model=MailListOut,
    summary="List the mailbox",
    description="Mail sent for the account while no relay was configured, newest first.",
    responses=problems(400, 401, 403),
)
def list_mailbox(
    account: AccountDep,
    c: ContainerDep,
    max_items: Annotated[int, Query(alias="MaxItems")] = _DEFAULT_PAGE,
    next_token: Annotated[Text | None, Query(alias="NextToken", max_length=64)] = None,
) -> JSON:
    page = c.mail.mailbox(account, next_token=next_token, limit=max_items)
    return {"Mails": [_summary(m) for m in page.mails], "NextToken": page.next_token}


@mailbox_router.get(
    "/{mail_id}",
    response_model=MailOut,
    summary="Show a mail of the mailbox",
    responses=problems(401, 403, 404),
)
def show_mail(mail_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    if not _ID_RE.fullmatch(mail_id):
        raise NotFoundError(f"no mail {mail_id!r} in the mailbox", field="MailId")
    mail = c.mail.mail(account, mail_id)
    return {**_summary(mail), "Text": mail.text, "Html": mail.html}


def _admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise PermissionDeniedError(
            "the mail relay is the installation's: an admin token is needed"
        )


def _relay(settings: RelaySettings) -> JSON:
    config = settings.config
    return {
        "Host": config.host,
        "Port": config.port,
        "Security": config.security.value,
        "Username": config.username,
        "HasPassword": settings.has_password,
        "Sender": config.sender,
        "SenderName": config.sender_name,
        "TimeoutSeconds": config.timeout_seconds,
        "UpdatedAt": instant(settings.updated_at),
    }


@relay_router.get(
    "",
    response_model=RelayOut,
    summary="Show the mail relay",
    description="404 when none is configured (mail then goes to the mailbox). Admin only.",
    responses=problems(401, 403, 404),
)
def show_relay(caller: CallerDep, c: ContainerDep) -> JSON:
    _admin(caller)
    settings = c.mail.relay()
    if settings is None:
        raise NotFoundError("no mail relay is configured: mail goes to the mailbox")
    return _relay(settings)


@relay_router.put(
    "",
    response_model=RelayOut,
    summary="Set the mail relay (SMTP)",
    description="Replaces the relay. `Password` needs `Username`; it is stored sealed and "
    "never shown (`HasPassword`). Admin only.",
    responses=problems(400, 401, 403),
)
def set_relay(body: RelayBody, caller: CallerDep, c: ContainerDep) -> JSON:
    _admin(caller)
    settings = c.mail.configure_relay(
        host=body.host,
        sender=body.sender,
        **({} if body.security is None else {"security": body.security}),
        port=body.port,
        username=body.username,
        password=body.password,
        sender_name=body.sender_name,
        timeout_seconds=body.timeout_seconds,
    )
    return _relay(settings)


@relay_router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove the mail relay",
    description="Mail goes to the mailbox again. Admin only.",
    responses=problems(401, 403),
)
def remove_relay(caller: CallerDep, c: ContainerDep) -> Response:
    _admin(caller)
    c.mail.remove_relay()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
