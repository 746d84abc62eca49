"""AWS Private CA's certificate operations: issue from a CSR, fetch, revoke, and the CRL."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from certherd.domain import authority as rules
from certherd.domain.arns import ArnFactory
from certherd.domain.authority import AuthorityStatus, CertificateAuthority
from certherd.domain.certificate import CertificateStatus, RevocationReason
from certherd.domain.clock import Clock
from certherd.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from certherd.pki.crl import RevocationReason as CrlReason
from certherd.pki.csr import describe_csr, load_csr
from certherd.pki.issue import Validity
from certherd.pki.signing import SigningAlgorithm, check_compatible
from certherd.pki.templates import Template, parse_template_arn
from certherd.services.crls import is_stale, publish_crl
from certherd.services.keys import load_private_key
from certherd.services.lookup import load_authority, load_issuing_authority
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.signer import Signer

_SERIAL_RE = re.compile(r"^[0-9a-fA-F]{1,2}(:?[0-9a-fA-F]{2})*$")
#: ACM revocation reasons as AWS Private CA names them; hold and removal are not revocations.
ACM_TO_CRL_REASON = {
    RevocationReason.UNSPECIFIED: CrlReason.UNSPECIFIED,
    RevocationReason.KEY_COMPROMISE: CrlReason.KEY_COMPROMISE,
    RevocationReason.CA_COMPROMISE: CrlReason.CERTIFICATE_AUTHORITY_COMPROMISE,
    RevocationReason.AFFILIATION_CHANGED: CrlReason.AFFILIATION_CHANGED,
    RevocationReason.SUPERCEDED: CrlReason.SUPERSEDED,
    RevocationReason.SUPERSEDED: CrlReason.SUPERSEDED,
    RevocationReason.CESSATION_OF_OPERATION: CrlReason.CESSATION_OF_OPERATION,
    RevocationReason.PRIVILEGE_WITHDRAWN: CrlReason.PRIVILEGE_WITHDRAWN,
    RevocationReason.A_A_COMPROMISE: CrlReason.A_A_COMPROMISE,
}
CRL_TO_ACM_REASON = {
    CrlReason.UNSPECIFIED: RevocationReason.UNSPECIFIED,
    CrlReason.KEY_COMPROMISE: RevocationReason.KEY_COMPROMISE,
    CrlReason.CERTIFICATE_AUTHORITY_COMPROMISE: RevocationReason.CA_COMPROMISE,
    CrlReason.AFFILIATION_CHANGED: RevocationReason.AFFILIATION_CHANGED,
    CrlReason.SUPERSEDED: RevocationReason.SUPERSEDED,
    CrlReason.CESSATION_OF_OPERATION: RevocationReason.CESSATION_OF_OPERATION,
    CrlReason.PRIVILEGE_WITHDRAWN: RevocationReason.PRIVILEGE_WITHDRAWN,
    CrlReason.A_A_COMPROMISE: RevocationReason.A_A_COMPROMISE,
}


def normalize_serial(serial: str, *, field: str = "CertificateSerial") -> str:
    """ACM-style serial (lowercase hex pairs joined by colons) from hex with or without colons."""
    text = serial.strip().lower() if isinstance(serial, str) else ""
    if not text or len(text) > 128 or not _SERIAL_RE.match(text):
        raise ValidationError("must be a hexadecimal serial number", field=field)
    digits = text.replace(":", "")
    if len(digits) % 2:
        digits = "0" + digits
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


@dataclass(frozen=True)
class IssuedCertificateView:
    arn: str
    certificate_pem: str
    chain_pem: str


class IssuingService:
    """Issue, fetch and revoke certificates directly at a CA, and serve its CRL."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        signer: Signer,
        secrets: SecretBox,
        clock: Clock,
        arns: ArnFactory,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        # Reads go through ``read_uow`` (read-only transactions: on SQLite they never wait
        # for the write lock); it defaults to ``uow``.
        self._read_uow = read_uow or uow
        self._signer = signer
        self._secrets = secrets
        self._clock = clock
        self._arns = arns

    def issue(
        self,
        *,
        account: str,
        authority_arn: str,
        csr: bytes,
        validity: Validity | None = None,
        validity_days: int | None = None,
        signing_algorithm: SigningAlgorithm | None = None,
        template_arn: str | None = None,
    ) -> str:
        """Sign ``csr`` with the CA (IssueCertificate); return the issued certificate's ARN.

        Certificates issued this way are not managed by the certificate manager: they are
        not listed among its certificates and are not renewed.
        """
        request = describe_csr(load_csr(csr, field="Csr"))
        now = self._clock.now()
        if validity is None:
            if validity_days is None or validity_days < 1:
                raise ValidationError("give a validity of at least one day", field="Validity")
            validity = Validity(now, now + timedelta(days=validity_days))
        template = parse_template_arn(template_arn)
        if template.template is Template.ROOT_CA:
            raise ValidationError(
                "a root CA certificate is self-signed: create a ROOT certificate authority",
                field="TemplateArn",
            )
        with self._uow() as uow:
            ca = load_issuing_authority(
                uow, self._arns, account=account, arn=authority_arn, now=now
            )
            rules.check_can_issue(ca, now)
            if signing_algorithm is not None:
                check_compatible(
                    signing_algorithm, load_private_key(uow, self._secrets, ca.key_secret_id)
                )
            record = self._signer.sign(
                uow,
                ca,
                public_key=request.public_key,
                subject=request.subject,
                sans=request.sans,
                validity=validity,
                signing_algorithm=signing_algorithm,
                ca_path_length=template.ca_path_length,
                server_auth_only=template.server_auth_only,
                now=now,
            ).record
            uow.commit()
        return self._arns.issued_certificate(ca.arn, record.serial.replace(":", ""))

    def get(
        self, *, account: str, authority_arn: str, certificate_arn: str
    ) -> IssuedCertificateView:
        """An issued certificate and its chain (works for issued, expired and revoked ones)."""
        serial = normalize_serial(
            self._arns.issued_certificate_serial(certificate_arn), field="CertificateArn"
        )
        now = self._clock.now()
        with self._read_uow() as uow:
            ca = load_authority(uow, self._arns, account=account, arn=authority_arn, now=now)
            record = uow.issued.get(ca.id, serial)
            if record is None or not certificate_arn.startswith(ca.arn + "/"):
                raise NotFoundError(
                    f"certificate {certificate_arn} not found", field="CertificateArn"
                )
            return IssuedCertificateView(
                certificate_arn, record.certificate_pem, self._signer.chain_of(ca)
            )

    def revoke(self, *, account: str, authority_arn: str, serial: str, reason: CrlReason) -> None:
        """Revoke a certificate the CA issued and publish a new CRL at once.

        A certificate the certificate manager holds becomes REVOKED there too. Raises
        NotFoundError for a serial the CA never issued and ConflictError if already revoked.
        """
        serial = normalize_serial(serial)
        now = self._clock.now()
        with self._uow() as uow:
            ca = load_authority(uow, self._arns, account=account, arn=authority_arn, now=now)
            self.revoke_in(uow, ca, serial, reason, now)
            uow.commit()

    def revoke_in(
        self,
        uow: UnitOfWork,
        ca: CertificateAuthority,
        serial: str,
        reason: CrlReason,
        now: datetime,
    ) -> None:
        """Revoke inside the caller's unit of work (used by the certificate manager too)."""
        status = rules.effective_status(ca, now)
        if status not in (
            AuthorityStatus.ACTIVE,
            AuthorityStatus.DISABLED,
            AuthorityStatus.EXPIRED,
        ):
            raise InvalidStateError(
                f"the CA is {status.value}; it cannot revoke", field="CertificateAuthorityArn"
            )
        record = uow.issued.get(ca.id, serial)
        if record is None:
            raise NotFoundError(
                f"certificate authority {ca.arn} issued no certificate with serial {serial}",
                field="CertificateSerial",
            )
        if record.revoked_at is not None:
            raise ConflictError(
                f"certificate {serial} is already revoked", field="CertificateSerial"
            )
        uow.issued.revoke(ca.id, serial, now, reason)
        if record.certificate_id is not None:
            cert = uow.certificates.get(ca.account, record.certificate_id)
            if cert is not None and cert.serial == serial:
                uow.certificates.update(
                    replace(
                        cert,
                        status=CertificateStatus.REVOKED,
                        revoked_at=now,
                        revocation_reason=CRL_TO_ACM_REASON[reason],
                    )
                )
        if ca.crl_enabled:
            publish_crl(uow, self._signer, ca, now)

    def crl(self, *, account: str, authority_id: str) -> bytes:
        """The CA's current CRL (DER); a stale or missing one is rebuilt first."""
        now = self._clock.now()
        arn = self._arns.authority(account, authority_id)
        with self._uow() as uow:
            ca = load_authority(uow, self._arns, account=account, arn=arn, now=self._clock.now())
            if not ca.crl_enabled or ca.certificate_pem is None:
                raise NotFoundError(f"certificate authority {arn} publishes no CRL")
            current = uow.crls.latest(ca.id)
            if current is None or is_stale(current, now):
                current = publish_crl(uow, self._signer, ca, now)
                uow.commit()
            return current.der
