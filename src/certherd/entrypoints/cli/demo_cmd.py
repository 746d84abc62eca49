"""``certherd demo``: the renewal-alert scenario, played in this process for a first-time
user, step by step, with the commands that do the same against a server.

The demo never touches an installation: it ignores ``CERTHERD_*`` settings and the data
directory, and works on a data directory of its own in the system's temporary directory
(removed at the end unless ``--keep``), on a simulated clock, with no workers running: it
drives routing, delivery and the lifecycle itself (``demo_steps``). The composition root is
imported inside the command, as ``serve`` and ``worker`` do, so that other commands do not
pay for it.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.text import Text

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import console, emit_json
from certherd.entrypoints.cli.state import state_of
from certherd.errors import CertherdError

if TYPE_CHECKING:
    from certherd.entrypoints.cli.demo_steps import DemoOutcome, DemoStep, ShownMail

__all__ = ["demo"]

DEFAULT_EMAIL: Final = "ops@example.com"
_INDENT: Final = 4
_MAX_WIDTH: Final = 100


@dataclass(frozen=True)
class _Next:
    command: str
    what: str


def demo(
    ctx: typer.Context,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Keep the demo's data directory and say where it is."),
    ] = False,
    email: Annotated[
        str, typer.Option(metavar="ADDRESS", help="The address that subscribes to the alerts.")
    ] = DEFAULT_EMAIL,
    output: OutputOption = None,
) -> None:
    """Play the renewal-alert scenario in this process, in seconds, step by step: CAs, a
    certificate, an encrypted topic, an email subscription, a rule, a renewal that fails
    and the alert mail it sends. Needs no server; touches no data of yours.
    """
    json_output = state_of(ctx).json(output)
    _check_email(email)
    began = time.monotonic()
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    data_dir = Path(tempfile.mkdtemp(prefix="certherd-demo-"))
    steps: list[DemoStep] = []

    def show(step: DemoStep) -> None:
        steps.append(step)
        if not json_output:
            _print_step(step)

    with _terminated_as_exit():
        try:
            if not json_output:
                _print_intro(data_dir, start, keep=keep)
            outcome = _play(data_dir, start, email=email, show=show)
        finally:
            if not keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    elapsed = time.monotonic() - began
    if json_output:
        emit_json(_record(steps, outcome, data_dir, email=email, keep=keep, elapsed=elapsed))
    else:
        _print_summary(outcome, data_dir, email=email, keep=keep, elapsed=elapsed)


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """Within: SIGTERM ends the command as an exception would, so that the data directory
    is still removed (by default the process would end on the spot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_email(email: str) -> None:
    from certherd.domain.subscriptions import SubscriptionProtocol, check_endpoint
    from certherd.errors import ValidationError

    try:
        check_endpoint(SubscriptionProtocol.EMAIL, email, field="--email")
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint="--email") from None


def _play(
    data_dir: Path, start: datetime, *, email: str, show: Callable[[DemoStep], None]
) -> DemoOutcome:
    from certherd.bootstrap import build
    from certherd.config import load_settings
    from certherd.entrypoints.cli.demo_steps import RenewalAlertDemo

    try:
        # No environment: an installation's CERTHERD_DATABASE_URL must never be used here.
        settings = load_settings(
            env={}, overrides={"data_dir": data_dir, "now": start, "workers": False}
        )
        container = build(settings)
        try:
            return RenewalAlertDemo(container, email=email, show=show).play()
        finally:
            container.close()
    except CertherdError as exc:
        raise CliError(f"the demo stopped: {exc}") from None


# -- readable output ---------------------------------------------------------------------------


def _print_intro(data_dir: Path, start: datetime, *, keep: bool) -> None:
    out = console()
    out.print(Text("certherd demo: a renewal alert, end to end", style="bold"))
    kept = "kept afterwards (--keep)" if keep else "removed at the end; --keep keeps it"
    _paragraph(
        "Everything runs in this process, on a throw-away data directory "
        f"({data_dir}, {kept}) and a simulated clock starting {_instant(start)}. "
        "To follow along against a server, start one on simulated time and type the "
        "commands shown (ARNs and ids will differ):",
        indent=2,
    )
    out.print(_command(f"certherd serve --now {_instant(start)}"), soft_wrap=True)


def _print_step(step: DemoStep) -> None:
    from certherd.entrypoints.cli.demo_steps import STEP_COUNT

    out = console()
    out.print()
    heading = Text(f"{step.number:>2}/{STEP_COUNT}  ", style="bold cyan")
    heading.append(step.title, style="bold")
    out.print(heading)
    _paragraph(step.why, indent=_INDENT, style="dim")
    for command in step.commands:
        out.print(_command(command), soft_wrap=True)
    width = max((len(name) for name, _ in step.facts), default=0)
    for name, value in step.facts:
        lines = value if isinstance(value, tuple) else (value,)
        for index, line in enumerate(lines or ("-",)):
            label = name if index == 0 else ""
            row = Text(" " * _INDENT)
            row.append(label.ljust(width), style="bold")
            row.append("  ")
            row.append(line, style=_style(line))
            out.print(row, soft_wrap=True)
    if step.mail is not None:
        _print_mail(step.mail)


