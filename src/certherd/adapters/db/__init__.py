"""The database behind the repository ports: SQLAlchemy Core on SQLite (WAL) or PostgreSQL.

Modules:

- ``engine``: :func:`create_engine` (SQLite pragmas, ``BEGIN IMMEDIATE``; PostgreSQL
  pre-ping) and :func:`read_only` for connections that only read.
- ``column_types``: :class:`UtcDateTime`, instants stored in UTC, read back aware.
- ``tables``: the schema (``metadata``) the migrations create.
- ``migrate``: Alembic configured in code; :func:`upgrade` (safe from several processes),
  :func:`current_revision`. The revisions live in ``migrations/``.
- ``certificates_repo``, ``certificate_query``, ``certificate_rows``: certificates, their
  versions and tags, and the inventory's filtered keyset pages.
- ``authorities_repo``: private CAs with tags and permissions.
- ``records_repo``: secrets, issued-certificate records, CRLs, accounts, API tokens.
- ``unit_of_work``: :class:`SqlUnitOfWork`, one transaction over all repositories.

Nothing is imported here, so that importing one module does not load Alembic.
"""
