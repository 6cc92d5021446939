"""The portal's own statistics file: one row per municipality and year, one
column per indicator (named by the indicator keys)."""

from __future__ import annotations

from marshmallow import validate

from dagtilbud_contracts.statistics import FigureSchema
from dagtilbud_contracts.vocabulary import INDICATORS
from ingest.domain.model import DatasetKind, Figure

from . import checks, problems
from .base import FormatReader
from .checks import Context, Invalid
from .columns import Columns, col
from .text import header_key

SOURCE = "Dagtilbudsportalen statistikfil"  # unless the row names its own
# The event contract's limit for a figure's source, so a long kilde is
# reported here rather than breaking the published event.
SOURCE_MAX = next(
    v.max
    for v in FigureSchema().fields["source"].validators
    if isinstance(v, validate.Length) and v.max
)
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
        self._source_column = columns.name("source")
        self._sources: dict[str, str | None] = {}
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
        source = self._source(row, cells)
        for indicator, index, column, clean in self._present:
            text = cells[index].strip()
            if not text:
                continue  # an empty cell: this file says nothing about it
            value: float | Invalid | None = clean.get(text)
            if value is None:
                value = self._value(row, column, text, indicator, clean)
            if isinstance(value, Invalid) or municipality is None or year is None or not source:
                continue
            key = (municipality, indicator, year)
            first = self._first_row.setdefault(key, row)
            if first != row:
                self.ctx.log.add(problems.duplicate_figure, row, column, text, first)
                continue
            self._figures.append(Figure(municipality, indicator, year, value, source))

    def _source(self, row: int, cells: list[str]) -> str | None:
        """The row's kilde, or the default; None after a problem. The few
        distinct texts of a file are checked once each."""
        if self._i_source is None:
            return SOURCE
        raw = cells[self._i_source]
        if raw in self._sources:
            return self._sources[raw]
        source: str | None = SOURCE
        if not checks.no_control_characters(self.ctx, row, self._source_column, raw):
            source = None
        elif raw.strip():
            source = checks.text(self.ctx, row, self._source_column, raw.strip(), SOURCE_MAX)
        if source is not None and len(self._sources) < 10_000:
            self._sources[raw] = source  # only good texts: a bad one is reported on every row
        return source

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
        i_code, i_name = self.columns.at("municipality"), self.columns.at("municipality_name")
        key = (
            cells[i_code] if i_code is not None else "",
            cells[i_name] if i_name is not None else "",
            cells[self._i_year],
        )
        known = self._clean_where.get(key)
        if known is not None:
            return known
        before = self.ctx.log.count
        for index in (i_code, i_name):
            if index is not None:
                column = self.columns.header[index]
                if not checks.no_control_characters(self.ctx, row, column, cells[index]):
                    return None, None
        municipality = self._municipality(row, cells)
        year = checks.year(self.ctx, row, self._year_column, cells[self._i_year].strip())
        if self.ctx.log.count == before and len(self._clean_where) < 10_000:
            self._clean_where[key] = (municipality, year)
        return municipality, year

    def _municipality(self, row: int, cells: list[str]) -> int | None:
        code_text = self.cell(cells, "municipality")
        name_text = self.cell(cells, "municipality_name")
        name_column = self.columns.name("municipality_name")
        if code_text or not name_text:
            field = "municipality" if self.columns.has("municipality") else "municipality_name"
            code = checks.municipality(
                self.ctx, row, self.columns.name(field), self.cell(cells, field)
            )
            if field == "municipality" and name_text:
                if code is not None:
                    checks.municipality_name_agrees(self.ctx, row, name_column, name_text, code)
                else:
                    # Every municipality column is checked, used or not.
                    checks.municipality(self.ctx, row, name_column, name_text)
            return code
        return checks.municipality(self.ctx, row, name_column, name_text)
