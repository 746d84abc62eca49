"""``certherd ca permission ...`` and ``certherd ca tag ...``: who may use a CA, and its tags."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import ca_path
from certherd.entrypoints.cli.options import CaArn, OutputOption, parse_tags
from certherd.entrypoints.cli.output import console, emit_json, show_tags, table
from certherd.entrypoints.cli.state import state_of

__all__ = ["permission_app", "tag_app"]

permission_app = typer.Typer(
    help="Grants that let a service principal (acm.amazonaws.com) use a CA.",
    no_args_is_help=True,
)
tag_app = typer.Typer(help="Tags of a certificate authority.", no_args_is_help=True)

_ACM = "acm.amazonaws.com"
TagArguments = Annotated[list[str], typer.Argument(help="Tags as KEY=VALUE (or KEY).")]


@permission_app.command("create")
def permission_create(
    ctx: typer.Context,
    arn: CaArn,
    principal: Annotated[str, typer.Option(help="The service principal.")] = _ACM,
    action: Annotated[
        list[str] | None,
        typer.Option(
            help="IssueCertificate, GetCertificate or ListPermissions; repeat for more "
            "(default: all three)."
        ),
    ] = None,
    source_account: Annotated[
        str | None, typer.Option(help="The account allowed (default: the CA's own).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Grant a service principal the use of a CA."""
    body: dict[str, Any] = {"Principal": principal}
    if action:
        body["Actions"] = action
    if source_account:
        body["SourceAccount"] = source_account
    answer = state_of(ctx).client(ctx).post(ca_path(arn, "permissions"), body)
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        actions = ", ".join(answer.get("Actions") or [])
        typer.echo(f"granted {answer.get('Principal', principal)}: {actions}")


@permission_app.command("list")
def permission_list(ctx: typer.Context, arn: CaArn, output: OutputOption = None) -> None:
    """List the grants on a CA."""
    answer = state_of(ctx).client(ctx).get(ca_path(arn, "permissions"))
    if state_of(ctx).json(output):
        emit_json(answer)
        return
    rows = [
        (
            item.get("Principal"),
            ", ".join(item.get("Actions") or []),
            item.get("SourceAccount"),
            item.get("CreatedAt"),
        )
        for item in answer.get("Permissions") or []
    ]
    if not rows:
        typer.echo("no permissions", err=True)
        return
    console().print(table(("Principal", "Actions", "Source account", "Created"), rows))


@permission_app.command("delete")
def permission_delete(
    ctx: typer.Context,
    arn: CaArn,
    principal: Annotated[str, typer.Option(help="The service principal.")] = _ACM,
    source_account: Annotated[str | None, typer.Option(help="The account of the grant.")] = None,
    output: OutputOption = None,
) -> None:
    """Withdraw a grant."""
    state_of(ctx).client(ctx).delete(
        ca_path(arn, "permissions"),
        params={"Principal": principal, "SourceAccount": source_account},
    )
    if state_of(ctx).json(output):
        emit_json({})  # the API answers 204, no body
    else:
        typer.echo(f"withdrew the permission of {principal}")


@tag_app.command("add")
def tag_add(
    ctx: typer.Context, arn: CaArn, tags: TagArguments, output: OutputOption = None
) -> None:
    """Add tags (or change their values)."""
    answer = state_of(ctx).client(ctx).post(ca_path(arn, "tags"), {"Tags": parse_tags(tags)})
    show_tags(answer, as_json=state_of(ctx).json(output))


@tag_app.command("remove")
def tag_remove(
    ctx: typer.Context, arn: CaArn, tags: TagArguments, output: OutputOption = None
) -> None:
    """Remove tags: KEY removes the key, KEY=VALUE only when it has that value."""
    answer = (
        state_of(ctx).client(ctx).post(ca_path(arn, "tags", "remove"), {"Tags": parse_tags(tags)})
    )
    show_tags(answer, as_json=state_of(ctx).json(output))


@tag_app.command("list")
def tag_list(ctx: typer.Context, arn: CaArn, output: OutputOption = None) -> None:
    """List a CA's tags (from its description: the API has no separate call)."""
    answer = state_of(ctx).client(ctx).get(ca_path(arn))
    show_tags({"Tags": answer.get("Tags") or []}, as_json=state_of(ctx).json(output))
