from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent))

import kitprocs
from kithelpers import Proc

from dagkit.db import make_engine


@pytest.fixture
def kit_engine(pg_database: str) -> Iterator[Engine]:
    engine = make_engine(pg_database)
    kitprocs.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def procs() -> Iterator[Callable[..., Proc]]:
    started: list[Proc] = []

    def start(*args: str) -> Proc:
        proc = Proc(*args)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        tail = proc.output()[-3000:]
        proc.close()
        if tail.strip():
            print(f"--- output of {proc.popen.args[2:]}:\n{tail}")
