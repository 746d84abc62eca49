"""Request bodies of the native API: PascalCase fields exactly as in docs/api.md.

Unknown fields are refused (``extra="forbid"``), so a misspelt field is a 400 naming it
rather than silently ignored. The rules on values (lengths, ranges, name syntax) are the
domain's and the services'; these models check shape and type, and list enums so the
OpenAPI document shows the allowed values.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_pascal

from certherd.domain.authority import AuthorityType
from certherd.domain.certificate import RevocationReason as AcmRevocationReason
from certherd.domain.tags import Tag as DomainTag
from certherd.pki.crl import RevocationReason as PcaRevocationReason
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject as DomainSubject

__all__ = [
    "AccountConfigurationBody",
    "AcmReason",
    "CreateAuthorityBody",
    "CreatePermissionBody",
    "ExportBody",
    "ImportAuthorityCertificateBody",
    "ImportCertificateBody",
    "InUseByBody",
    "IssueBody",
    "PcaReason",
    "RequestCertificateBatchBody",
    "RequestCertificateBody",
    "RevokeCertificateBody",
    "RevokeIssuedBody",
    "SubjectBody",
    "TagBody",
    "TagsBody",
    "Text",
    "UpdateAuthorityBody",
    "plain_text",
    "tags_of",
]


def plain_text(value: str) -> str:
    """Refuse what no certherd field can hold and some databases cannot store."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no unpaired surrogates)") from None
    return value


#: A JSON string that can be encoded as UTF-8 and stored anywhere.
Text = Annotated[str, AfterValidator(plain_text)]

#: ACM's revocation reasons and AWS Private CA's share a class name; named apart in OpenAPI.
AcmReason = Annotated[
    AcmRevocationReason,
    WithJsonSchema(
        {
            "title": "AcmRevocationReason",
            "type": "string",
            "enum": [m.value for m in AcmRevocationReason],
        }
    ),
]
PcaReason = Annotated[
    PcaRevocationReason,
    WithJsonSchema(
        {
            "title": "PcaRevocationReason",
            "type": "string",
            "enum": [m.value for m in PcaRevocationReason],
        }
    ),
]

# Generous caps so one request cannot make the server parse millions of items; the real
# limits (100 names, 50 tags) are the domain's and give clearer messages.
_MAX_LIST = 1000
_MAX_TEXT = 2048


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_pascal,
        populate_by_name=False,
        frozen=True,
    )


class TagBody(_Body):
    key: Text = Field(max_length=_MAX_TEXT, description="1-128 characters; not `aws:...`.")
    value: Text = Field(default="", max_length=_MAX_TEXT, description="0-256 characters.")

    def to_domain(self) -> DomainTag:
        return DomainTag(self.key, self.value)


def tags_of(tags: list[TagBody] | None) -> tuple[DomainTag, ...]:
    return tuple(t.to_domain() for t in tags or ())


class TagsBody(_Body):
    tags: list[TagBody] = Field(
        max_length=_MAX_LIST,
        description="Tags to add (an existing key takes the new value) or to remove "
        "(a tag without Value removes the key whatever its value).",
    )


class SubjectBody(_Body):
    """AWS Private CA's ASN1Subject."""

    country: Text | None = Field(default=None, description="Two letters, e.g. `DE`.")
    organization: Text | None = None
    organizational_unit: Text | None = None
    distinguished_name_qualifier: Text | None = None
    state: Text | None = None
    common_name: Text | None = Field(default=None, description="At most 64 characters.")
    serial_number: Text | None = None
    locality: Text | None = None
    title: Text | None = None
    surname: Text | None = None
    given_name: Text | None = None
    initials: Text | None = None
    pseudonym: Text | None = None
    generation_qualifier: Text | None = None

    def to_domain(self) -> DomainSubject:
        """The domain subject (ValidationError naming ``Subject.<Key>`` when a rule breaks)."""
        return DomainSubject.from_dict(self.model_dump(by_alias=True), field="Subject")


class CrlConfigurationBody(_Body):
    enabled: bool = Field(description="Whether the CA publishes a CRL.")
    expiration_in_days: int = Field(default=7, description="Validity of each CRL in days (1-5000).")


class RevocationConfigurationBody(_Body):
    crl_configuration: CrlConfigurationBody


