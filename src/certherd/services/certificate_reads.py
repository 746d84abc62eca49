"""Reading the certificate manager's inventory: describe, list, count, PEM, versions.

Reads run in read-only units of work, which on SQLite never wait for the write lock.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from certherd.domain import certificate as model
from certherd.domain.arns import ArnFactory
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    CertificateVersion,
    RenewalEligibility,
)
from certherd.domain.clock import Clock
from certherd.domain.inventory import CertificateFilter, PageRequest
from certherd.errors import ValidationError
from certherd.services.lookup import load_certificate
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

ALL_CERTIFICATES = CertificateFilter()
FIRST_PAGE = PageRequest()


@dataclass(frozen=True)
class CertificateView:
    """A certificate as a caller sees it at one instant."""

    certificate: Certificate
    status: CertificateStatus
    renewal_eligibility: RenewalEligibility
    days_to_expiry: int


@dataclass(frozen=True)
class CertificateMaterial:
    certificate_pem: str
    chain_pem: str | None


@dataclass(frozen=True)
class ExpiryPoint:
    """One certificate in the expiry gauge."""

    arn: str
    domain_name: str
    type: CertificateType
    status: CertificateStatus
    not_after: datetime


@dataclass(frozen=True)
class Page:
    items: builtins.list[CertificateView]
    next_token: str | None


class CertificateReads:
    """The read side of :class:`certherd.services.certificates.CertificateService`."""

    _read_uow: UnitOfWorkFactory
    _clock: Clock
    _arns: ArnFactory

    # -- reading ----------------------------------------------------------------------------

    def describe(self, *, account: str, arn: str) -> CertificateView:
        """The certificate's details as of now (DescribeCertificate)."""
        with self._read_uow() as uow:
            return self._view(load_certificate(uow, self._arns, account=account, arn=arn))

    def list(
        self,
        *,
        account: str,
        where: CertificateFilter = ALL_CERTIFICATES,
        page: PageRequest = FIRST_PAGE,
    ) -> Page:
        """One page of the account's certificates (ListCertificates)."""
        with self._read_uow() as uow:
            items, token = uow.certificates.page(account, where, page, self._clock.now())
        return Page([self._view(c) for c in items], token)

    def count(self, *, account: str, where: CertificateFilter = ALL_CERTIFICATES) -> int:
        with self._read_uow() as uow:
            return uow.certificates.count(account, where, self._clock.now())

    def expiry_gauge(self, *, account: str) -> builtins.list[ExpiryPoint]:
        """Every certificate of the account with its status now and NotAfter (for metrics).

        Read in batches and kept compact, so the transaction is over before the caller
        formats (or streams) the result.
        """
        now = self._clock.now()
        with self._read_uow() as uow:
            return [
                ExpiryPoint(
                    c.arn, c.domain_name, c.type, model.effective_status(c, now), c.not_after
                )
                for c in uow.certificates.iter_all(account)
            ]

    def count_by_status(self, *, account: str) -> dict[str, int]:
        """How many certificates of the account have each (effective) status now."""
        with self._read_uow() as uow:
            return uow.certificates.count_by_status(account, self._clock.now())

    def get(self, *, account: str, arn: str, version: int | None = None) -> CertificateMaterial:
        """The PEM certificate and chain of the current or a given version (GetCertificate)."""
        with self._read_uow() as uow:
            cert = load_certificate(uow, self._arns, account=account, arn=arn)
            chosen = self._version(uow, cert, version)
        return CertificateMaterial(chosen.certificate_pem, chosen.chain_pem)

    def versions(self, *, account: str, arn: str) -> builtins.list[CertificateVersion]:
        """Every version under the ARN, oldest first."""
        with self._read_uow() as uow:
            cert = load_certificate(uow, self._arns, account=account, arn=arn)
            return uow.certificates.versions(cert.id)

    # -- helpers ----------------------------------------------------------------------------

    def _view(self, cert: Certificate) -> CertificateView:
        now = self._clock.now()
        return CertificateView(
            certificate=cert,
            status=model.effective_status(cert, now),
            renewal_eligibility=model.renewal_eligibility(cert, now),
            days_to_expiry=model.days_to_expiry(cert.not_after, now),
        )

    def _version(
        self, uow: UnitOfWork, cert: Certificate, number: int | None
    ) -> CertificateVersion:
        wanted = cert.version if number is None else number
        for version in uow.certificates.versions(cert.id):
            if version.number == wanted:
                return version
        raise ValidationError(f"the certificate has no version {wanted}", field="Version")
