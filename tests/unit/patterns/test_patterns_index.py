"""RuleIndex: many rules at once, always the same answer as the single patterns.

The property tests draw random patterns (every operator, ``$or``, dotted keys, nesting)
and random events (nested objects, arrays, arrays of objects, every JSON type) and check
that ``RuleIndex.match(e)`` is exactly the set of ids whose own compiled pattern matches
``e`` (issue item 5), also while rules are added, replaced and removed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certherd.patterns import PatternError, RuleIndex, compile_pattern

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=40)
KEYS = ["a", "b", "c", "a.b"]
STRINGS = ["", "x", "X", "xy", "yx", "ab", "10.0.0.1", "10.0.1.9", "2001:db8::1", "é"]
NUMBERS = [0, 1, 1.5, -2, 300, 1e10]
LITERALS = [True, False, None]

strings = st.sampled_from(STRINGS)
numbers = st.sampled_from(NUMBERS)
scalars = st.one_of(strings, numbers, st.sampled_from(LITERALS))


@st.composite
def numeric_ops(draw: st.DrawFn) -> list[Any]:
    low, high = sorted(draw(st.lists(numbers, min_size=2, max_size=2, unique=True)))
    return draw(
        st.sampled_from(
            [
                ["=", low],
                ["<", high],
                ["<=", high],
                [">", low],
                [">=", low],
                [">", low, "<=", high],
                [">=", low, "<", high],
            ]
        )
    )


def _operators() -> st.SearchStrategy[Any]:
    short = st.sampled_from(["", "x", "y", "a", "X", "10."])
    non_empty = st.sampled_from(["x", "y", "a", "X", "10."])
    wild = st.sampled_from(["*", "x*", "*y", "x*y", "*x*", "a\\*b", ""])
    return st.one_of(
        st.builds(lambda v: {"prefix": v}, short),
        st.builds(lambda v: {"suffix": v}, short),
        st.builds(lambda v: {"prefix": {"equals-ignore-case": v}}, short),
        st.builds(lambda v: {"suffix": {"equals-ignore-case": v}}, short),
        st.builds(lambda v: {"equals-ignore-case": v}, short),
        st.builds(lambda v: {"wildcard": v}, wild),
        st.builds(lambda v: {"anything-but": v}, st.one_of(strings, numbers)),
        st.builds(lambda v: {"anything-but": v}, st.lists(strings, min_size=1, max_size=3)),
        st.builds(lambda v: {"anything-but": v}, st.lists(numbers, min_size=1, max_size=3)),
        st.builds(lambda v: {"anything-but": {"prefix": v}}, non_empty),
        st.builds(lambda v: {"anything-but": {"suffix": v}}, st.lists(non_empty, max_size=2)),
        st.builds(lambda v: {"anything-but": {"equals-ignore-case": v}}, short),
        st.builds(lambda v: {"anything-but": {"wildcard": v}}, wild),
        st.builds(lambda v: {"numeric": v}, numeric_ops()),
        st.builds(lambda v: {"exists": v}, st.booleans()),
        st.builds(lambda v: {"cidr": v}, st.sampled_from(["10.0.0.0/24", "2001:db8::/32"])),
    )


leaf_arrays = st.lists(st.one_of(scalars, _operators()), min_size=1, max_size=3)


def _pattern_objects(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    value: st.SearchStrategy[Any] = leaf_arrays
    if depth > 0:
        value = st.one_of(leaf_arrays, st.deferred(lambda: _pattern_objects(depth - 1)))
    fields = st.dictionaries(st.sampled_from(KEYS), value, min_size=1, max_size=3)
    if depth == 0:
        return fields
    alternatives = st.lists(
        st.deferred(lambda: _pattern_objects(depth - 1)), min_size=2, max_size=3
    )
    with_or = st.builds(lambda f, alts: {**f, "$or": alts}, st.dictionaries(
        st.sampled_from(KEYS), leaf_arrays, max_size=2), alternatives)  # fmt: skip
    return st.one_of(fields, fields, with_or)


patterns = _pattern_objects(2)


def _event_values(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return scalars
    inner = st.deferred(lambda: _event_values(depth - 1))
    return st.one_of(
        scalars,
        scalars,
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    )


events = st.dictionaries(st.sampled_from(KEYS), _event_values(3), max_size=4)


def _compiled_or_none(pattern: dict[str, Any]) -> Any:
    try:
        return compile_pattern(pattern)
    except PatternError:
        return None


@SETTINGS
@given(st.lists(patterns, min_size=1, max_size=6), st.lists(events, min_size=1, max_size=4))
def test_index_equals_single_patterns(
    rules: list[dict[str, Any]], samples: list[dict[str, Any]]
) -> None:
    """Issue item 5: RuleIndex.match(e) == {id | compile_pattern(p_id).matches(e)}."""
    index = RuleIndex()
    compiled = {}
    for i, rule in enumerate(rules):
        pattern = _compiled_or_none(rule)
        if pattern is not None:
            compiled[i] = pattern
            index.add(i, pattern)
    for event in samples:
        expected = {i for i, pattern in compiled.items() if pattern.matches(event)}
        assert index.match(event) == expected


@FEWER
@given(
    st.lists(st.tuples(st.integers(0, 4), st.one_of(st.none(), patterns)), min_size=1, max_size=12),
    st.lists(events, min_size=1, max_size=3),
)
def test_index_follows_adds_and_removes(
    operations: list[tuple[int, dict[str, Any] | None]], samples: list[dict[str, Any]]
) -> None:
    """Issue item 5: rules added, replaced and removed at run time."""
    index = RuleIndex()
    live: dict[int, Any] = {}
    for rule_id, rule in operations:
        if rule is None:
            assert index.remove(rule_id) == (rule_id in live)
            live.pop(rule_id, None)
            continue
        pattern = _compiled_or_none(rule)
        if pattern is None:
            continue
        index.add(rule_id, pattern)
        live[rule_id] = pattern
    assert len(index) == len(live)
    for event in samples:
        assert index.match(event) == {i for i, p in live.items() if p.matches(event)}
    for rule_id in list(live):
        index.remove(rule_id)
    assert index._root.edges is None
    assert index._path_refs == {}


def test_add_replace_remove() -> None:
    index = RuleIndex()
    index.add("r", {"a": ["x"]})
    assert "r" in index and len(index) == 1 and list(index) == ["r"]
    assert index.match({"a": "x"}) == {"r"}
    index.add("r", {"a": ["y"]})  # replaces
    assert index.match({"a": "x"}) == set()
    assert index.match('{"a": "y"}') == {"r"}
    assert index.remove("r") is True
    assert index.remove("r") is False
    assert index.match({"a": "y"}) == set()


def test_invalid_rule_leaves_index_unchanged() -> None:
    index = RuleIndex()
    index.add("r", {"a": ["x"]})
    with pytest.raises(PatternError):
        index.add("r", {"a": "x"})
    assert index.match({"a": "x"}) == {"r"}


def test_shared_prefixes_and_many_rules() -> None:
    """Thousands of rules share states; each event still gets exactly its rules."""
    index = RuleIndex()
    for account in range(200):
        for kind in range(10):
            index.add(
                (account, kind),
                {
                    "account": [str(account)],
                    "detail-type": [f"type-{kind % 4}"],
                    "detail": {"DaysToExpiry": [{"numeric": ["<=", kind * 10]}]},
                },
            )
    found = index.match({"account": "7", "detail-type": "type-1", "detail": {"DaysToExpiry": 45}})
    assert found == {(7, 5), (7, 9)}


def test_compound_exact_fields_with_or_lists() -> None:
    """Exact fields with several values expand into compound keys (and beyond the limit
    they stay separate steps); both give the single-pattern answer."""
    many = {"a": [str(i) for i in range(20)], "b": ["x", "y"], "c": [1, True, None]}
    few = {"a": ["1", "2"], "b": ["x"], "c": [1]}
    index = RuleIndex()
    index.add("many", many)
    index.add("few", few)
    for event in (
        {"a": "19", "b": "y", "c": None},
        {"a": "2", "b": "x", "c": 1.0},
        {"a": "2", "b": "x", "c": "1"},
    ):
        expected = {
            k for k, p in (("many", many), ("few", few)) if compile_pattern(p).matches(event)
        }
        assert index.match(event) == expected


def test_duplicate_paths_in_event() -> None:
    """A path written both nested and dotted in one event gives two values."""
    index = RuleIndex()
    index.add("r", {"a": {"b": ["2"]}, "c": ["z"]})
    assert index.match({"a": {"b": "1"}, "a.b": "2", "c": "z"}) == {"r"}


def test_matching_while_another_thread_writes() -> None:
    """Readers need no lock: a rule being added or removed is seen fully or not at all."""
    import threading

    index = RuleIndex()
    stable = {"account": ["1"], "detail": {"n": [{"numeric": [">", 0]}]}}
    index.add("stable", stable)
    event = {"account": "1", "detail": {"n": 5, "m": "x"}}
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                found = index.match(event)
                assert "stable" in found
                assert found <= {"stable", "churn", "absent"}
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for i in range(300):
            index.add("churn", {"account": ["1"], "detail": {"n": [{"numeric": ["<", 10 + i]}]}})
            index.add("absent", {"detail": {"m": [{"exists": False}], "n": [5]}})
            index.remove("churn")
            index.remove("absent")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert index.match(event) == {"stable"}


# -- the paths of the walk: targets, buckets, inline prefixes, compound keys ------------


def _expected(rules: dict[str, Any], event: dict[str, Any]) -> set[str]:
    return {rule_id for rule_id, rule in rules.items() if compile_pattern(rule).matches(event)}


def test_a_leaf_that_gains_and_loses_transitions() -> None:
    """A state's parent holds its rule ids while it is a leaf and the state itself once it
    has transitions; both swaps keep every rule's answer."""
    index = RuleIndex()
    rules: dict[str, Any] = {"leaf": {"a": ["x"]}}
    index.add("leaf", rules["leaf"])
    deeper = {"a": ["x"], "b": [{"prefix": "y"}]}
    events = [{"a": "x"}, {"a": "x", "b": "yes"}, {"a": "x", "b": "no"}, {"b": "yes"}]
    for step in ("add", "add same end", "remove deeper", "remove same end"):
        if step == "add":
            rules["deeper"] = deeper
            index.add("deeper", deeper)
        elif step == "add same end":
            rules["twin"] = {"a": ["x"]}
            index.add("twin", rules["twin"])
        elif step == "remove deeper":
            del rules["deeper"]
            index.remove("deeper")
        else:
            del rules["twin"]
            index.remove("twin")
        for event in events:
            assert index.match(event) == _expected(rules, event), (step, event)
    index.remove("leaf")
    assert index._root.edges is None


