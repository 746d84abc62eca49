"""Deployments on a real database (SQLite and PostgreSQL) and a real file system."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from certherd.bootstrap import Container
from certherd.domain.authority import CertificateAuthority
from certherd.domain.certificate import RenewalEligibility, renewal_eligibility
from certherd.domain.deployments import FileKind, FileSpec, RunOutcome, Selector, Verification
from certherd.domain.invocations import Invocation, InvocationState
from certherd.domain.tags import Tag
from certherd.errors import ConflictError, NotFoundError, ValidationError
from certherd.pki.parse import serial_to_string
from certherd.services.deployments import DeploymentSpec

sys.path.insert(0, str(Path(__file__).parents[1] / "channels"))

from channel_servers import running_receiver, write_tls_files

PASSWORD = "s3cret-pass"
ALL_FILES = (
    FileSpec(FileKind.CERTIFICATE, "cert.pem"),
    FileSpec(FileKind.CHAIN, "chain.pem"),
    FileSpec(FileKind.FULLCHAIN, "fullchain.pem"),
    FileSpec(FileKind.KEY, "key.pem"),
    FileSpec(FileKind.BUNDLE, "bundle.pem"),
    FileSpec(FileKind.PKCS12, "site.p12"),
)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The destination directory (the data directory is ``tmp_path`` itself)."""
    directory = tmp_path / "deployed"
    directory.mkdir()
    return directory


def _cert(container: Container, account: str, ca: CertificateAuthority, **kw: Any) -> str:
    return container.certificates.request(
        account=account, domain_name="www.deploy.test", authority_arn=ca.arn, **kw
    )


def _spec(directory: Path, selector: Selector, **kw: Any) -> DeploymentSpec:
    return DeploymentSpec(
        name=kw.pop("name", "web"),
        selector=selector,
        directory=str(directory),
        files=kw.pop("files", ALL_FILES),
        **kw,
    )


def _serial_of(path: Path) -> str:
    return serial_to_string(x509.load_pem_x509_certificate(path.read_bytes()).serial_number)


def _events(container: Container, account: str, detail_type: str) -> list[Any]:
    page = container.event_bus.list_events(account=account)
    return [s.event for s in page.events if s.event.detail_type == detail_type]


