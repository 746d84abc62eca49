"""API bearer tokens: created once, shown once, stored only as a digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from certherd.domain.arns import validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.records import ApiToken
from certherd.errors import AuthenticationError, ValidationError
from certherd.services.ports import UnitOfWorkFactory

TOKEN_PREFIX = "chd_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for


def digest(token: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, read_uow: UnitOfWorkFactory | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        # Reads go through ``read_uow`` (read-only transactions: on SQLite they never wait
        # for the write lock); it defaults to ``uow``.
        self._read_uow = read_uow or uow

    def ensure_admin(self, *, account: str) -> str | None:
        """Create the first admin token if there is no token yet; return it, or None."""
        with self._uow() as uow:
            if uow.tokens.count() > 0:
                return None
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
            uow.tokens.add(
                ApiToken(
                    id=str(uuid.uuid4()),
                    name="admin",
                    account=account,
                    digest=digest(token),
                    created_at=self._clock.now(),
                    is_admin=True,
                )
            )
            uow.commit()
        return token

    def create(self, *, name: str, account: str, is_admin: bool = False) -> str:
        """A new token for ``account``; the plain token is returned once and never stored.

        Raises ValidationError for a name that is not 1-64 printable characters or an
        account id that is not 12 digits.
        """
        validate_account_id(account)
        if not 1 <= len(name) <= 64 or not name.isprintable():
            raise ValidationError("must be 1 to 64 printable characters", field="Name")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._uow() as uow:
            uow.tokens.add(
                ApiToken(
                    str(uuid.uuid4()), name, account, digest(token), self._clock.now(), is_admin
                )
            )
            uow.commit()
        return token

    def authenticate(self, token: str | None) -> ApiToken:
        """The token's record; AuthenticationError when missing or unknown."""
        if not token:
            raise AuthenticationError("a bearer token is required")
        wanted = digest(token)
        with self._read_uow() as uow:
            found = uow.tokens.find(wanted)
        if found is None or not hmac.compare_digest(found.digest, wanted):
            raise AuthenticationError("the bearer token is not valid")
        return found
