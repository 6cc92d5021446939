"""Alembic glue shared by every service's migrations/env.py."""

from __future__ import annotations

import os

from alembic import context, op
from sqlalchemy import MetaData, pool

from dagkit.db import make_engine
from dagkit.tables import add_kit_tables


def run_migrations(target_metadata: MetaData, default_url: str | None = None) -> None:
    """Body of env.py: migrate the database named by the Alembic config's
    ``sqlalchemy.url`` (set by the service's migrate entrypoint)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL") or default_url
    if not url:
        raise RuntimeError("no database URL for migrations")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # render_as_batch lets ALTERs work on SQLite too.
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_kit_tables() -> None:
    """For a service's first migration: the outbox, inbox and version tables."""
    metadata = MetaData()
    add_kit_tables(metadata)
    metadata.create_all(bind=op.get_bind())


def drop_kit_tables() -> None:
    metadata = MetaData()
    add_kit_tables(metadata)
    metadata.drop_all(bind=op.get_bind())
