"""Rendering answers: the API's JSON as it came (``--output json``) or Rich tables.

Days to expiry are coloured by urgency (:data:`EXPIRY_HELP` says how, for ``--help``):
expired is bold red, under 7 days red, under 30 yellow, under 45 (ACM's default expiry-event
window) cyan, and green beyond.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = [
    "EXPIRY_HELP",
    "OutputFormat",
    "authority_table",
    "certificate_table",
    "days_until",
    "describe",
    "emit_json",
    "expiry_style",
    "expiry_text",
    "show_tags",
    "status_style",
    "table",
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


#: (below this many days, style), checked in order; at or beyond the last: green.
EXPIRY_BANDS: Final = ((0, "bold red"), (7, "red"), (30, "yellow"), (45, "cyan"))
EXPIRY_HELP: Final = (
    "Days to expiry are coloured by urgency: expired bold red, under 7 days red, "
    "under 30 yellow, under 45 (the default expiry-event window) cyan, otherwise green."
)
_STATUS_STYLES: Final = {
    "ISSUED": "green",
    "ACTIVE": "green",
    "PENDING_VALIDATION": "yellow",
    "PENDING_CERTIFICATE": "yellow",
    "CREATING": "yellow",
    "INACTIVE": "dim",
    "DISABLED": "dim",
    "DELETED": "dim",
    "EXPIRED": "red",
    "REVOKED": "red",
    "FAILED": "red",
    "VALIDATION_TIMED_OUT": "red",
}
#: Width of tables when stdout is not a terminal (and COLUMNS is unset): wide enough that
#: ARNs are never folded in what scripts or pagers read.
_PIPE_WIDTH: Final = 240


def console() -> Console:
    """A console on the current stdout (looked up now, so test runners can swap it)."""
    wide = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    return Console(highlight=False, width=_PIPE_WIDTH if wide else None)


def emit_json(data: object) -> None:
    """Print ``data`` as indented JSON, exactly the values the API answered."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def expiry_style(days: int | None) -> str:
    """The Rich style for ``days`` to expiry (see :data:`EXPIRY_BANDS`)."""
    if days is None:
        return "dim"
    for below, style in EXPIRY_BANDS:
        if days < below:
            return style
    return "green"


def expiry_text(days: int | None) -> Text:
    """``days`` as a coloured cell: ``expired``, ``-`` when unknown, else the number."""
    if days is None:
        return Text("-", style="dim")
    shown = "expired" if days < 0 else str(days)
    return Text(shown, style=expiry_style(days))


def status_style(status: str | None) -> str:
    return _STATUS_STYLES.get(status or "", "")


