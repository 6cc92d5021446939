"""pytest fixtures for real Kafka, PostgreSQL and Redis (see dagkit.testing.infra),
kept out of the unit tests: a test under a ``tests/unit/`` directory runs on
fakes, and one that asks for the infrastructure fails before it starts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from dagkit.kafka import ensure_topics
from dagkit.testing.infra import Infrastructure

UNIT_TESTS_USE_FAKES = "unit tests use fakes, not infrastructure; move it to tests/"
_CURRENT_TEST = pytest.StashKey[pytest.Item]()


def is_unit_test(item: pytest.Item) -> bool:
    """Whether ``item`` lives under a ``tests/unit/`` directory."""
    parts = item.path.parts
    return any(parts[i : i + 2] == ("tests", "unit") for i in range(len(parts) - 1))


def _refuse(item: pytest.Item) -> None:
    pytest.fail(f"{item.nodeid}: {UNIT_TESTS_USE_FAKES}", pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unit: under tests/unit/, on fakes (make test-fast)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_unit_test(item):
            item.add_marker(pytest.mark.unit)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_CURRENT_TEST] = item
    # The closure holds every fixture the test needs, directly or through others.
    if is_unit_test(item) and "infrastructure" in getattr(item, "fixturenames", ()):
        _refuse(item)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> None:
    # Catches request.getfixturevalue("infrastructure"), which no closure shows,
    # when it starts the servers: always so when only unit tests run.
    item = request.config.stash.get(_CURRENT_TEST, None)
    if fixturedef.argname == "infrastructure" and item is not None and is_unit_test(item):
        _refuse(item)


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    infra = Infrastructure()
    yield infra
    infra.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(infrastructure: Infrastructure) -> str:
    return infrastructure.kafka_bootstrap()


@pytest.fixture(scope="session")
def postgres_url(infrastructure: Infrastructure) -> str:
    return infrastructure.postgres_url()


@pytest.fixture(scope="session")
def redis_url(infrastructure: Infrastructure) -> str:
    return infrastructure.redis_url()


@contextmanager
def temporary_database(server_url: str, prefix: str = "test") -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``server_url``; its URL
    is yielded and the database dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    with temporary_database(postgres_url) as url:
        yield url


def drop_database(admin: Engine, name: str, attempts: int = 10) -> None:
    """DROP ... WITH (FORCE) cannot end an autovacuum worker that happens to be
    in the database (it belongs to the superuser); wait for it and try again."""
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A Redis client on an emptied database."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def new_topic(kafka_bootstrap: str) -> Callable[..., str]:
    """Creates a topic with a unique name, so tests never see each other's events."""

    def create(prefix: str = "test", partitions: int = 6) -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:10]}"
        ensure_topics(kafka_bootstrap, [name], partitions=partitions)
        return name

    return create
