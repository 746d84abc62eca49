"""Resource tags with ACM's rules: up to 50, keys 1-128, values 0-256 characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from certherd.errors import LimitExceededError, ValidationError

MAX_TAGS = 50
_EXTRA_TAG_CHARS = frozenset("_.:/=+-@")


@dataclass(frozen=True)
class Tag:
    key: str
    value: str = ""


def _allowed(text: str) -> bool:
    # ACM's pattern is [\p{L}\p{Z}\p{N}_.:/=+\-@]*: letters, separators, numbers, a few marks.
    for ch in text:
        if ch in _EXTRA_TAG_CHARS:
            continue
        if unicodedata.category(ch)[0] not in ("L", "Z", "N"):
            return False
    return True


def validate_tag(tag: Tag, *, field: str = "Tags") -> Tag:
    """Return ``tag`` when its key and value follow ACM's rules, else raise ValidationError."""
    if not isinstance(tag.key, str) or not 1 <= len(tag.key) <= 128:
        raise ValidationError("tag keys must be 1 to 128 characters", field=f"{field}.Key")
    if tag.key.lower().startswith("aws:"):
        raise ValidationError("tag keys starting with 'aws:' are reserved", field=f"{field}.Key")
    if not _allowed(tag.key):
        raise ValidationError(
            f"tag key {tag.key!r} may hold only letters, numbers, spaces and _.:/=+-@",
            field=f"{field}.Key",
        )
    if not isinstance(tag.value, str) or len(tag.value) > 256:
        raise ValidationError("tag values must be at most 256 characters", field=f"{field}.Value")
    if not _allowed(tag.value):
        raise ValidationError(
            f"tag value for {tag.key!r} may hold only letters, numbers, spaces and _.:/=+-@",
            field=f"{field}.Value",
        )
    return tag


def validate_tags(tags: Iterable[Tag], *, field: str = "Tags") -> tuple[Tag, ...]:
    """Validate a set of tags: each tag's rules, no duplicate keys, at most 50."""
    result = tuple(validate_tag(t, field=field) for t in tags)
    keys = [t.key for t in result]
    if len(set(keys)) != len(keys):
        raise ValidationError("tag keys must be unique", field=field)
    if len(result) > MAX_TAGS:
        raise LimitExceededError(f"at most {MAX_TAGS} tags are allowed", field=field)
    return result


def merge_tags(existing: Iterable[Tag], added: Iterable[Tag]) -> tuple[Tag, ...]:
    """Tags after adding ``added`` (a key present already takes the new value)."""
    merged: dict[str, str] = {t.key: t.value for t in existing}
    for t in validate_tags(added):
        merged[t.key] = t.value
    return validate_tags(Tag(k, v) for k, v in merged.items())


def remove_tags(existing: Iterable[Tag], removed: Iterable[Tag]) -> tuple[Tag, ...]:
    """Tags after removing ``removed``; a tag given with a value goes only if the value matches."""
    drop = {(t.key, t.value if t.value else None) for t in removed}
    return tuple(t for t in existing if (t.key, None) not in drop and (t.key, t.value) not in drop)


def tags_from_mapping(data: Mapping[str, str]) -> tuple[Tag, ...]:
    return tuple(Tag(k, v) for k, v in data.items())
