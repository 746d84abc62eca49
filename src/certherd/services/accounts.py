"""Account configuration (ACM's GetAccountConfiguration / PutAccountConfiguration)."""

from __future__ import annotations

from certherd.domain.arns import validate_account_id
from certherd.domain.records import AccountConfig
from certherd.errors import ValidationError
from certherd.services.ports import UnitOfWorkFactory

#: AWS documents DaysBeforeExpiry as 1..45 (CloudFormation); the API model sets no maximum.
MIN_DAYS_BEFORE_EXPIRY, MAX_DAYS_BEFORE_EXPIRY = 1, 45


class AccountService:
    def __init__(
        self, *, uow: UnitOfWorkFactory, read_uow: UnitOfWorkFactory | None = None
    ) -> None:
        self._uow = uow
        # Reads go through ``read_uow`` (read-only transactions: on SQLite they never wait
        # for the write lock); it defaults to ``uow``.
        self._read_uow = read_uow or uow

    def get(self, *, account: str) -> AccountConfig:
        """The account's configuration; defaults when it was never set."""
        validate_account_id(account)
        with self._read_uow() as uow:
            return uow.accounts.get(account) or AccountConfig(account)

    def set_days_before_expiry(self, *, account: str, days: int) -> AccountConfig:
        """Set from how many days before expiry "approaching expiration" events are sent."""
        validate_account_id(account)
        if (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not (MIN_DAYS_BEFORE_EXPIRY <= days <= MAX_DAYS_BEFORE_EXPIRY)
        ):
            raise ValidationError(
                f"must be a whole number from {MIN_DAYS_BEFORE_EXPIRY} to {MAX_DAYS_BEFORE_EXPIRY}",
                field="ExpiryEvents.DaysBeforeExpiry",
            )
        with self._uow() as uow:
            config = AccountConfig(account, days)
            uow.accounts.put(config)
            uow.commit()
        return config
