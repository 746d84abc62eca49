"""Every operator and value rule of spec section 2.2, as (section, pattern, event, matches).

Each case is checked both with a single compiled pattern and through a RuleIndex, and
with the event given as a dict and as JSON text.
"""

# ruff: noqa: E501 - tables of cases read best one case per line

from __future__ import annotations

import json
from typing import Any

import pytest

from certherd.patterns import InvalidEventError, RuleIndex, compile_pattern

Case = tuple[str, dict[str, Any], dict[str, Any], bool]

CASES: list[Case] = [
    # -- exact values (2.2 "Value semantics") ---------------------------------------------
    ("2.2 strings exact", {"a": ["x"]}, {"a": "x"}, True),
    ("2.2 strings case-sensitive", {"a": ["x"]}, {"a": "X"}, False),
    ("2.2 fields not named are ignored", {"a": ["x"]}, {"a": "x", "b": 1}, True),
    ("2.2 OR of values", {"a": ["x", "y"]}, {"a": "y"}, True),
    ("2.2 AND of fields", {"a": ["x"], "b": ["y"]}, {"a": "x", "b": "z"}, False),
    ("2.2 field must exist", {"a": ["x"]}, {"b": "x"}, False),
    ("2.2 nesting must match", {"a": {"b": ["x"]}}, {"b": "x"}, False),
    ("2.2 keys case-sensitive", {"a": ["x"]}, {"A": "x"}, False),
    ("2.2 number [300] vs 300.0", {"n": [300]}, {"n": 300.0}, True),
    ("2.2 number [300] vs 3.0e2", {"n": [300]}, {"n": 3.0e2}, True),
    ("2.2 number [300.0] vs 300", {"n": [300.0]}, {"n": 300}, True),
    ("2.2 string never matches number", {"n": ["300"]}, {"n": 300}, False),
    ("2.2 number never matches string", {"n": [300]}, {"n": "300"}, False),
    ("2.2 true vs string", {"b": [True]}, {"b": "true"}, False),
    ("2.2 true vs true", {"b": [True]}, {"b": True}, True),
    ("2.2 false vs 0", {"b": [False]}, {"b": 0}, False),
    ("2.2 1 vs true", {"b": [1]}, {"b": True}, False),
    ("2.2 null matches null", {"a": [None]}, {"a": None}, True),
    ("2.2 null does not match missing", {"a": [None]}, {}, False),
    ("2.2 empty string matches empty string", {"a": [""]}, {"a": ""}, True),
    ("2.2 null is not empty string", {"a": [""]}, {"a": None}, False),
    ("2.2 empty string is not null", {"a": [None]}, {"a": ""}, False),
    ("2.2 exact IP written differently", {"ip": ["2001:db8::1"]}, {"ip": "2001:0DB8:0::1"}, True),
    # -- event arrays ----------------------------------------------------------------------
    ("2.2 arrays: any element", {"r": ["b"]}, {"r": ["a", "b"]}, True),
    ("2.2 arrays: no element", {"r": ["c"]}, {"r": ["a", "b"]}, False),
    ("2.2 arrays: nested arrays crushed", {"r": ["c"]}, {"r": [["a"], ["b", ["c"]]]}, True),
    ("2.2 arrays: operators too", {"n": [{"numeric": [">", 0]}]}, {"n": [-1, 5]}, True),
    ("2.2 arrays of objects", {"e": {"f": ["Anna"]}}, {"e": [{"f": "John"}, {"f": "Anna"}]}, True),
    ("2.2 array consistency: different elements", {"a": {"b": [1], "c": [2]}},
     {"a": [{"b": 1, "c": 3}, {"b": 2, "c": 2}]}, False),
    ("2.2 array consistency: same element", {"a": {"b": [1], "c": [2]}},
     {"a": [{"b": 1, "c": 3}, {"b": 1, "c": 2}]}, True),
    ("2.2 array consistency: nested arrays", {"a": {"b": {"c": [1], "d": [2]}}},
     {"a": [{"b": [{"c": 1}, {"d": 2}]}]}, False),
    ("2.2 array consistency: other arrays free", {"a": {"b": [1]}, "x": {"y": [2]}},
     {"a": [{"b": 0}, {"b": 1}], "x": [{"y": 2}, {"y": 3}]}, True),
    # -- dotted keys -----------------------------------------------------------------------
    ("2.2 dotted pattern, nested event", {"detail": {"state.status": ["running"]}},
     {"detail": {"state": {"status": "running"}}}, True),
    ("2.2 nested pattern, dotted event", {"detail": {"state": {"status": ["running"]}}},
     {"detail": {"state.status": "running"}}, True),
    ("2.2 dotted both", {"a.b": ["x"]}, {"a.b": "x"}, True),
    ("2.2 dotted: wrong value", {"detail": {"state.status": ["running"]}},
     {"detail": {"state": {"status": "stopped"}}}, False),
    # -- prefix / suffix / equals-ignore-case ------------------------------------------------
    ("2.2 prefix", {"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-02T18:43:48Z"}, True),
    ("2.2 prefix: no", {"time": [{"prefix": "2017-10-03"}]}, {"time": "2017-10-02T18:43:48Z"}, False),
    ("2.2 prefix: empty matches any string", {"a": [{"prefix": ""}]}, {"a": "x"}, True),
    ("2.2 prefix: strings only", {"a": [{"prefix": ""}]}, {"a": 5}, False),
    ("2.2 prefix: case-sensitive", {"a": [{"prefix": "Ab"}]}, {"a": "abc"}, False),
    ("2.2 prefix ignore case", {"s": [{"prefix": {"equals-ignore-case": "EventB"}}]},
     {"s": "eventbridge"}, True),
    ("2.2 suffix", {"f": [{"suffix": ".png"}]}, {"f": "image.png"}, True),
    ("2.2 suffix: no", {"f": [{"suffix": ".png"}]}, {"f": "image.jpg"}, False),
    ("2.2 suffix ignore case", {"f": [{"suffix": {"equals-ignore-case": ".PNG"}}]},
     {"f": "image.png"}, True),
    ("2.2 equals-ignore-case", {"t": [{"equals-ignore-case": "ec2 instance"}]},
     {"t": "EC2 Instance"}, True),
    ("2.2 equals-ignore-case: Unicode", {"t": [{"equals-ignore-case": "ÄRGER"}]}, {"t": "ärger"}, True),
    ("2.2 equals-ignore-case: not substring", {"t": [{"equals-ignore-case": "ec2"}]},
     {"t": "EC2 x"}, False),
    ("2.2 equals-ignore-case: empty", {"v": [{"equals-ignore-case": ""}]}, {"v": ""}, True),
    ("2.2 equals-ignore-case: strings only", {"v": [{"equals-ignore-case": "1"}]}, {"v": 1}, False),
    # -- wildcard ----------------------------------------------------------------------------
    ("2.2 wildcard: middle", {"k": [{"wildcard": "dir/*.png"}]}, {"k": "dir/a/b.png"}, True),
    ("2.2 wildcard: zero chars", {"k": [{"wildcard": "a*b"}]}, {"k": "ab"}, True),
    ("2.2 wildcard: anchored", {"k": [{"wildcard": "a*b"}]}, {"k": "abc"}, False),
    ("2.2 wildcard: several", {"k": [{"wildcard": "*Title*"}]}, {"k": "MyTitleHere"}, True),
    ("2.2 wildcard: escaped star", {"k": [{"wildcard": "a\\*b"}]}, {"k": "a*b"}, True),
    ("2.2 wildcard: escaped star is literal", {"k": [{"wildcard": "a\\*b"}]}, {"k": "axb"}, False),
    ("2.2 wildcard: escaped backslash", {"k": [{"wildcard": "a\\\\*"}]}, {"k": "a\\bc"}, True),
    ("2.2 wildcard: repeating", {"f": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]},
     {"f": "/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"}, True),
    ("2.2 wildcard: strings only", {"k": [{"wildcard": "*"}]}, {"k": 1}, False),
    ("2.2 wildcard: newline", {"k": [{"wildcard": "a*b"}]}, {"k": "a\nb"}, True),
    # -- anything-but --------------------------------------------------------------------------
    ("2.2 anything-but value", {"s": [{"anything-but": "init"}]}, {"s": "running"}, True),
    ("2.2 anything-but value: equal", {"s": [{"anything-but": "init"}]}, {"s": "init"}, False),
    ("2.2 anything-but: null present", {"c": [{"anything-but": ["no-message"]}]}, {"c": None}, True),
    ("2.2 anything-but: other type", {"c": [{"anything-but": "x"}]}, {"c": 5}, True),
    ("2.2 anything-but: bool", {"c": [{"anything-but": "x"}]}, {"c": False}, True),
    ("2.2 anything-but: never missing", {"a": [{"anything-but": "x"}]}, {}, False),
    ("2.2 anything-but number", {"n": [{"anything-but": 5}]}, {"n": 6}, True),
    ("2.2 anything-but number: equal as number", {"n": [{"anything-but": 5}]}, {"n": 5.0}, False),
    ("2.2 anything-but number: string 5", {"n": [{"anything-but": 5}]}, {"n": "5"}, True),
    ("2.2 anything-but list", {"s": [{"anything-but": ["a", "b"]}]}, {"s": "b"}, False),
    ("2.2 anything-but list: outside", {"s": [{"anything-but": ["a", "b"]}]}, {"s": "c"}, True),
    ("2.2 anything-but number list", {"n": [{"anything-but": [1, 2, 3]}]}, {"n": 2}, False),
    ("2.2 anything-but list on array: one outside", {"s": [{"anything-but": ["a"]}]},
     {"s": ["a", "b"]}, True),
    ("2.2 anything-but list on array: all inside", {"s": [{"anything-but": ["a", "b"]}]},
     {"s": ["a", "b"]}, False),
    ("2.2 anything-but prefix", {"s": [{"anything-but": {"prefix": "init"}}]},
     {"s": "initializing"}, False),
    ("2.2 anything-but prefix: other", {"s": [{"anything-but": {"prefix": "init"}}]},
     {"s": "running"}, True),
    ("2.2 anything-but prefix: number", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": 12}, True),
    ("2.2 anything-but prefix list", {"s": [{"anything-but": {"prefix": ["a", "b"]}}]},
     {"s": "bx"}, False),
    ("2.2 anything-but suffix", {"f": [{"anything-but": {"suffix": ".txt"}}]}, {"f": "a.txt"}, False),
    ("2.2 anything-but suffix: other", {"f": [{"anything-but": {"suffix": ".txt"}}]},
     {"f": "a.png"}, True),
    ("2.2 anything-but suffix: null", {"f": [{"anything-but": {"suffix": ".txt"}}]}, {"f": None}, True),
    ("2.2 anything-but suffix: missing", {"f": [{"anything-but": {"suffix": ".txt"}}]}, {}, False),
    ("2.2 anything-but ignore case", {"s": [{"anything-but": {"equals-ignore-case": "INIT"}}]},
     {"s": "init"}, False),
    ("2.2 anything-but ignore case list", {"s": [{"anything-but": {"equals-ignore-case": ["A", "B"]}}]},
     {"s": "c"}, True),
    ("2.2 anything-but wildcard", {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]},
     {"p": "/usr/lib/x"}, False),
    ("2.2 anything-but wildcard: other", {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]},
     {"p": "/usr/bin/x"}, True),
    ("2.2 anything-but wildcard: empty", {"p": [{"anything-but": {"wildcard": ""}}]},
     {"p": "dir/init/file"}, True),
    ("2.2 anything-but wildcard list", {"p": [{"anything-but": {"wildcard": ["*.a", "*.b"]}}]},
     {"p": "x.b"}, False),
    # -- numeric --------------------------------------------------------------------------------
    ("2.2 numeric =", {"n": [{"numeric": ["=", 301.8]}]}, {"n": 301.8}, True),
    ("2.2 numeric = 3.018e2", {"n": [{"numeric": ["=", 3.018e2]}]}, {"n": 301.8}, True),
    ("2.2 numeric <", {"n": [{"numeric": ["<", 10]}]}, {"n": 10}, False),
    ("2.2 numeric <=", {"n": [{"numeric": ["<=", 10]}]}, {"n": 10}, True),
    ("2.2 numeric >", {"n": [{"numeric": [">", 0]}]}, {"n": 0}, False),
    ("2.2 numeric >=", {"n": [{"numeric": [">=", 0]}]}, {"n": 0}, True),
    ("2.2 numeric range in", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5}, True),
    ("2.2 numeric range low open", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 0}, False),
    ("2.2 numeric range high open", {"n": [{"numeric": [">=", 0, "<", 5]}]}, {"n": 5}, False),
    ("2.2 numeric range negative", {"n": [{"numeric": [">=", -10, "<", -5]}]}, {"n": -7.5}, True),
    ("2.2 numeric: string never", {"n": [{"numeric": ["=", 300]}]}, {"n": "300"}, False),
    ("2.2 numeric: null never", {"n": [{"numeric": [">", 0]}]}, {"n": None}, False),
    ("2.2 numeric: int vs float", {"n": [{"numeric": ["=", 5]}]}, {"n": 5.0}, True),
    ("2.2 numeric: double precision", {"n": [{"numeric": ["=", 0.1234567]}]}, {"n": 0.1234568}, False),
    ("2.2 numeric: beyond 5e9", {"n": [{"numeric": [">", 5e9]}]}, {"n": 6e9}, True),
    ("2.2 numeric: missing", {"n": [{"numeric": [">", 0]}]}, {}, False),
    # -- exists --------------------------------------------------------------------------------
    ("2.2 exists true", {"k": [{"exists": True}]}, {"k": "v"}, True),
    ("2.2 exists true: missing", {"k": [{"exists": True}]}, {}, False),
    ("2.2 exists true: null", {"k": [{"exists": True}]}, {"k": None}, True),
    ("2.2 exists true: object is not a leaf", {"k": [{"exists": True}]}, {"k": {"S": "x"}}, False),
    ("2.2 exists true: empty array", {"k": [{"exists": True}]}, {"k": []}, False),
    ("2.2 exists true: leaf below", {"d": {"p": {"S": [{"exists": True}]}}},
     {"d": {"p": {"S": "test123"}}}, True),
    ("2.2 exists false", {"k": [{"exists": False}]}, {"other": 1}, True),
    ("2.2 exists false: present", {"k": [{"exists": False}]}, {"k": "v"}, False),
    ("2.2 exists false: object value", {"k": [{"exists": False}]}, {"k": {"a": 1}}, True),
    ("2.2 exists false: empty array", {"k": [{"exists": False}]}, {"k": []}, True),
    ("2.2 exists false: null present", {"k": [{"exists": False}]}, {"k": None}, False),
    ("2.2 exists false or anything-but: absent parent", {"d": {"h": {"S": [
        {"anything-but": ["roses"]}, {"exists": False}]}}}, {"d": {"p": {"N": "789"}}}, True),
    ("2.2 exists false or anything-but: value", {"d": {"h": {"S": [
        {"anything-but": ["roses"]}, {"exists": False}]}}}, {"d": {"h": {"S": "roses"}}}, False),
    # -- cidr ------------------------------------------------------------------------------------
    ("2.2 cidr v4", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
    ("2.2 cidr v4 outside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
    ("2.2 cidr v4 not an IP", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.256"}, False),
    ("2.2 cidr v6", {"ip": [{"cidr": "2001:db8::/64"}]}, {"ip": "2001:db8::ff"}, True),
    ("2.2 cidr v6 outside", {"ip": [{"cidr": "2001:db8::/64"}]}, {"ip": "2001:db9::1"}, False),
    ("2.2 cidr v4 vs v6 value", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "::1"}, False),
    ("2.2 cidr strings only", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": 10}, False),
    # -- $or ------------------------------------------------------------------------------------
    ("2.2 $or first", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"a": "1"}, True),
    ("2.2 $or second", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": "2"}, True),
    ("2.2 $or neither", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"c": "3"}, False),
    ("2.2 $or with sibling", {"s": ["x"], "$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"s": "y", "a": "1"}, False),
    ("2.2 $or nested in object", {"detail": {"$or": [{"c": [{"numeric": [">", 0, "<=", 5]}]},
                                                     {"d": [{"numeric": ["<", 10]}]}]}},
     {"detail": {"d": 3}}, True),
    ("2.2 $or nested $or", {"$or": [{"a": ["1"]}, {"b": ["2"], "$or": [{"c": ["3"]}, {"d": ["4"]}]}]},
     {"b": "2", "d": "4"}, True),
    ("2.2 $or nested $or: needs inner", {"$or": [{"a": ["1"]}, {"b": ["2"], "$or": [{"c": ["3"]}, {"d": ["4"]}]}]},
     {"b": "2"}, False),
    ("2.2 $or with operator keywords is a field name", {"$or": [{"prefix": "ab"}, {"suffix": "yz"}]},
     {"$or": "abc"}, True),
    # -- event-ruler's "exactly" (spec 2.3: AWS reasons = JsonRuleCompiler) ----------------------
    ("2.3 exactly", {"a": [{"exactly": "10.0.0.1"}]}, {"a": "10.0.0.1"}, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("section", "pattern", "event", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_matching(
    section: str, pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.matches(event) is expected
    assert compiled.matches(json.dumps(event)) is expected
    index = RuleIndex()
    index.add("rule", pattern)
    index.add("other", {"zzz-unrelated": ["nothing"]})
    assert index.match(event) == ({"rule"} if expected else set())


def test_documented_complex_example() -> None:
    """2.2: the user guide's example with every kind of operator (LS-EB complex_many_rules)."""
    pattern = {
        "time": [{"prefix": "2017-10-02"}],
        "detail": {
            "state": [{"anything-but": "initializing"}],
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"anything-but": [100, 200, 300]}],
        },
    }
    event = {
        "time": "2017-10-02T18:43:48Z",
        "detail": {"state": "running", "c-count": 5, "d-count": 9, "x-limit": 301.8},
    }
    assert compile_pattern(pattern).matches(event)
    event["detail"]["x-limit"] = 300
    assert not compile_pattern(pattern).matches(event)


def test_events_that_are_not_objects() -> None:
    """2.1: an event that is not a JSON object is rejected (Parameter Event is not valid.)."""
    pattern = compile_pattern({"a": ["x"]})
    for event in ("not json", "[1, 2]", '"x"'):
        with pytest.raises(InvalidEventError, match=r"Parameter Event is not valid\."):
            pattern.matches(event)
    with pytest.raises(InvalidEventError):
        RuleIndex().match("[]")


def test_big_integers_and_odd_values() -> None:
    """2.2: numbers beyond double range do not crash; unknown Python types are ignored."""
    assert compile_pattern({"n": [{"numeric": [">", 0]}]}).matches({"n": 10**400})
    assert not compile_pattern({"n": [{"exists": True}]}).matches({"n": object()})


def test_compiled_pattern_paths() -> None:
    pattern = compile_pattern({"detail": {"a": ["x"], "b.c": [1]}, "$or": [{"d": [1]}, {"e": [2]}]})
    assert pattern.paths == {"detail.a", "detail.b.c", "d", "e"}
    assert len(pattern.branches) == 2
