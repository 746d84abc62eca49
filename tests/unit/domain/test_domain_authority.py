"""Pure decisions about private CAs (AWS Private CA statuses, spec §1.7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from certherd.domain import authority as rules
from certherd.domain.authority import (
    CERTIFICATE_MANAGER_PRINCIPAL,
    PERMISSION_ACTIONS,
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
    Permission,
)
from certherd.domain.certificate import FailureReason
from certherd.domain.renewal import renewal_obstacle
from certherd.errors import InvalidStateError, ValidationError
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ACCOUNT = "123456789012"


def ca(**changes: object) -> CertificateAuthority:
    base = CertificateAuthority(
        id="ca-1",
        arn=f"arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/ca-1",
        account=ACCOUNT,
        type=AuthorityType.ROOT,
        status=AuthorityStatus.ACTIVE,
        subject=Subject(common_name="Root"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        key_secret_id="s",
        csr_pem="",
        created_at=NOW - timedelta(days=10),
        last_state_change_at=NOW - timedelta(days=10),
        not_before=NOW - timedelta(days=10),
        not_after=NOW + timedelta(days=1000),
        permissions=(Permission(CERTIFICATE_MANAGER_PRINCIPAL, PERMISSION_ACTIONS, ACCOUNT, NOW),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_expired_is_decided_at_read_time() -> None:
    assert rules.effective_status(ca(), NOW) is AuthorityStatus.ACTIVE
    assert rules.effective_status(ca(not_after=NOW), NOW) is AuthorityStatus.EXPIRED
    assert (
        rules.effective_status(ca(status=AuthorityStatus.DISABLED, not_after=NOW), NOW)
        is AuthorityStatus.EXPIRED
    )
    pending = ca(status=AuthorityStatus.PENDING_CERTIFICATE, not_after=None)
    assert rules.effective_status(pending, NOW) is AuthorityStatus.PENDING_CERTIFICATE


def test_transitions() -> None:
    disabled = rules.disable(ca(), NOW)
    assert disabled.status is AuthorityStatus.DISABLED and disabled.last_state_change_at == NOW
    with pytest.raises(InvalidStateError):
        rules.disable(disabled, NOW)
    assert rules.enable(disabled, NOW).status is AuthorityStatus.ACTIVE
    with pytest.raises(InvalidStateError):
        rules.enable(ca(), NOW)
    with pytest.raises(InvalidStateError, match="disabled before"):
        rules.delete(ca(), NOW, 30)
    deleted = rules.delete(disabled, NOW, 30)
    assert deleted.restorable_until == NOW + timedelta(days=30)
    assert rules.restore(deleted, NOW + timedelta(days=29)).status is AuthorityStatus.DISABLED
    with pytest.raises(InvalidStateError, match="restore period"):
        rules.restore(deleted, NOW + timedelta(days=30))
    assert rules.is_purged(deleted, NOW + timedelta(days=30))
    for days in (6, 31):
        with pytest.raises(ValidationError) as info:
            rules.delete(disabled, NOW, days)
        assert info.value.field == "PermanentDeletionTimeInDays"
    pending = ca(status=AuthorityStatus.PENDING_CERTIFICATE)
    assert rules.restore(rules.delete(pending, NOW, 7), NOW).status is (
        AuthorityStatus.PENDING_CERTIFICATE
    )


def test_only_an_active_ca_issues() -> None:
    rules.check_can_issue(ca(), NOW)
    for status in (AuthorityStatus.DISABLED, AuthorityStatus.PENDING_CERTIFICATE):
        with pytest.raises(InvalidStateError, match=status.value):
            rules.check_can_issue(ca(status=status), NOW)
    with pytest.raises(InvalidStateError, match="EXPIRED"):
        rules.check_can_issue(ca(not_after=NOW - timedelta(seconds=1)), NOW)


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        (ca(), None),
        (None, FailureReason.PCA_RESOURCE_NOT_FOUND),
        (ca(status=AuthorityStatus.DELETED), FailureReason.PCA_RESOURCE_NOT_FOUND),
        (ca(status=AuthorityStatus.DISABLED), FailureReason.PCA_INVALID_STATE),
        (ca(not_after=NOW), FailureReason.PCA_INVALID_STATE),
        (ca(permissions=()), FailureReason.PCA_ACCESS_DENIED),
        (
            ca(
                permissions=(
                    Permission(
                        CERTIFICATE_MANAGER_PRINCIPAL, PERMISSION_ACTIONS, "999999999999", NOW
                    ),
                )
            ),
            FailureReason.PCA_ACCESS_DENIED,
        ),
        (ca(not_after=NOW + timedelta(days=100)), FailureReason.PCA_INVALID_DURATION),
    ],
)
def test_renewal_obstacles(
    authority: CertificateAuthority | None, expected: FailureReason | None
) -> None:
    assert (
        renewal_obstacle(
            authority=authority, account=ACCOUNT, new_not_after=NOW + timedelta(days=395), now=NOW
        )
        is expected
    )
