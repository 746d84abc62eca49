"""``/v1/certificate-authorities``: AWS Private CA's certificate authorities, by id."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response, status

from certherd.bootstrap import Container
from certherd.domain.authority import AuthorityStatus, CertificateAuthority
from certherd.entrypoints.api import views
from certherd.entrypoints.api.auth import AccountDep
from certherd.entrypoints.api.deps import ContainerDep
from certherd.entrypoints.api.paths import authority_arn
from certherd.entrypoints.api.responses import (
    AuthorityListOut,
    AuthorityOut,
    CertificateArnOut,
    CsrOut,
    PemOut,
    PermissionListOut,
    PermissionOut,
    TagsOut,
    problems,
)
from certherd.entrypoints.api.schemas import (
    CreateAuthorityBody,
    CreatePermissionBody,
    ImportAuthorityCertificateBody,
    IssueBody,
    RevokeIssuedBody,
    TagsBody,
    Text,
    UpdateAuthorityBody,
    tags_of,
)
from certherd.errors import NotFoundError

router = APIRouter(prefix="/v1/certificate-authorities", tags=["certificate authorities"])

CRL_MEDIA_TYPE: Final = "application/pkix-crl"
_SERIAL_RE: Final = re.compile(r"[0-9A-Fa-f]{1,2}(:?[0-9A-Fa-f]{2}){0,63}")
_ANY = problems(400, 401, 403, 404, 409)

JSON = dict[str, Any]


def _view(container: Container, ca: CertificateAuthority) -> JSON:
    return views.authority(ca, now=container.clock.now(), public_url=container.settings.public_url)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AuthorityOut,
    summary="Create a certificate authority",
    description="A ROOT signs its own certificate and is ACTIVE at once. A SUBORDINATE with "
    "`ParentArn` is signed by that CA of ours and is ACTIVE at once; without it the CA "
    "stays `PENDING_CERTIFICATE` until a certificate for its CSR is imported "
    "(`PUT .../certificate`).",
    responses=_ANY,
)
def create_authority(body: CreateAuthorityBody, account: AccountDep, c: ContainerDep) -> JSON:
    crl = body.revocation_configuration.crl_configuration if body.revocation_configuration else None
    ca = c.authorities.create(
        account=account,
        type=body.type,
        subject=body.subject.to_domain(),
        key_algorithm=body.key_algorithm,
        signing_algorithm=body.signing_algorithm,
        validity_days=body.validity_in_days,
        parent_arn=body.parent_arn,
        path_length=body.path_length,
        crl_enabled=crl.enabled if crl else True,
        crl_expiration_days=crl.expiration_in_days if crl else 7,
        allow_certificate_manager=body.allow_certificate_manager,
        tags=tags_of(body.tags),
    )
    return _view(c, ca)


@router.get(
    "",
    response_model=AuthorityListOut,
    summary="List certificate authorities",
    description="Every CA of the account that has not been purged, oldest first.",
    responses=problems(401, 403),
)
def list_authorities(account: AccountDep, c: ContainerDep) -> JSON:
    return {"CertificateAuthorities": [_view(c, ca) for ca in c.authorities.list(account=account)]}


@router.get(
    "/{authority_id}",
    response_model=AuthorityOut,
    summary="Describe a certificate authority",
    responses=_ANY,
)
def describe_authority(authority_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = authority_arn(c, account, authority_id)
    return _view(c, c.authorities.get(account=account, arn=arn))


@router.patch(
    "/{authority_id}",
    response_model=AuthorityOut,
    summary="Enable or disable a certificate authority",
    description="`ACTIVE` -> `DISABLED` stops issuing; `DISABLED` -> `ACTIVE` resumes it.",
    responses=_ANY,
)
def update_authority(
    authority_id: str, body: UpdateAuthorityBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    ca = c.authorities.set_status(account=account, arn=arn, status=AuthorityStatus(body.status))
    return _view(c, ca)


@router.delete(
    "/{authority_id}",
    response_model=AuthorityOut,
    summary="Delete a certificate authority",
    description="The CA must not be ACTIVE (disable it first). It becomes `DELETED` and can "
    "be restored until `RestorableUntil`.",
    responses=_ANY,
)
def delete_authority(
    authority_id: str,
    account: AccountDep,
    c: ContainerDep,
    permanent_deletion_days: Annotated[
        int | None,
        Query(
            alias="PermanentDeletionTimeInDays",
            description="Days (7-30) during which the CA can be restored; default from settings.",
        ),
    ] = None,
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    ca = c.authorities.delete(account=account, arn=arn, restore_days=permanent_deletion_days)
    return _view(c, ca)


@router.post(
    "/{authority_id}/restore",
    response_model=AuthorityOut,
    summary="Restore a deleted certificate authority",
    responses=_ANY,
)
def restore_authority(authority_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = authority_arn(c, account, authority_id)
    return _view(c, c.authorities.restore(account=account, arn=arn))


@router.get(
    "/{authority_id}/csr",
    response_model=CsrOut,
    summary="Get the CA's certificate signing request",
    description="Have it signed (for example by a root CA through `/issue` with a "
    "SubordinateCACertificate template) and import the result with `PUT .../certificate`.",
    responses=_ANY,
)
def get_csr(authority_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = authority_arn(c, account, authority_id)
    return {"Csr": c.authorities.csr(account=account, arn=arn)}


@router.get(
    "/{authority_id}/certificate",
    response_model=PemOut,
    summary="Get the CA's certificate and chain",
    responses=_ANY,
)
def get_authority_certificate(authority_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = authority_arn(c, account, authority_id)
    certificate, chain = c.authorities.certificate(account=account, arn=arn)
    return {"Certificate": certificate, "CertificateChain": chain}


@router.put(
    "/{authority_id}/certificate",
    response_model=AuthorityOut,
    summary="Import the CA's certificate",
    description="Installs the certificate of a `PENDING_CERTIFICATE` CA, signed for its CSR; "
    "a SUBORDINATE needs `CertificateChain` (its issuer first, up to the root).",
    responses=_ANY,
)
def import_authority_certificate(
    authority_id: str,
    body: ImportAuthorityCertificateBody,
    account: AccountDep,
    c: ContainerDep,
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    ca = c.authorities.import_certificate(
        account=account,
        arn=arn,
        certificate=body.certificate.encode(),
        chain=body.certificate_chain.encode() if body.certificate_chain is not None else None,
    )
    return _view(c, ca)


@router.get(
    "/{authority_id}/permissions",
    response_model=PermissionListOut,
    summary="List the CA's permissions",
    responses=_ANY,
)
def list_permissions(authority_id: str, account: AccountDep, c: ContainerDep) -> JSON:
    arn = authority_arn(c, account, authority_id)
    found = c.authorities.list_permissions(account=account, arn=arn)
    return {"Permissions": [views.permission(p, authority_arn=arn) for p in found]}


@router.post(
    "/{authority_id}/permissions",
    status_code=status.HTTP_201_CREATED,
    response_model=PermissionOut,
    summary="Grant the certificate manager a permission",
    description="Lets `acm.amazonaws.com` (the certificate manager) issue and renew "
    "certificates through the CA.",
    responses=_ANY,
)
def create_permission(
    authority_id: str, body: CreatePermissionBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    extra: dict[str, Any] = {}
    if body.actions is not None:
        extra["actions"] = tuple(body.actions)
    created = c.authorities.create_permission(
        account=account,
        arn=arn,
        principal=body.principal,
        source_account=body.source_account,
        **extra,
    )
    return views.permission(created, authority_arn=arn)


@router.delete(
    "/{authority_id}/permissions",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Withdraw a permission",
    responses=_ANY,
)
def delete_permission(
    authority_id: str,
    account: AccountDep,
    c: ContainerDep,
    principal: Annotated[Text, Query(alias="Principal", max_length=2048)],
    source_account: Annotated[Text | None, Query(alias="SourceAccount", max_length=64)] = None,
) -> Response:
    arn = authority_arn(c, account, authority_id)
    c.authorities.delete_permission(
        account=account, arn=arn, principal=principal, source_account=source_account
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{authority_id}/issue",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateArnOut,
    summary="Issue a certificate from a CSR",
    description="Signs the CSR with the CA (AWS Private CA's IssueCertificate). Certificates "
    "issued this way are not managed (not listed under `/v1/certificates`, not renewed). "
    "Fetch the result with `GET .../certificates/{serial}` (the serial is the ARN's last "
    "segment).",
    responses=_ANY,
)
def issue_certificate(
    authority_id: str, body: IssueBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    issued = c.issuing.issue(
        account=account,
        authority_arn=arn,
        csr=body.csr.encode(),
        validity_days=body.validity_in_days,
        signing_algorithm=body.signing_algorithm,
        template_arn=body.template_arn,
    )
    return {"CertificateArn": issued}


@router.get(
    "/{authority_id}/certificates/{serial}",
    response_model=PemOut,
    summary="Get a certificate the CA issued",
    description="`serial` is hexadecimal, with or without colons.",
    responses=_ANY,
)
def get_issued_certificate(
    authority_id: str, serial: str, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    if not _SERIAL_RE.fullmatch(serial):
        raise NotFoundError(f"certificate {serial!r} not found", field="CertificateSerial")
    certificate_arn = c.arns.issued_certificate(arn, serial.replace(":", "").lower())
    issued = c.issuing.get(account=account, authority_arn=arn, certificate_arn=certificate_arn)
    return {"Certificate": issued.certificate_pem, "CertificateChain": issued.chain_pem}


@router.post(
    "/{authority_id}/revocations",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke a certificate the CA issued",
    description="Takes effect in a new CRL at once. A certificate the certificate manager "
    "holds becomes `REVOKED` there too.",
    responses=_ANY,
)
def revoke_issued(
    authority_id: str, body: RevokeIssuedBody, account: AccountDep, c: ContainerDep
) -> Response:
    arn = authority_arn(c, account, authority_id)
    c.issuing.revoke(
        account=account,
        authority_arn=arn,
        serial=body.certificate_serial,
        reason=body.revocation_reason,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{authority_id}/crl",
    response_class=Response,
    summary="Get the CA's current CRL (DER)",
    responses={200: {"content": {CRL_MEDIA_TYPE: {}}, "description": "The CRL, DER."}, **_ANY},
)
def get_crl(authority_id: str, account: AccountDep, c: ContainerDep) -> Response:
    authority_arn(c, account, authority_id)  # checks the id
    der = c.issuing.crl(account=account, authority_id=authority_id)
    return Response(content=der, media_type=CRL_MEDIA_TYPE)


@router.post(
    "/{authority_id}/tags",
    response_model=TagsOut,
    summary="Add tags to a certificate authority",
    responses=_ANY,
)
def tag_authority(authority_id: str, body: TagsBody, account: AccountDep, c: ContainerDep) -> JSON:
    arn = authority_arn(c, account, authority_id)
    return {
        "Tags": views.tags(c.authorities.tag(account=account, arn=arn, tags=tags_of(body.tags)))
    }


@router.post(
    "/{authority_id}/tags/remove",
    response_model=TagsOut,
    summary="Remove tags from a certificate authority",
    responses=_ANY,
)
def untag_authority(
    authority_id: str, body: TagsBody, account: AccountDep, c: ContainerDep
) -> JSON:
    arn = authority_arn(c, account, authority_id)
    remaining = c.authorities.untag(account=account, arn=arn, tags=tags_of(body.tags))
    return {"Tags": views.tags(remaining)}
