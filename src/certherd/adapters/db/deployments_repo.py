"""Deployments and their runs on SQL."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from certherd.adapters.db.deployment_tables import deployment_runs, deployments
from certherd.adapters.db.integrity import conflict_on_duplicate
from certherd.domain.deployments import (
    Deployment,
    DeploymentRun,
    FileKind,
    FileSpec,
    RunOutcome,
    RunTrigger,
    Selector,
    Verification,
)
from certherd.domain.tags import Tag

__all__ = ["SqlDeploymentRepository"]

_d = deployments.c
_r = deployment_runs.c


def _values(d: Deployment) -> dict[str, Any]:
    v = d.verification
    tag = d.selector.tag
    return {
        "id": d.id,
        "account": d.account,
        "name": d.name,
        "arn": d.arn,
        "certificate_arn": d.selector.certificate_arn,
        "tag_key": tag.key if tag else None,
        "tag_value": tag.value if tag else None,
        "directory": d.directory,
        "files": [{"kind": f.kind.value, "name": f.name} for f in d.files],
        "owner": d.owner,
        "group_name": d.group,
        "mode": d.mode,
        "key_mode": d.key_mode,
        "command": list(d.command),
        "command_timeout_seconds": d.command_timeout_seconds,
        "verify_host": v.host if v else None,
        "verify_port": v.port if v else None,
        "verify_server_name": v.server_name if v else None,
        "verify_timeout_seconds": v.timeout_seconds if v else None,
        "password_secret_id": d.password_secret_id,
        "created_at": d.created_at,
    }


def _deployment(row: sa.Row[Any]) -> Deployment:
    m = row._mapping
    verification = None
    if m["verify_host"] is not None:
        verification = Verification(
            host=m["verify_host"],
            port=m["verify_port"],
            server_name=m["verify_server_name"],
            timeout_seconds=m["verify_timeout_seconds"],
        )
    tag = Tag(m["tag_key"], m["tag_value"] or "") if m["tag_key"] is not None else None
    return Deployment(
        id=m["id"],
        account=m["account"],
        name=m["name"],
        arn=m["arn"],
        selector=Selector(certificate_arn=m["certificate_arn"], tag=tag),
        directory=m["directory"],
        files=tuple(FileSpec(FileKind(f["kind"]), f["name"]) for f in m["files"]),
        created_at=m["created_at"],
        owner=m["owner"],
        group=m["group_name"],
        mode=m["mode"],
        key_mode=m["key_mode"],
        command=tuple(m["command"]),
        command_timeout_seconds=m["command_timeout_seconds"],
        verification=verification,
        password_secret_id=m["password_secret_id"],
    )


def _run(row: sa.Row[Any]) -> DeploymentRun:
    m = row._mapping
    return DeploymentRun(
        id=m["id"],
        account=m["account"],
        deployment_id=m["deployment_id"],
        deployment=m["deployment"],
        trigger=RunTrigger(m["trigger"]),
        certificate_arn=m["certificate_arn"],
        serial=m["serial"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        outcome=RunOutcome(m["outcome"]),
        reason=m["reason"],
        files=tuple(m["files"]),
    )


class SqlDeploymentRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def add(self, deployment: Deployment) -> None:
        with conflict_on_duplicate(f"deployment {deployment.name!r}"):
            self._conn.execute(deployments.insert().values(_values(deployment)))

    def update(self, deployment: Deployment) -> None:
        values = _values(deployment)
        del values["id"]
        self._conn.execute(deployments.update().where(_d.id == deployment.id).values(values))

    def get(self, account: str, name: str) -> Deployment | None:
        row = self._conn.execute(
            sa.select(deployments).where(_d.account == account, _d.name == name)
        ).first()
        return None if row is None else _deployment(row)

    def get_by_arn(self, arn: str) -> Deployment | None:
        row = self._conn.execute(sa.select(deployments).where(_d.arn == arn)).first()
        return None if row is None else _deployment(row)

    def list(self, account: str) -> builtins.list[Deployment]:
        rows = self._conn.execute(
            sa.select(deployments).where(_d.account == account).order_by(_d.name)
        )
        return [_deployment(row) for row in rows]

    def delete(self, deployment_id: str) -> None:
        # Runs go with it (explicitly: SQLite enforces foreign keys only when asked to).
        self._conn.execute(deployment_runs.delete().where(_r.deployment_id == deployment_id))
        self._conn.execute(deployments.delete().where(_d.id == deployment_id))

    def add_run(self, run: DeploymentRun) -> None:
        self._conn.execute(
            deployment_runs.insert().values(
                id=run.id,
                account=run.account,
                deployment_id=run.deployment_id,
                deployment=run.deployment,
                trigger=run.trigger.value,
                certificate_arn=run.certificate_arn,
                serial=run.serial,
                started_at=run.started_at,
                finished_at=run.finished_at,
                outcome=run.outcome.value,
                reason=run.reason,
                files=list(run.files),
            )
        )

    def runs(self, deployment_id: str, *, limit: int) -> builtins.list[DeploymentRun]:
        rows = self._conn.execute(
            sa.select(deployment_runs)
            .where(_r.deployment_id == deployment_id)
            .order_by(_r.seq.desc())
            .limit(limit)
        )
        return [_run(row) for row in rows]
