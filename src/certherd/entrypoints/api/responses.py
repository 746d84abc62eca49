"""Answers of the native API as models, for the OpenAPI document and the interactive docs.

The routes build plain dicts with :mod:`certherd.entrypoints.api.views`; these models
describe (and check) those shapes. Every member is always present, ``null`` when absent.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from certherd.domain.authority import AuthorityStatus, AuthorityType
from certherd.domain.certificate import (
    CertificateStatus,
    CertificateType,
    FailureReason,
    RenewalEligibility,
    RenewalStatus,
    VersionAction,
)
from certherd.entrypoints.api.schemas import AcmReason
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True)


class Problem(_Out):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = Field(examples=["https://certherd.dev/problems/validation-error"])
    title: str = Field(examples=["ValidationError"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["DomainName: label 'ab--c' ..."])
    code: str = Field(examples=["ValidationError"])
    field: str | None = Field(default=None, examples=["DomainName"])

    model_config = ConfigDict(alias_generator=None)


class TagOut(_Out):
    key: str
    value: str


class TagsOut(_Out):
    tags: list[TagOut]


class CertificateArnOut(_Out):
    certificate_arn: str


class CertificateArnsOut(_Out):
    certificate_arns: list[str] = Field(description="In the order of the entries.")


# -- certificate authorities ----------------------------------------------------------------


class AuthorityConfigurationOut(_Out):
    key_algorithm: KeyAlgorithm
    signing_algorithm: SigningAlgorithm
    subject: dict[str, str] = Field(description="ASN1Subject: CommonName, Organization, ...")


class CrlConfigurationOut(_Out):
    enabled: bool
    expiration_in_days: int
    crl_url: str | None = Field(description="Where the CRL is served (open, DER).")


class RevocationConfigurationOut(_Out):
    crl_configuration: CrlConfigurationOut


class AuthorityOut(_Out):
    """AWS Private CA's CertificateAuthority."""

    arn: str
    id: str
    owner_account: str
    type: AuthorityType
    status: AuthorityStatus
    created_at: str
    last_state_change_at: str
    not_before: str | None
    not_after: str | None
    serial: str | None
    restorable_until: str | None
    certificate_authority_configuration: AuthorityConfigurationOut
    revocation_configuration: RevocationConfigurationOut
    path_length: int | None
    tags: list[TagOut]


class AuthorityListOut(_Out):
    certificate_authorities: list[AuthorityOut]


class CsrOut(_Out):
    csr: str


class PemOut(_Out):
    certificate: str
    certificate_chain: str | None


class PermissionOut(_Out):
    principal: str
    actions: list[str]
    source_account: str
    created_at: str
    certificate_authority_arn: str


class PermissionListOut(_Out):
    permissions: list[PermissionOut]


# -- certificates ---------------------------------------------------------------------------


class RenewalSummaryOut(_Out):
    renewal_status: RenewalStatus
    renewal_status_reason: FailureReason | None
    updated_at: str


class KeyUsageOut(_Out):
    name: str


class ExtendedKeyUsageOut(_Out):
    name: str
    oid: str = Field(alias="OID")


class OptionsOut(_Out):
    certificate_transparency_logging_preference: str
    export: str = Field(description="ENABLED for private certificates, else DISABLED.")


class CertificateDetailOut(_Out):
    """ACM's CertificateDetail with certherd's DaysToExpiry, Exported, Version and Tags."""

    certificate_arn: str
    domain_name: str
    subject_alternative_names: list[str]
    serial: str
    subject: str
    issuer: str
    created_at: str
    issued_at: str | None
    imported_at: str | None
    status: CertificateStatus
    revoked_at: str | None
    revocation_reason: AcmReason | None
    not_before: str
    not_after: str
    key_algorithm: KeyAlgorithm
    signature_algorithm: str
    in_use_by: list[str]
    type: CertificateType
    renewal_summary: RenewalSummaryOut | None
    key_usages: list[KeyUsageOut]
    extended_key_usages: list[ExtendedKeyUsageOut]
    certificate_authority_arn: str | None
    renewal_eligibility: RenewalEligibility
    options: OptionsOut
    certificate_key_pair_origin: str = Field(description="AWS_MANAGED or CUSTOMER_PROVIDED.")
    days_to_expiry: int
    exported: bool
    version: int
    tags: list[TagOut]


class CertificateOut(_Out):
    certificate: CertificateDetailOut


class CertificateSummaryOut(_Out):
    certificate_arn: str
    domain_name: str
    subject_alternative_name_summaries: list[str]
    has_additional_subject_alternative_names: bool
    status: CertificateStatus
    type: CertificateType
    key_algorithm: KeyAlgorithm
    in_use: bool
    exported: bool
    renewal_eligibility: RenewalEligibility
    not_before: str
    not_after: str
    created_at: str
    issued_at: str | None
    imported_at: str | None
    revoked_at: str | None
    days_to_expiry: int


class CertificateListOut(_Out):
    certificate_summary_list: list[CertificateSummaryOut]
    next_token: str | None = Field(description="Pass as `next-token` for the next page.")


class CountOut(_Out):
    count: int


class VersionOut(_Out):
    version: int
    action: VersionAction
    serial: str
    not_before: str
    not_after: str
    created_at: str
    exported: bool


class VersionListOut(_Out):
    versions: list[VersionOut]


class ExportOut(_Out):
    certificate: str
    certificate_chain: str | None
    private_key: str = Field(description="Encrypted PKCS#8 PEM under the passphrase.")


# -- account and operations -----------------------------------------------------------------


class ExpiryEventsOut(_Out):
    days_before_expiry: int


class AccountConfigurationOut(_Out):
    expiry_events: ExpiryEventsOut


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
    version: str = Field(examples=["0.1.0"])


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problems(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` entries for the problem answers a route can give."""
    described = {
        400: "Bad input; `field` names the offending field.",
        401: "No or unknown bearer token.",
        403: "The token may not act for that account.",
        404: "No such resource in this account.",
        409: "The resource's state does not allow this.",
    }
    return {
        status: {
            "description": described.get(status, "Problem"),
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
        for status in statuses
    }
