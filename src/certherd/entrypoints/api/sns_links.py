"""``/sns``: the open links certherd's notifications carry (no token, like ``/crl``).

- ``/sns/confirm``: the SubscribeURL of a SubscriptionConfirmation (and the restore link of
  an UnsubscribeConfirmation), as SNS's ConfirmSubscription action;
- ``/sns/unsubscribe``: the UnsubscribeURL of every notification;
- ``/sns/SimpleNotificationService-<sha1>.pem``: the SigningCertURL, the certificate
  subscribers check signatures with.

The links are opened by people in a browser, so they answer small HTML pages; a client
sending ``Accept: application/json`` gets JSON and problem documents instead.
"""

from __future__ import annotations

import html
import re
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from certherd.bootstrap import Container
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.topics import TAG
from certherd.errors import (
    CertherdError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

__all__ = ["PEM_MEDIA_TYPE", "router"]

router = APIRouter(prefix="/sns", tags=[TAG])

PEM_MEDIA_TYPE: Final = "application/x-pem-file"
_CERT_NAME_RE: Final = re.compile(r"SimpleNotificationService-[0-9a-f]{40}\.pem")
# The pages load nothing, may not be framed, and do not pass on the URL (it holds a token).
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_STYLE: Final = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;"
    "color:#222;line-height:1.5}code{word-break:break-all}"
)
_HTML_ANSWERS: Final[dict[int | str, dict[str, object]]] = {
    200: {
        "content": {"text/html": {}},
        "description": "A page for a browser; with `Accept: application/json`, JSON.",
    }
}


def _page(title: str, *paragraphs: str, status_code: int = 200) -> HTMLResponse:
    """A small page; ``paragraphs`` are HTML, already escaped by the caller."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    text = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(text, status_code=status_code, headers=_PAGE_HEADERS)


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _failure_page(exc: CertherdError, what: str) -> HTMLResponse:
    """The page for an error a link can meet; anything else is raised on to the problem
    handler (the server's fault)."""
    if isinstance(exc, ValidationError):
        title, status_code = f"This {what} link is not valid or has expired", 400
    elif isinstance(exc, NotFoundError):
        title, status_code = "Not found", 404
    elif isinstance(exc, PermissionDeniedError):
        title, status_code = "Not allowed", 403
    else:
        raise exc
    return _page(title, html.escape(str(exc)), status_code=status_code)


def _check_action(action: str | None, expected: str) -> None:
    if action is not None and action != expected:
        raise ValidationError(f"must be {expected}", field="Action")


def _required(value: str | None, field: str) -> str:
    if not value:
        raise ValidationError("is required", field=field)
    return value


def _confirm(c: Container, action: str | None, topic: str | None, token: str | None) -> str:
    _check_action(action, "ConfirmSubscription")
    topic_arn = _required(topic, "TopicArn")
    subscription = c.subscriptions.confirm(topic_arn, _required(token, "Token"))
    return subscription.arn


@router.get(
    "/confirm",
    response_class=HTMLResponse,
    summary="Confirm a subscription (the link of a SubscriptionConfirmation; open)",
    responses={**_HTML_ANSWERS, **problems(400, 404)},
)
def confirm_link(
    request: Request,
    c: ContainerDep,
    action: Annotated[str | None, Query(alias="Action")] = None,
    topic_arn: Annotated[str | None, Query(alias="TopicArn")] = None,
    token: Annotated[str | None, Query(alias="Token")] = None,
) -> Response:
    if _wants_json(request):
        return JSONResponse({"SubscriptionArn": _confirm(c, action, topic_arn, token)})
    try:
        arn = _confirm(c, action, topic_arn, token)
    except CertherdError as exc:
        return _failure_page(exc, "confirmation")
    topic = arn.rpartition(":")[0]
    unsubscribe = html.escape(c.links.unsubscribe(arn), quote=True)
    return _page(
        "Subscription confirmed",
        f"You are now subscribed to the topic {_code(topic)}.",
        f"Your subscription's id is {_code(arn)}.",
        f'If you did not mean to subscribe, <a href="{unsubscribe}">unsubscribe</a>.',
    )


def _unsubscribe(c: Container, action: str | None, subscription: str | None) -> str:
    _check_action(action, "Unsubscribe")
    arn = _required(subscription, "SubscriptionArn")
    c.subscriptions.unsubscribe(None, arn)
    return arn


@router.get(
    "/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe (the UnsubscribeURL of a notification; open)",
    description="Works unless the subscription was confirmed with AuthenticateOnUnsubscribe (403).",
    responses={**_HTML_ANSWERS, **problems(400, 403, 404)},
)
def unsubscribe_link(
    request: Request,
    c: ContainerDep,
    action: Annotated[str | None, Query(alias="Action")] = None,
    subscription_arn: Annotated[str | None, Query(alias="SubscriptionArn")] = None,
) -> Response:
    if _wants_json(request):
        return JSONResponse({"SubscriptionArn": _unsubscribe(c, action, subscription_arn)})
    try:
        arn = _unsubscribe(c, action, subscription_arn)
    except CertherdError as exc:
        return _failure_page(exc, "unsubscribe")
    return _page(
        "You have been unsubscribed",
        f"The subscription {_code(arn)} has been removed: it will receive no more "
        f"notifications from {_code(arn.rpartition(':')[0])}.",
    )


@router.get(
    "/{name}",
    response_class=Response,
    summary="The certificate notifications are signed with (SigningCertURL; open)",
    description="`SimpleNotificationService-<SHA-1 of the certificate>.pem`: the signing "
    "certificate, then the CA that issued it (PEM).",
    responses={
        200: {"content": {PEM_MEDIA_TYPE: {}}, "description": "The certificate chain, PEM."},
        **problems(404),
    },
)
def signing_certificate(name: str, c: ContainerDep) -> Response:
    pem = c.notification_signer.certificate(name) if _CERT_NAME_RE.fullmatch(name) else None
    if pem is None:
        raise NotFoundError(f"no signing certificate {name!r}")
    return Response(content=pem, media_type=PEM_MEDIA_TYPE)
