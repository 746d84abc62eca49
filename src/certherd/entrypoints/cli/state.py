"""What the root callback collects for the commands: connection options and output format.

The root callback stores a :class:`State` as ``ctx.obj``; a command gets it with
:func:`state_of`, asks it for the :class:`ApiClient` (built on first use, closed when the
command ends) and for the output format (its own ``--output`` wins over the global one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from certherd.entrypoints.cli.client import ApiClient
from certherd.entrypoints.cli.connection import resolve_connection
from certherd.entrypoints.cli.output import OutputFormat

__all__ = ["State", "state_of"]


@dataclass
class State:
    url: str | None = None
    token: str | None = None
    token_source: str = "--token"  # noqa: S105 - the option's name, not a token
    data_dir: Path | None = None
    account: str | None = None
    output: OutputFormat = OutputFormat.table
    _client: ApiClient | None = field(default=None, repr=False)

    def client(self, ctx: typer.Context) -> ApiClient:
        """The API client, built once; raises CliError when no connection can be made."""
        if self._client is None:
            connection = resolve_connection(
                url=self.url,
                token=self.token,
                token_source=self.token_source,
                data_dir=self.data_dir,
            )
            self._client = ApiClient(connection, account=self.account)
            ctx.find_root().call_on_close(self._close)
        return self._client

    def format(self, override: OutputFormat | None) -> OutputFormat:
        return override or self.output

    def json(self, override: OutputFormat | None) -> bool:
        return self.format(override) is OutputFormat.json

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def state_of(ctx: typer.Context) -> State:
    """The State the root callback stored (a default one when a sub-app runs on its own)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj
