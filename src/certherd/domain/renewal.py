"""Whether a private certificate can be renewed through its CA, and if not, why."""

from __future__ import annotations

from datetime import datetime

from certherd.domain.authority import (
    AuthorityStatus,
    CertificateAuthority,
    allows_certificate_manager,
    effective_status,
)
from certherd.domain.certificate import FailureReason


def renewal_obstacle(
    *,
    authority: CertificateAuthority | None,
    account: str,
    new_not_after: datetime,
    now: datetime,
) -> FailureReason | None:
    """The reason a renewal through ``authority`` would fail at ``now``, or None if it can succeed.

    The reasons are ACM's: the CA is gone (PCA_RESOURCE_NOT_FOUND), not ACTIVE
    (PCA_INVALID_STATE), does not let the certificate manager of ``account`` issue
    (PCA_ACCESS_DENIED), or its own certificate ends before the renewed one would
    (PCA_INVALID_DURATION).
    """
    if authority is None or authority.status is AuthorityStatus.DELETED:
        return FailureReason.PCA_RESOURCE_NOT_FOUND
    if effective_status(authority, now) is not AuthorityStatus.ACTIVE:
        return FailureReason.PCA_INVALID_STATE
    if not allows_certificate_manager(authority, account):
        return FailureReason.PCA_ACCESS_DENIED
    if authority.not_after is None or authority.not_after < new_not_after:
        return FailureReason.PCA_INVALID_DURATION
    return None
