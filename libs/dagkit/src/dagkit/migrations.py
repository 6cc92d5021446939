"""Alembic glue shared by every service's migrations/env.py."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool

from dagkit.db import make_engine
from dagkit.tables import add_kit_tables, service_metadata


def run_migrations(target_metadata: MetaData) -> None:
    """Body of env.py: migrate the database named by the Alembic config's
    ``sqlalchemy.url`` (set by the service's migrate entrypoint)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
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
    metadata = service_metadata()
    add_kit_tables(metadata)
    metadata.create_all(bind=op.get_bind())


def drop_kit_tables() -> None:
    metadata = service_metadata()
    add_kit_tables(metadata)
    metadata.drop_all(bind=op.get_bind())


def alembic_config(service_root: Path, url: str) -> Config:
    """Programmatic Alembic config for a service whose history is in
    ``<service_root>/migrations``."""
    config = Config()
    config.set_main_option("script_location", str(service_root / "migrations"))
    # configparser treats % as interpolation; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(service_root: Path, url: str) -> None:
    command.upgrade(alembic_config(service_root, url), "head")


def check(service_root: Path, url: str) -> None:
    """Raise if the models and the migration history disagree."""
    command.check(alembic_config(service_root, url))
