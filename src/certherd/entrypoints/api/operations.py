"""Open and operational routes: ``/healthz``, ``/metrics`` and the CRLs named in certificates."""

from __future__ import annotations

import logging
import re
from typing import Final

import sqlalchemy as sa
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, StreamingResponse

from certherd import __version__
from certherd.adapters.db.engine import read_only
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.authorities import CRL_MEDIA_TYPE
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.metrics import CONTENT_TYPE, exposition
from certherd.entrypoints.api.paths import check_id
from certherd.entrypoints.api.responses import HealthOut, problems
from certherd.errors import NotFoundError

router = APIRouter(tags=["operations"])

_ACCOUNT_RE: Final = re.compile(r"[0-9]{12}")
_log = logging.getLogger("certherd.api")


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="Health check (open)",
    description="Checks the database with a trivial query; 503 when it cannot be reached.",
    responses={503: {"model": HealthOut, "description": "The database cannot be reached."}},
)
def healthz(c: ContainerDep) -> JSONResponse:
    database = "ok"
    try:
        with c.engine.connect() as connection:
            read_only(connection).execute(sa.text("SELECT 1")).scalar_one()
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log
        _log.warning("health check: the database is not reachable: %s", type(exc).__name__)
        database = "unavailable"
    healthy = database == "ok"
    return JSONResponse(
        {"status": "ok" if healthy else "error", "database": database, "version": __version__},
        status_code=200 if healthy else 503,
    )


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics for the account",
    description="`certherd_certificate_expiry_timestamp_seconds{arn,common_name,type,status}` "
    "(NotAfter of each certificate as a Unix timestamp) and `certherd_certificates{status}`.",
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4."},
        **problems(401, 403),
    },
)
def metrics(account: AccountDep, c: ContainerDep) -> StreamingResponse:
    points = c.certificates.expiry_gauge(account=account)
    counts = c.certificates.count_by_status(account=account)
    return StreamingResponse(exposition(points, counts), media_type=CONTENT_TYPE)


@router.get(
    "/crl/{account}/{authority_id}.crl",
    response_class=Response,
    summary="A CA's current CRL (open, DER)",
    description="The URL in the CRL distribution point of every certificate the CA issues.",
    responses={
        200: {"content": {CRL_MEDIA_TYPE: {}}, "description": "The CRL, DER."},
        **problems(404),
    },
)
def public_crl(account: str, authority_id: str, c: ContainerDep) -> Response:
    if not _ACCOUNT_RE.fullmatch(account):
        raise NotFoundError(f"account {account!r} not found")
    der = c.issuing.crl(account=account, authority_id=check_id(authority_id, "CRL"))
    return Response(content=der, media_type=CRL_MEDIA_TYPE)
