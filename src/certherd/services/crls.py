"""Certificate revocation lists: built from a CA's register, kept, and refreshed when stale."""

from __future__ import annotations

from datetime import datetime, timedelta

from certherd.domain.authority import CertificateAuthority
from certherd.domain.records import Crl
from certherd.pki.crl import RevokedEntry, build_crl, crl_to_der
from certherd.services.ports import UnitOfWork
from certherd.services.signer import Signer


def publish_crl(
    uow: UnitOfWork, signer: Signer, authority: CertificateAuthority, now: datetime
) -> Crl:
    """Build and store a new CRL for ``authority`` listing its revoked, unexpired certificates."""
    previous = uow.crls.latest(authority.id)
    number = 1 if previous is None else previous.number + 1
    entries = [
        RevokedEntry(
            serial=r.serial_int,
            revoked_at=r.revoked_at or now,
            reason=r.revocation_reason,
        )
        for r in uow.issued.revoked_after(authority.id, now)
        if r.revocation_reason is not None
    ]
    issuer = signer.issuer(uow, authority)
    next_update = now + timedelta(days=authority.crl_expiration_days)
    crl = build_crl(
        issuer_certificate=issuer.certificate,
        issuer_key=issuer.key,
        revoked=entries,
        this_update=now,
        next_update=next_update,
        crl_number=number,
    )
    record = Crl(
        authority_id=authority.id,
        number=number,
        der=crl_to_der(crl),
        this_update=now,
        next_update=next_update,
    )
    uow.crls.save(record)
    return record


def is_stale(crl: Crl | None, now: datetime) -> bool:
    """A CRL must be replaced once half of its validity has passed (so relying parties
    never hold an expired one)."""
    if crl is None:
        return True
    return now >= crl.this_update + (crl.next_update - crl.this_update) / 2
