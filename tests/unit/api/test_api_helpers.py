"""Small pure pieces of the API: field paths, problem types, times, which paths need a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from certherd.entrypoints.api.auth import requires_token
from certherd.entrypoints.api.problems import field_path, problem_response
from certherd.entrypoints.api.schemas import plain_text
from certherd.entrypoints.api.views import crl_url, instant


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "Subject", "CommonName"), "Subject.CommonName"),
        (("body", "Tags", 3, "Key"), "Tags[3].Key"),
        (("body", "SubjectAlternativeNames", 0), "SubjectAlternativeNames[0]"),
        (("query", "max-items"), "max-items"),
        (("query", "status", 1), "status"),
        (("header", "X-Certherd-Account"), "X-Certherd-Account"),
        (("body",), None),
        ((), None),
    ],
)
def test_field_path(loc: tuple[str | int, ...], expected: str | None) -> None:
    assert field_path(loc) == expected


def test_problem_types_are_kebab_case_codes() -> None:
    response = problem_response(400, "LimitExceeded", "Tags: too many", field="Tags")
    assert response.media_type == "application/problem+json"
    assert response.body.startswith(
        b'{"type":"https://certherd.dev/problems/limit-exceeded","title":"LimitExceeded"'
    )


def test_instants_are_utc_with_z() -> None:
    assert instant(None) is None
    assert instant(datetime(2026, 1, 31, 12, 0, 0, 999, tzinfo=UTC)) == "2026-01-31T12:00:00Z"
    plus_two = timezone(timedelta(hours=2))
    assert instant(datetime(2026, 1, 31, 14, 0, tzinfo=plus_two)) == "2026-01-31T12:00:00Z"


def test_crl_url() -> None:
    assert crl_url("http://h:1/", "000000000000", "abc") == "http://h:1/crl/000000000000/abc.crl"


def test_which_paths_need_a_token() -> None:
    assert requires_token("/v1/certificates")
    assert requires_token("/metrics")
    assert not requires_token("/healthz")
    assert not requires_token("/crl/000000000000/x.crl")
    assert not requires_token("/docs")
    assert not requires_token("/v10")


def test_plain_text() -> None:
    assert plain_text("héllo") == "héllo"
    with pytest.raises(ValueError, match="NUL"):
        plain_text("a\x00")
    with pytest.raises(ValueError, match="surrogate"):
        plain_text("a\ud800")
