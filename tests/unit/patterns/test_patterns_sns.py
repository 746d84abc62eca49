"""SNS subscription filter policies (spec section 3.6)."""

# ruff: noqa: E501 - tables of cases read best one case per line

from __future__ import annotations

from typing import Any

import pytest

from certherd.errors import ValidationError
from certherd.patterns import FilterPolicyError, compile_filter_policy


def attrs(**values: tuple[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"Type": kind, "Value": value} for name, (kind, value) in values.items()}


ATTRIBUTE_CASES: list[tuple[str, dict[str, Any], dict[str, dict[str, str]], bool]] = [
    ("3.6 String exact", {"store": ["example_corp"]}, attrs(store=("String", "example_corp")), True),
    ("3.6 String no", {"store": ["example_corp"]}, attrs(store=("String", "other")), False),
    ("3.6 missing attribute", {"store": ["example_corp"]}, {}, False),
    ("3.6 String.Array any element", {"customer": ["gold"]},
     attrs(customer=("String.Array", '["silver", "gold"]')), True),
    ("3.6 String.Array no element", {"customer": ["gold"]},
     attrs(customer=("String.Array", '["silver"]')), False),
    ("3.6 String.Array anything-but: one outside", {"c": [{"anything-but": ["a"]}]},
     attrs(c=("String.Array", '["a", "b"]')), True),
    ("3.6 String.Array anything-but: all inside", {"c": [{"anything-but": ["a", "b"]}]},
     attrs(c=("String.Array", '["a", "b"]')), False),
    ("3.6 Number numeric", {"price": [{"numeric": [">=", 100]}]}, attrs(price=("Number", "120.5")), True),
    ("3.6 Number exact", {"price": [301.5]}, attrs(price=("Number", "3.015e2")), True),
    ("3.6 Number = 3.015e2", {"price": [{"numeric": ["=", 301.5]}]}, attrs(price=("Number", "3.015e2")), True),
    ("3.6 Number: 5 decimal places", {"p": [100.123456789]}, attrs(p=("Number", "100.1234567")), True),
    ("3.6 Number: differs at 5 decimals", {"p": [100.12345]}, attrs(p=("Number", "100.12346")), False),
    ("3.6 String never satisfies numeric", {"price": [{"numeric": [">", 1]}]},
     attrs(price=("String", "120")), False),
    ("3.6 Binary ignored", {"blob": [{"exists": True}]}, attrs(blob=("Binary", "AAEC")), False),
    ("3.6 Binary ignored for exists false", {"blob": [{"exists": False}]}, attrs(blob=("Binary", "AAEC")), True),
    ("3.6 prefix", {"event": [{"prefix": "order-"}]}, attrs(event=("String", "order-placed")), True),
    ("3.6 suffix", {"event": [{"suffix": "-placed"}]}, attrs(event=("String", "order-placed")), True),
    ("3.6 equals-ignore-case", {"event": [{"equals-ignore-case": "ORDER"}]}, attrs(event=("String", "order")), True),
    ("3.6 anything-but prefix", {"event": [{"anything-but": {"prefix": "order-"}}]},
     attrs(event=("String", "order-placed")), False),
    ("3.6 cidr", {"ip": [{"cidr": "10.0.0.0/24"}]}, attrs(ip=("String", "10.0.0.7")), True),
    ("3.6 exists true", {"a": [{"exists": True}]}, attrs(a=("String", "x")), True),
    ("3.6 exists false", {"a": [{"exists": False}]}, attrs(b=("String", "x")), True),
    ("3.6 null alternative and no attributes", {"attr1": [None, {"anything-but": "whatever"}]}, {}, False),
    ("3.6 $or", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, attrs(b=("String", "2")), True),
    ("3.6 dotted attribute name", {"a.b": ["x"]}, attrs(**{"a.b": ("String", "x")}), True),
]  # fmt: skip


@pytest.mark.parametrize(("section", "policy", "attributes", "expected"), ATTRIBUTE_CASES,
                         ids=[c[0] for c in ATTRIBUTE_CASES])  # fmt: skip
def test_message_attributes(
    section: str, policy: dict[str, Any], attributes: dict[str, dict[str, str]], expected: bool
) -> None:
    compiled = compile_filter_policy(policy)
    assert compiled.matches(attributes=attributes) is expected
    assert compiled.matches_attributes(attributes) is expected


def test_publish_api_attribute_shape() -> None:
    """3.6: attributes as the Publish API gives them (DataType/StringValue)."""
    policy = compile_filter_policy({"price": [{"numeric": ["<", 10]}]})
    assert policy.matches(attributes={"price": {"DataType": "Number", "StringValue": "9.5"}})
    assert policy.matches(attributes={"price": {"DataType": "Number.float", "StringValue": "9.5"}})


