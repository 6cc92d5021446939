from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent))

from searchhelpers import SERVICE_ROOT

from dagkit.db import make_engine
from dagkit.migrations import upgrade


@pytest.fixture
def search_engine(pg_database: str) -> Iterator[Engine]:
    upgrade(SERVICE_ROOT, pg_database)
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()
