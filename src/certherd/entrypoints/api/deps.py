"""Reaching the application's services from a request."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from certherd.bootstrap import Container

__all__ = ["ContainerDep", "container_of"]


def container_of(request: Request) -> Container:
    """The :class:`Container` that :func:`certherd.entrypoints.api.app.create_app` was given."""
    return cast(Container, request.app.state.container)


ContainerDep = Annotated[Container, Depends(container_of)]