def test_a_run_writes_every_file_with_its_mode_and_marks_the_certificate_in_use(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    arn = _cert(container, account, issuing_ca)
    cert = container.certificates.describe(account=account, arn=arn).certificate
    assert renewal_eligibility(cert, container.clock.now()) is RenewalEligibility.INELIGIBLE
    deployment = container.deployments.create(
        account, _spec(out, Selector(certificate_arn=arn)), password=PASSWORD
    )
    assert deployment.arn.endswith(f":{account}:deployment/web")
    cert = container.certificates.describe(account=account, arn=arn).certificate
    assert cert.in_use_by == (deployment.arn,)
    assert renewal_eligibility(cert, container.clock.now()) is RenewalEligibility.ELIGIBLE

    [run] = container.deployer.run(account, "web")
    assert run.outcome is RunOutcome.SUCCEEDED, run.reason
    assert run.certificate_arn == arn and run.serial == cert.serial
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == {
        "cert.pem": 0o644,
        "chain.pem": 0o644,
        "fullchain.pem": 0o644,
        "key.pem": 0o600,
        "bundle.pem": 0o600,
        "site.p12": 0o600,
    }
    assert _serial_of(out / "cert.pem") == cert.serial
    assert (out / "fullchain.pem").read_text().startswith((out / "cert.pem").read_text())
    bundle = (out / "bundle.pem").read_text()
    assert bundle.startswith("-----BEGIN PRIVATE KEY-----")
    assert bundle.endswith((out / "fullchain.pem").read_text())
    [event] = _events(container, account, "Certificate Deployed")
    assert event.source == "certherd"
    assert event.resources == (arn,)
    assert event.detail["DeploymentArn"] == deployment.arn
    assert event.detail["SerialNumber"] == cert.serial
    assert event.detail["Verified"] is False
    assert "PRIVATE KEY" not in json.dumps(event.detail)
    assert [r.id for r in container.deployments.history(account, "web")] == [run.id]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_pkcs12_file_opens_with_openssl_and_its_password(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    arn = _cert(container, account, issuing_ca)
    container.deployments.create(
        account, _spec(out, Selector(certificate_arn=arn)), password=PASSWORD
    )
    container.deployer.run(account, "web")
    opened = subprocess.run(
        ["openssl", "pkcs12", "-in", str(out / "site.p12"), "-nodes", "-passin", "env:PW"],
        env={**os.environ, "PW": PASSWORD},
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "BEGIN CERTIFICATE" in opened and "BEGIN PRIVATE KEY" in opened
    wrong = subprocess.run(
        ["openssl", "pkcs12", "-in", str(out / "site.p12"), "-nodes", "-passin", "pass:no"],
        capture_output=True,
    )
    assert wrong.returncode != 0


def test_a_tag_selector_deploys_each_tagged_certificate(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    tagged = _cert(container, account, issuing_ca, tags=[Tag("deploy", "web")])
    other = _cert(container, account, issuing_ca, tags=[Tag("deploy", "mail")])
    deployment = container.deployments.create(
        account,
        _spec(out, Selector(tag=Tag("deploy", "web")), files=ALL_FILES[:4]),
        password=None,
    )
    runs = container.deployer.run(account, "web")
    assert [r.certificate_arn for r in runs] == [tagged]
    assert container.deployer.run(account, "web", certificate_arn=other) == []
    users = {
        a: container.certificates.describe(account=account, arn=a).certificate.in_use_by
        for a in (tagged, other)
    }
    assert users == {tagged: (deployment.arn,), other: ()}
    container.deployments.delete(account, "web")
    cert = container.certificates.describe(account=account, arn=tagged).certificate
    assert cert.in_use_by == ()
    with pytest.raises(NotFoundError):
        container.deployments.describe(account, "web")


def test_a_failing_command_is_a_failed_run_and_rollback_restores_the_files(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    arn = _cert(container, account, issuing_ca)
    flag = out.parent / "fail"
    command = ("sh", "-c", f'test ! -e {flag} || {{ echo "reload refused"; exit 3; }}')
    container.deployments.create(
        account,
        _spec(out, Selector(certificate_arn=arn), files=ALL_FILES[2:4], command=command),
        password=None,
    )
    [first] = container.deployer.run(account, "web")
    assert first.outcome is RunOutcome.SUCCEEDED, first.reason
    old_serial = _serial_of(out / "fullchain.pem")
    old_key = (out / "key.pem").read_bytes()

    container.certificates.renew(account=account, arn=arn)
    flag.touch()
    [failed] = container.deployer.run(account, "web")
    assert failed.outcome is RunOutcome.FAILED
    assert failed.reason == "COMMAND: the post-deploy command exited with status 3: reload refused"
    new_serial = _serial_of(out / "fullchain.pem")
    assert new_serial != old_serial and new_serial == failed.serial
    assert _serial_of(out / "fullchain.pem.previous") == old_serial
    [event] = _events(container, account, "Certificate Deployment Failed")
    assert event.detail["Stage"] == "COMMAND"
    assert event.detail["Reason"].endswith("reload refused")

    flag.unlink()
    rolled = container.deployer.rollback(account, "web")
    assert rolled.outcome is RunOutcome.ROLLED_BACK, rolled.reason
    assert _serial_of(out / "fullchain.pem") == old_serial
    assert (out / "key.pem").read_bytes() == old_key
    assert stat.S_IMODE((out / "key.pem").stat().st_mode) == 0o600
    history = container.deployments.history(account, "web")
    assert [r.outcome for r in history] == [
        RunOutcome.ROLLED_BACK,
        RunOutcome.FAILED,
        RunOutcome.SUCCEEDED,
    ]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_two_runs_of_one_deployment_take_turns(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    arn = _cert(container, account, issuing_ca)
    log = out.parent / "runs.log"
    command = ("sh", "-c", f"echo start >> {log}; sleep 0.3; echo end >> {log}")
    container.deployments.create(
        account,
        _spec(out, Selector(certificate_arn=arn), files=ALL_FILES[2:4], command=command),
        password=None,
    )

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: container.deployer.run(account, "web"), range(2)))

    assert [run.outcome for [run] in runs] == [RunOutcome.SUCCEEDED] * 2
    # Each run wrote, reloaded and finished before the other began.
    assert log.read_text().split() == ["start", "end", "start", "end"]


def test_a_rollback_checks_that_the_server_presents_the_restored_certificate(
    container: Container,
    account: str,
    issuing_ca: CertificateAuthority,
    out: Path,
    tmp_path: Path,
) -> None:
    arn = _cert(container, account, issuing_ca)
    # A real TLS server that presents a certificate of its own, never the deployed one.
    (tmp_path / "other-server").mkdir()
    tls = write_tls_files(tmp_path / "other-server")
    with running_receiver(tls.server_context()) as server:
        check = Verification(host="127.0.0.1", port=server.port, timeout_seconds=0.5)
        container.deployments.create(
            account,
            _spec(out, Selector(certificate_arn=arn), files=ALL_FILES[2:4], verification=check),
            password=None,
        )
        [first] = container.deployer.run(account, "web")
        container.certificates.renew(account=account, arn=arn)
        [second] = container.deployer.run(account, "web")
        rolled = container.deployer.rollback(account, "web")

    assert (first.outcome, second.outcome) == (RunOutcome.FAILED, RunOutcome.FAILED)
    assert first.reason is not None and first.reason.startswith("VERIFY: 127.0.0.1:")
    # The files are back, but the server does not present them: the rollback says so.
    assert _serial_of(out / "fullchain.pem") == first.serial
    assert rolled.outcome is RunOutcome.FAILED
    assert rolled.reason is not None
    assert rolled.reason.startswith(f"rollback: VERIFY: 127.0.0.1:{server.port}")
    assert f"not the deployed {first.serial}" in rolled.reason


def test_a_missing_directory_fails_the_run_without_leaving_files(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    arn = _cert(container, account, issuing_ca)
    container.deployments.create(
        account, _spec(out / "nope", Selector(certificate_arn=arn)), password=PASSWORD
    )
    [run] = container.deployer.run(account, "web")
    assert run.outcome is RunOutcome.FAILED
    assert run.reason is not None and run.reason.startswith("WRITE: the directory")
    rolled = container.deployer.rollback(account, "web")
    assert rolled.outcome is RunOutcome.FAILED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "bad name"}, "Name"),
        ({"directory": "relative/dir"}, "Directory"),
        ({"key_mode": 0o644}, "KeyMode"),
        ({"files": ()}, "Files"),
        ({"files": (FileSpec(FileKind.KEY, "../key.pem"),)}, "Files"),
        ({"command_timeout_seconds": 0.0}, "CommandTimeoutSeconds"),
    ],
)
def test_bad_input_names_the_field(
    container: Container,
    account: str,
    issuing_ca: CertificateAuthority,
    out: Path,
    change: dict[str, Any],
    field: str,
) -> None:
    arn = _cert(container, account, issuing_ca)
    values: dict[str, Any] = {
        "name": "web",
        "selector": Selector(certificate_arn=arn),
        "directory": str(out),
        "files": ALL_FILES[:4],
        **change,
    }
    with pytest.raises(ValidationError) as caught:
        container.deployments.create(account, DeploymentSpec(**values), password=None)
    assert caught.value.field == field


def test_names_are_unique_and_a_pkcs12_file_needs_a_password(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    arn = _cert(container, account, issuing_ca)
    spec = _spec(out, Selector(certificate_arn=arn))
    with pytest.raises(ValidationError) as caught:
        container.deployments.create(account, spec, password=None)
    assert caught.value.field == "Pkcs12Password"
    container.deployments.create(account, spec, password=PASSWORD)
    with pytest.raises(ConflictError):
        container.deployments.create(account, spec, password=PASSWORD)


def test_the_rule_target_runs_for_a_selected_certificate_only(
    container: Container, account: str, issuing_ca: CertificateAuthority, out: Path
) -> None:
    from certherd.services.deploy_target import DeploymentTarget
    from certherd.services.targets import DeliveryError

    arn = _cert(container, account, issuing_ca)
    other = _cert(container, account, issuing_ca)
    deployment = container.deployments.create(
        account, _spec(out, Selector(certificate_arn=arn), files=ALL_FILES[:4]), password=None
    )
    target = DeploymentTarget(deployer=container.deployer, arns=container.arns)

    def invocation(payload: str, target_arn: str = deployment.arn) -> Invocation:
        now = container.clock.now()
        return Invocation(
            id="inv-1",
            event_id="e1",
            account=account,
            rule_id="r1",
            rule_arn=container.arns.rule(account, "default", "r"),
            target_id="t",
            target_arn=target_arn,
            payload=payload,
            state=InvocationState.PENDING,
            attempts=0,
            next_attempt_at=now,
            max_attempts=185,
            max_age_seconds=86400,
            event_time=now,
            created_at=now,
        )

    now = container.clock.now()
    target.deliver(invocation(json.dumps({"resources": [other]})), now=now, uow=None)
    assert container.deployments.history(account, "web") == []
    target.deliver(invocation(json.dumps({"resources": [arn]})), now=now, uow=None)
    [run] = container.deployments.history(account, "web")
    assert run.outcome is RunOutcome.SUCCEEDED
    with pytest.raises(DeliveryError) as caught:
        target.deliver(invocation("{}"), now=now, uow=None)
    assert caught.value.code == "INVALID_PARAMETER"
    gone = container.arns.deployment(account, "gone")
    with pytest.raises(DeliveryError) as caught:
        target.deliver(invocation(json.dumps({"resources": [arn]}), gone), now=now, uow=None)
    assert caught.value.code == "NO_RESOURCE"
