"""``certherd cert tag ...`` and ``certherd cert in-use-by ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certherd.entrypoints.cli.client import cert_path
from certherd.entrypoints.cli.options import CertificateArn, OutputOption, parse_tags
from certherd.entrypoints.cli.output import console, describe, emit_json, show_tags
from certherd.entrypoints.cli.state import state_of

__all__ = ["in_use_app", "tag_app"]

tag_app = typer.Typer(help="Tags of a certificate.", no_args_is_help=True)
in_use_app = typer.Typer(
    help="Record what uses a certificate (a certificate in use cannot be deleted).",
    no_args_is_help=True,
)
TagArguments = Annotated[list[str], typer.Argument(help="Tags as KEY=VALUE (or KEY).")]
User = Annotated[str, typer.Argument(help="The user: an ARN or a name.")]


@tag_app.command("add")
def tag_add(
    ctx: typer.Context, arn: CertificateArn, tags: TagArguments, output: OutputOption = None
) -> None:
    """Add tags (or change their values)."""
    answer = state_of(ctx).client(ctx).post(cert_path(arn, "tags"), {"Tags": parse_tags(tags)})
    show_tags(answer, as_json=state_of(ctx).json(output))


@tag_app.command("remove")
def tag_remove(
    ctx: typer.Context, arn: CertificateArn, tags: TagArguments, output: OutputOption = None
) -> None:
    """Remove tags: KEY removes the key, KEY=VALUE only when it has that value."""
    body = {"Tags": parse_tags(tags)}
    answer = state_of(ctx).client(ctx).post(cert_path(arn, "tags", "remove"), body)
    show_tags(answer, as_json=state_of(ctx).json(output))


@tag_app.command("list")
def tag_list(ctx: typer.Context, arn: CertificateArn, output: OutputOption = None) -> None:
    """List a certificate's tags."""
    show_tags(
        state_of(ctx).client(ctx).get(cert_path(arn, "tags")), as_json=state_of(ctx).json(output)
    )


def _show(ctx: typer.Context, answer: Any, output: OutputOption) -> None:
    if state_of(ctx).json(output):
        emit_json(answer)
    else:
        console().print(describe(answer.get("Certificate") or {}))


@in_use_app.command("add")
def in_use_add(
    ctx: typer.Context, arn: CertificateArn, user: User, output: OutputOption = None
) -> None:
    """Record that USER uses the certificate."""
    answer = state_of(ctx).client(ctx).post(cert_path(arn, "in-use-by"), {"User": user})
    _show(ctx, answer, output)


@in_use_app.command("remove")
def in_use_remove(
    ctx: typer.Context, arn: CertificateArn, user: User, output: OutputOption = None
) -> None:
    """Record that USER no longer uses the certificate."""
    answer = state_of(ctx).client(ctx).delete(cert_path(arn, "in-use-by"), params={"user": user})
    _show(ctx, answer, output)
