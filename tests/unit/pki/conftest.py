"""Fixtures for certherd.pki unit tests: a fixed clock, cached keys and a small CA hierarchy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from certherd import pki
from certherd.pki import KeyAlgorithm, PrivateKey, Subject, Validity

NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def key_for() -> Callable[[KeyAlgorithm], PrivateKey]:
    """One key per algorithm for the whole run (RSA 4096 is generated at most once)."""
    cache: dict[KeyAlgorithm, PrivateKey] = {}

    def get(algorithm: KeyAlgorithm) -> PrivateKey:
        if algorithm not in cache:
            cache[algorithm] = pki.generate_private_key(algorithm)
        return cache[algorithm]

    return get


@dataclass(frozen=True)
class Hierarchy:
    root_key: PrivateKey
    root: x509.Certificate
    sub_key: PrivateKey
    sub: x509.Certificate
    leaf_key: PrivateKey
    leaf: x509.Certificate


def _make_hierarchy(now: datetime, *, leaf_days: int = 90) -> Hierarchy:
    root_key = pki.generate_private_key(KeyAlgorithm.EC_prime256v1)
    root = pki.self_signed_ca_certificate(
        key=root_key,
        subject=Subject(common_name="Test Root", organization="certherd", country="NL"),
        validity=Validity(now - timedelta(days=10), now + timedelta(days=3650)),
        serial=pki.new_serial(),
    )
    sub_key = pki.generate_private_key(KeyAlgorithm.EC_secp384r1)
    sub = pki.issue_certificate(
        issuer_certificate=root,
        issuer_key=root_key,
        public_key=sub_key.public_key(),
        subject=Subject(common_name="Test Sub", organization="certherd"),
        validity=Validity(now - timedelta(days=5), now + timedelta(days=1825)),
        serial=pki.new_serial(),
        ca_path_length=0,
    )
    leaf_key = pki.generate_private_key(KeyAlgorithm.RSA_2048)
    leaf = pki.issue_certificate(
        issuer_certificate=sub,
        issuer_key=sub_key,
        public_key=leaf_key.public_key(),
        subject=Subject(common_name="www.example.com"),
        sans=["www.example.com", "example.com", "10.0.0.1"],
        validity=Validity(now - timedelta(hours=1), now + timedelta(days=leaf_days)),
        serial=pki.new_serial(),
    )
    return Hierarchy(root_key, root, sub_key, sub, leaf_key, leaf)


@pytest.fixture(scope="session")
def make_hierarchy() -> Callable[..., Hierarchy]:
    """Builds a fresh root -> subordinate (path length 0) -> RSA leaf hierarchy."""
    return _make_hierarchy


@pytest.fixture(scope="session")
def hierarchy() -> Hierarchy:
    """One shared hierarchy, valid around NOW (leaf: NOW - 1 h .. NOW + 90 days)."""
    return _make_hierarchy(NOW)
