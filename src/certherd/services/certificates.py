"""The certificate manager's use cases: request, import, describe, list, export, renew, delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from certherd.domain import certificate as model
from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.certificate import (
    DEFAULT_PRIVATE_VALIDITY_DAYS,
    Certificate,
    CertificateStatus,
    CertificateType,
    CertificateVersion,
    RenewalEligibility,
    RenewalStatus,
    RenewalSummary,
    RevocationReason,
    VersionAction,
)
from certherd.domain.clock import Clock
from certherd.domain.renewal import renewal_obstacle
from certherd.domain.tags import Tag, merge_tags, remove_tags, validate_tags
from certherd.errors import (
    InvalidStateError,
    ResourceInUseError,
    ValidationError,
)
from certherd.pki.export import check_passphrase, encrypt_private_key
from certherd.pki.keys import KeyAlgorithm, generate_private_key
from certherd.pki.parse import (
    CertificateInfo,
    certificate_to_pem,
    chain_to_pem,
    check_import,
)
from certherd.services.certificate_events import announce_available, announce_revoked
from certherd.services.certificate_reads import (
    CertificateReads,
    CertificateView,
)
from certherd.services.certificate_requests import (
    CertificateRequests,
    RequestEntry,
    check_batch,
    check_request,
)
from certherd.services.finding_resolution import (
    DELETED,
    RENEWED,
    REPLACED,
    resolve_findings,
)
from certherd.services.issuing import ACM_TO_CRL_REASON, IssuingService
from certherd.services.keys import (
    load_private_key,
    store_private_key,
)
from certherd.services.lookup import load_authority, load_certificate
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.signer import Signer

MAX_CERTIFICATE_BYTES, MAX_KEY_BYTES, MAX_CHAIN_BYTES = 32768, 8192, 2097152


@dataclass(frozen=True)
class ExportedCertificate:
    certificate_pem: str
    chain_pem: str | None
    private_key_pem: str  # encrypted PKCS#8


class CertificateService(CertificateReads):
    """ACM semantics over certherd's own private CAs and imported certificates."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        signer: Signer,
        issuing: IssuingService,
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
        self._issuing = issuing
        self._secrets = secrets
        self._clock = clock
        self._arns = arns
        self._requests = CertificateRequests(
            uow=uow, signer=signer, secrets=secrets, clock=clock, arns=arns
        )

    # -- requesting and importing -----------------------------------------------------------

    def request(
        self,
        *,
        account: str,
        domain_name: str,
        authority_arn: str | None,
        subject_alternative_names: Sequence[str] = (),
        key_algorithm: KeyAlgorithm = KeyAlgorithm.RSA_2048,
        idempotency_token: str | None = None,
        validity_days: int = DEFAULT_PRIVATE_VALIDITY_DAYS,
        tags: Sequence[Tag] = (),
    ) -> str:
        """Issue a private certificate from one of our CAs (RequestCertificate); return its ARN.

        The same idempotency token within an hour returns the first certificate's ARN.
        Raises ValidationError for bad names, algorithms or tags, NotFoundError for an
        unknown CA and InvalidStateError for a CA that cannot issue.
        """
        validate_account_id(account)
        checked = check_request(
            RequestEntry(
                domain_name=domain_name,
                authority_arn=authority_arn,
                subject_alternative_names=subject_alternative_names,
                key_algorithm=key_algorithm,
                idempotency_token=idempotency_token,
                validity_days=validity_days,
                tags=tags,
            )
        )
        return self._requests.request(account=account, requests=[checked], batch=False)[0]

    def request_batch(self, *, account: str, entries: Sequence[RequestEntry]) -> list[str]:
        """Issue a private certificate for each entry, all or nothing; their ARNs in order.

        Each entry follows :meth:`request`'s rules (its idempotency token too: a token
        used within the hour, or earlier in the batch, gives the first certificate's ARN).
        Every entry is checked first, then all are issued and stored in one transaction;
        if any fails nothing is written and the error names it (``Entries[3].DomainName``).
        Raises ValidationError for an empty batch, LimitExceededError for more than
        MAX_BATCH_ENTRIES entries, and what :meth:`request` raises.
        """
        validate_account_id(account)
        checked = check_batch(entries)
        return self._requests.request(account=account, requests=checked, batch=True)

    def import_certificate(
        self,
        *,
        account: str,
        certificate: bytes,
        private_key: bytes,
        chain: bytes | None = None,
        arn: str | None = None,
        tags: Sequence[Tag] = (),
    ) -> str:
        """Import a certificate with its key (ImportCertificate); with ``arn``, re-import in place.

        The key must match, everything must be PEM, the chain ordered from the issuer up and
        the certificate valid now. Nothing is written when any check fails.
        """
        validate_account_id(account)
        _check_size(certificate, MAX_CERTIFICATE_BYTES, "Certificate")
        _check_size(private_key, MAX_KEY_BYTES, "PrivateKey")
        if chain is not None:
            _check_size(chain, MAX_CHAIN_BYTES, "CertificateChain")
        if arn is not None and tags:
            raise ValidationError("tags cannot be applied when re-importing", field="Tags")
        checked_tags = validate_tags(tags)
        now = self._clock.now()
        material = check_import(certificate, private_key, chain, now)
        info = material.info
        chain_pem = chain_to_pem(material.chain) if material.chain else None
        with self._uow() as uow:
            existing = None
            if arn is not None:
                existing = load_certificate(uow, self._arns, account=account, arn=arn)
                if existing.type is not CertificateType.IMPORTED:
                    raise ValidationError(
                        "only an imported certificate can be re-imported", field="CertificateArn"
                    )
            secret_id = store_private_key(uow, self._secrets, material.key, now)
            number = 1 if existing is None else existing.version + 1
            version = CertificateVersion(
                number=number,
                action=VersionAction.IMPORT if existing is None else VersionAction.REIMPORT,
                serial=info.serial,
                certificate_pem=certificate_to_pem(material.certificate),
                chain_pem=chain_pem,
                key_secret_id=secret_id,
                not_before=info.not_before,
                not_after=info.not_after,
                created_at=now,
            )
            names = info.sans or ((info.common_name,) if info.common_name else ())
            if existing is None:
                certificate_id = str(uuid.uuid4())
                cert = replace(
                    _new_certificate(
                        certificate_id=certificate_id,
                        arn=self._arns.certificate(account, certificate_id),
                        account=account,
                        type=CertificateType.IMPORTED,
                        names=names,
                        key_algorithm=info.key_algorithm,
                        version=version,
                        info=info,
                        created_at=now,
                    ),
                    tags=checked_tags,
                )
            else:
                cert = _with_version(existing, version, info)
            cert = replace(
                cert,
                status=CertificateStatus.ISSUED,
                domain_name=info.common_name or (names[0] if names else ""),
                subject_alternative_names=names,
                key_algorithm=info.key_algorithm,
                imported_at=now,
                revoked_at=None,
                revocation_reason=None,
                validity_days=(info.not_after - info.not_before).days,
            )
            if existing is None:
                uow.certificates.add(cert, version)
            else:
                uow.certificates.add_version(cert, version)
                resolve_findings(
                    uow, account=account, resource_arn=cert.arn, reason=REPLACED, now=now
                )
            announce_available(
                uow, [cert], action=version.action, now=now, region=self._arns.region
            )
            uow.commit()
        return cert.arn

    # -- export, renewal, revocation --------------------------------------------------------

    def export(self, *, account: str, arn: str, passphrase: bytes) -> ExportedCertificate:
        """The certificate, chain and key encrypted under ``passphrase`` (ExportCertificate).

        Only private certificates can be exported; exporting makes them eligible for
        managed renewal.
        """
        check_passphrase(passphrase)
        now = self._clock.now()
        with self._uow() as uow:
            cert = load_certificate(uow, self._arns, account=account, arn=arn)
            if cert.type is not CertificateType.PRIVATE:
                raise ValidationError(
                    f"only private certificates can be exported; this one is {cert.type.value}",
                    field="CertificateArn",
                )
            status = model.effective_status(cert, now)
            if status is not CertificateStatus.ISSUED:
                raise InvalidStateError(
                    f"the certificate is {status.value}; only ISSUED ones can be exported",
                    field="CertificateArn",
                )
            current = self._version(uow, cert, None)
            key = load_private_key(uow, self._secrets, cert.key_secret_id)
            exported = ExportedCertificate(
                current.certificate_pem, current.chain_pem, encrypt_private_key(key, passphrase)
            )
            uow.certificates.mark_version_exported(cert.id, cert.version, now)
            uow.certificates.update(replace(cert, exported_at=now))
            uow.commit()
        return exported

    def renew(self, *, account: str, arn: str) -> CertificateView:
        """Renew a private certificate now (RenewCertificate): a new version under the same ARN.

        When the CA cannot issue, the failure is recorded in the renewal summary and
        InvalidStateError says why.
        """
        now = self._clock.now()
        with self._uow() as uow:
            cert = load_certificate(uow, self._arns, account=account, arn=arn)
            if model.renewal_eligibility(cert, now) is not RenewalEligibility.ELIGIBLE:
                raise ValidationError(
                    "the certificate is not eligible for renewal: only ISSUED private "
                    "certificates that were exported or are in use can be renewed",
                    field="CertificateArn",
                )
            renewed = self.renew_in(uow, cert, now)
            if renewed.renewal is not None and renewed.renewal.status is RenewalStatus.SUCCESS:
                announce_available(
                    uow,
                    [renewed],
                    action=VersionAction.RENEWAL,
                    now=now,
                    region=self._arns.region,
                )
            uow.commit()
        if renewed.renewal is not None and renewed.renewal.status is RenewalStatus.FAILED:
            reason = renewed.renewal.reason.value if renewed.renewal.reason else "OTHER"
            raise InvalidStateError(f"renewal failed: {reason}", field="CertificateAuthorityArn")
        return self._view(renewed)

    def renew_in(self, uow: UnitOfWork, cert: Certificate, now: datetime) -> Certificate:
        """Try one renewal inside the caller's unit of work; return the certificate as stored.

        On success a new version is added and the summary says SUCCESS; on failure nothing
        but the summary (FAILED, with the reason) changes.
        """
        new_not_after = now + timedelta(days=cert.validity_days)
        authority = None
        if cert.authority_arn is not None:
            _, authority_id = self._arns.authority_id(cert.authority_arn)
            authority = uow.authorities.get(cert.account, authority_id)
        obstacle = renewal_obstacle(
            authority=authority, account=cert.account, new_not_after=new_not_after, now=now
        )
        if obstacle is not None or authority is None:
            summary = RenewalSummary(RenewalStatus.FAILED, now, obstacle)
            uow.certificates.set_renewal(cert.id, summary)
            return replace(cert, renewal=summary)
        key = generate_private_key(cert.key_algorithm)
        issued = self._requests.issue_version(
            uow,
            authority,
            key,
            cert.subject_alternative_names,
            cert.validity_days,
            cert.id,
            VersionAction.RENEWAL,
            now,
            number=cert.version + 1,
        )
        version, info = issued.version, issued.info
        uow.secrets.add(issued.key.id, issued.key.blob, created_at=now)
        uow.issued.add(issued.record)
        renewed = replace(
            _with_version(cert, version, info),
            status=CertificateStatus.ISSUED,
            exported_at=None,
            renewal=RenewalSummary(RenewalStatus.SUCCESS, now),
        )
        uow.certificates.add_version(renewed, version)
        resolve_findings(uow, account=cert.account, resource_arn=cert.arn, reason=RENEWED, now=now)
        return renewed

    def revoke(self, *, account: str, arn: str, reason: RevocationReason) -> str:
        """Revoke an exported private certificate at its CA (RevokeCertificate); permanent."""
        crl_reason = ACM_TO_CRL_REASON.get(reason)
        if crl_reason is None:
            raise ValidationError(
                f"{reason.value} is not a reason certherd can revoke for", field="RevocationReason"
            )
        now = self._clock.now()
        with self._uow() as uow:
            cert = load_certificate(uow, self._arns, account=account, arn=arn)
            if cert.type is not CertificateType.PRIVATE or cert.authority_arn is None:
                raise ValidationError(
                    "only private certificates can be revoked", field="CertificateArn"
                )
            if cert.status is CertificateStatus.REVOKED:
                raise InvalidStateError(
                    "the certificate is already revoked", field="CertificateArn"
                )
            if not cert.exported:
                raise InvalidStateError(
                    "only an exported certificate can be revoked", field="CertificateArn"
                )
            authority = load_authority(
                uow, self._arns, account=account, arn=cert.authority_arn, now=now
            )
            self._issuing.revoke_in(uow, authority, cert.serial, crl_reason, now)
            announce_revoked(uow, cert, now=now, region=self._arns.region)
            uow.commit()
        return arn

    # -- deletion, tags, use ----------------------------------------------------------------

    def delete(self, *, account: str, arn: str) -> None:
        """Delete the certificate and its keys (DeleteCertificate); refused while in use."""
        with self._uow() as uow:
            cert = load_certificate(uow, self._arns, account=account, arn=arn)
            if cert.in_use:
                raise ResourceInUseError(
                    "the certificate is in use by " + ", ".join(cert.in_use_by),
                    field="CertificateArn",
                )
            for secret_id in uow.certificates.delete(cert.id):
                uow.secrets.delete(secret_id)
            resolve_findings(
                uow,
                account=account,
                resource_arn=cert.arn,
                reason=DELETED,
                now=self._clock.now(),
                archive=True,
            )
            uow.commit()

    def tag(self, *, account: str, arn: str, tags: Sequence[Tag]) -> tuple[Tag, ...]:
        return self._update(account, arn, lambda c: replace(c, tags=merge_tags(c.tags, tags))).tags

    def untag(self, *, account: str, arn: str, tags: Sequence[Tag]) -> tuple[Tag, ...]:
        return self._update(account, arn, lambda c: replace(c, tags=remove_tags(c.tags, tags))).tags

    def associate(self, *, account: str, arn: str, user: str) -> CertificateView:
        """Record that ``user`` (any resource ARN or name) uses the certificate (InUseBy)."""
        if not 1 <= len(user) <= 2048 or not user.isprintable():
            raise ValidationError("must be 1 to 2048 printable characters", field="User")
        return self._view(
            self._update(
                account,
                arn,
                lambda c: c if user in c.in_use_by else replace(c, in_use_by=(*c.in_use_by, user)),
            )
        )

    def disassociate(self, *, account: str, arn: str, user: str) -> CertificateView:
        return self._view(
            self._update(
                account,
                arn,
                lambda c: replace(c, in_use_by=tuple(u for u in c.in_use_by if u != user)),
            )
        )

    # -- helpers ----------------------------------------------------------------------------

    def _update(
        self, account: str, arn: str, change: Callable[[Certificate], Certificate]
    ) -> Certificate:
        with self._uow() as uow:
            cert = change(load_certificate(uow, self._arns, account=account, arn=arn))
            uow.certificates.update(cert)
            uow.commit()
        return cert


