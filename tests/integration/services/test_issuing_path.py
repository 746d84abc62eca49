"""The issuing path's shortcuts change nothing a caller can see: a CA changed elsewhere stops
issuing at once, what is stored of a certificate is what its PEM says, and reads do not
queue behind a writer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from certherd.bootstrap import Container, build
from certherd.config import Settings
from certherd.domain.authority import AuthorityStatus, CertificateAuthority
from certherd.domain.clock import FixedClock
from certherd.errors import InvalidStateError
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.parse import describe_certificate, load_certificate, load_chain


@pytest.fixture
def elsewhere(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    """A second certherd on the same database and key file (another process, say)."""
    other = build(settings, clock=clock)
    try:
        yield other
    finally:
        other.close()


def _request(container: Container, account: str, ca: CertificateAuthority, name: str) -> str:
    return container.certificates.request(
        account=account,
        domain_name=name,
        authority_arn=ca.arn,
        key_algorithm=KeyAlgorithm.EC_prime256v1,
    )


def test_a_ca_changed_elsewhere_stops_issuing_at_once(
    container: Container, elsewhere: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    _request(container, account, issuing_ca, "before.example")  # the CA's key is cached now
    elsewhere.authorities.set_status(
        account=account, arn=issuing_ca.arn, status=AuthorityStatus.DISABLED
    )
    with pytest.raises(InvalidStateError):
        _request(container, account, issuing_ca, "while-disabled.example")
    elsewhere.authorities.set_status(
        account=account, arn=issuing_ca.arn, status=AuthorityStatus.ACTIVE
    )
    _request(container, account, issuing_ca, "enabled-again.example")
    elsewhere.authorities.set_status(
        account=account, arn=issuing_ca.arn, status=AuthorityStatus.DISABLED
    )
    elsewhere.authorities.delete(account=account, arn=issuing_ca.arn, restore_days=7)
    with pytest.raises(InvalidStateError):
        _request(container, account, issuing_ca, "deleted.example")
    assert container.certificates.count(account=account) == 2


def test_what_is_stored_is_what_the_certificate_says(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    arn = _request(container, account, issuing_ca, "www.example.internal")
    view = container.certificates.describe(account=account, arn=arn)
    material = container.certificates.get(account=account, arn=arn)
    parsed = describe_certificate(load_certificate(material.certificate_pem.encode()))
    cert = view.certificate
    assert (cert.serial, cert.subject, cert.issuer) == (
        parsed.serial,
        parsed.subject,
        parsed.issuer,
    )
    assert (cert.not_before, cert.not_after) == (parsed.not_before, parsed.not_after)
    assert cert.signature_algorithm == parsed.signature_algorithm
    assert cert.key_algorithm is parsed.key_algorithm
    assert cert.key_usages == parsed.key_usages
    assert cert.extended_key_usages == parsed.extended_key_usages
    assert cert.subject_alternative_names == parsed.sans
    assert material.chain_pem is not None
    chain = load_chain(material.chain_pem.encode())
    assert chain[0].subject == load_certificate(material.certificate_pem.encode()).issuer
    (version,) = container.certificates.versions(account=account, arn=arn)
    assert (version.serial, version.not_after) == (parsed.serial, parsed.not_after)


def test_reads_do_not_wait_for_a_writer(
    container: Container, account: str, issuing_ca: CertificateAuthority
) -> None:
    arn = _request(container, account, issuing_ca, "read.example")
    token = container.tokens.create(name="reader", account=account)
    with container.uow():  # holds the write lock (SQLite: BEGIN IMMEDIATE) until the end
        # Each of these would wait for it (busy_timeout) if it began IMMEDIATE too.
        container.certificates.describe(account=account, arn=arn)
        container.certificates.list(account=account)
        assert container.certificates.count(account=account) == 1
        container.certificates.get(account=account, arn=arn)
        container.certificates.versions(account=account, arn=arn)
        container.certificates.count_by_status(account=account)
        container.certificates.expiry_gauge(account=account)
        container.authorities.get(account=account, arn=issuing_ca.arn)
        container.authorities.list(account=account)
        container.accounts.get(account=account)
        assert container.tokens.authenticate(token).account == account