def test_several_targets_under_one_key() -> None:
    """OR'ed exact values and overlapping operators put several targets under one key."""
    rules: dict[str, Any] = {
        "x": {"a": ["x"], "b": ["1"]},
        "xy": {"a": ["x", "y"], "b": ["1"]},
        "x-deeper": {"a": ["x"], "b": ["1"], "c": [{"prefix": "p"}]},
        "prefix-p": {"c": [{"prefix": "p"}]},
        "prefix-pq": {"c": [{"prefix": "pq"}, "pqr"]},
        "exact-pqr": {"c": ["pqr"], "d": [{"exists": True}]},
        "wild-1": {"c": [{"wildcard": "p*r"}]},
        "wild-2": {"c": [{"wildcard": "p*q*"}]},
        "range-1": {"n": [{"numeric": [">", 0, "<", 10]}]},
        "range-2": {"n": [{"numeric": [">=", 5]}]},
        "range-3": {"n": [{"numeric": [">=", 5]}], "a": ["x"]},
    }
    index = RuleIndex()
    for rule_id, rule in rules.items():
        index.add(rule_id, rule)
    events: list[dict[str, Any]] = [
        {"a": "x", "b": "1", "c": "pqr", "d": 0, "n": 5},
        {"a": "y", "b": "1", "c": "p", "n": 10},
        {"a": "x", "b": "1", "c": "", "n": 9.5},
        {"c": "pq", "n": -1},
        {"c": "pqr"},
    ]
    for event in events:
        assert index.match(event) == _expected(rules, event), event
    for rule_id in list(rules):
        index.remove(rule_id)
        del rules[rule_id]
        for event in events:
            assert index.match(event) == _expected(rules, event), (rule_id, event)


