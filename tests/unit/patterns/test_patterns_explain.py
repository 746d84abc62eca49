"""explain(): the one-line reason ``certherd pattern test`` prints (issue item 7)."""

from __future__ import annotations

import doctest

import pytest

import certherd.patterns
from certherd.patterns import Explanation, InvalidEventError, PatternError, compile_pattern, explain

RENEWAL = {
    "source": "aws.acm",
    "detail-type": "ACM Certificate Available",
    "detail": {"Action": "RENEWAL", "DaysToExpiry": 198},
}


def test_matched() -> None:
    assert explain({"detail": {"Action": ["RENEWAL"]}}, RENEWAL) == Explanation(True, None)


def test_value_mismatch_names_path_value_and_leaf() -> None:
    result = explain({"detail": {"Action": ["IMPORT"]}}, RENEWAL)
    assert result == Explanation(False, 'detail.Action: "RENEWAL" does not match ["IMPORT"]')


def test_first_failing_field_in_pattern_order() -> None:
    pattern = {
        "source": ["aws.acm"],
        "detail": {"DaysToExpiry": [{"numeric": ["<", 30]}], "Action": ["X"]},
    }
    assert explain(pattern, RENEWAL).reason == (
        'detail.DaysToExpiry: 198 does not match [{"numeric": ["<", 30]}]'
    )


def test_missing_field() -> None:
    assert explain({"detail": {"CommonName": ["a"]}}, RENEWAL).reason == (
        'detail.CommonName: field is missing, does not match ["a"]'
    )


def test_present_field_that_must_be_absent() -> None:
    assert explain({"source": [{"exists": False}]}, RENEWAL).reason == (
        'source: "aws.acm" does not match [{"exists": false}]'
    )


def test_array_values_are_listed() -> None:
    assert explain({"r": ["c"]}, {"r": ["a", 2]}).reason == 'r: ["a", 2] does not match ["c"]'


def test_array_consistency_is_explained() -> None:
    event = {"a": [{"b": 1, "c": 3}, {"b": 2, "c": 2}]}
    assert explain({"a": {"b": [1], "c": [2]}}, event).reason == (
        "a.b, a.c: the matching values are in different elements of the same array"
    )


def test_or_reports_the_alternative_that_got_furthest() -> None:
    pattern = {"$or": [{"x": ["1"]}, {"source": ["aws.acm"], "detail-type": ["nope"]}]}
    assert explain(pattern, RENEWAL).reason == (
        'detail-type: "ACM Certificate Available" does not match ["nope"]'
    )


def test_accepts_compiled_patterns_and_text() -> None:
    compiled = compile_pattern('{"source": ["aws.acm"]}')
    assert explain(compiled, '{"source": "aws.acm"}').matched


def test_errors() -> None:
    with pytest.raises(PatternError):
        explain({"a": "x"}, {})
    with pytest.raises(InvalidEventError):
        explain({"a": ["x"]}, "[1]")


def test_explanation_is_frozen() -> None:
    result = Explanation(True)
    with pytest.raises(AttributeError):
        result.matched = False  # type: ignore[misc]


def test_package_docstring_examples() -> None:
    """The usage examples in the package docstring (copied to the README) run as written."""
    failures, tried = doctest.testmod(certherd.patterns, verbose=False)
    assert tried > 10
    assert failures == 0


def test_public_api() -> None:
    for name in certherd.patterns.__all__:
        assert getattr(certherd.patterns, name) is not None
    required = {"compile_pattern", "PatternError", "RuleIndex", "compile_filter_policy"}
    required |= {"transform_input", "explain", "Explanation"}
    assert required <= set(certherd.patterns.__all__)
