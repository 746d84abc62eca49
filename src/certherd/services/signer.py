"""Signing with a CA's key: one place that opens CA keys, caches them and records issuance."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from certherd.domain.authority import AnyAuthority
from certherd.domain.records import IssuedCertificate
from certherd.errors import InvalidStateError
from certherd.pki.issue import Issuer, Validity, issue_certificate_encoded, new_serial
from certherd.pki.keys import PublicKey
from certherd.pki.parse import CertificateInfo, load_chain
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject
from certherd.services.keys import load_private_key
from certherd.services.ports import SecretBox, UnitOfWork


@dataclass(frozen=True)
class Signed:
    """A certificate just issued: the certificate, what it says, and its register entry."""

    certificate: x509.Certificate
    info: CertificateInfo
    record: IssuedCertificate


class Signer:
    """Issues certificates under a CA and records them in the CA's register.

    Opened CA keys are cached in memory by (CA id, CA serial), so a busy CA is not
    unsealed and parsed again for every certificate.
    """

    def __init__(self, *, secrets: SecretBox, crl_base_url: str) -> None:
        self._secrets = secrets
        self._crl_base_url = crl_base_url.rstrip("/")
        self._issuers: dict[tuple[str, str], Issuer] = {}
        self._lock = threading.Lock()

    def crl_url(self, authority: AnyAuthority) -> str:
        return f"{self._crl_base_url}/crl/{authority.account}/{authority.id}.crl"

    def issuer(self, uow: UnitOfWork, authority: AnyAuthority) -> Issuer:
        """The pki issuer (certificate and opened key) of an authority that has its certificate."""
        if authority.certificate_pem is None or authority.serial is None:
            raise InvalidStateError(
                f"certificate authority {authority.arn} has no certificate yet",
                field="CertificateAuthorityArn",
            )
        cache_key = (authority.id, authority.serial)
        with self._lock:
            cached = self._issuers.get(cache_key)
        if cached is not None:
            return cached
        key = load_private_key(uow, self._secrets, authority.key_secret_id)
        cert = load_chain(authority.certificate_pem.encode(), field="Certificate")[0]
        built = Issuer.from_certificate(cert, key)
        with self._lock:
            self._issuers[cache_key] = built
        return built

    def forget(self, authority_id: str) -> None:
        with self._lock:
            for k in [k for k in self._issuers if k[0] == authority_id]:
                del self._issuers[k]

    def chain_of(self, authority: AnyAuthority) -> str:
        """PEM chain that goes with a certificate issued by ``authority`` (CA first, up to root)."""
        parts = [authority.certificate_pem or ""]
        if authority.chain_pem:
            parts.append(authority.chain_pem)
        return "".join(p if p.endswith("\n") else p + "\n" for p in parts if p)

    def sign(
        self,
        uow: UnitOfWork,
        authority: AnyAuthority,
        *,
        public_key: PublicKey,
        subject: Subject | x509.Name,
        sans: Sequence[str],
        validity: Validity,
        signing_algorithm: SigningAlgorithm | None = None,
        ca_path_length: int | None = None,
        certificate_id: str | None = None,
        server_auth_only: bool = False,
        now: datetime,
    ) -> Signed:
        """Sign and record one certificate; the caller has checked the CA may issue."""
        signed = self.issue(
            uow,
            authority,
            public_key=public_key,
            subject=subject,
            sans=sans,
            validity=validity,
            signing_algorithm=signing_algorithm,
            ca_path_length=ca_path_length,
            certificate_id=certificate_id,
            server_auth_only=server_auth_only,
            now=now,
        )
        uow.issued.add(signed.record)
        return signed

    def issue(
        self,
        uow: UnitOfWork,
        authority: AnyAuthority,
        *,
        public_key: PublicKey,
        subject: Subject | x509.Name,
        sans: Sequence[str],
        validity: Validity,
        signing_algorithm: SigningAlgorithm | None = None,
        ca_path_length: int | None = None,
        certificate_id: str | None = None,
        server_auth_only: bool = False,
        now: datetime,
    ) -> Signed:
        """Sign one certificate, like :meth:`sign`, but leave its register entry
        (``Signed.record``) for the caller to store in the same unit of work."""
        issuer = self.issuer(uow, authority)
        cert, info, pem = issue_certificate_encoded(
            issuer=issuer,
            public_key=public_key,
            subject=subject,
            sans=sans,
            validity=validity,
            signing_algorithm=signing_algorithm or authority.signing_algorithm,
            serial=new_serial(),
            ca_path_length=ca_path_length,
            crl_distribution_point=self.crl_url(authority) if authority.crl_enabled else None,
            server_auth_only=server_auth_only,
        )
        record = IssuedCertificate(
            authority_id=authority.id,
            serial=info.serial,
            serial_int=info.serial_int,
            certificate_pem=pem,
            not_after=info.not_after,
            issued_at=now,
            certificate_id=certificate_id,
        )
        return Signed(cert, info, record)
