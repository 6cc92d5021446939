"""Where the tests' Kafka, PostgreSQL and Redis come from.

In order: the address in the environment (``KAFKA_BOOTSTRAP_SERVERS``,
``DATABASE_URL``, ``REDIS_URL``); else a testcontainer when a Docker engine
answers; else the local servers that ``deploy/local/up`` provisions. A test
never skips because a server is missing: if none can be had, it fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def docker_engine_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _find_local_up() -> Path:
    for base in [Path.cwd(), *Path.cwd().parents]:
        candidate = base / "deploy" / "local" / "up"
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        "no KAFKA_BOOTSTRAP_SERVERS/DATABASE_URL/REDIS_URL, no Docker engine, "
        "and no deploy/local/up above the working directory"
    )


def local_infra_env() -> dict[str, str]:
    """Run deploy/local/up (idempotent) and read the addresses it wrote."""
    up = _find_local_up()
    subprocess.run(["bash", str(up)], check=True)  # noqa: S603, S607 - our own script
    env_file = up.parent.parent.parent / ".local" / "env"
    values: dict[str, str] = {}
    for line in env_file.read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = value
    return values


class Infrastructure:
    """Resolves each server once per test session."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._local: dict[str, str] | None = None
        self._docker: bool | None = None

    def close(self) -> None:
        self._stack.close()

    def _use_docker(self) -> bool:
        if self._docker is None:
            self._docker = docker_engine_available()
        return self._docker

    def _local_value(self, name: str) -> str:
        if self._local is None:
            self._local = local_infra_env()
        return self._local[name]

    def kafka_bootstrap(self) -> str:
        if value := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            return value
        if self._use_docker():
            from testcontainers.community.kafka import KafkaContainer

            container = self._stack.enter_context(KafkaContainer().with_kraft())
            return str(container.get_bootstrap_server())
        return self._local_value("LOCAL_KAFKA_BOOTSTRAP_SERVERS")

    def postgres_url(self) -> str:
        """A URL to a database on the server with a role that may CREATE DATABASE."""
        if value := os.environ.get("DATABASE_URL"):
            if not value.startswith("postgresql"):
                raise RuntimeError("DATABASE_URL for the tests must point at PostgreSQL")
            return value
        if self._use_docker():
            from testcontainers.community.postgres import PostgresContainer

            container = self._stack.enter_context(PostgresContainer("postgres:16"))
            return str(container.get_connection_url(driver="psycopg"))
        return self._local_value("LOCAL_POSTGRES_URL") + "/postgres"

    def redis_url(self) -> str:
        if value := os.environ.get("REDIS_URL"):
            return value
        if self._use_docker():
            from testcontainers.community.redis import RedisContainer

            container = self._stack.enter_context(RedisContainer())
            host = container.get_container_host_ip()
            port = container.get_exposed_port(6379)
            return f"redis://{host}:{port}/0"
        return self._local_value("LOCAL_REDIS_URL")


@contextmanager
def infrastructure() -> Iterator[Infrastructure]:
    infra = Infrastructure()
    try:
        yield infra
    finally:
        infra.close()


def redis_database(url: str, index: int) -> str:
    """``url`` pointing at Redis database ``index`` instead: tests and benches
    that run servers side by side give each its own database to empty."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{index}"))
