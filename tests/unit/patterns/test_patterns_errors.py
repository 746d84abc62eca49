"""Every invalid-pattern reason of spec sections 2.2 and 2.3, as AWS words it.

Each case: (spec reference, pattern text, exact reason). The reason is the message AWS
puts after ``Event pattern is not valid. Reason: `` (spec 2.3).
"""

# ruff: noqa: E501 - tables of cases read best one case per line

from __future__ import annotations

import json

import pytest

from certherd.errors import ValidationError
from certherd.patterns import PatternError, compile_pattern

WILDCARD_TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
TOKEN_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

CASES: list[tuple[str, str, str]] = [
    # -- structure (2.2 "Structure") ---------------------------------------------------
    ("2.2 structure: non-object top level", '["not", "a", "dict"]', "Filter is not an object"),
    ("2.2 structure: scalar top level", '"x"', "Filter is not an object"),
    ("2.2 structure: empty text", "", "Filter is not an object"),
    ("2.2 structure: empty object", "{}", "Empty objects are not allowed"),
    ("2.2 structure: empty nested object", '{"a": {}}', "Empty objects are not allowed"),
    ("2.2 structure: scalar leaf (number)", '{"int": 42}', '"int" must be an object or an array'),
    ("2.2 structure: scalar leaf (string)", '{"string": "my-value"}', '"string" must be an object or an array'),
    ("2.2 structure: scalar leaf (null)", '{"a": null}', '"a" must be an object or an array'),
    ("2.2 structure: scalar leaf (bool)", '{"a": true}', '"a" must be an object or an array'),
    ("2.2 structure: empty leaf array", '{"resources": []}', "Empty arrays are not allowed"),
    ("2.2 structure: nested array in leaf", '{"a": [[22]]}', "Match value must be String, number, true, false, or null"),
    ("2.2 structure: operator case EXISTS", '{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
    ("2.2 structure: operator case NUMERIC", '{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', "Unrecognized match type NUMERIC"),
    ("2.2 structure: unknown operator", '{"a": [{"regex": "x"}]}', "Unrecognized match type regex"),
    ("2.2 structure: empty operator object", '{"a": [{}]}', "Match expression name not found"),
    ("2.2 structure: two keys in operator", '{"a": [{"prefix": "a", "suffix": "b"}]}', "Only one key allowed in match expression"),
    # -- prefix / suffix / equals-ignore-case (2.2 table) -------------------------------
    ("2.2 prefix: list value", '{"time": [{"prefix": ["2022-07-13"]}]}', "prefix match pattern must be a string"),
    ("2.2 prefix: number value", '{"time": [{"prefix": 123}]}', "prefix match pattern must be a string"),
    ("2.2 prefix ignore case: unknown inner", '{"a": [{"prefix": {"wildcard": "x"}}]}', "Unsupported prefix pattern: wildcard"),
    ("2.2 prefix ignore case: number", '{"a": [{"prefix": {"equals-ignore-case": 5}}]}', "equals-ignore-case match pattern must be a string"),
    ("2.2 suffix: number value", '{"FileName": [{"suffix": 123}]}', "suffix match pattern must be a string"),
    ("2.2 suffix: list value", '{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string"),
    ("2.2 suffix ignore case: unknown inner", '{"a": [{"suffix": {"prefix": "x"}}]}', "Unsupported suffix pattern: prefix"),
    ("2.2 equals-ignore-case: list", '{"detail-type": [{"equals-ignore-case": ["ec2"]}]}', "equals-ignore-case match pattern must be a string"),
    ("2.2 equals-ignore-case: object", '{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}', "equals-ignore-case match pattern must be a string"),
    # -- wildcard (2.2 table) -------------------------------------------------------------
    ("2.2 wildcard: consecutive stars", '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}', "Consecutive wildcard characters at pos 26"),
    ("2.2 wildcard: bad escape", '{"a": [{"wildcard": "a\\\\xb"}]}', "Invalid escape character at pos 2"),
    ("2.2 wildcard: trailing backslash", '{"a": [{"wildcard": "ab\\\\"}]}', "Invalid escape character at pos 3"),
    ("2.2 wildcard: position counts UTF-8 bytes", '{"a": [{"wildcard": "é**"}]}', "Consecutive wildcard characters at pos 3"),
    ("2.2 wildcard: number", '{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string"),
    ("2.2 wildcard: list", '{"EventBusArn": [{"wildcard": ["a*"]}]}', "wildcard match pattern must be a string"),
    ("2.2 wildcard: too complex", '{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}', WILDCARD_TOO_COMPLEX),
    # -- anything-but (2.2 table) -----------------------------------------------------------
    ("2.2 anything-but: mixed list", '{"a": [{"anything-but": ["a", 1]}]}', "Inside anything but list, either all values are number or string, mixed type is not supported"),
    ("2.2 anything-but: empty list", '{"a": [{"anything-but": []}]}', "Inside anything but list, either all values are number or string, mixed type is not supported"),
    ("2.2 anything-but: null in list", '{"a": [{"anything-but": ["a", null]}]}', "Inside anything but list, start|null|boolean is not supported."),
    ("2.2 anything-but: bool in list", '{"a": [{"anything-but": [true]}]}', "Inside anything but list, start|null|boolean is not supported."),
    ("2.2 anything-but: null value", '{"a": [{"anything-but": null}]}', "Value of anything-but must be an array or single string/number value."),
    ("2.2 anything-but: bool value", '{"a": [{"anything-but": false}]}', "Value of anything-but must be an array or single string/number value."),
    ("2.2 anything-but: unknown inner", '{"a": [{"anything-but": {"numeric": [">", 1]}}]}', "Unsupported anything-but pattern: numeric"),
    ("2.2 anything-but: empty inner object", '{"a": [{"anything-but": {}}]}', "Anything-But expression name not found"),
    ("2.2 anything-but prefix: empty string", '{"a": [{"anything-but": {"prefix": ""}}]}', "Null prefix/suffix not allowed"),
    ("2.2 anything-but prefix: empty in list", '{"a": [{"anything-but": {"prefix": ["a", ""]}}]}', "Null prefix/suffix not allowed"),
    ("2.2 anything-but prefix: number", '{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}', "prefix/suffix match pattern must be a string"),
    ("2.2 anything-but prefix: number in list", '{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}', "prefix/suffix match pattern must be a string"),
    ("2.2 anything-but suffix: empty string", '{"a": [{"anything-but": {"suffix": ""}}]}', "Null prefix/suffix not allowed"),
    ("2.2 anything-but suffix: number", '{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}', "prefix/suffix match pattern must be a string"),
    ("2.2 anything-but suffix: number in list", '{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}', "prefix/suffix match pattern must be a string"),
    ("2.2 anything-but equals-ignore-case: number", '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}', "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
    ("2.2 anything-but equals-ignore-case: numbers in list", '{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}', "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
    ("2.2 anything-but wildcard: number", '{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}', "wildcard match pattern must be a string"),
    ("2.2 anything-but wildcard: number in list", '{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}', "wildcard match pattern must be a string"),
    ("2.2 anything-but wildcard: bad syntax", '{"a": [{"anything-but": {"wildcard": "a**"}}]}', "Consecutive wildcard characters at pos 2"),
    ("2.2 anything-but + ignore-case prefix", '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}', "Value of anything-but must be an array or single string/number value."),
    ("2.2 anything-but + ignore-case suffix", '{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}', "Value of anything-but must be an array or single string/number value."),
    ("2.2 anything-but: second key", '{"a": [{"anything-but": "x", "prefix": "y"}]}', "Too many elements in numeric expression"),
    ("2.2 anything-but: number out of range", '{"a": [{"anything-but": [1E309]}]}', "Cannot compare number : 1E309"),
    # -- numeric (2.2 table) ----------------------------------------------------------------
    ("2.2 numeric: not an array", '{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
    ("2.2 numeric: equals not numeric", '{"a": [{"numeric": ["=", "5"]}]}', "Value of equals must be numeric"),
    ("2.2 numeric: < not numeric", '{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', "Value of < must be numeric"),
    ("2.2 numeric: >= not numeric", '{"a": [{"numeric": [">=", null]}]}', "Value of >= must be numeric"),
    ("2.2 numeric: unknown operator", '{"a": [{"numeric": ["!=", 5]}]}', "Unrecognized numeric range operator: !="),
    ("2.2 numeric: second op not upper", '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', "Bad numeric range operator: >"),
    ("2.2 numeric: lower bound first", '{"a": [{"numeric": ["<", 1, ">", 0]}]}', "Too many elements in numeric expression"),
    ("2.2 numeric: bottom >= top", '{"a": [{"numeric": [">", 5, "<", 1]}]}', "Bottom must be less than top"),
    ("2.2 numeric: bottom == top", '{"a": [{"numeric": [">=", 5, "<=", 5]}]}', "Bottom must be less than top"),
    ("2.2 numeric: more than 4 terms", '{"a": [{"numeric": [">", 1, "<", 5, "<", 6]}]}', "Too many terms in numeric range expression"),
    ("2.2 numeric: out of double range", '{"a": [{"numeric": [">", 1E309]}]}', "Cannot compare number : 1E309"),
    ("2.2 numeric: empty", '{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"),
    ("2.2 numeric: number first", '{"a": [{"numeric": [5]}]}', "Invalid member in numeric match: 5"),
    ("2.2 numeric: bad range value", '{"a": [{"numeric": [">", 0, 30]}]}', "Bad value in numeric range: 30"),
    ("2.2 numeric: extra after =", '{"a": [{"numeric": ["=", 1, 2]}]}', "Too many elements in numeric expression"),
    # -- exists / cidr (2.2 table) -----------------------------------------------------------
    ("2.2 exists: not boolean", '{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
    ("2.2 exists: second key", '{"a": [{"exists": true, "x": 1}]}', "Only one key allowed in match expression"),
    ("2.2 cidr: no slash", '{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
    ("2.2 cidr: two slashes", '{"a": [{"cidr": "10.0.0.0/8/8"}]}', "Malformed CIDR, one '/' required"),
    ("2.2 cidr: mask not integer", '{"a": [{"cidr": "10.0.0.0/x"}]}', "Malformed CIDR, mask bits must be an integer"),
    ("2.2 cidr: nonstandard IPv4", '{"a": [{"cidr": "xx.11.xx/24"}]}', "Nonstandard IP address: xx.11.xx"),
    ("2.2 cidr: nonstandard IPv6", '{"a": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}', "Nonstandard IP address: xxxx:db8:1234:1a00::"),
    ("2.2 cidr: not a string", '{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}', "prefix match pattern must be a string"),
    # -- $or (2.2 table, 2.9) ----------------------------------------------------------------
    ("2.2 $or: one object", '{"$or": [{"a": ["x"]}]}', "There must have at least 2 Objects in $or relationship."),
    ("2.2 $or: empty array", '{"$or": []}', "There must have at least 2 Objects in $or relationship."),
    ("2.2 $or: not an array", '{"$or": {"a": ["x"]}}', "It must be an Array followed with $or."),
    ("2.2 $or: non-object element", '{"$or": [{"a": ["x"]}, "b"]}', "Only JSON object is allowed in array of $or relationship."),
    ("2.2 $or: empty alternative", '{"$or": [{"a": ["x"]}, {}]}', "Empty objects are not allowed"),
    # -- malformed JSON (2.3, Jackson's messages) -------------------------------------------
    ("2.3 JSON: bare word", "this is valid json but not a dict", f"Unrecognized token 'this': was expecting {TOKEN_LIST}"),
    ("2.3 JSON: single quotes", "{'bad': 'quotation'}", "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
    ("2.3 JSON: unquoted value", '{"not": closed mark"', f"Unrecognized token 'closed': was expecting {TOKEN_LIST}"),
    ("2.3 JSON: missing colon", '{"a" ["x"]}', "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value"),
    ("2.3 JSON: missing comma", '{"a": ["x"] "b": ["y"]}', "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"),
    ("2.3 JSON: trailing comma in array", '{"a": ["x",]}', f"Unexpected character (']' (code 93)): expected a valid value {TOKEN_LIST}"),
    ("2.3 JSON: trailing comma in object", '{"a": ["x"],}', "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"),
    ("2.3 JSON: truncated value", '{"a":', "Unexpected end-of-input within/between Object entries"),
    ("2.3 JSON: bad literal", '{"a": [tru]}', f"Unrecognized token 'tru': was expecting {TOKEN_LIST}"),
    ("2.3 JSON: leading zero", '{"a": [01]}', "Invalid numeric value: Leading zeroes not allowed"),
    ("2.3 JSON: bad escape", '{"a": ["x\\q"]}', "Unrecognized character escape 'q' (code 113)"),
    ("2.3 JSON: NaN", '{"a": [NaN]}', "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
]  # fmt: skip


@pytest.mark.parametrize(("section", "pattern", "reason"), CASES, ids=[c[0] for c in CASES])
def test_invalid_pattern_reason(section: str, pattern: str, reason: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert caught.value.message == reason
    assert str(caught.value) == reason
    assert caught.value.aws_message == f"Event pattern is not valid. Reason: {reason}"


def test_pattern_error_is_a_validation_error() -> None:
    """The API maps certherd's ValidationError to a 400 (brief; spec 2.3: HTTP 400)."""
    with pytest.raises(ValidationError):
        compile_pattern("{}")


def test_unterminated_input_names_start_marker() -> None:
    """2.3: Jackson's end-of-input message points at the unclosed object."""
    with pytest.raises(PatternError) as caught:
        compile_pattern('{"a": ["x"]')
    assert caught.value.message == (
        "Unexpected end-of-input: expected close marker for Object (start marker at "
        '[Source: (String)"{"a": ["x"]"; line: 1, column: 1])'
    )


def test_errors_come_in_reading_order() -> None:
    """2.3: event-ruler stops at the first problem it reads; a later syntax error loses."""
    with pytest.raises(PatternError) as caught:
        compile_pattern('{"a": 5, "b": [tru')
    assert caught.value.message == '"a" must be an object or an array'
    with pytest.raises(PatternError) as caught:
        compile_pattern('{"a": "unterminated')
    assert caught.value.message == '"a" must be an object or an array'


def test_or_combination_limit() -> None:
    """2.2/2.9: more than 1000 $or combinations is rejected; 1000 is accepted."""
    alternatives = [{"a": [i]} for i in range(10)]
    ok = {"$or": alternatives, "b": {"$or": alternatives}, "c": {"$or": alternatives}}
    assert len(compile_pattern(ok).branches) == 1000
    too_many = dict(ok, d={"$or": [{"x": [1]}, {"y": [2]}]})
    with pytest.raises(PatternError, match="combinations"):
        compile_pattern(too_many)


def test_or_explosion_is_cut_short() -> None:
    """2.2: a pattern with astronomically many combinations fails fast instead of hanging."""
    pattern = {f"k{i}": {"$or": [{"a": [1]}, {"b": [2]}]} for i in range(60)}
    with pytest.raises(PatternError, match="combinations"):
        compile_pattern(pattern)


def test_pattern_size_limit() -> None:
    """2.2: EventPattern is at most 4096 characters."""
    padding = "x" * 4096
    with pytest.raises(PatternError, match="4096"):
        compile_pattern(json.dumps({"a": [padding]}))
    assert compile_pattern(json.dumps({"a": ["x" * 4000]})).matches({"a": "x" * 4000})
    assert compile_pattern({"a": [padding]}, max_length=None).matches({"a": padding})


def test_dict_and_text_give_same_reason() -> None:
    """2.3: a decoded pattern is validated like its JSON text."""
    with pytest.raises(PatternError, match=r"^\"a\" must be an object or an array$"):
        compile_pattern({"a": "x"})


@pytest.mark.parametrize(
    "pattern",
    [
        '{"a": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}',
        '{"a": [{"wildcard": "arn:aws:events:us-east-1:123456789012:event-bus/*"}]}',
        '{"a": [{"wildcard": "*/lib/*"}]}',
    ],
)
def test_wildcards_aws_accepts(pattern: str) -> None:
    """2.2: AWS-validated wildcards that are not too complex (localstack templates)."""
    compile_pattern(pattern)


def test_duplicate_keys_last_wins() -> None:
    """2.2: duplicate keys, last occurrence wins (rule overriding)."""
    pattern = compile_pattern('{"a": ["x"], "a": ["y"]}')
    assert pattern.matches({"a": "y"})
    assert not pattern.matches({"a": "x"})


def test_trailing_text_after_pattern_is_ignored() -> None:
    """2.3: event-ruler stops reading once the pattern object is closed."""
    assert compile_pattern('{"a": ["x"]} trailing').matches({"a": "x"})
