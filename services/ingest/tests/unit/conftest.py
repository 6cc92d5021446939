"""Unit tests: use cases on the in-memory fakes and the domain's rules on
their own. No database, broker or cache; files only in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.adapters.reference_files import load_reference
from ingest.domain.reference import ReferenceData
from ingest.service_layer.context import IngestContext
from ingest.testing.fakes import FakeIngestUnitOfWork, fake_context
from ingest.testing.helpers import REFERENCE_DIR, register_rows


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference(REFERENCE_DIR)


@pytest.fixture(scope="session")
def national_rows() -> list[dict[str, str]]:
    """The shipped register's rows (a test copies what it changes)."""
    return register_rows()


@pytest.fixture
def fake(reference: ReferenceData, tmp_path: Path) -> tuple[IngestContext, FakeIngestUnitOfWork]:
    return fake_context(reference, tmp_path / "work")
