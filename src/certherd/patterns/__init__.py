"""The event-pattern language: EventBridge patterns, SNS filter policies, input transformers.

A pattern written for AWS means the same thing here, and a pattern AWS rejects is
rejected here with AWS's reason (spec sections 2.2, 2.3, 2.5 and 3.6). Patterns are
validated once, when compiled; many of them can be matched at once with a
:class:`RuleIndex`, whose cost grows with the event, not with the number of rules. The
package uses only the standard library (and ``certherd.errors``).

Match one pattern::

    >>> from certherd.patterns import compile_pattern
    >>> pattern = compile_pattern(
    ...     '{"source": ["aws.acm"], "detail": {"DaysToExpiry": [{"numeric": ["<=", 30]}]}}'
    ... )
    >>> pattern.matches({"source": "aws.acm", "detail": {"DaysToExpiry": 12}})
    True
    >>> pattern.matches('{"source": "aws.acm", "detail": {"DaysToExpiry": 45}}')
    False

Numbers compare as numbers, and every operator of EventBridge is there::

    >>> compile_pattern({"size": [300]}).matches({"size": 300.0})
    True
    >>> wildcard = compile_pattern({"name": [{"wildcard": "*.example.com"}]})
    >>> wildcard.matches({"name": "api.example.com"})
    True

Invalid patterns raise :class:`PatternError`; its message is AWS's reason::

    >>> from certherd.patterns import PatternError
    >>> try:
    ...     compile_pattern({"detail": {"state": "running"}})
    ... except PatternError as error:
    ...     print(error)
    "state" must be an object or an array

Many rules at once::

    >>> from certherd.patterns import RuleIndex
    >>> index = RuleIndex()
    >>> index.add("renewed", {"detail-type": ["ACM Certificate Available"],
    ...                       "detail": {"Action": ["RENEWAL"]}})
    >>> index.add("expiring", {"detail": {"DaysToExpiry": [{"numeric": ["<", 15]}]}})
    >>> sorted(index.match({"detail-type": "ACM Certificate Available",
    ...                     "detail": {"Action": "RENEWAL", "DaysToExpiry": 10}}))
    ['expiring', 'renewed']
    >>> index.remove("expiring")
    True

Why a pattern does not match (what ``certherd pattern test`` prints)::

    >>> from certherd.patterns import explain
    >>> explain({"detail": {"Action": ["IMPORT"]}}, {"detail": {"Action": "RENEWAL"}})
    Explanation(matched=False, reason='detail.Action: "RENEWAL" does not match ["IMPORT"]')

SNS filter policies, on message attributes (default) or on the message body::

    >>> from certherd.patterns import compile_filter_policy
    >>> policy = compile_filter_policy(
    ...     {"store": ["example_corp"], "price": [{"numeric": [">", 10]}]}
    ... )
    >>> policy.matches(attributes={"store": {"Type": "String", "Value": "example_corp"},
    ...                            "price": {"Type": "Number", "Value": "12.5"}})
    True
    >>> body_policy = compile_filter_policy({"order": {"status": ["paid"]}}, scope="MessageBody")
    >>> body_policy.matches(body='{"order": {"status": "paid"}}')
    True

What a target receives (``Input``, ``InputPath`` or ``InputTransformer``)::

    >>> from certherd.patterns import transform_input
    >>> event = {"detail": {"instance-id": "i-0123456789", "state": "RUNNING"}}
    >>> transform_input(event, input_transformer={
    ...     "InputPathsMap": {"instance": "$.detail.instance-id", "state": "$.detail.state"},
    ...     "InputTemplate": '"instance <instance> is in <state>"'})
    '"instance i-0123456789 is in RUNNING"'
    >>> transform_input(event, input_transformer={
    ...     "InputPathsMap": {"instance": "$.detail.instance-id", "state": "$.detail.state"},
    ...     "InputTemplate": '{"instance": <instance>, "state": [9, <state>, true]}'})
    '{"instance":"i-0123456789","state":[9,"RUNNING",true]}'
    >>> transform_input(event, input_path="$.detail.state")
    '"RUNNING"'
"""

from __future__ import annotations

from certherd.patterns.errors import (
    FilterPolicyError,
    InputTransformError,
    InvalidEventError,
    PatternError,
)
from certherd.patterns.explain import Explanation, explain
from certherd.patterns.filter_policy import FilterPolicy, compile_filter_policy
from certherd.patterns.index import RuleIndex
from certherd.patterns.pattern import (
    MAX_COMBINATIONS,
    MAX_PATTERN_LENGTH,
    CompiledPattern,
    compile_pattern,
)
from certherd.patterns.transform import TargetInput, compile_target_input, transform_input

__all__: list[str] = [
    "MAX_COMBINATIONS",
    "MAX_PATTERN_LENGTH",
    "CompiledPattern",
    "Explanation",
    "FilterPolicy",
    "FilterPolicyError",
    "InputTransformError",
    "InvalidEventError",
    "PatternError",
    "RuleIndex",
    "TargetInput",
    "compile_filter_policy",
    "compile_pattern",
    "compile_target_input",
    "explain",
    "transform_input",
]
