"""Running a deployment: write the files, run the post-deploy command, verify, record.

The files are written and the command run outside every transaction; the run record, the
``Certificate Deployed`` / ``Certificate Deployment Failed`` event and the certificate's
``InUseBy`` are then written together in one. Runs of one deployment, rollbacks included,
take turns: each holds the deployment's directory while it writes, runs the command and
verifies. A failed run leaves the new files in place
(``deploy rollback`` puts the previous ones back and runs the command again). The private
key is written in clear to its files (mode ``KeyMode``) and never logged or recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from certherd.domain import certherd_events
from certherd.domain.arns import ArnFactory
from certherd.domain.certificate import Certificate, CertificateStatus, effective_status
from certherd.domain.clock import Clock
from certherd.domain.deployments import (
    Deployment,
    DeploymentRun,
    FileKind,
    RunOutcome,
    RunTrigger,
)
from certherd.errors import NotFoundError
from certherd.pki.keys import PrivateKey, private_key_to_pem
from certherd.pki.parse import load_certificate, load_chain
from certherd.pki.pkcs12 import pem_identity, pem_server_name, pkcs12_bundle, served_identity
from certherd.services.certificate_events import announce
from certherd.services.channel_ports import ChannelError, CommandRunner
from certherd.services.deploy_ports import DeployError, FileWriter, RenderedFile, TlsProbe
from certherd.services.deployments import (
    load_deployment,
    mark_in_use,
    password_context,
    selected_certificates,
)
from certherd.services.keys import load_private_key
from certherd.services.ports import SecretBox, UnitOfWorkFactory

__all__ = ["Deployer", "Material", "Stage", "render_files"]

_REASON_CHARS: Final = 500
#: How much longer than the run holding a deployment's directory may take another waits.
_HOLD_MARGIN_SECONDS: Final = 30.0
#: The kinds of file whose first PEM certificate is the deployed certificate.
_CERTIFICATE_FIRST: Final = frozenset({FileKind.CERTIFICATE, FileKind.FULLCHAIN, FileKind.BUNDLE})


class Stage(StrEnum):
    WRITE = "WRITE"
    COMMAND = "COMMAND"
    VERIFY = "VERIFY"


@dataclass(frozen=True)
class Material:
    """What one run deploys: the certificate's current version and key (never shown)."""

    certificate: Certificate
    certificate_pem: str
    chain_pem: str | None
    key: PrivateKey | None  # None: the certificate cannot be deployed (not ISSUED)
    password: bytes | None

    def __repr__(self) -> str:
        return f"Material(certificate={self.certificate.arn!r})"


