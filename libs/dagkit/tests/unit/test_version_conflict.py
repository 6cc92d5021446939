"""The consumer's optimistic check of aggregate versions, on SQLite."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from dagkit.consumer import ConsumerRunner, VersionConflictError
from dagkit.db import make_engine, make_session_factory
from dagkit.testing.sample_service import RETRY, SPEC, kit, metadata


def test_on_sqlite_a_version_moved_by_another_consumer_is_a_conflict(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    metadata.create_all(engine)
    versions = kit.aggregate_versions
    with engine.begin() as conn:
        conn.execute(insert(versions).values(consumer_group="g", topic="t", subject="A", version=1))
    # Only the database side of the runner is used.
    runner = ConsumerRunner.from_spec(
        replace(SPEC, topics=("t",), group="g"),
        session_factory=make_session_factory(engine),
        consumer=None,
        dlq_producer=None,
        retry=RETRY,
    )
    factory = make_session_factory(engine)
    # This consumer read version 1; another one moved it to 2 meanwhile.
    with engine.begin() as conn:
        conn.execute(versions.update().values(version=2))
    with factory() as session, session.begin(), pytest.raises(VersionConflictError):
        runner._write_versions(session, {("t", "A"): 1}, {("t", "A"): 2})
    with engine.connect() as conn:
        assert conn.execute(select(versions.c.version)).scalar_one() == 2
    engine.dispose()
