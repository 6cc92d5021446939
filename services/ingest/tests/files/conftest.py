"""Fixtures for the file reader tests: the reference data and the sample files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.adapters.files import read_file
from ingest.adapters.reference_files import load_reference
from ingest.domain.model import ParsedFile
from ingest.domain.reference import ReferenceData

REPO = Path(__file__).resolve().parents[4]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

Read = Callable[..., ParsedFile]
Problems = list[tuple[str, int | None, str | None, str | None]]
Figures = dict[tuple[int, str, int], float | None]


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference(REPO / "data")


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


@pytest.fixture
def read_text(read: Read, write: Callable[..., Path]) -> Read:
    """Reads a small file written for one test: the text (or bytes), then
    write's name and encoding, then read's keywords."""

    def _read_text(
        text: str | bytes, name: str = "upload.csv", encoding: str = "utf-8", **kwargs: Any
    ) -> ParsedFile:
        return read(write(text, name, encoding), **kwargs)

    return _read_text


@pytest.fixture
def where() -> Callable[[ParsedFile], Problems]:
    """A result's problems as (code, row, column, value), which is what most
    tests compare."""

    def _where(result: ParsedFile) -> Problems:
        return [(p.code, p.row, p.column, p.value) for p in result.problems]

    return _where


@pytest.fixture
def values() -> Callable[[ParsedFile], Figures]:
    """A result's figures by key: (municipality, indicator, year) -> value."""

    def _values(result: ParsedFile) -> Figures:
        return {f.key: f.value for f in result.figures}

    return _values
