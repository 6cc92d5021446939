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

SOURCE = "Dagtilbudsportalen statistikfil"  # unless the row names its own
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
        self._i_year = columns.at("year") or 0
        self._year_column = columns.name("year")
        self._i_source = columns.at("source")
        self._clean_where: dict[tuple[str, str, str], tuple[int | None, int | None]] = {}
        # (indicator, column index, column name, values known good) of the
        # indicators in this file
        self._present: list[tuple[str, int, str, dict[str, float]]] = [
            (indicator, index, columns.header[index], {})
            for indicator in INDICATORS
            if (index := columns.at(indicator)) is not None
        ]

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return "aar" in keys and bool(keys & {"kommunekode", "kommune"} and keys & _INDICATOR_KEYS)

    def header_ok(self) -> bool:
        ok = super().header_ok()
        if not (self.columns.has("municipality") or self.columns.has("municipality_name")):
            self.ctx.log.add(problems.missing_column, "kommunekode")
            ok = False
        if not self._present:
            self.ctx.log.add(problems.missing_column, " | ".join(INDICATORS))
            ok = False
        return ok

    def figures(self) -> list[Figure]:
        return self._figures

    def read(self, row: int, cells: list[str]) -> None:
        municipality, year = self._where(row, cells)
        source = (cells[self._i_source].strip() if self._i_source is not None else "") or SOURCE
        for indicator, index, column, clean in self._present:
            text = cells[index].strip()
            if not text:
                continue  # an empty cell: this file says nothing about it
            value: float | Invalid | None = clean.get(text)
            if value is None:
                value = self._value(row, column, text, indicator, clean)
            if isinstance(value, Invalid) or municipality is None or year is None:
                continue
            key = (municipality, indicator, year)
            first = self._first_row.setdefault(key, row)
            if first != row:
                self.ctx.log.add(problems.duplicate_figure, row, column, text, first)
                continue
            self._figures.append(Figure(municipality, indicator, year, value, source))

    def _value(
        self, row: int, column: str, text: str, indicator: str, clean: dict[str, float]
    ) -> float | Invalid | None:
        # A text that passed without any problem passes again: remember it, so
        # the usual few hundred distinct values are each checked once.
        before = self.ctx.log.count
        value = checks.figure_value(self.ctx, row, column, text, indicator)
        if isinstance(value, float) and self.ctx.log.count == before and len(clean) < 10_000:
            clean[text] = value
        return value

    def _where(self, row: int, cells: list[str]) -> tuple[int | None, int | None]:
        """Municipality and year of the row; remembered per spelling, as the
        same few hundred recur on every row."""
        key = (
            self.cell(cells, "municipality"),
            self.cell(cells, "municipality_name"),
            cells[self._i_year],
        )
        known = self._clean_where.get(key)
        if known is not None:
            return known
        before = self.ctx.log.count
        municipality = self._municipality(row, cells)
        year = checks.year(self.ctx, row, self._year_column, cells[self._i_year].strip())
        if self.ctx.log.count == before and len(self._clean_where) < 10_000:
            self._clean_where[key] = (municipality, year)
        return municipality, year

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
