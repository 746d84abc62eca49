"""Commands that run on the server's machine rather than through the API: ``serve``,
``db upgrade`` and ``keys rotate``.

``serve`` starts the API by its import string, so the CLI never imports the API package
(the entrypoints stay independent); the heavy imports (uvicorn, SQLAlchemy, the composition
root) happen only inside the command that needs them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from certherd.entrypoints.cli.connection import settings_for
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.options import OutputOption
from certherd.entrypoints.cli.output import emit_json
from certherd.entrypoints.cli.state import state_of
from certherd.errors import CertherdError

__all__ = ["db_app", "keys_app", "serve"]

API_FACTORY = "certherd.entrypoints.api.app:app_from_environment"
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::"})  # noqa: S104 - only compared

db_app = typer.Typer(help="The database (on the server's machine).", no_args_is_help=True)
keys_app = typer.Typer(
    help="The key-encryption key (on the server's machine).", no_args_is_help=True
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        file_okay=False,
        help="Data directory (default: the global --data-dir, CERTHERD_DATA_DIR, or "
        "~/.local/share/certherd).",
        show_default=False,
    ),
]


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default CERTHERD_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on (default CERTHERD_PORT or 8600)."),
    ] = None,
    data_dir: DataDirOption = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="URL clients reach this server at; CRL distribution points in issued "
            "certificates name it (default CERTHERD_PUBLIC_URL, else http://HOST:PORT)."
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            help="Run on simulated time starting at this instant (ISO 8601, UTC), for "
            "demonstrations and `certherd lifecycle run` (default CERTHERD_NOW, else the "
            "system clock).",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Run the server: API, CRLs and workers, on one port.

    On its first start the server writes an admin token to <data dir>/credentials.json (0600)
    and says where.
    """
    del output  # accepted like everywhere; the server logs, it does not answer
    chosen_dir = data_dir or state_of(ctx).data_dir
    for variable, value in (
        ("CERTHERD_DATA_DIR", chosen_dir),
        ("CERTHERD_HOST", host),
        ("CERTHERD_PORT", port),
        ("CERTHERD_PUBLIC_URL", public_url),
        ("CERTHERD_NOW", now),
    ):
        if value is not None:
            os.environ[variable] = str(value)
    # Check the settings now, for a one-line error rather than a traceback from the factory,
    # and hand the app factory exactly what was checked: the data dir, host and port (and so
    # the public URL derived from them, which CRL URLs in certificates name).
    settings = settings_for(None)
    os.environ["CERTHERD_DATA_DIR"] = str(settings.data_dir)
    os.environ["CERTHERD_HOST"] = settings.host
    os.environ["CERTHERD_PORT"] = str(settings.port)
    if urlsplit(settings.public_url).hostname in _WILDCARD_HOSTS:
        typer.echo(
            f"warning: listening on {settings.host} with no public URL: issued certificates "
            f"will name CRLs under {settings.public_url}; set --public-url or "
            "CERTHERD_PUBLIC_URL to the address clients use",
            err=True,
        )
    import uvicorn

    uvicorn.run(API_FACTORY, factory=True, host=settings.host, port=settings.port)


@db_app.command()
def upgrade(
    ctx: typer.Context, data_dir: DataDirOption = None, output: OutputOption = None
) -> None:
    """Migrate the database to this version's schema (the server also does it on start)."""
    from certherd.adapters.db.engine import create_engine
    from certherd.adapters.db.migrate import current_revision
    from certherd.adapters.db.migrate import upgrade as migrate

    settings = settings_for(data_dir or state_of(ctx).data_dir)
    try:
        engine = create_engine(settings.database_url)
    except Exception as exc:  # a malformed URL, a missing driver: say so in one line
        raise CliError(
            f"cannot use the database {_shown_url(settings.database_url)}: {exc}"
        ) from None
    try:
        migrate(engine)
        revision = current_revision(engine)
    except CertherdError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("sqlalchemy"):
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise CliError(
                f"cannot migrate the database {_shown_url(settings.database_url)}: {reason}"
            ) from None
        raise
    finally:
        engine.dispose()
    if state_of(ctx).json(output):
        emit_json({"Revision": revision})
    else:
        typer.echo(f"database at revision {revision}")


@keys_app.command()
def rotate(ctx: typer.Context, data_dir: DataDirOption = None, output: OutputOption = None) -> None:
    """Rotate the key-encryption key and re-wrap every stored secret under the new one.

    With a key file, a new key replaces it; with CERTHERD_MASTER_KEY, give the next key in
    CERTHERD_NEW_MASTER_KEY and make it CERTHERD_MASTER_KEY afterwards. Restart running
    servers afterwards so that they load the new key.
    """
    from certherd.bootstrap import rotate_keys

    settings = settings_for(data_dir or state_of(ctx).data_dir)
    try:
        count = rotate_keys(settings)
    except CertherdError as exc:
        raise CliError(str(exc)) from None
    if state_of(ctx).json(output):
        emit_json({"Rewrapped": count})
    else:
        typer.echo(f"re-wrapped {count} secret{'' if count == 1 else 's'} under the new key")
        typer.echo("restart running certherd servers so that they load the new key", err=True)


def _shown_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"
