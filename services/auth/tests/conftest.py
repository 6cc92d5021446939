from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from auth.adapters.password_hashing import PasswordHasher
from auth.app import create_app
from auth.bootstrap import build_context, context
from auth.config import load_settings
from auth.domain.accounts import Account
from auth.entrypoints.migrate import SERVICE_ROOT
from auth.testing.doubles import MovableClock, make_account
from dagkit.migrations import upgrade

PASSWORD = "hestene spiser hø om vinteren"


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    """The service's own parameters (one hash or verify: about 30 ms)."""
    return PasswordHasher()


@pytest.fixture
def auth_database(pg_database: str) -> str:
    upgrade(SERVICE_ROOT, pg_database)
    return pg_database


@pytest.fixture
def auth_environ(
    auth_database: str,
    redis_client: redis.Redis,
    redis_url: str,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> dict[str, str]:
    """The environment of an auth app on a new database and an emptied Redis database."""
    return {
        "DATABASE_URL": auth_database,
        "DATA_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
    }


MakeApp = Callable[..., Flask]


@pytest.fixture
def make_auth_app(auth_environ: dict[str, str], hasher: PasswordHasher) -> Iterator[MakeApp]:
    """Builds the auth app (``clock``: the time its context acts at; other
    keywords: settings from the environment); closes it afterwards."""
    apps: list[Flask] = []

    def make(clock: Callable[[], datetime] | None = None, **environ: str) -> Flask:
        settings = load_settings({**auth_environ, **environ})
        ctx = build_context(settings, clock=clock or (lambda: datetime.now(UTC)), hasher=hasher)
        app = create_app(settings, ctx=ctx)
        apps.append(app)
        return app

    yield make
    for app in apps:
        context(app).close()


@pytest.fixture
def clock() -> MovableClock:
    """Starts at the real time, so tokens it issues are valid for real verifiers."""
    return MovableClock(datetime.now(UTC))


AddAccount = Callable[..., Account]


@pytest.fixture
def add_account(hasher: PasswordHasher) -> AddAccount:
    """Stores an account in ``app``'s database (an institution's, with
    PASSWORD, unless ``fields`` say otherwise) and returns it."""

    def add(app: Flask, **fields: Any) -> Account:
        ctx = context(app)
        fields.setdefault("password", PASSWORD)
        fields.setdefault("hasher", hasher)
        account = make_account(now=ctx.clock(), **fields)
        with ctx.uow() as uow:
            uow.accounts.add(account)
            uow.commit()
        return account

    return add
