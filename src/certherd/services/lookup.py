"""Finding resources by ARN inside a unit of work, with one NotFoundError for each kind."""

from __future__ import annotations

from datetime import datetime

from certherd.domain import authority as rules
from certherd.domain.arns import ArnFactory
from certherd.domain.authority import CertificateAuthority, IssuingAuthority
from certherd.domain.certificate import Certificate
from certherd.errors import NotFoundError
from certherd.services.ports import UnitOfWork


def load_authority(
    uow: UnitOfWork,
    arns: ArnFactory,
    *,
    account: str,
    arn: str,
    now: datetime,
    field: str = "CertificateAuthorityArn",
) -> CertificateAuthority:
    """The CA named by ``arn`` in ``account``; NotFoundError if absent or purged."""
    arn_account, authority_id = arns.authority_id(arn, field=field)
    ca = uow.authorities.get(account, authority_id) if arn_account == account else None
    if ca is None or rules.is_purged(ca, now):
        raise NotFoundError(f"certificate authority {arn} not found", field=field)
    return ca


def load_issuing_authority(
    uow: UnitOfWork,
    arns: ArnFactory,
    *,
    account: str,
    arn: str,
    now: datetime,
    field: str = "CertificateAuthorityArn",
) -> IssuingAuthority:
    """What issuing needs of the CA named by ``arn``, read now; NotFoundError as
    :func:`load_authority` raises it."""
    arn_account, authority_id = arns.authority_id(arn, field=field)
    ca = uow.authorities.get_issuing(account, authority_id) if arn_account == account else None
    if ca is None or rules.is_purged(ca, now):
        raise NotFoundError(f"certificate authority {arn} not found", field=field)
    return ca


def load_certificate(
    uow: UnitOfWork, arns: ArnFactory, *, account: str, arn: str, field: str = "CertificateArn"
) -> Certificate:
    """The certificate named by ``arn`` in ``account``; NotFoundError if absent."""
    arn_account, certificate_id = arns.certificate_id(arn, field=field)
    cert = uow.certificates.get(account, certificate_id) if arn_account == account else None
    if cert is None:
        raise NotFoundError(f"certificate {arn} not found", field=field)
    return cert