def test_prefixes_of_several_lengths_and_short_values() -> None:
    rules: dict[str, Any] = {f"p{n}": {"s": [{"prefix": "abcdefgh"[:n]}]} for n in (1, 3, 5, 8)}
    rules["both"] = {"s": ["abc", {"prefix": "ab"}]}  # two operators, one next state
    index = RuleIndex()
    for rule_id, rule in rules.items():
        index.add(rule_id, rule)
    for text in ("", "a", "ab", "abc", "abcd", "abcdefgh", "abcdefghij", "b"):
        assert index.match({"s": text}) == _expected(rules, {"s": text}), text
        event = {"s": [text, "zz"]}  # the walk over array elements
        assert index.match(event) == _expected(rules, event), text


def test_compound_key_with_a_missing_or_repeated_path() -> None:
    """A compound key needs every path once; a missing path finds nothing and a path
    with several values (nested and dotted) tries each combination."""
    rules: dict[str, Any] = {
        "ab": {"a": ["1"], "b": ["2"]},
        "ab-literal": {"a": ["1"], "b": [True]},
        "ab-number": {"a": ["1"], "b": [2]},
    }
    index = RuleIndex()
    for rule_id, rule in rules.items():
        index.add(rule_id, rule)
    for event in (
        {"a": "1"},
        {"a": "1", "b": "2"},
        {"a": "1", "b": True},
        {"a": "1", "b": 2.0},
        {"a": "1", "b": "9", "b.x": 1},
        {"a": {"x": 1}, "a.x": "1", "b": "2"},
    ):
        assert index.match(event) == _expected(rules, event), event
    nested_and_dotted: dict[str, Any] = {"x": {"a": "1"}, "x.a": "3", "b": "2"}
    index.add("xa", {"x": {"a": ["3"]}, "b": ["2"]})
    assert index.match(nested_and_dotted) == {"xa"}


