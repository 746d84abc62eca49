"""Alembic environment of certherd's schema.

At run time :mod:`certherd.adapters.db.migrate` configures Alembic in code and hands
over an open connection (in a transaction) through ``config.attributes["connection"]``.
To write a new revision, a developer may instead point an ad-hoc alembic.ini at this
folder (``script_location``) with a ``sqlalchemy.url`` and run ``alembic revision
--autogenerate``; the engine is then built with certherd's own ``create_engine``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from certherd.adapters.db.schema import metadata


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "no connection in config.attributes['connection'] and no sqlalchemy.url set"
        )
    from certherd.adapters.db.engine import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            _configure_and_run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("certherd's migrations run online only (against a connection)")
_run()
