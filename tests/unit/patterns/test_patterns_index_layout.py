"""RuleIndex's compact structures: leaves reached as bare rule ids, one-member key sets
as 1-tuples, the rules ending at a state as a tuple, value machines' flat operator
tuples. Each is checked for its shape and, above all, for giving the same answers as the
single patterns, whatever the rule ids are."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certherd.patterns import RuleIndex, compile_pattern
from certherd.patterns._automaton import State, key_set, sub_rules
from certherd.patterns._machine import Bucket, ValueMachine

#: Ids of every kind a leaf may hold: falsy ones, ones stored bare (int, str) and ones
#: that must stay wrapped (a tuple would look like several ids, None like no hit).
IDS: list[Any] = [0, "", None, ("t", 1), "s", 1000, 2.5, frozenset({1}), -1, "0"]
VALUES = ["x", "y", "xy"]
PATTERNS = [
    {"a": ["x"]},
    {"a": ["x", "y"]},
    {"a": ["x"], "b": ["y"]},
    {"a": [{"prefix": "x"}]},
    {"a": [{"anything-but": "x"}]},
    {"a": [{"exists": True}], "b": ["x"]},
    {"a": [{"exists": False}], "b": ["y"]},
    {"a": [{"suffix": "y"}, {"wildcard": "x*"}, {"anything-but": "q"}, {"exists": True}]},
    {"b": [{"prefix": "x"}], "a": ["xy"]},
    {"$or": [{"a": ["x"]}, {"b": ["x"]}]},
]


def _expected(rules: dict[Any, Any], event: dict[str, Any]) -> set[Any]:
    return {rule_id for rule_id, pattern in rules.items() if pattern.matches(event)}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(IDS), st.one_of(st.none(), st.sampled_from(PATTERNS))),
        min_size=1,
        max_size=14,
    ),
    st.lists(
        st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(VALUES), max_size=2),
        min_size=1,
        max_size=4,
    ),
)
def test_any_rule_ids_through_adds_replaces_and_removes(
    operations: list[tuple[Any, dict[str, Any] | None]], samples: list[dict[str, Any]]
) -> None:
    index = RuleIndex()
    live: dict[Any, Any] = {}
    for rule_id, rule in operations:
        if rule is None:
            assert index.remove(rule_id) == (rule_id in live)
            live.pop(rule_id, None)
        else:
            index.add(rule_id, rule)
            live[rule_id] = compile_pattern(rule)
        for event in samples:
            assert index.match(event) == _expected(live, event)
    for rule_id in list(live):
        index.remove(rule_id)
    assert index._root.edges is None and index._path_refs == {}


def _leaf_targets(index: RuleIndex) -> list[Any]:
    (group,) = index._root.groups
    return list(group.table.values())


def test_a_leaf_with_one_int_or_str_rule_is_reached_as_the_id_itself() -> None:
    index = RuleIndex()
    index.add(7, {"a": ["x"]})
    index.add("r", {"a": ["y"]})
    index.add(("t", 1), {"a": ["z"]})
    index.add(None, {"a": ["w"]})
    assert sorted(map(repr, _leaf_targets(index))) == sorted(["7", "'r'", "(('t', 1),)", "(None,)"])
    assert index.match({"a": "x"}) == {7}
    assert index.match({"a": "z"}) == {("t", 1)}
    assert index.match({"a": "w"}) == {None}
    index.add(8, {"a": ["x"]})  # a second rule at the same leaf: a tuple again
    assert (7, 8) in _leaf_targets(index)
    assert index.match({"a": "x"}) == {7, 8}
    index.remove(7)
    assert 8 in _leaf_targets(index) and index.match({"a": "x"}) == {8}


def test_falsy_ids_are_found_everywhere_a_target_can_be() -> None:
    """0 and "" are hits like any other id: in group tables, buckets, value machines'
    tables and every operator's index."""
    index = RuleIndex()
    index.add(0, {"a": ["x"]})
    index.add("", {"a": [{"prefix": "x"}], "b": ["1"]})
    index.add(-1, {"a": [{"numeric": [">", 1]}], "b": ["1"]})
    index.add("0", {"a": [{"anything-but": "q"}], "b": ["2"]})
    index.add(1000, {"a": ["x"], "b": ["1"]})
    assert index.match({"a": "x"}) == {0}
    assert index.match({"a": "x", "b": "1"}) == {0, "", 1000}
    assert index.match({"a": 5, "b": "1"}) == {-1}
    assert index.match({"a": "x", "b": "2"}) == {0, "0"}


