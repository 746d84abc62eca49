"""``certherd worker``: the workers alone (routing, lifecycle ticks, queue upkeep), on the
server's machine or any machine that reaches its database.

Run as many as you like against one PostgreSQL database, beside or instead of the workers
that ``certherd serve`` runs: they claim their rows, and the lifecycle ledger makes every
lifecycle event happen once.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from certherd.entrypoints.cli.admin import DataDirOption
from certherd.entrypoints.cli.connection import settings_for
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.state import state_of
from certherd.errors import CertherdError

__all__ = ["worker"]


def worker(ctx: typer.Context, data_dir: DataDirOption = None, output: OutputOption = None) -> None:
    """Run the workers in the foreground until interrupted (Ctrl-C or SIGTERM)."""
    del output  # accepted like everywhere; the worker logs, it does not answer
    from certherd.bootstrap import build
    from certherd.entrypoints.worker import build_worker

    settings = settings_for(data_dir or state_of(ctx).data_dir)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        container = build(settings)
    except CertherdError as exc:
        raise CliError(str(exc)) from None
    running = build_worker(container)
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        typer.echo(f"certherd worker: {signal.Signals(signum).name}, stopping", err=True)
        stopping.set()  # the loop below stops the worker after its current job

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        typer.echo(f"certherd worker: running on {settings.data_dir}", err=True)
        running.start()
        while not stopping.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        running.stop()
        container.close()
