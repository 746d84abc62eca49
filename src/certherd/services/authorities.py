"""Private certificate authorities: creating, activating, disabling, deleting, permissions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.serialization import Encoding

from certherd.domain import authority as rules
from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.authority import (
    CA_KEY_ALGORITHMS,
    CERTIFICATE_MANAGER_PRINCIPAL,
    PERMISSION_ACTIONS,
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
    Permission,
)
from certherd.domain.clock import Clock
from certherd.domain.tags import Tag, merge_tags, remove_tags, validate_tags
from certherd.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from certherd.pki.csr import build_csr
from certherd.pki.issue import Validity, new_serial, self_signed_ca_certificate
from certherd.pki.keys import KeyAlgorithm, PublicKey, generate_private_key, public_key_matches
from certherd.pki.parse import (
    certificate_to_pem,
    chain_to_pem,
    check_chain,
    describe_certificate,
    load_certificate,
    load_chain,
)
from certherd.pki.signing import SigningAlgorithm, check_compatible, default_signing_algorithm
from certherd.pki.subject import Subject
from certherd.services.crls import publish_crl
from certherd.services.keys import load_private_key, store_private_key
from certherd.services.lookup import load_authority
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory
from certherd.services.signer import Signer

DEFAULT_ROOT_VALIDITY_DAYS = 3650
DEFAULT_SUBORDINATE_VALIDITY_DAYS = 1825
MAX_CA_VALIDITY_DAYS = 36500
VALID_PERMISSION_ACTIONS = frozenset(PERMISSION_ACTIONS)


class AuthorityService:
    """Use cases of AWS Private CA's certificate-authority resource."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        signer: Signer,
        secrets: SecretBox,
        clock: Clock,
        arns: ArnFactory,
        restore_days: int = 30,
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
        self._restore_days = restore_days

    # -- creating ---------------------------------------------------------------------------

    def create(
        self,
        *,
        account: str,
        type: AuthorityType,
        subject: Subject,
        key_algorithm: KeyAlgorithm,
        signing_algorithm: SigningAlgorithm | None = None,
        validity_days: int | None = None,
        parent_arn: str | None = None,
        path_length: int | None = None,
        crl_enabled: bool = True,
        crl_expiration_days: int = 7,
        allow_certificate_manager: bool = True,
        tags: tuple[Tag, ...] = (),
    ) -> CertificateAuthority:
        """Create a CA.

        A ROOT CA signs its own certificate and is ACTIVE at once. A SUBORDINATE CA with
        ``parent_arn`` is signed by that CA of ours and is ACTIVE at once; without one it is
        PENDING_CERTIFICATE until :meth:`import_certificate` installs a certificate signed
        elsewhere for its CSR. Raises ValidationError for bad settings, NotFoundError for an
        unknown parent and InvalidStateError for a parent that cannot issue.
        """
        validate_account_id(account)
        if key_algorithm not in CA_KEY_ALGORITHMS:
            raise ValidationError(
                f"{key_algorithm.value} is not supported for a CA; use one of "
                + ", ".join(sorted(a.value for a in CA_KEY_ALGORITHMS)),
                field="KeyAlgorithm",
            )
        if validity_days is not None and not 1 <= validity_days <= MAX_CA_VALIDITY_DAYS:
            raise ValidationError(
                f"must be between 1 and {MAX_CA_VALIDITY_DAYS} days", field="ValidityInDays"
            )
        if not 1 <= crl_expiration_days <= 5000:
            raise ValidationError("must be between 1 and 5000 days", field="ExpirationInDays")
        if path_length is not None and not 0 <= path_length <= 3:
            raise ValidationError("must be between 0 and 3", field="PathLength")
        if type is AuthorityType.ROOT and parent_arn is not None:
            raise ValidationError("a ROOT CA has no parent", field="ParentArn")
        tags = validate_tags(tags)
        key = generate_private_key(key_algorithm)
        signing_algorithm = signing_algorithm or default_signing_algorithm(key_algorithm)
        check_compatible(signing_algorithm, key)
        now = self._clock.now()
        authority_id = str(uuid.uuid4())
        csr = build_csr(key, subject, signing_algorithm=signing_algorithm, is_ca=True)

        permissions: tuple[Permission, ...] = ()
        if allow_certificate_manager:
            permissions = (
                Permission(CERTIFICATE_MANAGER_PRINCIPAL, PERMISSION_ACTIONS, account, now),
            )
        with self._uow() as uow:
            ca = CertificateAuthority(
                id=authority_id,
                arn=self._arns.authority(account, authority_id),
                account=account,
                type=type,
                status=AuthorityStatus.PENDING_CERTIFICATE,
                subject=subject,
                key_algorithm=key_algorithm,
                signing_algorithm=signing_algorithm,
                key_secret_id=store_private_key(uow, self._secrets, key, now),
                csr_pem=csr.public_bytes(Encoding.PEM).decode(),
                created_at=now,
                last_state_change_at=now,
                crl_enabled=crl_enabled,
                crl_expiration_days=crl_expiration_days,
                path_length=path_length,
                tags=tags,
                permissions=permissions,
            )
            if type is AuthorityType.ROOT:
                days = validity_days or DEFAULT_ROOT_VALIDITY_DAYS
                cert = self_signed_ca_certificate(
                    key=key,
                    subject=subject,
                    validity=Validity(now, now + timedelta(days=days)),
                    signing_algorithm=signing_algorithm,
                    serial=new_serial(),
                    path_length=path_length,
                )
                ca = self._activate(ca, certificate_to_pem(cert), None)
            elif parent_arn is not None:
                ca = self._sign_by_parent(uow, ca, parent_arn, validity_days, key.public_key())
            uow.authorities.add(ca)
            if ca.status is AuthorityStatus.ACTIVE and ca.crl_enabled:
                publish_crl(uow, self._signer, ca, now)
            uow.commit()
        return ca

    def _sign_by_parent(
        self,
        uow: UnitOfWork,
        ca: CertificateAuthority,
        parent_arn: str,
        validity_days: int | None,
        public_key: PublicKey,
    ) -> CertificateAuthority:
        now = self._clock.now()
        parent = load_authority(
            uow, self._arns, account=ca.account, arn=parent_arn, now=now, field="ParentArn"
        )
        rules.check_can_issue(parent, now)
        if parent.path_length == 0:
            raise ValidationError(
                f"{parent_arn} has path length 0 and cannot sign another CA", field="ParentArn"
            )
        path_length = ca.path_length
        if path_length is None:
            path_length = 0 if parent.path_length is None else parent.path_length - 1
        if parent.path_length is not None and path_length >= parent.path_length:
            raise ValidationError(
                f"must be less than the parent's path length {parent.path_length}",
                field="PathLength",
            )
        assert parent.not_after is not None
        if validity_days is None:
            end = min(now + timedelta(days=DEFAULT_SUBORDINATE_VALIDITY_DAYS), parent.not_after)
        else:
            end = now + timedelta(days=validity_days)
        signed = self._signer.sign(
            uow,
            parent,
            public_key=public_key,
            subject=ca.subject,
            sans=(),
            validity=Validity(now, end),
            ca_path_length=path_length,
            now=now,
        )
        chain = self._signer.chain_of(parent)
        return self._activate(
            replace(ca, path_length=path_length), certificate_to_pem(signed.certificate), chain
        )

    def _activate(
        self, ca: CertificateAuthority, certificate_pem: str, chain_pem: str | None
    ) -> CertificateAuthority:
        info = describe_certificate(load_certificate(certificate_pem.encode()))
        return replace(
            ca,
            status=AuthorityStatus.ACTIVE,
            certificate_pem=certificate_pem,
            chain_pem=chain_pem,
            serial=info.serial,
            not_before=info.not_before,
            not_after=info.not_after,
            path_length=info.path_length if info.path_length is not None else ca.path_length,
            last_state_change_at=self._clock.now(),
        )

    def import_certificate(
        self, *, account: str, arn: str, certificate: bytes, chain: bytes | None
    ) -> CertificateAuthority:
        """Install the certificate of a PENDING_CERTIFICATE CA (ImportCertificateAuthority...).

        The certificate must be a CA certificate for this CA's key; a subordinate's chain
        must lead from the certificate's issuer up to a root, in order.
        """
        cert = load_certificate(certificate, field="Certificate")
        now = self._clock.now()
        with self._uow() as uow:
            ca = load_authority(uow, self._arns, account=account, arn=arn, now=self._clock.now())
            if ca.status is not AuthorityStatus.PENDING_CERTIFICATE:
                raise InvalidStateError(
                    f"the CA is {ca.status.value}; a certificate can only be imported while it "
                    "is PENDING_CERTIFICATE",
                    field="CertificateAuthorityArn",
                )
            key = load_private_key(uow, self._secrets, ca.key_secret_id)
            if not public_key_matches(key, cert):
                raise ValidationError(
                    "the certificate is not for this CA's key (sign the CA's CSR)",
                    field="Certificate",
                )
            info = describe_certificate(cert)
            if not info.is_ca:
                raise ValidationError(
                    "the certificate is not a CA certificate (BasicConstraints CA:TRUE)",
                    field="Certificate",
                )
            chain_pem: str | None = None
            if ca.type is AuthorityType.SUBORDINATE:
                if not chain:
                    raise ValidationError(
                        "a subordinate CA's certificate needs the chain of its issuers",
                        field="CertificateChain",
                    )
                chain_certs = load_chain(chain, field="CertificateChain")
                check_chain(cert, chain_certs, field="CertificateChain")
                chain_pem = chain_to_pem(chain_certs)
            if info.not_after <= now or info.not_before > now:
                raise ValidationError("the certificate is not valid now", field="Certificate")
            ca = self._activate(ca, certificate_to_pem(cert), chain_pem)
            uow.authorities.update(ca)
            if ca.crl_enabled:
                publish_crl(uow, self._signer, ca, now)
            uow.commit()
        return ca

    # -- reading ----------------------------------------------------------------------------

    def get(self, *, account: str, arn: str) -> CertificateAuthority:
        """The CA named by ``arn``; NotFoundError if it does not exist in ``account``."""
        with self._read_uow() as uow:
            return load_authority(uow, self._arns, account=account, arn=arn, now=self._clock.now())

    def list(self, *, account: str) -> list[CertificateAuthority]:
        """Every CA of the account that has not been purged, oldest first."""
        now = self._clock.now()
        with self._read_uow() as uow:
            return [ca for ca in uow.authorities.list(account) if not rules.is_purged(ca, now)]

    def csr(self, *, account: str, arn: str) -> str:
        """The CA's certificate signing request (GetCertificateAuthorityCsr)."""
        return self.get(account=account, arn=arn).csr_pem

    def certificate(self, *, account: str, arn: str) -> tuple[str, str | None]:
        """The CA's certificate and chain (GetCertificateAuthorityCertificate)."""
        ca = self.get(account=account, arn=arn)
        if ca.certificate_pem is None:
            raise InvalidStateError(
                "the CA has no certificate yet (it is PENDING_CERTIFICATE)",
                field="CertificateAuthorityArn",
            )
        return ca.certificate_pem, ca.chain_pem

    # -- state changes ----------------------------------------------------------------------

    def set_status(
        self, *, account: str, arn: str, status: AuthorityStatus
    ) -> CertificateAuthority:
        """Disable or enable a CA (UpdateCertificateAuthority Status)."""
        if status not in (AuthorityStatus.ACTIVE, AuthorityStatus.DISABLED):
            raise ValidationError("must be ACTIVE or DISABLED", field="Status")
        return self._change(
            account, arn, rules.enable if status is AuthorityStatus.ACTIVE else rules.disable
        )

    def delete(
        self, *, account: str, arn: str, restore_days: int | None = None
    ) -> CertificateAuthority:
        """Delete a CA; it can be restored for ``restore_days`` (default from settings)."""
        days = self._restore_days if restore_days is None else restore_days
        ca = self._change(account, arn, lambda ca, now: rules.delete(ca, now, days))
        self._signer.forget(ca.id)
        return ca

    def restore(self, *, account: str, arn: str) -> CertificateAuthority:
        """Restore a DELETED CA within its restore period."""
        return self._change(account, arn, rules.restore)

    # -- permissions ------------------------------------------------------------------------

    def create_permission(
        self,
        *,
        account: str,
        arn: str,
        principal: str = CERTIFICATE_MANAGER_PRINCIPAL,
        actions: tuple[str, ...] = PERMISSION_ACTIONS,
        source_account: str | None = None,
    ) -> Permission:
        """Let ``principal`` act through the CA (CreatePermission)."""
        if principal != CERTIFICATE_MANAGER_PRINCIPAL:
            raise ValidationError(
                f"only {CERTIFICATE_MANAGER_PRINCIPAL} can be granted permissions",
                field="Principal",
            )
        bad = [a for a in actions if a not in VALID_PERMISSION_ACTIONS]
        if not actions or bad:
            raise ValidationError(
                "must be one or more of " + ", ".join(PERMISSION_ACTIONS), field="Actions"
            )
        source = validate_account_id(source_account or account, field="SourceAccount")
        now = self._clock.now()
        with self._uow() as uow:
            ca = load_authority(uow, self._arns, account=account, arn=arn, now=self._clock.now())
            if any(p.principal == principal and p.source_account == source for p in ca.permissions):
                raise ConflictError(
                    f"{principal} already has a permission on this CA for account {source}",
                    field="Principal",
                )
            permission = Permission(principal, tuple(dict.fromkeys(actions)), source, now)
            uow.authorities.update(replace(ca, permissions=(*ca.permissions, permission)))
            uow.commit()
        return permission

    def delete_permission(
        self,
        *,
        account: str,
        arn: str,
        principal: str = CERTIFICATE_MANAGER_PRINCIPAL,
        source_account: str | None = None,
    ) -> None:
        """Withdraw a permission (DeletePermission); NotFoundError if there is none."""
        source = source_account or account
        with self._uow() as uow:
            ca = load_authority(uow, self._arns, account=account, arn=arn, now=self._clock.now())
            kept = tuple(
                p
                for p in ca.permissions
                if not (p.principal == principal and p.source_account == source)
            )
            if len(kept) == len(ca.permissions):
                raise NotFoundError(
                    f"no permission for {principal} from account {source} on {arn}",
                    field="Principal",
                )
            uow.authorities.update(replace(ca, permissions=kept))
            uow.commit()

    def list_permissions(self, *, account: str, arn: str) -> tuple[Permission, ...]:
        return self.get(account=account, arn=arn).permissions

    # -- tags -------------------------------------------------------------------------------

    def tag(self, *, account: str, arn: str, tags: tuple[Tag, ...]) -> tuple[Tag, ...]:
        return self._change(
            account, arn, lambda ca, _now: replace(ca, tags=merge_tags(ca.tags, tags))
        ).tags

    def untag(self, *, account: str, arn: str, tags: tuple[Tag, ...]) -> tuple[Tag, ...]:
        return self._change(
            account, arn, lambda ca, _now: replace(ca, tags=remove_tags(ca.tags, tags))
        ).tags

    # -- helpers ----------------------------------------------------------------------------

    def _change(
        self,
        account: str,
        arn: str,
        decide: Callable[[CertificateAuthority, datetime], CertificateAuthority],
    ) -> CertificateAuthority:
        now = self._clock.now()
        with self._uow() as uow:
            ca = decide(
                load_authority(uow, self._arns, account=account, arn=arn, now=self._clock.now()),
                now,
            )
            uow.authorities.update(ca)
            uow.commit()
        return ca
