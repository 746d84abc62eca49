"""``/v1/certificates``: the certificate manager's certificates (ACM semantics), by id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from certherd.entrypoints.api import views
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.filters import FilterDep, PageDep, query_named
from certherd.entrypoints.api.paths import certificate_arn
from certherd.entrypoints.api.responses import (
    CertificateArnOut,
    CertificateArnsOut,
    CertificateListOut,
    CertificateOut,
    CountOut,
    ExportOut,
    PemOut,
    TagsOut,
    VersionListOut,
    problems,
)
from certherd.entrypoints.api.schemas import (
    ExportBody,
    ImportCertificateBody,
    InUseByBody,
    RequestCertificateBatchBody,
    RequestCertificateBody,
    RevokeCertificateBody,
    TagsBody,
    Text,
    tags_of,
)
from certherd.errors import ValidationError
from certherd.services.certificate_requests import RequestEntry

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

_ANY = problems(400, 401, 403, 404, 409)

JSON = dict[str, Any]


# -- creating -------------------------------------------------------------------------------


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateArnOut,
    summary="Request a private certificate",
    description="Issues a certificate (and a new key) from one of our CAs, which must be "
    "ACTIVE. The same `IdempotencyToken` within an hour returns the first certificate.",
    responses=_ANY,
)
def request_certificate(body: RequestCertificateBody, account: AccountDep, c: ContainerDep) -> JSON:
    arn = c.certificates.request(
        account=account,
        domain_name=body.domain_name,
        authority_arn=body.certificate_authority_arn,
        subject_alternative_names=tuple(body.subject_alternative_names or ()),
        key_algorithm=body.key_algorithm,
        idempotency_token=body.idempotency_token,
        validity_days=body.validity_in_days,
        tags=tags_of(body.tags),
    )
    return {"CertificateArn": arn}


@router.post(
    "/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateArnsOut,
    summary="Request many private certificates at once",
    description="Up to 1,000 entries, each a `POST /v1/certificates` body (its own CA, "
    "names, key algorithm, tags and idempotency token). All or nothing: every entry is "
    "checked, then all are issued in one transaction; if any fails, none is, and the "
    "problem names the entry (`Entries[3].DomainName`).",
    responses=_ANY,
)
def request_certificate_batch(
    body: RequestCertificateBatchBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arns = c.certificates.request_batch(
        account=account,
        entries=[
            RequestEntry(
                domain_name=e.domain_name,
                authority_arn=e.certificate_authority_arn,
                subject_alternative_names=tuple(e.subject_alternative_names or ()),
                key_algorithm=e.key_algorithm,
                idempotency_token=e.idempotency_token,
                validity_days=e.validity_in_days,
                tags=tags_of(e.tags),
            )
            for e in body.entries
        ],
    )
    return {"CertificateArns": arns}


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateArnOut,
    summary="Import a certificate with its private key",
    description="PEM certificate, unencrypted PEM key that matches it, and optionally its "
    "chain (issuer first). With `CertificateArn`, re-imports under that ARN as a new "
    "version. Nothing is stored when a check fails.",
    responses=_ANY,
)
def import_certificate(body: ImportCertificateBody, account: AccountDep, c: ContainerDep) -> JSON:
    arn = c.certificates.import_certificate(
        account=account,
        certificate=body.certificate.encode(),
        private_key=body.private_key.encode(),
        chain=body.certificate_chain.encode() if body.certificate_chain is not None else None,
        arn=body.certificate_arn,
        tags=tags_of(body.tags),
    )
    return {"CertificateArn": arn}


# -- reading --------------------------------------------------------------------------------


@router.get(
    "",
    response_model=CertificateListOut,
    summary="List certificates",
    description="Filters combine with AND; repeated values of one filter with OR. Pass "
    "`NextToken` back as `next-token` (with the same filters and sort) for the next page.",
    responses=problems(400, 401, 403),
)
def list_certificates(
    account: AccountDep,
    c: ContainerDep,
    where: FilterDep,
    page: PageDep,
) -> JSON:
    try:
        found = c.certificates.list(account=account, where=where, page=page)
    except ValidationError as exc:
        raise query_named(exc) from None
    return {
        "CertificateSummaryList": [views.certificate_summary(v) for v in found.items],
        "NextToken": found.next_token,
    }


@router.get(
    "/count",
    response_model=CountOut,
    summary="Count certificates",
    description="Takes the filters of the listing.",
    responses=problems(400, 401, 403),
)
def count_certificates(account: AccountDep, c: ContainerDep, where: FilterDep) -> JSON:
    return {"Count": c.certificates.count(account=account, where=where)}


@router.get(
    "/{certificate_id}",
    response_model=CertificateOut,
    summary="Describe a certificate",
    responses=_ANY,
)
def describe_certificate(certificate_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    return {
        "Certificate": views.certificate_detail(c.certificates.describe(account=account, arn=arn))
    }


@router.get(
    "/{certificate_id}/pem",
    response_model=PemOut,
    summary="Get the certificate and chain (PEM)",
    responses=_ANY,
)
def get_pem(
    certificate_id: str,
    account: AccountDep,
    c: ContainerDep,
    version: Annotated[
        int | None, Query(ge=1, description="A version number (default: the current one).")
    ] = None,
) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    material = c.certificates.get(account=account, arn=arn, version=version)
    return {"Certificate": material.certificate_pem, "CertificateChain": material.chain_pem}


@router.get(
    "/{certificate_id}/versions",
    response_model=VersionListOut,
    summary="List the certificate's versions",
    description="Issuance or import, then every renewal or re-import, oldest first.",
    responses=_ANY,
)
def list_versions(certificate_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    return {
        "Versions": [views.version(v) for v in c.certificates.versions(account=account, arn=arn)]
    }


# -- acting on one certificate --------------------------------------------------------------


@router.post(
    "/{certificate_id}/export",
    response_model=ExportOut,
    summary="Export a private certificate with its key",
    description="The key comes as encrypted PKCS#8 PEM under `Passphrase`. Exported "
    "certificates are renewed by certherd.",
    responses=_ANY,
)
def export_certificate(
    certificate_id: str, body: ExportBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    exported = c.certificates.export(
        account=account, arn=arn, passphrase=body.passphrase.encode("utf-8")
    )
    return {
        "Certificate": exported.certificate_pem,
        "CertificateChain": exported.chain_pem,
        "PrivateKey": exported.private_key_pem,
    }


@router.post(
    "/{certificate_id}/renew",
    response_model=CertificateOut,
    summary="Renew a private certificate now",
    description="Adds a new version under the same ARN. Only ISSUED private certificates "
    "that were exported or are in use can be renewed.",
    responses=_ANY,
)
def renew_certificate(certificate_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    return {"Certificate": views.certificate_detail(c.certificates.renew(account=account, arn=arn))}


@router.post(
    "/{certificate_id}/revoke",
    response_model=CertificateArnOut,
    summary="Revoke an exported private certificate",
    description="Permanent; the serial appears on the CA's CRL at once.",
    responses=_ANY,
)
def revoke_certificate(
    certificate_id: str, body: RevokeCertificateBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    return {
        "CertificateArn": c.certificates.revoke(
            account=account, arn=arn, reason=body.revocation_reason
        )
    }


@router.delete(
    "/{certificate_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a certificate and its keys",
    description="Refused (409) while the certificate is in use.",
    responses=_ANY,
)
def delete_certificate(certificate_id: str, account: AccountDep, c: ContainerDep) -> Response:
    arn = certificate_arn(c, account, certificate_id)
    c.certificates.delete(account=account, arn=arn)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{certificate_id}/tags",
    response_model=TagsOut,
    summary="List the certificate's tags",
    responses=_ANY,
)
def list_tags(certificate_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    view = c.certificates.describe(account=account, arn=arn)
    return {"Tags": views.tags(view.certificate.tags)}


@router.post(
    "/{certificate_id}/tags",
    response_model=TagsOut,
    summary="Add tags to a certificate",
    responses=_ANY,
)
def tag_certificate(
    certificate_id: str, body: TagsBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    return {
        "Tags": views.tags(c.certificates.tag(account=account, arn=arn, tags=tags_of(body.tags)))
    }


@router.post(
    "/{certificate_id}/tags/remove",
    response_model=TagsOut,
    summary="Remove tags from a certificate",
    responses=_ANY,
)
def untag_certificate(
    certificate_id: str, body: TagsBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    remaining = c.certificates.untag(account=account, arn=arn, tags=tags_of(body.tags))
    return {"Tags": views.tags(remaining)}


@router.post(
    "/{certificate_id}/in-use-by",
    response_model=CertificateOut,
    summary="Record that something uses the certificate",
    description="Certificates in use cannot be deleted and are renewed by certherd.",
    responses=_ANY,
)
def associate(certificate_id: str, body: InUseByBody, account: AccountDep, c: ContainerDep) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    view = c.certificates.associate(account=account, arn=arn, user=body.user)
    return {"Certificate": views.certificate_detail(view)}


@router.delete(
    "/{certificate_id}/in-use-by",
    response_model=CertificateOut,
    summary="Record that something no longer uses the certificate",
    responses=_ANY,
)
def disassociate(
    certificate_id: str,
    account: AccountDep,
    c: ContainerDep,
    user: Annotated[Text, Query(min_length=1, max_length=2048, description="ARN or name.")],
) -> JSON:
    arn = certificate_arn(c, account, certificate_id)
    view = c.certificates.disassociate(account=account, arn=arn, user=user)
    return {"Certificate": views.certificate_detail(view)}