def days_until(instant: str | None, now: datetime) -> int | None:
    """Whole days from ``now`` to an ISO 8601 ``instant`` (negative when past), or None."""
    if not instant:
        return None
    try:
        moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - now).total_seconds()
    return int(seconds // 86400)


def _cell(value: object) -> Text:
    if value is None or value == "":
        return Text("-", style="dim")
    if isinstance(value, Text):
        return value
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(str(value))


def table(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, fold: Sequence[str] = ()
) -> Table:
    """A plain table; columns named in ``fold`` fold rather than being cut."""
    result = Table(box=None, header_style="bold", pad_edge=False)
    for name in columns:
        result.add_column(name, overflow="fold" if name in fold else "ellipsis")
    for row in rows:
        result.add_row(*(_cell(value) for value in row))
    return result


def _status(value: object) -> Text:
    text = str(value) if value else "-"
    return Text(text, style=status_style(text))


def certificate_table(summaries: Iterable[Mapping[str, Any]]) -> Table:
    """Certificates (ACM CertificateSummary shape) one a row, soonest-relevant columns first."""
    rows = [
        (
            expiry_text(_int_or_none(item.get("DaysToExpiry"))),
            _status(item.get("Status")),
            item.get("Type"),
            item.get("KeyAlgorithm"),
            item.get("DomainName"),
            _date(item.get("NotAfter")),
            item.get("CertificateArn"),
        )
        for item in summaries
    ]
    columns = ("Days", "Status", "Type", "Key", "Domain", "Not after", "ARN")
    return table(columns, rows, fold=("Domain", "ARN"))


def authority_table(authorities: Iterable[Mapping[str, Any]], now: datetime) -> Table:
    """Certificate authorities one a row; days to expiry computed from NotAfter and ``now``."""
    rows = []
    for item in authorities:
        configuration = item.get("CertificateAuthorityConfiguration") or {}
        subject = configuration.get("Subject") or {}
        rows.append(
            (
                expiry_text(days_until(item.get("NotAfter"), now)),
                _status(item.get("Status")),
                item.get("Type"),
                configuration.get("KeyAlgorithm"),
                subject.get("CommonName"),
                _date(item.get("NotAfter")),
                item.get("Arn"),
            )
        )
    columns = ("Days", "Status", "Type", "Key", "Common name", "Not after", "ARN")
    return table(columns, rows, fold=("Common name", "ARN"))


def describe(item: Mapping[str, Any]) -> Text:
    """A readable key/value view of one resource, a line per value; nested objects become
    ``Outer.Inner`` keys. Empty values (None, empty lists and objects) are left out.
    """
    rows = _flatten(item)
    width = max((len(key) for key, _ in rows), default=0)
    view = Text()
    for index, (key, value) in enumerate(rows):
        if index:
            view.append("\n")
        view.append(key.ljust(width), style="bold")
        view.append("  ")
        view.append_text(_described(key, value))
    return view


def _described(key: str, value: object) -> Text:
    if key.endswith("DaysToExpiry"):
        return expiry_text(_int_or_none(value))
    if key.endswith("Status") and isinstance(value, str):
        return Text(value, style=status_style(value))
    return _cell(value)


def _flatten(item: Mapping[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in item.items():
        name = f"{prefix}{key}"
        if value is None or value == [] or value == {}:
            continue
        if isinstance(value, Mapping):
            rows.extend(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            rows.append((name, _joined(value)))
        else:
            rows.append((name, value))
    return rows


def _joined(values: list[Any]) -> str:
    shown = []
    for value in values:
        if isinstance(value, Mapping) and "Key" in value:  # tags
            tag = str(value["Key"])
            shown.append(tag if value.get("Value") in (None, "") else f"{tag}={value['Value']}")
        elif isinstance(value, Mapping) and "Name" in value:  # key usages
            shown.append(str(value["Name"]))
        elif isinstance(value, Mapping):
            shown.append(json.dumps(value, separators=(",", ":")))
        else:
            shown.append(str(value))
    return ", ".join(shown)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(value: object) -> str | None:
    """The date part of an ISO 8601 instant, for narrow table columns."""
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def show_tags(answer: Mapping[str, Any], *, as_json: bool) -> None:
    """Print an answer holding ``Tags``: the JSON, or a Key/Value table."""
    if as_json:
        emit_json(answer)
        return
    rows = [(tag.get("Key"), tag.get("Value")) for tag in answer.get("Tags") or []]
    if rows:
        console().print(table(("Key", "Value"), rows, fold=("Value",)))
    else:
        sys.stderr.write("no tags\n")


#: The detail fields that say what an event of the certificate manager was about.
_EVENT_FACTS = ("Action", "DaysToExpiry", "RenewalStatusReason", "RevocationReason")


def event_history_table(events: Iterable[Mapping[str, Any]]) -> Table:
    """Events as the API lists them (``/v1/events``), one row each: when, what, and the
    detail facts that matter (action, days to expiry, renewal failure reason)."""
    rows = []
    for item in events:
        detail = (item.get("Event") or {}).get("detail") or {}
        facts = ", ".join(f"{key} {detail[key]}" for key in _EVENT_FACTS if key in detail)
        rows.append((item.get("Time"), item.get("DetailType"), facts, item.get("EventId")))
    return table(["TIME", "EVENT", "FACTS", "EVENT ID"], rows, fold=["FACTS"])