BODY_CASES: list[tuple[str, dict[str, Any], Any, bool]] = [
    ("3.6 body nested", {"order": {"status": ["paid"]}}, '{"order": {"status": "paid"}}', True),
    ("3.6 body nested no", {"order": {"status": ["paid"]}}, '{"order": {"status": "new"}}', False),
    ("3.6 body dotted key, nested body", {"object.nested": ["string.value"]},
     '{"object": {"nested": "string.value"}}', True),
    ("3.6 body dotted key, dotted body", {"object.nested": ["string.value"]},
     '{"object.nested": "string.value"}', True),
    ("3.6 body array of objects", {"items": {"sku": ["b"]}}, '{"items": [{"sku": "a"}, {"sku": "b"}]}', True),
    ("3.6 body array of arrays", {"items": ["b"]}, '{"items": [["a"], ["b"]]}', True),
    ("3.6 body not JSON", {"a": ["x"]}, "hello", False),
    ("3.6 body JSON but not object", {"a": ["x"]}, '["x"]', False),
    ("3.6 body as dict", {"a": [{"numeric": [">", 1]}]}, {"a": 2}, True),
]  # fmt: skip


@pytest.mark.parametrize(("section", "policy", "body", "expected"), BODY_CASES,
                         ids=[c[0] for c in BODY_CASES])  # fmt: skip
def test_message_body(section: str, policy: dict[str, Any], body: Any, expected: bool) -> None:
    compiled = compile_filter_policy(policy, scope="MessageBody")
    assert compiled.matches(body=body) is expected


def test_body_scope_without_body() -> None:
    assert not compile_filter_policy({"a": ["x"]}, scope="MessageBody").matches()


ERROR_CASES: list[tuple[str, Any, str, str]] = [
    ("3.6 nested policy in attribute scope", {"a": {"b": ["x"]}}, "MessageAttributes",
     "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"),
    ("3.6 more than 5 keys", {k: ["x"] for k in "abcdef"}, "MessageAttributes",
     "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"),
    ("3.6 more than 150 combinations", {"a": [str(i) for i in range(151)]}, "MessageAttributes",
     "Invalid parameter: FilterPolicy: Filter policy is too complex"),
    ("3.6 combinations multiply", {"a": [str(i) for i in range(10)], "b": [str(i) for i in range(16)]},
     "MessageAttributes", "Invalid parameter: FilterPolicy: Filter policy is too complex"),
    ("3.6 combinations sum over $or",
     {"$or": [{"a": [str(i) for i in range(100)]}, {"b": [str(i) for i in range(51)]}]},
     "MessageAttributes", "Invalid parameter: FilterPolicy: Filter policy is too complex"),
    ("3.6 anything-but suffix", {"a": [{"anything-but": {"suffix": "x"}}]}, "MessageAttributes",
     "Invalid parameter: FilterPolicy: Unsupported anything-but pattern: suffix"),
    ("3.6 wildcard not in SNS", {"a": [{"wildcard": "x*"}]}, "MessageAttributes",
     "Invalid parameter: FilterPolicy: Unrecognized match type wildcard"),
    ("3.6 empty numeric", {"a": [{"numeric": []}]}, "MessageAttributes",
     "Invalid parameter: FilterPolicy: Invalid member in numeric match: ]"),
    ("3.6 bad value in range", {"a": [{"numeric": [">", 0, 30]}]}, "MessageAttributes",
     "Invalid parameter: FilterPolicy: Bad value in numeric range: 30"),
    ("3.6 event-ruler reason", {"a": "x"}, "MessageBody",
     "Invalid parameter: FilterPolicy: \"a\" must be an object or an array"),
    ("3.2 invalid scope", {"a": ["x"]}, "RandomValue",
     "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either "
     "MessageBody or MessageAttributes"),
]  # fmt: skip


@pytest.mark.parametrize(("section", "policy", "scope", "message"), ERROR_CASES,
                         ids=[c[0] for c in ERROR_CASES])  # fmt: skip
def test_errors(section: str, policy: Any, scope: str, message: str) -> None:
    with pytest.raises(FilterPolicyError) as caught:
        compile_filter_policy(policy, scope=scope)
    assert caught.value.api_message() == message
    assert isinstance(caught.value, ValidationError)


def test_subscribe_message_form() -> None:
    """3.6: via Subscribe the reason follows ``Invalid parameter: Attributes Reason:``."""
    with pytest.raises(FilterPolicyError) as caught:
        compile_filter_policy({"a": [str(i) for i in range(151)]})
    assert caught.value.message == "Filter policy is too complex"
    assert caught.value.api_message(subscribe=True) == (
        "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex"
    )


def test_limits_accepted_at_the_edge() -> None:
    """3.6: 150 combinations and 5 keys are accepted; nested keys count once (body scope)."""
    compile_filter_policy({"a": [str(i) for i in range(150)]})
    compile_filter_policy({k: ["x"] for k in "abcde"})
    compile_filter_policy(
        {"a": {"b": ["x"], "c": ["y"], "d": ["z"]}, "e": ["w"]}, scope="MessageBody"
    )
