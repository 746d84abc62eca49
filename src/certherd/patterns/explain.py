"""Why a pattern does or does not match an event, in one line (for ``certherd pattern test``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certherd.patterns.matchers import Leaf
from certherd.patterns.pattern import (
    CompiledPattern,
    Failure,
    PatternInput,
    branch_failure,
    compile_pattern,
)

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True, slots=True)
class Explanation:
    """The verdict; ``reason`` names the first field path that failed and why (``None``
    when the pattern matched), e.g. ``detail.Action: "RENEWAL" does not match ["IMPORT"]``."""

    matched: bool
    reason: str | None = None


def _show(value: Leaf) -> str:
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < 2**53
    ):
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)


def _describe(failure: Failure) -> str:
    spec = failure.spec
    if spec is None:
        paths = ", ".join(s.path for s in failure.specs)
        return f"{paths}: the matching values are in different elements of the same array"
    if failure.reason == "missing":
        return f"{spec.path}: field is missing, does not match {spec.source}"
    values = failure.values
    shown = _show(values[0]) if len(values) == 1 else "[" + ", ".join(map(_show, values)) + "]"
    return f"{spec.path}: {shown} does not match {spec.source}"


def _progress(branch_size: int, failure: Failure, specs: list[Any]) -> int:
    if failure.spec is None:
        return branch_size
    return specs.index(failure.spec)


def explain(
    pattern: PatternInput | CompiledPattern, event: Mapping[str, Any] | str | bytes
) -> Explanation:
    """Match ``event`` against ``pattern`` and say why not.

    With ``$or``, the reason comes from the alternative that got furthest (the first such
    one). Raises :class:`~certherd.patterns.errors.PatternError` for an invalid pattern and
    :class:`~certherd.patterns.errors.InvalidEventError` for an event that is not a JSON
    object.
    """
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
    fields = compiled.flatten(event)
    best: tuple[int, Failure] | None = None
    for branch in compiled.branches:
        failure = branch_failure(branch, fields)
        if failure is None:
            return Explanation(True)
        specs = list(branch.values())
        progress = _progress(len(specs), failure, specs)
        if best is None or progress > best[0]:
            best = (progress, failure)
    assert best is not None
    return Explanation(False, _describe(best[1]))