def test_replacing_a_rule_by_the_same_pattern_counts_both_until_the_old_goes() -> None:
    index = RuleIndex()
    index.add(5, {"a": ["x"], "b": [{"exists": False}]})
    index.add(5, {"a": ["x"], "b": [{"exists": False}]})
    index.add("k", {"a": ["x"]})
    index.add("k", {"a": ["x"]})
    assert index.match({"a": "x"}) == {5, "k"}
    assert index.match({"a": "x", "b": 1}) == {"k"}
    index.remove(5)
    index.remove("k")
    assert index._root.edges is None


def test_rules_ending_at_one_state_are_kept_once_per_sub_rule() -> None:
    state = State()
    sub = sub_rules(compile_pattern({"a": ["x"]}).branches)[0]
    state.insert("r", sub)
    (group,) = state.groups
    leaf = group.states[sub[1]]
    assert leaf.ended == ("r",) and leaf.plain is leaf.ended and leaf.target == "r"
    state.insert("r", sub)
    state.insert("s", sub)
    assert leaf.ended == ("r", "r", "s") and leaf.plain == ("r", "s")
    assert group.table["x"] == ("r", "s")
    state.delete("r", sub)
    assert leaf.ended == ("r", "s") and leaf.plain == ("r", "s")
    state.delete("s", sub)
    assert leaf.ended == ("r",) and leaf.target == "r" and group.table["x"] == "r"
    state.delete("r", sub)
    assert state.edges is None and state.refs == 0


def test_key_sets() -> None:
    assert key_set(["a"]) == ("a",) and key_set(["a", "a"]) == ("a",)
    assert key_set(["a", "b"]) == frozenset({"a", "b"})
    assert key_set([("a", "b")]) == (("a", "b"),)
    # one member is never confused with two, whatever the members are
    assert key_set([("a", "b")]) != key_set(["a", "b"])


def test_equal_paths_and_steps_are_shared_between_rules() -> None:
    one = sub_rules(compile_pattern({"x": ["1"], "y": ["2"], "z": [{"prefix": "p"}]}).branches)
    two = sub_rules(compile_pattern({"x": ["3"], "y": ["4"], "z": [{"prefix": "p"}]}).branches)
    (paths_1, keys_1, steps_1, _), (paths_2, keys_2, steps_2, _) = one[0], two[0]
    assert paths_1 is paths_2 and steps_1 is steps_2
    assert keys_1 == (("1", "2"),) and keys_2 == (("3", "4"),)


def test_value_machine_layout_and_flat_operators() -> None:
    assert sys.getsizeof(ValueMachine("a")) == 128  # the walk's fields share one line
    index = RuleIndex()
    index.add("all", PATTERNS[7])
    (machine,) = index._root.steps
    # suffix, wildcard, anything-but and exists for strings; the last two for the others
    assert len(machine.on_string) == 8 and callable(machine.on_string[6])
    assert len(machine.on_number) == 4 and len(machine.on_literal) == 4
    pattern = compile_pattern(PATTERNS[7])
    for value in ("xy", "q", "zzy", "x", "", 1, 1.5, True, None):
        event = {"a": value}
        assert index.match(event) == ({"all"} if pattern.matches(event) else set()), value


def test_buckets_hold_bare_ids_and_tuples() -> None:
    index = RuleIndex()
    index.add(1, {"a": ["x"], "b": [{"prefix": "p"}]})
    index.add(2, {"a": ["x"], "b": [{"prefix": "pq"}]})
    index.add((3,), {"a": ["x"], "b": [{"prefix": "p"}, "pqr"]})
    index.add(4, {"a": ["x"], "b": ["pqr"]})
    (machine,) = [t for t in index._root.groups[0].table.values() if type(t) is ValueMachine]
    assert type(machine.prefix_table["p"]) is Bucket  # type: ignore[index]
    assert index.match({"a": "x", "b": "pqr"}) == {1, 2, (3,), 4}
    assert index.match({"a": "x", "b": "p"}) == {1, (3,)}
