"""Deployments: create, list, describe, delete, and the history of their runs.

Running one is :class:`certherd.services.deployment_runs.Deployer`. A deployment that
selects a certificate adds its ARN to the certificate's ``InUseBy`` (a tag selector: every
certificate carrying the tag now, and any later one when it is deployed), so the
certificate becomes eligible for managed renewal; deleting the deployment removes it.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass, replace

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.certificate import Certificate
from certherd.domain.clock import Clock
from certherd.domain.deployments import (
    DEFAULT_KEY_MODE,
    DEFAULT_MODE,
    Deployment,
    DeploymentRun,
    FileSpec,
    Selector,
    Verification,
    check_command,
    check_directory,
    check_files,
    check_mode,
    check_name,
    check_tag_selector,
    check_verification,
)
from certherd.errors import NotFoundError, ValidationError
from certherd.pki.export import check_passphrase
from certherd.services.lookup import load_certificate
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MAX_HISTORY",
    "DeploymentService",
    "DeploymentSpec",
    "load_deployment",
    "mark_in_use",
    "password_context",
    "selected_certificates",
]

MAX_HISTORY = 100


@dataclass(frozen=True)
class DeploymentSpec:
    """What a caller gives to create a deployment (checked by :meth:`DeploymentService.create`)."""

    name: str
    selector: Selector
    directory: str
    files: tuple[FileSpec, ...]
    owner: str | None = None
    group: str | None = None
    mode: int = DEFAULT_MODE
    key_mode: int = DEFAULT_KEY_MODE
    command: tuple[str, ...] = ()
    command_timeout_seconds: float = 30.0
    verification: Verification | None = None

    def __repr__(self) -> str:
        return f"DeploymentSpec(name={self.name!r})"


def password_context(secret_id: str) -> str:
    # Bound as associated data: the sealed password cannot be moved to another row.
    return f"deployment-pkcs12:{secret_id}"


def selected_certificates(uow: UnitOfWork, deployment: Deployment) -> list[Certificate]:
    """The certificates of the deployment's account its selector matches, by ARN."""
    selector = deployment.selector
    if selector.certificate_arn is not None:
        account, certificate_id = _certificate_ref(selector.certificate_arn)
        cert = (
            uow.certificates.get(account, certificate_id) if account == deployment.account else None
        )
        return [cert] if cert is not None else []
    found = [c for c in uow.certificates.iter_all(deployment.account) if selector.matches(c)]
    return sorted(found, key=lambda c: c.arn)


def _certificate_ref(arn: str) -> tuple[str, str]:
    parts = arn.split(":", 5)
    return parts[4], parts[5].partition("/")[2]


def _check_selector(selector: Selector) -> Selector:
    if (selector.certificate_arn is None) == (selector.tag is None):
        raise ValidationError("give a certificate ARN or a tag, not both", field="Selector")
    if selector.tag is not None:
        check_tag_selector(selector.tag)
    return selector


class DeploymentService:
    """Deployments of an account, kept in certherd's database."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        read_uow: UnitOfWorkFactory | None = None,
        secrets: SecretBox,
        clock: Clock,
        arns: ArnFactory,
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._secrets = secrets
        self._clock = clock
        self._arns = arns

    def create(self, account: str, spec: DeploymentSpec, *, password: str | None) -> Deployment:
        """Create a deployment; mark the certificates it selects as in use by it.

        ``password`` (for a PKCS#12 file) follows ACM's export passphrase rules and is
        sealed at rest. Raises ValidationError for bad input (naming the field),
        NotFoundError for a certificate ARN that does not exist in the account and
        ConflictError when the name is taken."""
        validate_account_id(account)
        check_name(spec.name)
        selector = _check_selector(spec.selector)
        if password is not None:
            try:
                check_passphrase(password.encode("utf-8"))
            except ValidationError as exc:
                raise ValidationError(str(exc), field="Pkcs12Password") from None
        check_files(spec.files, has_password=password is not None)
        check_mode(spec.mode, field="Mode", key=False)
        check_mode(spec.key_mode, field="KeyMode", key=True)
        check_command(spec.command, spec.command_timeout_seconds)
        for value, field in ((spec.owner, "Owner"), (spec.group, "Group")):
            if value is not None and not (0 < len(value) <= 64 and value.isprintable()):
                raise ValidationError("must be 1 to 64 printable characters", field=field)
        verification = check_verification(spec.verification) if spec.verification else None
        now = self._clock.now()
        with self._uow() as uow:
            if selector.certificate_arn is not None:
                load_certificate(
                    uow,
                    self._arns,
                    account=account,
                    arn=selector.certificate_arn,
                    field="Selector.CertificateArn",
                )
            secret_id = None
            if password is not None:
                secret_id = str(uuid.uuid4())
                blob = self._secrets.seal(
                    password.encode("utf-8"), context=password_context(secret_id)
                )
                uow.secrets.add(secret_id, blob, created_at=now)
            deployment = Deployment(
                id=str(uuid.uuid4()),
                account=account,
                name=spec.name,
                arn=self._arns.deployment(account, spec.name),
                selector=selector,
                directory=check_directory(spec.directory),
                files=spec.files,
                created_at=now,
                owner=spec.owner,
                group=spec.group,
                mode=spec.mode,
                key_mode=spec.key_mode,
                command=spec.command,
                command_timeout_seconds=spec.command_timeout_seconds,
                verification=verification,
                password_secret_id=secret_id,
            )
            uow.deployments.add(deployment)
            for cert in selected_certificates(uow, deployment):
                mark_in_use(uow, cert, deployment.arn)
            uow.commit()
        return deployment

    def list(self, account: str) -> list[Deployment]:
        with self._read_uow() as uow:
            return uow.deployments.list(account)

    def describe(self, account: str, name: str) -> Deployment:
        """The deployment; NotFoundError when there is none of that name."""
        with self._read_uow() as uow:
            return load_deployment(uow, account, name)

    def history(self, account: str, name: str, *, limit: int = 20) -> builtins.list[DeploymentRun]:
        """The newest ``limit`` (1-100) runs, newest first."""
        if not 1 <= limit <= MAX_HISTORY:
            raise ValidationError(f"must be from 1 to {MAX_HISTORY}", field="MaxItems")
        with self._read_uow() as uow:
            deployment = load_deployment(uow, account, name)
            return uow.deployments.runs(deployment.id, limit=limit)

    def delete(self, account: str, name: str) -> None:
        """Delete the deployment, its history and its sealed password, and take it out of
        every certificate's ``InUseBy``. The deployed files stay where they are."""
        with self._uow() as uow:
            deployment = load_deployment(uow, account, name)
            for cert in list(uow.certificates.iter_all(account)):
                if deployment.arn in cert.in_use_by:
                    users = tuple(u for u in cert.in_use_by if u != deployment.arn)
                    uow.certificates.update(replace(cert, in_use_by=users))
            if deployment.password_secret_id is not None:
                uow.secrets.delete(deployment.password_secret_id)
            uow.deployments.delete(deployment.id)
            uow.commit()


def load_deployment(uow: UnitOfWork, account: str, name: str) -> Deployment:
    found = uow.deployments.get(account, name)
    if found is None:
        raise NotFoundError(f"deployment {name!r} not found", field="Name")
    return found


def mark_in_use(uow: UnitOfWork, cert: Certificate, user: str) -> None:
    """Add ``user`` to the certificate's ``InUseBy`` (once)."""
    if user not in cert.in_use_by:
        uow.certificates.update(replace(cert, in_use_by=(*cert.in_use_by, user)))
