"""Errors as RFC 9457 problem documents, mapped from the certherd.errors tree in one place.

Every failure the API answers with is ``application/problem+json``::

    {"type": "https://certherd.dev/problems/validation-error", "title": "ValidationError",
     "status": 400, "detail": "DomainName: ...", "field": "DomainName",
     "code": "ValidationError"}

A malformed body is a 400 naming the field (FastAPI's 422 is never used); anything not
raised on purpose is a 500 whose body says nothing about the cause.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from certherd.entrypoints.api.auth import authenticate_if_required
from certherd.errors import (
    AuthenticationError,
    CertherdError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

__all__ = ["PROBLEM_MEDIA_TYPE", "install_problem_handlers", "problem_response"]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_BASE: Final = "https://certherd.dev/problems/"
#: What a 401 answer asks for (RFC 6750).
WWW_AUTHENTICATE: Final = {"WWW-Authenticate": "Bearer"}

_log = logging.getLogger("certherd.api")

# Most specific first: the first class an error is an instance of decides its status.
_STATUS_BY_CLASS: Final[tuple[tuple[type[CertherdError], int], ...]] = (
    (ValidationError, 400),  # LimitExceededError included
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),  # InvalidState, ResourceInUse, RequestInProgress included
)
_CODE_BY_STATUS: Final = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "AccessDenied",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    503: "ServiceUnavailable",
}


def _kebab(code: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", code).lower()


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem document answer; ``code`` is also the title and names the problem type."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + _kebab(code),
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _internal_error() -> JSONResponse:
    return problem_response(
        500, "InternalError", "the server could not complete the request; see its log"
    )


def _from_certherd_error(exc: CertherdError) -> JSONResponse:
    for cls, status in _STATUS_BY_CLASS:
        if isinstance(exc, cls):
            headers = WWW_AUTHENTICATE if status == 401 else None
            return problem_response(status, exc.code, str(exc), field=exc.field, headers=headers)
    # KeyStoreError, ConfigurationError and anything new: the server's fault. Their messages
    # name no secrets, but they describe the server's insides, so they stay in the log.
    _log.error("request failed: %s: %s", type(exc).__name__, exc)
    return _internal_error()


def field_path(loc: Sequence[str | int]) -> str | None:
    """``("body", "Subject", "CommonName")`` -> ``Subject.CommonName``; list positions as
    ``Tags[3].Key``; ``("query", "status", 1)`` -> ``status``."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] in ("query", "path", "header", "cookie"):
        return str(parts[1])  # a parameter, named as sent (a repeated one without position)
    if parts and parts[0] == "body":
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or None


def _describe_validation_error(exc: RequestValidationError) -> tuple[str, str | None]:
    """The detail and field of the first error (the input is never repeated: it may be a
    passphrase or a private key)."""
    # A parameter read by two dependencies is reported twice: count each (place, kind) once.
    errors = list({(tuple(e.get("loc", ())), e.get("type")): e for e in exc.errors()}.values())
    if not errors:  # pragma: no cover - FastAPI always gives at least one
        return "the request is not valid", None
    first = errors[0]
    kind = str(first.get("type", ""))
    loc: Sequence[str | int] = first.get("loc", ())
    if kind == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "")
        position = loc[1] if len(loc) > 1 else "?"
        return f"the request body is not valid JSON ({reason} at character {position})", None
    field = field_path(loc)
    if kind == "missing" and field is None:
        return "a JSON request body is required", None
    if kind == "extra_forbidden":
        message = "is not a known field (check its spelling and case)"
    elif kind == "missing":
        message = "is required"
    elif kind == "value_error":
        message = str((first.get("ctx") or {}).get("error", first.get("msg", "is not valid")))
    else:
        message = str(first.get("msg", "is not valid"))
        if field is None and kind in ("model_attributes_type", "dict_type"):
            return "the request body must be a JSON object", None
    more = len(errors) - 1
    suffix = f" (and {more} more {'error' if more == 1 else 'errors'})" if more else ""
    return (f"{field}: {message}{suffix}" if field else message + suffix), field


async def _on_certherd_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CertherdError)
    return _from_certherd_error(exc)


async def _on_request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI reads (and rejects malformed) JSON before the bearer dependency runs; answer
    # 401 rather than describe the body to a caller who is not authenticated.
    try:
        await run_in_threadpool(authenticate_if_required, request)
    except CertherdError as auth_error:
        return _from_certherd_error(auth_error)
    detail, field = _describe_validation_error(exc)
    return problem_response(400, "ValidationError", detail, field=field)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404:
        detail = f"no such route: {request.method} {request.url.path}"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    else:
        detail = str(exc.detail)
    code = _CODE_BY_STATUS.get(status, "Error" if status < 500 else "InternalError")
    return problem_response(status, code, detail, headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises the exception after this answer, so the server logs it once.
    return _internal_error()


def install_problem_handlers(app: FastAPI) -> None:
    """Register the one mapping from errors to problem documents on ``app``."""
    app.add_exception_handler(CertherdError, _on_certherd_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)
