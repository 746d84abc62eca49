"""One realistic event of each detail type the certificate manager sends, for writing rules.

``certherd events sample`` prints these; a pattern tested against them matches the real
events, which the same builders make.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from certherd.domain import acm_events, certherd_events
from certherd.domain.acm_events import Envelope, IdFactory, new_event_id
from certherd.domain.authority import (
    AuthorityStatus,
    AuthorityType,
    CertificateAuthority,
)
from certherd.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertificateType,
    FailureReason,
    RevocationReason,
    VersionAction,
)
from certherd.domain.clock import require_utc
from certherd.pki.keys import KeyAlgorithm
from certherd.pki.signing import SigningAlgorithm
from certherd.pki.subject import Subject

SAMPLE_ACCOUNT = "123456789012"
SAMPLE_REGION = "us-east-1"
_SAMPLE_KEY = "none"  # samples have no key material
_VALIDITY_DAYS = 395


def sample_events(
    *,
    now: datetime,
    region: str = SAMPLE_REGION,
    account: str = SAMPLE_ACCOUNT,
    new_id: IdFactory = new_event_id,
) -> dict[str, Envelope]:
    """One sample envelope per detail type (ACM's five, then certherd's own), at ``now``.

    Raises ValueError when ``now`` is naive.
    """
    now = require_utc(now).replace(microsecond=0)
    ca = _authority(now, region, account)
    cert = _certificate(now, region, account, ca.arn)
    expiring = _ending(cert, now + timedelta(days=31, hours=6))
    renewing = _ending(cert, now + timedelta(days=30, hours=2))
    fresh = replace(_ending(cert, now + timedelta(days=395)), exported_at=None, in_use_by=())
    ended = _ending(cert, now - timedelta(minutes=5))
    revoked = replace(
        _ending(cert, now + timedelta(days=200)),
        status=CertificateStatus.REVOKED,
        revoked_at=now,
        revocation_reason=RevocationReason.KEY_COMPROMISE,
    )
    imported = replace(
        ended,
        id="9d3f0c5e-2b71-4b8e-8f53-7a0c3e1f6b24",
        arn=f"arn:aws:acm:{region}:{account}:certificate/9d3f0c5e-2b71-4b8e-8f53-7a0c3e1f6b24",
        type=CertificateType.IMPORTED,
        domain_name="legacy.example.com",
        subject_alternative_names=("legacy.example.com",),
        authority_arn=None,
        imported_at=cert.created_at,
        exported_at=None,
    )
    samples = [
        acm_events.approaching_expiration(expiring, now=now, region=region, new_id=new_id),
        acm_events.expired(ended, now=now, region=region, new_id=new_id),
        acm_events.available(
            fresh, action=VersionAction.ISSUANCE, now=now, region=region, new_id=new_id
        ),
        acm_events.renewal_action_required(
            renewing, reason=FailureReason.PCA_ACCESS_DENIED, now=now, region=region, new_id=new_id
        ),
        acm_events.revoked(revoked, now=now, region=region, new_id=new_id),
        certherd_events.imported_expired(imported, now=now, region=region, new_id=new_id),
        certherd_events.authority_approaching_expiration(ca, now=now, region=region, new_id=new_id),
        certherd_events.delivery_dead_lettered(
            account=account,
            region=region,
            rule_arn=f"arn:aws:events:{region}:{account}:rule/certificate-expiry",
            target_arn=f"arn:aws:sns:{region}:{account}:certificate-alerts",
            failed_event_id="0b6c2b0a-8a55-4e55-9d6b-7e1a4cfb21a3",
            error_code="NO_RESOURCE",
            error_message="The topic does not exist.",
            retry_attempts=0,
            now=now,
            new_id=new_id,
        ),
        certherd_events.certificate_deployed(
            account=account,
            region=region,
            deployment_arn=f"arn:aws:certherd:{region}:{account}:deployment/web",
            deployment_name="web",
            certificate_arn=fresh.arn,
            serial=fresh.serial,
            run_id="5a1d7c3e-0f2b-4e8a-9c61-3b7d2e4f8a90",
            files=["/etc/nginx/tls/fullchain.pem", "/etc/nginx/tls/key.pem"],
            verified=True,
            now=now,
            new_id=new_id,
        ),
        certherd_events.deployment_failed(
            account=account,
            region=region,
            deployment_arn=f"arn:aws:certherd:{region}:{account}:deployment/web",
            deployment_name="web",
            certificate_arn=fresh.arn,
            serial=fresh.serial,
            run_id="7c2e9b14-6d3a-4f05-8e1b-0a9d5c3f2e76",
            stage="COMMAND",
            reason="the post-deploy command exited with status 1",
            now=now,
            new_id=new_id,
        ),
    ]
    return {event["detail-type"]: event for event in samples}


def _ending(cert: Certificate, not_after: datetime) -> Certificate:
    """``cert`` as issued for 395 days (an hour backdated) ending at ``not_after``."""
    issued = not_after - timedelta(days=_VALIDITY_DAYS)
    return replace(
        cert,
        not_before=issued - timedelta(hours=1),
        not_after=not_after,
        created_at=issued,
        issued_at=issued,
        exported_at=issued + timedelta(hours=2),
    )


def _authority(now: datetime, region: str, account: str) -> CertificateAuthority:
    authority_id = "4f1e0a9c-7d3b-4c62-9a8e-2b5f6d1c3e70"
    return CertificateAuthority(
        id=authority_id,
        arn=f"arn:aws:acm-pca:{region}:{account}:certificate-authority/{authority_id}",
        account=account,
        type=AuthorityType.SUBORDINATE,
        status=AuthorityStatus.ACTIVE,
        subject=Subject(common_name="Example Issuing CA", organization="Example Corp"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signing_algorithm=SigningAlgorithm.SHA256WITHECDSA,
        key_secret_id=_SAMPLE_KEY,
        csr_pem="",
        created_at=now - timedelta(days=1735),
        last_state_change_at=now - timedelta(days=1735),
        not_before=now - timedelta(days=1735),
        not_after=now + timedelta(days=90),
    )


def _certificate(now: datetime, region: str, account: str, authority_arn: str) -> Certificate:
    certificate_id = "61f50cd4-45b9-4259-b049-d0a53682fa4b"
    issued = now - timedelta(days=_VALIDITY_DAYS)
    return Certificate(
        id=certificate_id,
        arn=f"arn:aws:acm:{region}:{account}:certificate/{certificate_id}",
        account=account,
        type=CertificateType.PRIVATE,
        status=CertificateStatus.ISSUED,
        domain_name="www.example.com",
        subject_alternative_names=("www.example.com", "example.com"),
        key_algorithm=KeyAlgorithm.EC_prime256v1,
        signature_algorithm="SHA256WITHECDSA",
        serial="0a:3f:5c:7e:91:b2:d4:06",
        subject="CN=www.example.com",
        issuer="CN=Example Issuing CA,O=Example Corp",
        not_before=issued - timedelta(hours=1),
        not_after=issued + timedelta(days=395),
        created_at=issued,
        version=1,
        key_secret_id=_SAMPLE_KEY,
        issued_at=issued,
        authority_arn=authority_arn,
        exported_at=issued + timedelta(hours=2),
        in_use_by=(f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/web/1",),
    )
