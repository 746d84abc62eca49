"""Options and arguments several commands share, and parsing of their values."""

from __future__ import annotations

from typing import Annotated

import typer

from certherd.entrypoints.cli.output import OutputFormat

__all__ = [
    "CaArn",
    "CertificateArn",
    "OutputOption",
    "TagOption",
    "parse_tags",
]

OutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        case_sensitive=False,
        help="table (readable) or json (the API's JSON, for scripts). Default: the global one.",
        show_default=False,
    ),
]
CertificateArn = Annotated[str, typer.Argument(help="Certificate ARN (or its id).")]
CaArn = Annotated[str, typer.Argument(help="Certificate authority ARN (or its id).")]
TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        metavar="KEY=VALUE",
        help="A tag as KEY=VALUE (or KEY); repeat for more.",
        show_default=False,
    ),
]


def parse_tags(values: list[str] | None, *, value_required: bool = False) -> list[dict[str, str]]:
    """``KEY=VALUE`` (or ``KEY``) strings as the API's ``[{"Key", "Value"}]`` list.

    Raises typer.BadParameter (a usage error) for an empty key, or a missing value when
    ``value_required``.
    """
    tags: list[dict[str, str]] = []
    for raw in values or []:
        key, sep, value = raw.partition("=")
        key = key.strip()
        if not key:
            raise typer.BadParameter(f"{raw!r}: a tag needs a key (KEY=VALUE)", param_hint="--tag")
        if value_required and not sep:
            raise typer.BadParameter(f"{raw!r}: give the tag as KEY=VALUE", param_hint="--tag")
        tags.append({"Key": key, "Value": value} if sep else {"Key": key})
    return tags
