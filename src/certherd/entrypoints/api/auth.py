"""Bearer-token authentication and the account a request acts for.

Every ``/v1`` route and ``/metrics`` need ``Authorization: Bearer <token>``. A token acts
for its own account; an admin token may act for another one named by
``X-Certherd-Account: <12 digits>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from certherd.bootstrap import Container
from certherd.entrypoints.api.deps import container_of
from certherd.errors import PermissionDeniedError, ValidationError

__all__ = [
    "ACCOUNT_HEADER",
    "AccountDep",
    "Caller",
    "CallerDep",
    "authenticate_if_required",
    "requires_token",
]

ACCOUNT_HEADER: Final = "X-Certherd-Account"
_ACCOUNT_RE: Final = re.compile(r"[0-9]{12}")

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description=(
        "An API token (`chd_...`). The first one is created on the server's first start "
        "and written to the credentials file (`<data dir>/credentials.json`)."
    ),
)


@dataclass(frozen=True)
class Caller:
    """Who is asking, and for which account."""

    account: str
    token_id: str
    token_account: str
    is_admin: bool


def requires_token(path: str) -> bool:
    """Whether a request to ``path`` must carry a bearer token."""
    return path == "/v1" or path.startswith("/v1/") or path == "/metrics"


def _authenticate(container: Container, token: str | None, asked: str | None) -> Caller:
    # The service raises AuthenticationError for a missing or unknown token; the message
    # never repeats the token.
    record = container.tokens.authenticate(token)
    account = record.account
    if asked is not None:
        asked = asked.strip()
        if not _ACCOUNT_RE.fullmatch(asked):
            raise ValidationError("must be exactly 12 digits", field=ACCOUNT_HEADER)
        if asked != record.account and not record.is_admin:
            raise PermissionDeniedError(
                f"only an admin token may act for another account than its own ({record.account})",
                field=ACCOUNT_HEADER,
            )
        account = asked
    return Caller(
        account=account,
        token_id=record.id,
        token_account=record.account,
        is_admin=record.is_admin,
    )


def authenticated_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    account_header: Annotated[
        str | None,
        Header(
            alias=ACCOUNT_HEADER,
            description="With an admin token: act for this account (12 digits).",
        ),
    ] = None,
) -> Caller:
    """The authenticated caller; AuthenticationError (401) without a valid bearer token."""
    token = credentials.credentials if credentials is not None else None
    caller = _authenticate(container_of(request), token, account_header)
    request.state.caller = caller
    return caller


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate_if_required(request: Request) -> None:
    """Raise AuthenticationError (or PermissionDeniedError) when ``request`` needs a token
    and has not been authenticated yet (used before describing a malformed body)."""
    if not requires_token(request.url.path) or getattr(request.state, "caller", None):
        return
    request.state.caller = _authenticate(
        container_of(request), _bearer_token(request), request.headers.get(ACCOUNT_HEADER)
    )


CallerDep = Annotated[Caller, Depends(authenticated_caller)]


def _account(caller: CallerDep) -> str:
    return caller.account


#: The account the authenticated request acts for.
AccountDep = Annotated[str, Depends(_account)]
