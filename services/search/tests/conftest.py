from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from dagkit.db import make_engine
from dagkit.migrations import upgrade
from dagkit.testing.fixtures import temporary_database
from search.app import create_app
from search.bootstrap import build_context, context
from search.config import load_settings
from search.testing.events import (
    SERVICE_ROOT,
    apply_all,
    generated_profile_events,
    institution_events,
    statistics_events,
)


@pytest.fixture
def search_engine(pg_database: str) -> Iterator[Engine]:
    upgrade(SERVICE_ROOT, pg_database)
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def national_url(postgres_url: str) -> Iterator[str]:
    """A read model holding the whole national register, the statistics and
    generated profiles for a third of the institutions."""
    with temporary_database(postgres_url, "test_search") as url:
        upgrade(SERVICE_ROOT, url)
        register = institution_events()
        apply_all(
            url,
            [
                *register,
                *statistics_events(),
                *generated_profile_events([e.subject for e in register[::3]]),
            ],
        )
        yield url


@pytest.fixture
def make_search_app(
    kafka_bootstrap: str, redis_url: str, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """Builds the search app on a read model's database (searching at
    ``clock``'s time when given, the real time otherwise); closes it
    afterwards."""
    apps: list[Flask] = []

    def make(
        database_url: str,
        redis: str | None = None,
        clock: Callable[[], datetime] | None = None,
        **environ: str,
    ) -> Flask:
        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "DATA_DIR": str(tmp_path),
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "REDIS_URL": redis or redis_url,
                "LOG_LEVEL": "WARNING",
                **environ,
            }
        )
        app = create_app(settings, ctx=build_context(settings, clock=clock) if clock else None)
        apps.append(app)
        return app

    yield make
    for app in apps:
        context(app).close()
