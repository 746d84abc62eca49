"""RuleIndex structures shared between rules: one-star wildcards checked by suffix and
length, and value sets shared by equal ``anything-but`` operators."""

from __future__ import annotations

from typing import Any

from certherd.patterns import RuleIndex, compile_pattern


def _expected(rules: dict[str, Any], event: dict[str, Any]) -> set[str]:
    return {rule_id for rule_id, rule in rules.items() if compile_pattern(rule).matches(event)}


def test_single_star() -> None:
    from certherd.patterns.wildcard import single_star

    assert single_star("api*.example.com") == (".example.com", 15)
    assert single_star("*x") == ("x", 1)
    assert single_star("x*") == ("", 1)
    assert single_star("a*b\\*c") == ("b*c", 4)  # an escaped star is a literal
    assert single_star("abc") is None
    assert single_star("a*b*c") is None
    assert single_star("a\\*b") is None


def test_wildcards_with_one_star_checked_without_expressions() -> None:
    """One-star wildcards are matched by prefix bucket, suffix and length: a value whose
    prefix and suffix overlap is too short; escaped stars and several stars still match
    as the single pattern says."""
    rules: dict[str, Any] = {
        "overlap": {"s": [{"wildcard": "ab*ba"}]},
        "escaped": {"s": [{"wildcard": "a*b\\*c"}]},
        "two": {"s": [{"wildcard": "a*b*a"}]},
        "tail": {"s": [{"wildcard": "ab*"}]},
        "head": {"s": [{"wildcard": "*a"}]},
    }
    index = RuleIndex()
    for rule_id, rule in rules.items():
        index.add(rule_id, rule)
    for text in ("aba", "abba", "ab-ba", "ab\nba", "axb*c", "ab*c", "abc", "a", "", "bba"):
        event = {"s": text}
        assert index.match(event) == _expected(rules, event), text
    index.remove("overlap")
    del rules["overlap"]
    assert index.match({"s": "abba"}) == _expected(rules, {"s": "abba"})


def test_shared_value_sets_survive_removals() -> None:
    """Rules with equal anything-but sets share one set object: removing one rule (or
    all of them) leaves the others' answers as they were."""
    rules = {f"r{i}": {"a": [str(i % 2)], "t": [{"anything-but": ["x", "y"]}]} for i in range(6)}
    rules["n"] = {"t": [{"anything-but": [1, 2]}]}
    index = RuleIndex()
    for rule_id, rule in rules.items():
        index.add(rule_id, rule)
    events: list[dict[str, Any]] = [
        {"a": "0", "t": "x"},
        {"a": "1", "t": "z"},
        {"a": "0", "t": 1},
        {"a": "1", "t": 3},
    ]
    for rule_id in ["r0", "r3", "n", "r1", "r2", "r4", "r5"]:
        index.remove(rule_id)
        del rules[rule_id]
        for event in events:
            assert index.match(event) == _expected(rules, event), (rule_id, event)
    assert index._root.edges is None
