"""Validity periods, including the AWS Private CA ``Validity`` / ``ValidityNotBefore`` forms.

AWS semantics followed (Private CA API reference, ``Validity`` type; knowledge-center
article "private-ca-validity-period"):

* ``END_DATE``: UTCTime ``YYMMDDHHMMSS`` (YY >= 50 means 19YY, else 20YY) or GeneralizedTime
  ``YYYYMMDDHHMMSS``.
* ``ABSOLUTE``: seconds since the Unix epoch.
* ``DAYS`` / ``MONTHS`` / ``YEARS``: relative to the moment of issuance (calendar months and
  years; a day that does not exist in the target month falls back to its last day).
* Without ``ValidityNotBefore`` the certificate starts 60 minutes before issuance, to absorb
  clock skew between systems.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from certherd.errors import ValidationError

#: How far before issuance a certificate starts when no start was asked for (AWS: 60 min).
DEFAULT_BACKDATE = timedelta(minutes=60)


def _utc(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError("must be a datetime", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError("must be timezone-aware (UTC)", field=field)
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Validity:
    """A certificate validity period; both ends are timezone-aware UTC datetimes.

    Construction converts aware datetimes to UTC and drops microseconds (X.509 times have
    whole seconds).

    Raises:
        ValidationError: (field ``Validity``) a naive datetime, or ``not_after`` not later
            than ``not_before``.
    """

    not_before: datetime
    not_after: datetime

    def __post_init__(self) -> None:
        start = _utc(self.not_before, "Validity").replace(microsecond=0)
        end = _utc(self.not_after, "Validity").replace(microsecond=0)
        if end <= start:
            raise ValidationError(
                f"the end ({end.isoformat()}) must be later than the start ({start.isoformat()})",
                field="Validity",
            )
        object.__setattr__(self, "not_before", start)
        object.__setattr__(self, "not_after", end)

    @classmethod
    def for_days(
        cls, days: int, *, now: datetime, backdate: timedelta = DEFAULT_BACKDATE
    ) -> Validity:
        """A period from ``now - backdate`` to ``now + days``.

        Raises:
            ValidationError: ``days`` is not positive, or ``now`` is naive.
        """
        if days < 1:
            raise ValidationError("must be at least one day", field="Validity")
        now = _utc(now, "Validity")
        return cls(now - backdate, now + timedelta(days=days))

    @property
    def duration(self) -> timedelta:
        """``not_after - not_before``."""
        return self.not_after - self.not_before

    def contains(self, moment: datetime) -> bool:
        """True when ``not_before <= moment <= not_after``."""
        return self.not_before <= moment <= self.not_after


class ValidityPeriodType(StrEnum):
    """AWS Private CA ``ValidityPeriodType``."""

    END_DATE = "END_DATE"
    ABSOLUTE = "ABSOLUTE"
    DAYS = "DAYS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    if year > 9999:
        raise OverflowError
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _parse_end_date(value: int, field: str) -> datetime:
    text = str(value)
    if len(text) == 11:  # a UTCTime with YY < 10 lost its leading zero in the integer
        text = "0" + text
    if len(text) == 12:
        yy = int(text[:2])
        text = f"{1900 + yy if yy >= 50 else 2000 + yy}{text[2:]}"
    if len(text) != 14:
        raise ValidationError(
            f"END_DATE value {value} must be YYMMDDHHMMSS or YYYYMMDDHHMMSS", field=field
        )
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError(f"END_DATE value {value} is not a valid date", field=field) from None


def resolve_aws_time(
    value: int, period_type: str, *, now: datetime, field: str = "Validity"
) -> datetime:
    """The moment an AWS ``Validity`` {Value, Type} denotes, relative to ``now`` if relative.

    Raises:
        ValidationError: (naming ``field``) an unknown type, a non-positive value, a
            malformed END_DATE, or a moment outside the representable range.
    """
    try:
        kind = ValidityPeriodType(period_type)
    except ValueError:
        allowed = ", ".join(ValidityPeriodType)
        raise ValidationError(
            f"Type {period_type!r} is not one of {allowed}", field=f"{field}.Type"
        ) from None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError("Value must be a positive integer", field=f"{field}.Value")
    now = _utc(now, field)
    try:
        if kind is ValidityPeriodType.END_DATE:
            return _parse_end_date(value, field)
        if kind is ValidityPeriodType.ABSOLUTE:
            return datetime.fromtimestamp(value, UTC)
        if kind is ValidityPeriodType.DAYS:
            return now + timedelta(days=value)
        return _add_months(now, value if kind is ValidityPeriodType.MONTHS else 12 * value)
    except (OverflowError, OSError, ValueError):
        raise ValidationError(
            f"Value {value} is out of the representable date range", field=f"{field}.Value"
        ) from None


def validity_from_aws(
    *,
    now: datetime,
    value: int,
    period_type: str,
    not_before_value: int | None = None,
    not_before_type: str | None = None,
) -> Validity:
    """The validity AWS Private CA ``IssueCertificate`` would give for these parameters.

    ``ValidityNotBefore`` (``not_before_*``) accepts only ``ABSOLUTE`` and ``END_DATE``; when
    absent the start is ``now`` minus :data:`DEFAULT_BACKDATE`.

    Raises:
        ValidationError: a bad value or type (see :func:`resolve_aws_time`), a relative
            ``ValidityNotBefore``, or an end that is not after the start.
    """
    end = resolve_aws_time(value, period_type, now=now, field="Validity")
    if not_before_value is None and not_before_type is None:
        start = _utc(now, "Validity") - DEFAULT_BACKDATE
    else:
        if not_before_type not in (ValidityPeriodType.ABSOLUTE, ValidityPeriodType.END_DATE):
            raise ValidationError(
                "Type must be ABSOLUTE or END_DATE", field="ValidityNotBefore.Type"
            )
        if not_before_value is None:
            raise ValidationError("Value is required", field="ValidityNotBefore.Value")
        start = resolve_aws_time(
            not_before_value, not_before_type, now=now, field="ValidityNotBefore"
        )
    return Validity(start, end)
