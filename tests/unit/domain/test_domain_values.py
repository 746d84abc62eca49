"""ARNs, tags and inventory paging: value rules with the messages callers see."""

from __future__ import annotations

import pytest

from certherd.domain.arns import ArnFactory, parse_arn, validate_account_id
from certherd.domain.inventory import Cursor, PageRequest
from certherd.domain.tags import Tag, merge_tags, remove_tags, validate_tags
from certherd.errors import LimitExceededError, ValidationError

ARNS = ArnFactory(partition="aws", region="eu-west-1")


def test_arns_round_trip() -> None:
    arn = ARNS.certificate("123456789012", "abc-1")
    assert arn == "arn:aws:acm:eu-west-1:123456789012:certificate/abc-1"
    assert ARNS.certificate_id(arn) == ("123456789012", "abc-1")
    ca = ARNS.authority("123456789012", "ca-9")
    assert ARNS.authority_id(ca) == ("123456789012", "ca-9")
    issued = ARNS.issued_certificate(ca, "0a1b")
    assert ARNS.issued_certificate_serial(issued) == "0a1b"
    assert str(parse_arn(arn, field="Arn")) == arn


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:acm:us-east-1:123456789012:certificate/abc",  # another region
        "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x",  # another service
        "arn:aws:acm:eu-west-1:12345:certificate/abc",  # short account
        "not an arn at all, clearly",
        "arn:aws:acm:eu-west-1:123456789012:key/abc",
    ],
)
def test_bad_certificate_arns_name_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        ARNS.certificate_id(text, field="CertificateArn")
    assert info.value.field == "CertificateArn"


def test_account_ids() -> None:
    assert validate_account_id("000000000000") == "000000000000"
    for bad in ("", "12345678901", "1234567890123", "12345678901a"):
        with pytest.raises(ValidationError):
            validate_account_id(bad)


def test_tags() -> None:
    assert validate_tags([Tag("Team Name", "pki-ops"), Tag("ключ", "значение 1")])
    for bad, field in [
        (Tag("", "v"), "Tags.Key"),
        (Tag("k" * 129, "v"), "Tags.Key"),
        (Tag("aws:owner", "v"), "Tags.Key"),
        (Tag("k", "v" * 257), "Tags.Value"),
        (Tag("semi;colon", "v"), "Tags.Key"),
        (Tag("k", "a|b"), "Tags.Value"),
    ]:
        with pytest.raises(ValidationError) as info:
            validate_tags([bad])
        assert info.value.field == field
    with pytest.raises(LimitExceededError):
        validate_tags([Tag(f"k{i}") for i in range(51)])
    with pytest.raises(ValidationError, match="unique"):
        validate_tags([Tag("a", "1"), Tag("a", "2")])
    merged = merge_tags([Tag("a", "1"), Tag("b", "2")], [Tag("a", "3")])
    assert merged == (Tag("a", "3"), Tag("b", "2"))
    assert remove_tags(merged, [Tag("a", "wrong")]) == merged
    assert remove_tags(merged, [Tag("a")]) == (Tag("b", "2"),)


def test_cursor_and_page_limits() -> None:
    cursor = Cursor("2026-01-01T00:00:00.000000+00:00", "id-1")
    assert Cursor.decode(cursor.encode()) == cursor
    for token in ("%%%", "aGVsbG8", Cursor("x", "y").encode()[:-2]):
        with pytest.raises(ValidationError) as info:
            Cursor.decode(token)
        assert info.value.field == "NextToken"
    for size in (0, 1001):
        with pytest.raises(ValidationError) as info:
            PageRequest(max_items=size)
        assert info.value.field == "MaxItems"