class _Failed(Exception):
    def __init__(self, stage: Stage, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason[-_REASON_CHARS:]


def render_files(deployment: Deployment, material: Material) -> list[RenderedFile]:
    """The bytes of each file of the deployment's layout, with its mode."""
    cert_pem = material.certificate_pem.strip() + "\n"
    chain_pem = (material.chain_pem or "").strip()
    chain_pem = chain_pem + "\n" if chain_pem else ""
    if material.key is None:
        raise _Failed(Stage.WRITE, "the certificate has no key to deploy")
    key_pem = private_key_to_pem(material.key).decode("ascii")
    contents: dict[FileKind, bytes] = {
        FileKind.CERTIFICATE: cert_pem.encode(),
        FileKind.CHAIN: chain_pem.encode(),
        FileKind.FULLCHAIN: (cert_pem + chain_pem).encode(),
        FileKind.KEY: key_pem.encode(),
        FileKind.BUNDLE: (key_pem + cert_pem + chain_pem).encode(),
    }
    rendered = []
    for spec in deployment.files:
        if spec.kind is FileKind.PKCS12:
            if material.password is None:
                raise _Failed(Stage.WRITE, "the PKCS#12 password is missing")
            content = pkcs12_bundle(
                name=material.certificate.domain_name or deployment.name,
                key=material.key,
                certificate=load_certificate(cert_pem.encode()),
                chain=load_chain(chain_pem.encode()) if chain_pem else [],
                password=material.password,
            )
        else:
            content = contents[spec.kind]
        rendered.append(RenderedFile(spec.name, content, deployment.mode_of(spec.kind)))
    return rendered


class Deployer:
    """Runs deployments (by hand, or for a certificate an event names) and rolls them back."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        secrets: SecretBox,
        clock: Clock,
        arns: ArnFactory,
        files: FileWriter,
        commands: CommandRunner,
        probe: TlsProbe,
    ) -> None:
        self._uow = uow
        self._secrets = secrets
        self._clock = clock
        self._arns = arns
        self._files = files
        self._commands = commands
        self._probe = probe

    def run(
        self,
        account: str,
        name: str,
        *,
        certificate_arn: str | None = None,
        trigger: RunTrigger = RunTrigger.MANUAL,
    ) -> list[DeploymentRun]:
        """Deploy every certificate the deployment selects (only ``certificate_arn`` when
        given: nothing when the deployment does not select it); one recorded run each.

        A failure of writing, the command or the verification is a FAILED run (and a
        ``Certificate Deployment Failed`` event), not an exception. Raises NotFoundError
        for an unknown deployment."""
        deployment, materials = self._load(account, name, certificate_arn)
        return [self._deploy(deployment, material, trigger) for material in materials]

    def rollback(self, account: str, name: str) -> DeploymentRun:
        """Put the previous version of every file back (``<name>.previous``), run the
        post-deploy command, check (when the deployment verifies) that the server presents
        the restored certificate, and record a ROLLED_BACK run (FAILED when a step failed).
        Raises NotFoundError for an unknown deployment."""
        with self._uow() as uow:
            deployment = load_deployment(uow, account, name)
            history = uow.deployments.runs(deployment.id, limit=1)
        last = history[0] if history else None
        started = self._clock.now()
        written: list[str] = []
        try:
            with self._holding(deployment):
                try:
                    written = self._files.restore(
                        deployment.directory, [spec.name for spec in deployment.files]
                    )
                except DeployError as exc:
                    raise _Failed(Stage.WRITE, str(exc)) from None
                self._command(deployment)
                self._verify_restored(deployment)
            outcome, reason = RunOutcome.ROLLED_BACK, None
        except _Failed as failure:
            outcome, reason = (
                RunOutcome.FAILED,
                f"rollback: {failure.stage.value}: {failure.reason}",
            )
        run = DeploymentRun(
            id=str(uuid.uuid4()),
            account=account,
            deployment_id=deployment.id,
            deployment=deployment.name,
            trigger=RunTrigger.ROLLBACK,
            certificate_arn=last.certificate_arn if last else None,
            serial=None,
            started_at=started,
            finished_at=self._clock.now(),
            outcome=outcome,
            reason=reason,
            files=tuple(written),
        )
        with self._uow() as uow:
            uow.deployments.add_run(run)
            uow.commit()
        return run

    # -- one run ----------------------------------------------------------------------------

    def _load(
        self, account: str, name: str, certificate_arn: str | None
    ) -> tuple[Deployment, list[Material]]:
        now = self._clock.now()
        with self._uow() as uow:
            deployment = load_deployment(uow, account, name)
            certs = selected_certificates(uow, deployment)
            if certificate_arn is not None:
                certs = [c for c in certs if c.arn == certificate_arn]
            password = None
            if deployment.password_secret_id is not None:
                blob = uow.secrets.get(deployment.password_secret_id)
                if blob is None:
                    raise NotFoundError("the PKCS#12 password is missing", field="Pkcs12Password")
                password = self._secrets.open(
                    blob, context=password_context(deployment.password_secret_id)
                )
            materials = []
            for cert in certs:
                if effective_status(cert, now) is not CertificateStatus.ISSUED:
                    materials.append(Material(cert, "", None, None, None))
                    continue
                version = next(
                    v for v in uow.certificates.versions(cert.id) if v.number == cert.version
                )
                key = load_private_key(uow, self._secrets, cert.key_secret_id)
                materials.append(
                    Material(cert, version.certificate_pem, version.chain_pem, key, password)
                )
        return deployment, materials

    def _deploy(
        self, deployment: Deployment, material: Material, trigger: RunTrigger
    ) -> DeploymentRun:
        cert = material.certificate
        started = self._clock.now()
        written: list[str] = []
        verified = False
        failure: _Failed | None = None
        try:
            if material.key is None:
                status = effective_status(cert, started).value
                raise _Failed(Stage.WRITE, f"the certificate is {status}; only ISSUED ones deploy")
            files = render_files(deployment, material)
            with self._holding(deployment):
                try:
                    written = self._files.write(
                        deployment.directory, files, owner=deployment.owner, group=deployment.group
                    )
                except DeployError as exc:
                    raise _Failed(Stage.WRITE, str(exc)) from None
                self._command(deployment)
                verified = self._verify(deployment, material)
        except _Failed as exc:
            failure = exc
        run = DeploymentRun(
            id=str(uuid.uuid4()),
            account=deployment.account,
            deployment_id=deployment.id,
            deployment=deployment.name,
            trigger=trigger,
            certificate_arn=cert.arn,
            serial=cert.serial,
            started_at=started,
            finished_at=self._clock.now(),
            outcome=RunOutcome.FAILED if failure else RunOutcome.SUCCEEDED,
            reason=f"{failure.stage.value}: {failure.reason}" if failure else None,
            files=tuple(written),
        )
        self._record(deployment, run, failure, verified, written)
        return run

    @contextmanager
    def _holding(self, deployment: Deployment) -> Iterator[None]:
        """One run at a time per deployment directory: a run that finds another one there
        waits for it (as long as that one may take: its command and its verification),
        then fails at WRITE."""
        check = deployment.verification
        wait = (
            deployment.command_timeout_seconds
            + (check.timeout_seconds if check is not None else 0.0)
            + _HOLD_MARGIN_SECONDS
        )
        with ExitStack() as stack:
            try:
                stack.enter_context(self._files.hold(deployment.directory, timeout_seconds=wait))
            except DeployError as exc:
                raise _Failed(Stage.WRITE, str(exc)) from None
            yield

    def _command(self, deployment: Deployment) -> None:
        if not deployment.command:
            return
        try:
            result = self._commands.run(
                deployment.command,
                stdin=b"",
                timeout_seconds=deployment.command_timeout_seconds,
                working_directory=deployment.directory,
            )
        except ChannelError as exc:
            raise _Failed(Stage.COMMAND, str(exc)) from None
        if result.timed_out:
            raise _Failed(
                Stage.COMMAND,
                f"the post-deploy command timed out after {deployment.command_timeout_seconds:g}s",
            )
        if result.exit_status != 0:
            tail = result.output_tail.strip().splitlines()
            said = f": {tail[-1]}" if tail else ""
            raise _Failed(
                Stage.COMMAND,
                f"the post-deploy command exited with status {result.exit_status}{said}",
            )

    def _verify(self, deployment: Deployment, material: Material) -> bool:
        check = deployment.verification
        if check is None:
            return False
        expected = pem_identity(material.certificate_pem.encode())
        self._check_served(deployment, expected, material.certificate.domain_name)
        return True

    def _verify_restored(self, deployment: Deployment) -> None:
        """After a rollback: the server presents the certificate the files now hold (read
        from the first file that starts with it, when the deployment writes one)."""
        if deployment.verification is None:
            return
        spec = next((f for f in deployment.files if f.kind in _CERTIFICATE_FIRST), None)
        if spec is None:
            return
        try:
            pem = self._files.read(deployment.directory, spec.name)
        except DeployError as exc:
            raise _Failed(Stage.VERIFY, str(exc)) from None
        try:
            expected, name = pem_identity(pem), pem_server_name(pem)
        except ValueError:
            raise _Failed(
                Stage.VERIFY, f"{spec.name} holds no PEM certificate after the rollback"
            ) from None
        self._check_served(deployment, expected, name)

    def _check_served(
        self, deployment: Deployment, expected: tuple[str, str], domain_name: str
    ) -> None:
        check = deployment.verification
        if check is None:
            return
        server_name = check.server_name or domain_name
        try:
            served = self._probe.served(
                check.host,
                check.port,
                server_name=server_name,
                timeout_seconds=check.timeout_seconds,
                accept=lambda der: served_identity(der) == expected,
            )
        except DeployError as exc:
            raise _Failed(Stage.VERIFY, str(exc)) from None
        serial, fingerprint = served_identity(served.der)
        if (serial, fingerprint) != expected:
            raise _Failed(
                Stage.VERIFY,
                f"{check.host}:{check.port} ({server_name}) serves serial {serial}, "
                f"not the deployed {expected[0]}",
            )

    def _record(
        self,
        deployment: Deployment,
        run: DeploymentRun,
        failure: _Failed | None,
        verified: bool,
        written: Sequence[str],
    ) -> None:
        now: datetime = run.finished_at
        if failure is None:
            event = certherd_events.certificate_deployed(
                account=deployment.account,
                region=self._arns.region,
                deployment_arn=deployment.arn,
                deployment_name=deployment.name,
                certificate_arn=run.certificate_arn or "",
                serial=run.serial or "",
                run_id=run.id,
                files=list(written),
                verified=verified,
                now=now,
            )
        else:
            event = certherd_events.deployment_failed(
                account=deployment.account,
                region=self._arns.region,
                deployment_arn=deployment.arn,
                deployment_name=deployment.name,
                certificate_arn=run.certificate_arn,
                serial=run.serial,
                run_id=run.id,
                stage=failure.stage.value,
                reason=failure.reason,
                now=now,
            )
        with self._uow() as uow:
            uow.deployments.add_run(run)
            current = uow.certificates.get(deployment.account, _id_of(run.certificate_arn))
            if current is not None:
                mark_in_use(uow, current, deployment.arn)
            announce(uow, [event], now)
            uow.commit()


def _id_of(arn: str | None) -> str:
    return (arn or "").rpartition("/")[2]