def _print_mail(mail: ShownMail) -> None:
    out = console()
    out.print()
    for header, value in (
        ("From", mail.sender),
        ("To", ", ".join(mail.recipients)),
        ("Subject", mail.subject),
    ):
        row = Text(" " * _INDENT + "| ")
        row.append(f"{header}: ", style="bold")
        row.append(value, style="bold" if header == "Subject" else "")
        out.print(row, soft_wrap=True)
    out.print(Text(" " * _INDENT + "|"))
    for line in mail.text.rstrip("\n").splitlines():
        out.print(Text(f"{' ' * _INDENT}| {line}".rstrip()), soft_wrap=True)


def _print_summary(
    outcome: DemoOutcome, data_dir: Path, *, email: str, keep: bool, elapsed: float
) -> None:
    out = console()
    out.print()
    reason = outcome.renewal_reason or "no reason recorded"
    _paragraph(
        f"Done in {elapsed:.1f} s. The certificate {outcome.certificate_arn} has "
        f"{outcome.days_to_expiry} days left and could not be renewed ({reason}); "
        f"the alert reached {email}'s mailbox.",
        indent=0,
        style="bold",
    )
    out.print()
    out.print(Text("What to try next", style="bold"))
    for item in _next_steps(outcome, data_dir, keep=keep):
        out.print(_command(item.command), soft_wrap=True)
        _paragraph(item.what, indent=_INDENT + 2, style="dim")
    out.print()
    if keep:
        out.print(Text(f"The demo's data directory is kept: {data_dir}"), soft_wrap=True)
    else:
        out.print(Text(f"The demo's data directory was removed: {data_dir}"), soft_wrap=True)


def _next_steps(outcome: DemoOutcome, data_dir: Path, *, keep: bool) -> list[_Next]:
    steps = [
        _Next(
            f"certherd serve --now {_instant(outcome.started_at)}",
            "the same against a server of your own, on simulated time (without --now it runs "
            "on the real clock); then `certherd topic list`, `certherd subscription list` and "
            "`certherd deliveries list` in another terminal",
        ),
        _Next(
            "certherd topic --help",
            "topics: attributes, policies, tags; `certherd subscription --help` for filter "
            "policies, raw delivery and dead-letter queues",
        ),
        _Next(
            "certherd mail relay set --host smtp.example.com --sender certherd@example.com",
            "send mail through your SMTP server instead of into the local mailbox",
        ),
        _Next(
            "certherd ca permission create CA_ARN --principal acm.amazonaws.com",
            "what fixes this renewal: the next attempt (30 days before expiry) then renews "
            "the certificate under the same ARN",
        ),
    ]
    if keep:
        steps.insert(
            0,
            _Next(
                f"certherd serve --data-dir {data_dir} --now {_instant(outcome.ended_at)}",
                "look around the demo's own data: the CAs, the certificate, the topic, the "
                "mailbox (`certherd --data-dir ... mailbox list`)",
            ),
        )
    return steps


def _paragraph(text: str, *, indent: int, style: str = "") -> None:
    """``text`` wrapped at the console's width (at most 100 columns), indented."""
    out = console()
    width = max(min(out.width, _MAX_WIDTH) - indent, 40)
    for line in textwrap.wrap(text, width=width, break_on_hyphens=False):
        out.print(Text(" " * indent + line, style=style), soft_wrap=True)


def _command(command: str) -> Text:
    text = Text(" " * _INDENT + "$ ", style="dim")
    text.append(command, style="green")
    return text


def _style(line: str) -> str:
    for word, style in (
        ("NO_PERMISSIONS", "red"),
        ("PCA_ACCESS_DENIED", "red"),
        ("FAILED", "red"),
        ("PENDING_CONFIRMATION", "yellow"),
        ("CONFIRMED", "green"),
        ("ACTIVE", "green"),
        ("ISSUED", "green"),
        ("ELIGIBLE", "green"),
    ):
        if word in line:
            return style
    return ""


# -- the JSON record ---------------------------------------------------------------------------


def _record(
    steps: list[DemoStep],
    outcome: DemoOutcome,
    data_dir: Path,
    *,
    email: str,
    keep: bool,
    elapsed: float,
) -> dict[str, Any]:
    return {
        "DataDir": str(data_dir),
        "Kept": keep,
        "Email": email,
        "Start": _instant(outcome.started_at),
        "End": _instant(outcome.ended_at),
        "CertificateArn": outcome.certificate_arn,
        "DaysToExpiry": outcome.days_to_expiry,
        "RenewalStatusReason": outcome.renewal_reason,
        "Steps": [_step_record(step) for step in steps],
        "Alert": _mail_record(outcome.alert),
        "NextSteps": [
            {"Command": item.command, "What": item.what}
            for item in _next_steps(outcome, data_dir, keep=keep)
        ],
        "ElapsedSeconds": round(elapsed, 3),
    }


def _step_record(step: DemoStep) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Step": step.number,
        "Title": step.title,
        "Why": step.why,
        "Commands": list(step.commands),
        "Result": {
            name: list(value) if isinstance(value, tuple) else value for name, value in step.facts
        },
    }
    if step.mail is not None:
        record["Mail"] = _mail_record(step.mail)
    return record


def _mail_record(mail: ShownMail) -> dict[str, Any]:
    return {
        "MailId": mail.id,
        "From": mail.sender,
        "To": list(mail.recipients),
        "Subject": mail.subject,
        "Text": mail.text,
    }


def _instant(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
