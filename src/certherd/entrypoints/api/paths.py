"""Resource ids in paths, turned into the ARNs the services take.

Paths carry the last segment of an ARN. An id that could not be part of one of our ARNs
names no resource: it is a 404, not a complaint about an ARN the caller never sent.
"""

from __future__ import annotations

import re
from typing import Final

from certherd.bootstrap import Container
from certherd.errors import NotFoundError

__all__ = ["authority_arn", "certificate_arn", "check_id"]

_ID_RE: Final = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def check_id(resource_id: str, what: str) -> str:
    """``resource_id`` if it can be an id; NotFoundError otherwise."""
    if not _ID_RE.fullmatch(resource_id):
        raise NotFoundError(f"{what} {resource_id!r} not found")
    return resource_id


def certificate_arn(container: Container, account: str, certificate_id: str) -> str:
    return container.arns.certificate(account, check_id(certificate_id, "certificate"))


def authority_arn(container: Container, account: str, authority_id: str) -> str:
    return container.arns.authority(account, check_id(authority_id, "certificate authority"))
