"""Fixtures for the file reader tests: the reference data and the sample files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.adapters.files import read_file
from ingest.domain.model import ParsedFile
from ingest.domain.reference import ReferenceData

REPO = Path(__file__).resolve().parents[4]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

Read = Callable[..., ParsedFile]


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return ReferenceData.load(REPO / "data")


@pytest.fixture
def read(reference: ReferenceData) -> Read:
    """Reads a fixture by name, or any path."""

    def _read(name: str | Path, **kwargs: Any) -> ParsedFile:
        path = name if isinstance(name, Path) else FIXTURES / name
        return read_file(path, reference=reference, **kwargs)

    return _read


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Writes a small file for one test: text (with encoding) or bytes."""

    def _write(text: str | bytes, name: str = "upload.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return _write
