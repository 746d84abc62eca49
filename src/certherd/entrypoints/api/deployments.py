"""``/v1/deployments``: put certificates on this machine's servers, run, roll back, history.

``{name}`` is the name of one of the account's deployments. Modes are octal strings
(``"0600"``). The PKCS#12 password is write-only: it is never answered back.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.domain.deployments import (
    DEFAULT_KEY_MODE,
    DEFAULT_MODE,
    Deployment,
    DeploymentRun,
    FileKind,
    FileSpec,
    Selector,
    Verification,
)
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.responses import problems
from certherd.entrypoints.api.schemas import TagBody, Text
from certherd.services.deployments import MAX_HISTORY, DeploymentSpec

__all__ = ["router"]

router = APIRouter(prefix="/v1/deployments", tags=["deployments"])

_ANY: Final = problems(400, 401, 403, 404, 409)
_MODE: Final = r"^0?[0-7]{3}$"

JSON = dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_pascal, frozen=True)


class SelectorBody(_Body):
    certificate_arn: Text | None = Field(default=None, max_length=2048)
    tag: TagBody | None = None


class FileBody(_Body):
    kind: FileKind
    name: Text = Field(max_length=128)


class VerifyBody(_Body):
    host: Text = Field(max_length=253)
    port: int = Field(ge=1, le=65535)
    server_name: Text | None = Field(default=None, max_length=253)
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)


class CreateDeploymentBody(_Body):
    name: Text = Field(max_length=64)
    selector: SelectorBody
    directory: Text = Field(max_length=1024)
    files: list[FileBody] = Field(max_length=6)
    owner: Text | None = Field(default=None, max_length=64)
    group: Text | None = Field(default=None, max_length=64)
    mode: str = Field(default=f"0{DEFAULT_MODE:o}", pattern=_MODE)
    key_mode: str = Field(default=f"0{DEFAULT_KEY_MODE:o}", pattern=_MODE)
    command: list[str] = Field(default_factory=list, max_length=64)
    command_timeout_seconds: float = Field(default=30.0)
    verify: VerifyBody | None = None
    pkcs12_password: str | None = Field(default=None, max_length=128)


class RunBody(_Body):
    certificate_arn: Text | None = Field(default=None, max_length=2048)


def _view(d: Deployment) -> JSON:
    selector: JSON = (
        {"CertificateArn": d.selector.certificate_arn}
        if d.selector.certificate_arn is not None
        else {"Tag": {"Key": d.selector.tag.key, "Value": d.selector.tag.value}}
        if d.selector.tag is not None
        else {}
    )
    v = d.verification
    return {
        "Name": d.name,
        "DeploymentArn": d.arn,
        "Selector": selector,
        "Directory": d.directory,
        "Files": [{"Kind": f.kind.value, "Name": f.name} for f in d.files],
        "Owner": d.owner,
        "Group": d.group,
        "Mode": f"0{d.mode:o}",
        "KeyMode": f"0{d.key_mode:o}",
        "Command": list(d.command),
        "CommandTimeoutSeconds": d.command_timeout_seconds,
        "Verify": None
        if v is None
        else {
            "Host": v.host,
            "Port": v.port,
            "ServerName": v.server_name,
            "TimeoutSeconds": v.timeout_seconds,
        },
        "HasPkcs12Password": d.password_secret_id is not None,
        "CreatedAt": d.created_at.isoformat(),
    }


def _run_view(r: DeploymentRun) -> JSON:
    return {
        "RunId": r.id,
        "DeploymentName": r.deployment,
        "Trigger": r.trigger.value,
        "CertificateArn": r.certificate_arn,
        "SerialNumber": r.serial,
        "StartedAt": r.started_at.isoformat(),
        "FinishedAt": r.finished_at.isoformat(),
        "Outcome": r.outcome.value,
        "Reason": r.reason,
        "Files": list(r.files),
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a deployment",
    description="Certificates it selects (one ARN, or a tag) count as in use by it.",
    responses=_ANY,
)
def create_deployment(body: CreateDeploymentBody, account: AccountDep, c: ContainerDep) -> JSON:
    tag = body.selector.tag.to_domain() if body.selector.tag else None
    spec = DeploymentSpec(
        name=body.name,
        selector=Selector(certificate_arn=body.selector.certificate_arn, tag=tag),
        directory=body.directory,
        files=tuple(FileSpec(f.kind, f.name) for f in body.files),
        owner=body.owner,
        group=body.group,
        mode=int(body.mode, 8),
        key_mode=int(body.key_mode, 8),
        command=tuple(body.command),
        command_timeout_seconds=body.command_timeout_seconds,
        verification=None
        if body.verify is None
        else Verification(
            host=body.verify.host,
            port=body.verify.port,
            server_name=body.verify.server_name,
            timeout_seconds=body.verify.timeout_seconds,
        ),
    )
    return _view(c.deployments.create(account, spec, password=body.pkcs12_password))


@router.get("", summary="List deployments", responses=problems(400, 401, 403))
def list_deployments(account: AccountDep, c: ContainerDep) -> JSON:
    return {"Deployments": [_view(d) for d in c.deployments.list(account)]}


@router.get("/{name}", summary="Describe a deployment", responses=_ANY)
def describe_deployment(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return _view(c.deployments.describe(account, name))


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a deployment",
    description="The deployed files stay; the certificates are no longer in use by it.",
    responses=_ANY,
)
def delete_deployment(name: str, account: AccountDep, c: ContainerDep) -> Response:
    c.deployments.delete(account, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{name}/run",
    summary="Run a deployment now",
    description="One run per selected certificate (only `CertificateArn` when given); a "
    "failed run is answered too, with its `Reason`.",
    responses=_ANY,
)
def run_deployment(
    name: str, account: AccountDep, c: ContainerDep, body: RunBody | None = None
) -> JSON:
    arn = body.certificate_arn if body else None
    runs = c.deployer.run(account, name, certificate_arn=arn)
    return {"Runs": [_run_view(r) for r in runs]}


@router.post(
    "/{name}/rollback",
    summary="Roll a deployment back",
    description="Puts the previous version of each file back and runs the post-deploy command.",
    responses=_ANY,
)
def rollback_deployment(name: str, account: AccountDep, c: ContainerDep) -> JSON:
    return _run_view(c.deployer.rollback(account, name))


@router.get("/{name}/history", summary="A deployment's runs, newest first", responses=_ANY)
def deployment_history(
    name: str,
    account: AccountDep,
    c: ContainerDep,
    max_items: Annotated[int, Query(alias="MaxItems", ge=1, le=MAX_HISTORY)] = 20,
) -> JSON:
    return {"Runs": [_run_view(r) for r in c.deployments.history(account, name, limit=max_items)]}
