"""The portal's own statistics file: one row per municipality and year, one
column per indicator (named by the indicator keys)."""

from __future__ import annotations

from dagtilbud_contracts.vocabulary import INDICATORS
from ingest.domain.model import DatasetKind, Figure

from . import checks, problems
from .base import FormatReader
from .checks import Context, Invalid
from .columns import Columns, col
from .text import header_key

DEFAULT_SOURCE = "Dagtilbudsportalen statistikfil"
_INDICATOR_KEYS = {header_key(indicator) for indicator in INDICATORS}


class PortalStatistics(FormatReader):
    name = "portal_statistics"
    kind = DatasetKind.STATISTICS
    spec = (
        col("municipality", "kommunekode", required=False),
        col("municipality_name", "kommune", required=False),
        col("year", "aar"),
        col("source", "kilde", required=False),
        *(col(indicator, required=False) for indicator in INDICATORS),
    )

    def __init__(self, columns: Columns, ctx: Context) -> None:
        super().__init__(columns, ctx)
        self._figures: list[Figure] = []
        self._first_row: dict[tuple[int, str, int], int] = {}
        # (indicator, column index, column name) of the indicators in this file
        self._present = [
            (indicator, index, columns.header[index])
            for indicator in INDICATORS
            if (index := columns.at(indicator)) is not None
        ]

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return "aar" in keys and bool(keys & {"kommunekode", "kommune"} and keys & _INDICATOR_KEYS)

    def header_ok(self) -> bool:
        ok = super().header_ok()
        if not (self.columns.has("municipality") or self.columns.has("municipality_name")):
            self.ctx.log.add(problems.missing_column("kommunekode"))
            ok = False
        if not self._present:
            self.ctx.log.add(problems.missing_column(" | ".join(INDICATORS)))
            ok = False
        return ok

    def figures(self) -> list[Figure]:
        return self._figures

    def read(self, row: int, cells: list[str]) -> None:
        municipality = self._municipality(row, cells)
        year = checks.year(self.ctx, row, self.columns.name("year"), self.cell(cells, "year"))
        source = self.cell(cells, "source") or DEFAULT_SOURCE
        for indicator, index, column in self._present:
            text = cells[index].strip()
            if not text:
                continue  # an empty cell: this file says nothing about it
            value = checks.figure_value(self.ctx, row, column, text, indicator)
            if isinstance(value, Invalid) or municipality is None or year is None:
                continue
            key = (municipality, indicator, year)
            first = self._first_row.setdefault(key, row)
            if first != row:
                self.ctx.log.add(problems.duplicate_figure(row, column, text, first))
                continue
            self._figures.append(Figure(municipality, indicator, year, value, source))

    def _municipality(self, row: int, cells: list[str]) -> int | None:
        code_text = self.cell(cells, "municipality")
        name_text = self.cell(cells, "municipality_name")
        if code_text or not name_text:
            field = "municipality" if self.columns.has("municipality") else "municipality_name"
            code = checks.municipality(
                self.ctx, row, self.columns.name(field), self.cell(cells, field)
            )
            if code is not None and field == "municipality":
                checks.municipality_name_agrees(
                    self.ctx, row, self.columns.name("municipality_name"), name_text, code
                )
            return code
        return checks.municipality(self.ctx, row, self.columns.name("municipality_name"), name_text)
