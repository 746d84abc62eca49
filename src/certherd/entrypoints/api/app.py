"""The native HTTP API as a FastAPI application (docs/api.md is its contract).

:func:`create_app` wires routes onto a built :class:`~certherd.bootstrap.Container`;
:func:`app_from_environment` is the factory for uvicorn::

    uvicorn.run("certherd.entrypoints.api.app:app_from_environment", factory=True)

Nothing is built at import time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from certherd import __version__
from certherd.adapters.credentials_file import check_writable, refresh_url, write_credentials
from certherd.bootstrap import Container, build
from certherd.config import load_settings
from certherd.entrypoints.api import account, authorities, certificates, operations, queues
from certherd.entrypoints.api import archives as archive_routes
from certherd.entrypoints.api import bus_permissions as bus_permission_routes
from certherd.entrypoints.api import deliveries as delivery_routes
from certherd.entrypoints.api import deployments as deployment_routes
from certherd.entrypoints.api import destinations as destination_routes
from certherd.entrypoints.api import events as event_routes
from certherd.entrypoints.api import findings as finding_routes
from certherd.entrypoints.api import functions as function_routes
from certherd.entrypoints.api import invocations as invocation_routes
from certherd.entrypoints.api import lifecycle as lifecycle_routes
from certherd.entrypoints.api import mail as mail_routes
from certherd.entrypoints.api import rules as rule_routes
from certherd.entrypoints.api import sns_links as sns_link_routes
from certherd.entrypoints.api import subscriptions as subscription_routes
from certherd.entrypoints.api import topics as topic_routes
from certherd.entrypoints.api.limits import BodySizeLimit
from certherd.entrypoints.api.problems import install_problem_handlers
from certherd.entrypoints.api.responses import Problem
from certherd.entrypoints.worker import build_worker

__all__ = ["app_from_environment", "create_app", "ensure_admin_credentials"]

_DESCRIPTION = """\
certherd's native API: private certificate authorities (AWS Private CA semantics) and the
certificates they issue or that you import (AWS Certificate Manager semantics). Field names
are those of the AWS APIs (PascalCase); times are ISO 8601 in UTC.

Every `/v1` route and `/metrics` need `Authorization: Bearer <token>`; the first admin token
is in the credentials file (`<data dir>/credentials.json`). An admin token may act for
another account with `X-Certherd-Account: <12 digits>`.

Errors are RFC 9457 problem documents (`application/problem+json`) with `code` and, for bad
input, the `field` at fault.
"""

_TAGS: list[dict[str, Any]] = [
    {"name": "certificate authorities", "description": "Private CAs (AWS Private CA)."},
    {"name": "certificates", "description": "Managed certificates (AWS Certificate Manager)."},
    {"name": "account", "description": "Account configuration."},
    {"name": "event buses", "description": "Event buses (Amazon EventBridge)."},
    {"name": "events", "description": "PutEvents, the event history and TestEventPattern."},
    {"name": "rules", "description": "Rules of a bus and their targets (Amazon EventBridge)."},
    {
        "name": "archives and replays",
        "description": "Event archives and replays of their events (Amazon EventBridge).",
    },
    {"name": "queues", "description": "Message queues (Amazon SQS)."},
    {
        "name": "notifications",
        "description": "Topics, subscriptions and their deliveries (Amazon SNS), the mailbox "
        "and mail relay, and the open `/sns` links notifications carry.",
    },
    {
        "name": "lifecycle",
        "description": "The calendar of coming lifecycle events, and simulated days.",
    },
    {"name": "operations", "description": "Health, metrics and the open CRLs."},
    {
        "name": "deployments",
        "description": "Certificates written to this machine's servers, reloaded and verified; "
        "the record of every run and rollback.",
    },
    {
        "name": "functions",
        "description": "Functions rules can target (`lambda` ARNs), their runs by hand and "
        "the record of every run.",
    },
    {
        "name": "http destinations",
        "description": "HTTP endpoints rules can target (EventBridge API destinations) and the "
        "connections that authorize them.",
    },
]


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_admin_credentials(container: Container, announce: Callable[[str], None]) -> bool:
    """Create the first admin token when there is none, write it with the server URL to the
    credentials file (0600) and announce where it is; return whether one was created. When
    there is one, a credentials file naming another URL is pointed at this server's.

    The token itself is never logged or announced. Raises ConfigurationError when the
    credentials file cannot be written (checked before the token is created).
    """
    settings = container.settings
    path = settings.credentials_file
    check_writable(path)
    token = container.tokens.ensure_admin(account=settings.account_id)
    if token is None:
        # Restarted on another address: the CLI on this machine must still find it.
        if refresh_url(path, url=settings.public_url):
            announce(f"certherd: credentials in {path} now point at {settings.public_url}")
        return False
    write_credentials(path, url=settings.public_url, token=token)
    announce(f"certherd: admin API token created; credentials are in {path}")
    return True


def create_app(container: Container, *, announce: Callable[[str], None] | None = None) -> FastAPI:
    """The API over ``container``'s services.

    On startup the first admin token is created if there is none (see
    :func:`ensure_admin_credentials`; ``announce`` receives the one line saying where it
    was written, default: standard error) and, unless the settings say ``workers = false``,
    the workers start in a thread; on shutdown they stop and the database engine is
    disposed.
    """
    say = announce or _to_stderr

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(ensure_admin_credentials, container, say)
        worker = build_worker(container) if container.settings.workers else None
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await run_in_threadpool(worker.stop)
            container.close()

    app = FastAPI(
        title="certherd",
        version=__version__,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
    )
    app.state.container = container
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit)
    for module in (authorities, certificates, account, queues, operations):
        app.include_router(module.router)
    app.include_router(event_routes.router)
    app.include_router(rule_routes.router)
    app.include_router(invocation_routes.router)
    app.include_router(lifecycle_routes.router)
    app.include_router(archive_routes.router)
    app.include_router(bus_permission_routes.router)
    app.include_router(topic_routes.router)
    app.include_router(subscription_routes.router)
    app.include_router(delivery_routes.router)
    app.include_router(mail_routes.mailbox_router)
    app.include_router(mail_routes.relay_router)
    app.include_router(sns_link_routes.router)
    app.include_router(finding_routes.router)
    app.include_router(deployment_routes.router)
    app.include_router(function_routes.router)
    app.include_router(destination_routes.connections_router)
    app.include_router(destination_routes.destinations_router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _finish_openapi(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _finish_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop the 422 FastAPI documents on every route (certherd answers bad input with 400)
    and add the problem document the error answers refer to."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["Problem"] = Problem.model_json_schema()
    _prune_unreferenced(schema, components)
    return schema


def _prune_unreferenced(schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Drop component schemas nothing refers to (left behind by renamed enums)."""
    while True:
        text = json.dumps(schema)
        unused = [n for n in components if f'"#/components/schemas/{n}"' not in text]
        if not unused:
            return
        for name in unused:
            del components[name]


def app_from_environment() -> FastAPI:
    """The API configured from ``CERTHERD_*`` and the optional TOML file (a uvicorn factory).

    Builds the container (migrating the database) now; the admin token is ensured when
    the server starts.
    """
    settings = load_settings()
    return create_app(build(settings))
