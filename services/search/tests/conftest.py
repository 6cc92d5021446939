from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent))

from searchhelpers import SERVICE_ROOT

from dagkit.db import make_engine
from dagkit.migrations import upgrade
from search.app import create_app
from search.config import load_settings


@pytest.fixture
def search_engine(pg_database: str) -> Iterator[Engine]:
    upgrade(SERVICE_ROOT, pg_database)
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()


@pytest.fixture
def make_search_app(
    kafka_bootstrap: str, redis_url: str, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """Builds the search app on a read model's database; closes it afterwards."""
    apps: list[Flask] = []

    def make(database_url: str, redis: str | None = None) -> Flask:
        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "DATA_DIR": str(tmp_path),
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "REDIS_URL": redis or redis_url,
                "LOG_LEVEL": "WARNING",
            }
        )
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["search.engine"].dispose()
        app.extensions["search.redis"].close()
