"""Why a renewal failed and what to do about it, in plain words, for each
``RenewalStatusReason`` of ACM's ``Certificate Renewal Action Required`` event.

Commands name the certificate as ``{arn}`` and its DomainName as ``{name}``; the issuing CA
is not in the event, so its ARN is written ``CA_ARN`` and the first step says where to find
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["Reason", "Step", "renewal_reason"]


@dataclass(frozen=True)
class Step:
    """One thing to do: what and why, and the commands that do it (may be none)."""

    text: str
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """A renewal failure reason: its code, a one-line title, what it means, what to do."""

    code: str
    title: str
    explanation: str
    steps: tuple[Step, ...]


_FIND_CA = Step(
    "Find the certificate authority that issued the certificate (CertificateAuthorityArn):",
    ("certherd cert describe {arn}",),
)
_RENEW = Step("Renew now rather than wait for the next attempt:", ("certherd cert renew {arn}",))
_REPLACE = (
    Step(
        "Request a new certificate from a certificate authority that can issue it:",
        ("certherd cert request {name} --ca CA_ARN",),
    ),
    Step(
        "Install it wherever this certificate is used, then delete this one:",
        ("certherd cert delete {arn}",),
    ),
)
_GRANT = Step(
    "Let the certificate manager issue and renew certificates with that CA:",
    ("certherd ca permission create CA_ARN --principal acm.amazonaws.com",),
)
_VALIDATE = Step(
    "See the validation the domain is waiting for (DNS record or validation mail):",
    ("certherd cert describe {arn}",),
)


def _reason(code: str, title: str, explanation: str, *steps: Step) -> Reason:
    return Reason(code=code, title=title, explanation=explanation, steps=steps)


_REASONS: Final[dict[str, Reason]] = {
    r.code: r
    for r in (
        _reason(
            "PCA_ACCESS_DENIED",
            "The certificate authority does not let the certificate manager renew",
            "The private CA that issued this certificate has not given the certificate "
            "manager (acm.amazonaws.com) permission to issue certificates, so the renewed "
            "certificate could not be signed.",
            _FIND_CA,
            _GRANT,
            _RENEW,
        ),
        _reason(
            "SLR_NOT_FOUND",
            "The certificate manager lacks what it needs to use the certificate authority",
            "The certificate manager could not act for this account on the private CA (the "
            "service-linked role AWS would use is missing); here this means its permission "
            "on the CA is missing.",
            _FIND_CA,
            _GRANT,
            _RENEW,
        ),
        _reason(
            "PCA_INVALID_STATE",
            "The certificate authority cannot issue right now",
            "The private CA that issued this certificate is not ACTIVE: it is disabled, "
            "deleted, expired or still waiting for its own certificate, so it cannot sign "
            "the renewal.",
            _FIND_CA,
            Step("See the CA's status:", ("certherd ca describe CA_ARN",)),
            Step(
                "If it is DISABLED, enable it; if it is DELETED and still restorable, restore it:",
                ("certherd ca enable CA_ARN", "certherd ca restore CA_ARN"),
            ),
            _RENEW,
            Step(
                "If the CA has expired or cannot come back, replace the certificate with one "
                "from another CA:",
                ("certherd cert request {name} --ca CA_ARN",),
            ),
        ),
        _reason(
            "PCA_RESOURCE_NOT_FOUND",
            "The certificate authority no longer exists",
            "The private CA that issued this certificate was deleted for good, so nothing "
            "can sign its renewal. The certificate keeps working until it expires.",
            *_REPLACE,
        ),
        _reason(
            "PCA_INVALID_ARN",
            "The certificate authority's ARN is not valid",
            "The certificate names a private CA by an ARN that is not valid, so the "
            "renewal could not be sent to any CA.",
            *_REPLACE,
        ),
        _reason(
            "PCA_LIMIT_EXCEEDED",
            "The certificate authority reached a limit",
            "The private CA refused to issue because a limit on how many certificates it "
            "may issue was reached.",
            Step(
                "Delete certificates of this CA that are no longer needed:",
                ("certherd cert list", "certherd cert delete OLD_CERTIFICATE_ARN"),
            ),
            _RENEW,
        ),
        _reason(
            "PCA_REQUEST_FAILED",
            "The certificate authority failed to sign",
            "The private CA could not sign the renewed certificate. This is usually temporary.",
            _RENEW,
            Step("If it fails again, look at the server's log around the time of this mail."),
        ),
        _reason(
            "PCA_NAME_CONSTRAINTS_VALIDATION",
            "A name is outside what the certificate authority may certify",
            "A name in this certificate is outside the CA's name constraints, so the CA "
            "refuses to certify it.",
            *_REPLACE,
        ),
        _reason(
            "PCA_INVALID_ARGS",
            "The certificate authority refused the request",
            "The private CA refused the renewal's parameters (for example a key algorithm, "
            "validity or extension it does not allow).",
            _FIND_CA,
            Step(
                "Compare the certificate with what the CA allows:", ("certherd ca describe CA_ARN",)
            ),
            *_REPLACE,
        ),
        _reason(
            "PCA_INVALID_DURATION",
            "The certificate authority expires too soon",
            "A certificate cannot be valid beyond the CA that signs it, and this CA expires "
            "before the renewed certificate would.",
            _FIND_CA,
            Step("See when the CA expires:", ("certherd ca describe CA_ARN",)),
            Step(
                "Replace the CA with one valid long enough, then request the certificate from it:",
                ("certherd cert request {name} --ca NEW_CA_ARN",),
            ),
        ),
        _reason(
            "CAA_ERROR",
            "The domain's CAA records do not allow the certificate authority",
            "The DNS CAA records of the domain do not name the certificate authority, so it "
            "may not issue for the domain.",
            Step(
                "Add a CAA record that allows the certificate authority (or remove the one "
                "that restricts it):",
                ("dig +short CAA {name}",),
            ),
            _RENEW,
        ),
        _reason(
            "PENDING_DOMAIN_VALIDATION",
            "The domain has not been validated again yet",
            "Control of the domain must be proven again before the certificate can be "
            "renewed, and that has not happened yet.",
            _VALIDATE,
        ),
        _reason(
            "NO_AVAILABLE_CONTACTS",
            "No one could be asked to validate the domain",
            "No contact address was found for the domain, so no validation mail could be sent.",
            _VALIDATE,
            Step("Use DNS validation instead, or add an address for the domain."),
        ),
        _reason(
            "ADDITIONAL_VERIFICATION_REQUIRED",
            "The domain needs more verification",
            "The certificate authority needs more verification before it issues for this domain.",
            _VALIDATE,
        ),
        _reason(
            "DOMAIN_NOT_ALLOWED",
            "The domain is not allowed",
            "The certificate authority does not issue certificates for this domain.",
            *_REPLACE,
        ),
        _reason(
            "INVALID_PUBLIC_DOMAIN",
            "The name is not a valid public domain",
            "A name in the certificate is not a valid public domain name.",
            *_REPLACE,
        ),
        _reason(
            "DOMAIN_VALIDATION_DENIED",
            "The domain's owner refused validation",
            "Someone answering for the domain refused the validation request.",
            _VALIDATE,
        ),
        _reason(
            "OTHER",
            "The renewal failed",
            "The renewal failed for a reason the certificate manager could not classify.",
            Step("See the certificate's latest events:", ("certherd cert describe {arn}",)),
            _RENEW,
        ),
    )
}


def renewal_reason(code: str, *, arn: str, name: str) -> Reason:
    """The plain-words reason for ``code``, its commands naming certificate ``arn`` and
    domain ``name``; a general one (still naming the code) for a code not known here."""
    reason = _REASONS.get(code) or _reason(
        code,
        "The renewal failed",
        f"The renewal failed ({code or 'no reason given'}).",
        *_REASONS["OTHER"].steps,
    )
    steps = tuple(
        Step(s.text, tuple(c.replace("{arn}", arn).replace("{name}", name) for c in s.commands))
        for s in reason.steps
    )
    return Reason(code=reason.code, title=reason.title, explanation=reason.explanation, steps=steps)
