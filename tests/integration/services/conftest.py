"""A wired container on a real database (SQLite and PostgreSQL) with simulated time."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from certherd.bootstrap import Container, build
from certherd.config import Settings
from certherd.domain.authority import AuthorityType, CertificateAuthority
from certherd.domain.clock import FixedClock
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.subject import Subject


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], database_url: str) -> Settings:
    return settings_factory(database_url=database_url, public_url="http://crl.test:8600")


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    built = build(settings, clock=clock)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def account(settings: Settings) -> str:
    return settings.account_id


@pytest.fixture
def root_ca(container: Container, account: str) -> CertificateAuthority:
    return container.authorities.create(
        account=account,
        type=AuthorityType.ROOT,
        subject=Subject(common_name="Test Root CA", organization="certherd tests"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
    )


@pytest.fixture
def issuing_ca(
    container: Container, account: str, root_ca: CertificateAuthority
) -> CertificateAuthority:
    return container.authorities.create(
        account=account,
        type=AuthorityType.SUBORDINATE,
        subject=Subject(common_name="Test Issuing CA", organization="certherd tests"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        parent_arn=root_ca.arn,
    )
