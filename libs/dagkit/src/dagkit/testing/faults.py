"""Real faults for tests: a PostgreSQL database that refuses connections for a
while, a backend that is killed. They act on the server, not on mocks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


def _admin(database_url: str):  # type: ignore[no-untyped-def]
    # Another database on the same server: the one in trouble may refuse us.
    server = make_url(database_url).set(drivername="postgresql+psycopg", database="postgres")
    return create_engine(server, isolation_level="AUTOCOMMIT")


def terminate_backends(database_url: str, query_like: str | None = None) -> int:
    """Kill the server processes of the database (only those whose current or
    last query is LIKE ``query_like``, when given); returns how many."""
    name = make_url(database_url).database
    admin = _admin(database_url)
    try:
        with admin.connect() as conn:
            sql = (
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            )
            params = {"name": name}
            if query_like is not None:
                sql += " AND query ILIKE :like"
                params["like"] = query_like
            return int(conn.execute(text(sql), params).scalar_one())
    finally:
        admin.dispose()


@contextmanager
def database_outage(database_url: str) -> Iterator[None]:
    """While inside, the database refuses new connections and every open one
    is cut, as when its server restarts or the network to it fails."""
    name = make_url(database_url).database
    admin = _admin(database_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        terminate_backends(database_url)
        try:
            yield
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()