def test_a_group_added_during_a_match_is_not_an_error() -> None:
    """A match reads the paths to collect once; a compound key over a path added after
    that finds nothing (the new rule is seen not at all) instead of failing."""
    from certherd.patterns.flatten import flatten
    from certherd.patterns.index import _event_number

    index = RuleIndex()
    index.add("old", {"a": ["x"]})
    wanted, blank = index._read
    index.add("new", {"a": ["x"], "z": ["1"]})
    event = {"a": "x", "z": "1"}
    values = flatten(event, wanted, _event_number).values
    assert index._walk_flat(values, blank) == {"old"}
    assert index.match(event) == {"old", "new"}


def test_buckets() -> None:
    from certherd.patterns._machine import Bucket, add_to, items_of, remove_from

    table: dict[str, Any] = {}
    add_to(table, "k", ("r1",))
    assert table["k"] == ("r1",) and type(table["k"]) is tuple
    add_to(table, "k", ("r2",))
    assert type(table["k"]) is Bucket and items_of(table["k"]) == (("r1",), ("r2",))
    remove_from(table, "k", ("r1",))  # by equality
    assert table["k"] == ("r2",) and type(table["k"]) is tuple
    with pytest.raises(ValueError):
        remove_from(table, "k", ("r3",))
    remove_from(table, "k", ("r2",))
    assert table == {}
