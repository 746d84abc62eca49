"""The Prometheus text exposition format (version 0.0.4), written by hand.

Two gauges::

    certherd_certificate_expiry_timestamp_seconds{arn,common_name,type,status}  NotAfter
    certherd_certificates{status}                                             how many
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from certherd.services.certificate_reads import ExpiryPoint

__all__ = ["CONTENT_TYPE", "escape_label", "exposition"]

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
EXPIRY: Final = "certherd_certificate_expiry_timestamp_seconds"
COUNT: Final = "certherd_certificates"
_CHUNK_LINES: Final = 500


def escape_label(value: str) -> str:
    """A label value as the format wants it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{name}="{escape_label(value)}"' for name, value in pairs) + "}"


def _header(name: str, help_text: str) -> str:
    return f"# HELP {name} {help_text}\n# TYPE {name} gauge\n"


def exposition(points: Iterable[ExpiryPoint], counts: Mapping[str, int]) -> Iterator[str]:
    """The metrics page in chunks of a few hundred lines (for a streaming response)."""
    lines = [_header(EXPIRY, "When each certificate expires (its NotAfter), as a Unix timestamp.")]
    for point in points:
        labels = _labels(
            (
                ("arn", point.arn),
                ("common_name", point.domain_name),
                ("type", point.type.value),
                ("status", point.status.value),
            )
        )
        lines.append(f"{EXPIRY}{labels} {int(point.not_after.timestamp())}\n")
        if len(lines) >= _CHUNK_LINES:
            yield "".join(lines)
            lines = []
    lines.append(_header(COUNT, "How many certificates have each status."))
    for status, number in sorted(counts.items()):
        lines.append(f"{COUNT}{_labels((('status', status),))} {number}\n")
    yield "".join(lines)
