"""AWS Private CA certificate templates: the ones certherd implements and their ARNs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from certherd.errors import ValidationError

MAX_TEMPLATE_PATH_LENGTH = 3

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):acm-pca:::template/(?P<name>[A-Za-z0-9_]+)/(?P<version>V\d+)"
)
_SUBORDINATE = re.compile(r"SubordinateCACertificate_PathLen(?P<n>\d+)")


class Template(StrEnum):
    """The AWS Private CA templates certherd implements (value: ``<name>/<version>``)."""

    END_ENTITY = "EndEntityCertificate/V1"
    END_ENTITY_SERVER = "EndEntityServerAuthCertificate/V1"
    SUBORDINATE_CA = "SubordinateCACertificate_PathLen0/V1"
    ROOT_CA = "RootCACertificate/V1"


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """A parsed template: which kind, and for CA templates the path length (``None`` = none).

    Pass ``ca_path_length`` and ``server_auth_only`` on to
    :func:`certherd.pki.issue.issue_certificate`; a ROOT_CA template is issued with
    :func:`certherd.pki.issue.self_signed_ca_certificate` instead.
    """

    template: Template
    path_length: int | None = None

    @property
    def is_ca(self) -> bool:
        """True for the subordinate and root CA templates."""
        return self.template in (Template.SUBORDINATE_CA, Template.ROOT_CA)

    @property
    def ca_path_length(self) -> int | None:
        """The path length for a subordinate CA, ``None`` for end-entity templates."""
        return self.path_length if self.template is Template.SUBORDINATE_CA else None

    @property
    def server_auth_only(self) -> bool:
        """True when the extended key usage is TLS server authentication only."""
        return self.template is Template.END_ENTITY_SERVER

    @property
    def name(self) -> str:
        """The template's AWS name, e.g. ``SubordinateCACertificate_PathLen2/V1``."""
        if self.template is Template.SUBORDINATE_CA:
            return f"SubordinateCACertificate_PathLen{self.path_length}/V1"
        return self.template.value

    def arn(self, partition: str = "aws") -> str:
        """The template's ARN in ``partition``."""
        return f"arn:{partition}:acm-pca:::template/{self.name}"


def parse_template_arn(arn: str | None, *, field: str = "TemplateArn") -> TemplateSpec:
    """Parse an AWS template ARN; ``None`` gives the AWS default ``EndEntityCertificate/V1``.

    ``SubordinateCACertificate_PathLenN/V1`` yields a SUBORDINATE_CA spec with path length N
    (0..3).

    Raises:
        ValidationError: (naming ``field``) not a template ARN, or a template certherd does
            not implement.
    """
    if arn is None:
        return TemplateSpec(Template.END_ENTITY)
    match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        raise ValidationError(
            f"{arn!r} is not a template ARN (arn:aws:acm-pca:::template/<Name>/V<n>)",
            field=field,
        )
    name = f"{match['name']}/{match['version']}"
    sub = _SUBORDINATE.fullmatch(match["name"])
    if sub is not None:
        if match["version"] == "V1" and int(sub["n"]) <= MAX_TEMPLATE_PATH_LENGTH:
            return TemplateSpec(Template.SUBORDINATE_CA, int(sub["n"]))
    else:
        try:
            return TemplateSpec(Template(name))
        except ValueError:
            pass
    supported = ", ".join(
        [Template.END_ENTITY, Template.END_ENTITY_SERVER, Template.ROOT_CA]
        + [f"SubordinateCACertificate_PathLen{n}/V1" for n in range(MAX_TEMPLATE_PATH_LENGTH + 1)]
    )
    raise ValidationError(f"template {name} is not supported; supported: {supported}", field=field)