def _new_certificate(
    *,
    certificate_id: str,
    arn: str,
    account: str,
    type: CertificateType,
    names: tuple[str, ...],
    key_algorithm: KeyAlgorithm,
    version: CertificateVersion,
    info: CertificateInfo,
    created_at: datetime,
) -> Certificate:
    return Certificate(
        id=certificate_id,
        arn=arn,
        account=account,
        type=type,
        status=CertificateStatus.ISSUED,
        domain_name=names[0] if names else "",
        subject_alternative_names=names,
        key_algorithm=key_algorithm,
        signature_algorithm=info.signature_algorithm,
        serial=version.serial,
        subject=info.subject,
        issuer=info.issuer,
        not_before=version.not_before,
        not_after=version.not_after,
        created_at=created_at,
        version=version.number,
        key_secret_id=version.key_secret_id,
        key_usages=info.key_usages,
        extended_key_usages=info.extended_key_usages,
    )


def _with_version(
    cert: Certificate, version: CertificateVersion, info: CertificateInfo
) -> Certificate:
    """``cert`` pointing at ``version`` as its current one."""
    return replace(
        cert,
        version=version.number,
        serial=version.serial,
        not_before=version.not_before,
        not_after=version.not_after,
        key_secret_id=version.key_secret_id,
        signature_algorithm=info.signature_algorithm,
        subject=info.subject,
        issuer=info.issuer,
        key_usages=info.key_usages,
        extended_key_usages=info.extended_key_usages,
    )


def _check_size(data: bytes, limit: int, field: str) -> None:
    if not data:
        raise ValidationError("must not be empty", field=field)
    if len(data) > limit:
        raise ValidationError(f"must be at most {limit} bytes", field=field)
