from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from dagkit.db import make_engine
from dagkit.testing import sample_service
from dagkit.testing.procs import Proc
from dagkit.testing.sample_service import SampleRig


@pytest.fixture
def kit_engine(pg_database: str) -> Iterator[Engine]:
    engine = make_engine(pg_database)
    sample_service.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def procs() -> Iterator[Callable[..., Proc]]:
    """Starts the sample service's processes; kills them after the test."""
    started: list[Proc] = []

    def start(*args: str) -> Proc:
        proc = sample_service.start(*args)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        tail = proc.output()[-3000:]
        proc.close()
        if tail.strip():
            print(f"--- output of {proc.args}:\n{tail}")


@pytest.fixture
def rig(
    kit_engine: Engine,
    pg_database: str,
    kafka_bootstrap: str,
    new_topic: Callable[..., str],
    procs: Callable[..., Proc],
) -> SampleRig:
    return SampleRig(kit_engine, pg_database, kafka_bootstrap, new_topic, procs)
