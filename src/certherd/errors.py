"""The one exception tree of certherd.

Every layer raises these; the HTTP API maps them to problem documents once and the AWS
facade maps them to AWS error codes once::

    CertherdError
    ├── ValidationError            bad input: names the field and the rule it broke (400)
    │   └── LimitExceededError     a count or size limit (too many SANs, tags, ...) (400)
    ├── NotFoundError              no such resource in this account (404)
    ├── ConflictError              the request contradicts current state (409)
    │   ├── InvalidStateError      the resource's status does not allow the operation
    │   ├── ResourceInUseError     the resource is still used by something else
    │   └── RequestInProgressError the resource is not ready yet
    ├── AuthenticationError        no or unknown credentials (401)
    ├── PermissionDeniedError      credentials known but not allowed (403)
    ├── ConfigurationError         settings that cannot work (raised at start-up)
    └── KeyStoreError              secrets could not be sealed or opened

Messages are written for the person who sent the request: they say what was wrong and,
where there is one, name the field. They never carry secret material.
"""

from __future__ import annotations


class CertherdError(Exception):
    """Root of every error certherd raises on purpose."""

    #: A short machine-readable kind, stable across releases (used in problem bodies).
    code: str = "Error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if self.field and not self.message.startswith(self.field):
            return f"{self.field}: {self.message}"
        return self.message


class ValidationError(CertherdError):
    """Input broke a rule; ``field`` names the offending field when there is one."""

    code = "ValidationError"


class LimitExceededError(ValidationError):
    """A count or size limit was exceeded."""

    code = "LimitExceeded"


class NotFoundError(CertherdError):
    """The named resource does not exist (in this account)."""

    code = "ResourceNotFound"


class ConflictError(CertherdError):
    """The request contradicts the current state of a resource."""

    code = "Conflict"


class InvalidStateError(ConflictError):
    """The resource's status does not allow this operation."""

    code = "InvalidState"


class ResourceInUseError(ConflictError):
    """The resource is in use and cannot be removed."""

    code = "ResourceInUse"


class RequestInProgressError(ConflictError):
    """The resource is still being created or processed."""

    code = "RequestInProgress"


class AuthenticationError(CertherdError):
    """Missing or unknown credentials."""

    code = "Unauthorized"


class PermissionDeniedError(CertherdError):
    """The caller is known but not allowed to do this."""

    code = "AccessDenied"


class ConfigurationError(CertherdError):
    """Settings that cannot work; raised while starting."""

    code = "ConfigurationError"


class KeyStoreError(CertherdError):
    """A secret could not be sealed or opened (wrong key, damaged data)."""

    code = "KeyStoreError"