class CreateAuthorityBody(_Body):
    type: AuthorityType
    key_algorithm: KeyAlgorithm = Field(
        description="RSA_2048, RSA_3072, RSA_4096, EC_prime256v1 or EC_secp384r1."
    )
    signing_algorithm: SigningAlgorithm | None = Field(
        default=None, description="Default: the one fitting the key."
    )
    subject: SubjectBody
    validity_in_days: int | None = Field(
        default=None,
        description="Default 3650 for a ROOT, 1825 (capped at the parent's end) for a "
        "SUBORDINATE signed by ParentArn.",
    )
    parent_arn: Text | None = Field(
        default=None,
        max_length=_MAX_TEXT,
        description="A SUBORDINATE signed by this CA of ours; without it the subordinate "
        "stays PENDING_CERTIFICATE until its certificate is imported.",
    )
    path_length: int | None = Field(default=None, description="0-3.")
    revocation_configuration: RevocationConfigurationBody | None = None
    allow_certificate_manager: bool = Field(
        default=True,
        description="Grant acm.amazonaws.com the right to issue and renew through this CA.",
    )
    tags: list[TagBody] | None = Field(default=None, max_length=_MAX_LIST)


class UpdateAuthorityBody(_Body):
    status: Literal["ACTIVE", "DISABLED"]


class ImportAuthorityCertificateBody(_Body):
    certificate: Text = Field(description="The CA certificate (PEM), signed for the CA's CSR.")
    certificate_chain: Text | None = Field(
        default=None,
        description="PEM chain from the certificate's issuer up to the root "
        "(required for a SUBORDINATE).",
    )


class CreatePermissionBody(_Body):
    principal: Text = Field(max_length=_MAX_TEXT, description="`acm.amazonaws.com`.")
    actions: list[Text] | None = Field(
        default=None,
        max_length=16,
        description="IssueCertificate, GetCertificate, ListPermissions (default: all).",
    )
    source_account: Text | None = Field(default=None, description="Default: the caller's.")


class IssueBody(_Body):
    csr: Text = Field(description="The certificate signing request, PEM.")
    validity_in_days: int
    signing_algorithm: SigningAlgorithm | None = None
    template_arn: Text | None = Field(
        default=None,
        max_length=_MAX_TEXT,
        description="e.g. `arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1`.",
    )


class RevokeIssuedBody(_Body):
    certificate_serial: Text = Field(
        max_length=_MAX_TEXT, description="Hexadecimal, with or without colons."
    )
    revocation_reason: PcaReason


class RequestCertificateBody(_Body):
    domain_name: Text = Field(max_length=_MAX_TEXT)
    subject_alternative_names: list[Text] | None = Field(
        default=None, max_length=_MAX_LIST, description="Up to 100 names in all."
    )
    key_algorithm: KeyAlgorithm = Field(
        default=KeyAlgorithm.RSA_2048,
        description="RSA_2048 (default), EC_prime256v1 or EC_secp384r1.",
    )
    certificate_authority_arn: Text = Field(max_length=_MAX_TEXT)
    idempotency_token: Text | None = Field(default=None, max_length=_MAX_TEXT)
    validity_in_days: int = Field(default=395)
    tags: list[TagBody] | None = Field(default=None, max_length=_MAX_LIST)


class RequestCertificateBatchBody(_Body):
    entries: list[RequestCertificateBody] = Field(
        # The service's limit (1,000 entries, LimitExceeded) gives the clearer message.
        max_length=10 * _MAX_LIST,
        description="One to 1,000 requests, each with the fields of `POST /v1/certificates`.",
    )


class ImportCertificateBody(_Body):
    certificate: Text = Field(description="PEM.")
    private_key: Text = Field(description="Unencrypted PEM, matching the certificate.")
    certificate_chain: Text | None = Field(default=None, description="PEM, issuer first.")
    certificate_arn: Text | None = Field(
        default=None, max_length=_MAX_TEXT, description="Re-import under this ARN."
    )
    tags: list[TagBody] | None = Field(default=None, max_length=_MAX_LIST)


class ExportBody(_Body):
    passphrase: Text = Field(
        max_length=_MAX_TEXT,
        description="4-128 printable ASCII characters, none of `#`, `$`, `%`.",
        json_schema_extra={"format": "password"},
    )


class RevokeCertificateBody(_Body):
    revocation_reason: AcmReason


class InUseByBody(_Body):
    user: Text = Field(
        min_length=1, max_length=_MAX_TEXT, description="An ARN or name of what uses it."
    )


class ExpiryEventsBody(_Body):
    days_before_expiry: int = Field(description="1-45.")


class AccountConfigurationBody(_Body):
    expiry_events: ExpiryEventsBody
