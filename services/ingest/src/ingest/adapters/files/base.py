"""What every format reader has in common."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from ingest.domain.model import DatasetKind, Figure, Institution

from .checks import Context
from .columns import Column, Columns


class FormatReader(ABC):
    """Reads the rows of one format; created once per file."""

    name: ClassVar[str]
    kind: ClassVar[DatasetKind]
    spec: ClassVar[tuple[Column, ...]]
    table_id: ClassVar[str | None] = None  # DST's table id, for kind hints

    def __init__(self, columns: Columns, ctx: Context) -> None:
        self.columns = columns
        self.ctx = ctx

    @classmethod
    @abstractmethod
    def recognises(cls, keys: set[str]) -> bool:
        """Whether a header with these keys (text.header_key) is this format."""

    def header_ok(self) -> bool:
        """Reports header problems; False when rows cannot be read at all."""
        self.columns.report(self.ctx.log)
        return not self.columns.missing

    def cell(self, cells: list[str], field: str) -> str:
        index = self.columns.at(field)
        return cells[index].strip() if index is not None else ""

    @abstractmethod
    def read(self, row: int, cells: list[str]) -> None:
        """One data row with exactly one cell per column."""

    def institutions(self) -> list[Institution]:
        return []

    def figures(self) -> list[Figure]:
        return []
