"""certherd.pki.validity and templates: periods, AWS Validity forms, template ARNs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from certherd.errors import ValidationError
from certherd.pki import Template, TemplateSpec, Validity, parse_template_arn, validity_from_aws


def test_validity_normalises_to_utc_seconds() -> None:
    plus2 = timezone(timedelta(hours=2))
    validity = Validity(
        datetime(2030, 1, 1, 2, 0, 0, 999, tzinfo=plus2), datetime(2030, 1, 2, tzinfo=UTC)
    )
    assert validity.not_before == datetime(2030, 1, 1, tzinfo=UTC)
    assert validity.not_before.tzinfo is UTC
    assert validity.duration == timedelta(days=1)
    assert validity.contains(datetime(2030, 1, 1, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (datetime(2030, 1, 2, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC), "later than"),
        (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC), "later than"),
        (datetime(2030, 1, 1), datetime(2030, 1, 2, tzinfo=UTC), "timezone-aware"),
    ],
)
def test_validity_rejects(start: datetime, end: datetime, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        Validity(start, end)
    assert info.value.field == "Validity"
    assert words in info.value.message


def test_for_days(now) -> None:
    validity = Validity.for_days(30, now=now)
    assert validity.not_before == now - timedelta(minutes=60)
    assert validity.not_after == now + timedelta(days=30)
    with pytest.raises(ValidationError):
        Validity.for_days(0, now=now)


NOW = datetime(2020, 10, 12, 12, 34, 54, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "kind", "end"),
    [
        (491231235959, "END_DATE", datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (501231235959, "END_DATE", datetime(1950, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (20491231235959, "END_DATE", datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (2524608000, "ABSOLUTE", datetime(2050, 1, 1, tzinfo=UTC)),
        (90, "DAYS", NOW + timedelta(days=90)),
        (4, "MONTHS", datetime(2021, 2, 12, 12, 34, 54, tzinfo=UTC)),
        (1, "YEARS", datetime(2021, 10, 12, 12, 34, 54, tzinfo=UTC)),
    ],
)
def test_aws_validity_end(value: int, kind: str, end: datetime) -> None:
    if end <= NOW - timedelta(hours=1):
        with pytest.raises(ValidationError):
            validity_from_aws(now=NOW, value=value, period_type=kind)
        return
    validity = validity_from_aws(now=NOW, value=value, period_type=kind)
    assert validity.not_after == end
    assert validity.not_before == NOW - timedelta(minutes=60)


def test_aws_months_clamp_to_month_end() -> None:
    jan31 = datetime(2031, 1, 31, tzinfo=UTC)
    assert validity_from_aws(now=jan31, value=1, period_type="MONTHS").not_after == datetime(
        2031, 2, 28, tzinfo=UTC
    )


def test_aws_not_before() -> None:
    validity = validity_from_aws(
        now=NOW,
        value=30,
        period_type="DAYS",
        not_before_value=1602460800,
        not_before_type="ABSOLUTE",
    )
    assert validity.not_before == datetime(2020, 10, 12, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        validity_from_aws(
            now=NOW, value=30, period_type="DAYS", not_before_value=1, not_before_type="DAYS"
        )
    assert info.value.field == "ValidityNotBefore.Type"


@pytest.mark.parametrize(
    ("value", "kind", "field"),
    [
        (0, "DAYS", "Validity.Value"),
        (1, "WEEKS", "Validity.Type"),
        (123, "END_DATE", "Validity"),
        (20491331235959, "END_DATE", "Validity"),
        (10**30, "ABSOLUTE", "Validity.Value"),
        (10**9, "YEARS", "Validity.Value"),
    ],
)
def test_aws_validity_rejects(value: int, kind: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        validity_from_aws(now=NOW, value=value, period_type=kind)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("arn", "spec"),
    [
        (None, TemplateSpec(Template.END_ENTITY)),
        ("arn:aws:acm-pca:::template/EndEntityCertificate/V1", TemplateSpec(Template.END_ENTITY)),
        (
            "arn:aws:acm-pca:::template/EndEntityServerAuthCertificate/V1",
            TemplateSpec(Template.END_ENTITY_SERVER),
        ),
        ("arn:aws:acm-pca:::template/RootCACertificate/V1", TemplateSpec(Template.ROOT_CA)),
        (
            "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1",
            TemplateSpec(Template.SUBORDINATE_CA, 0),
        ),
        (
            "arn:aws-cn:acm-pca:::template/SubordinateCACertificate_PathLen3/V1",
            TemplateSpec(Template.SUBORDINATE_CA, 3),
        ),
    ],
)
def test_parse_template_arn(arn: str | None, spec: TemplateSpec) -> None:
    assert parse_template_arn(arn) == spec


def test_template_spec_properties() -> None:
    sub = parse_template_arn("arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen2/V1")
    assert sub.is_ca and sub.ca_path_length == 2 and not sub.server_auth_only
    assert sub.name == "SubordinateCACertificate_PathLen2/V1"
    assert sub.arn() == "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen2/V1"
    server = TemplateSpec(Template.END_ENTITY_SERVER)
    assert server.server_auth_only and not server.is_ca and server.ca_path_length is None
    assert TemplateSpec(Template.ROOT_CA).is_ca


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen4/V1",
        "arn:aws:acm-pca:::template/CodeSigningCertificate/V1",
        "arn:aws:acm-pca:::template/EndEntityCertificate/V2",
        "arn:aws:acm:::template/EndEntityCertificate/V1",
        "EndEntityCertificate/V1",
        "",
    ],
)
def test_parse_template_arn_rejects(arn: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_template_arn(arn)
    assert info.value.field == "TemplateArn"
