"""National figures from the municipalities' figures.

Per indicator and year: where child counts exist for that year, the mean over
the municipalities that have one, weighted by their number of children
(``antal_boern`` of the same year; a municipality without a count is left out
and the figure says how many took part); in a year without any counts, the
unweighted mean of municipalities.
``antal_boern`` itself is summed. A missing value is left out, and so is a
normering of 0, which means the municipality has no such offer. The method is
part of every national figure.

Figures of different series (how normering was counted: the method changed in
2023) are never averaged together: a national figure is per indicator, year
and series.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dagtilbud_contracts.vocabulary import COUNT_INDICATORS, NORMERING_INDICATORS, series_of

WEIGHTED = "weighted_by_children"
UNWEIGHTED = "unweighted_mean_of_municipalities"
SUM = "sum_of_municipalities"
NO_DATA = "no_data"


@dataclass(frozen=True)
class NationalFigure:
    indicator: str
    year: int
    value: float | None
    method: str
    municipalities: int  # how many contributed
    series: str | None = None


def contributes(indicator: str, value: float | None) -> bool:
    if value is None:
        return False
    return not (indicator in NORMERING_INDICATORS and value == 0)


def national_figures(
    municipal: Mapping[int, Iterable[Mapping[str, Any]]],
) -> list[NationalFigure]:
    """``municipal``: municipality code -> its figures ({indicator, year, value,
    series})."""
    values: dict[tuple[str, int, str | None], dict[int, float]] = defaultdict(dict)
    children: dict[tuple[int, int], float] = {}
    for code, figures in municipal.items():
        for figure in figures:
            indicator, year = str(figure["indicator"]), int(figure["year"])
            value = None if figure["value"] is None else float(figure["value"])
            if indicator == "antal_boern" and value is not None:
                children[(code, year)] = value
            key = (indicator, year, series_of(figure))
            values.setdefault(key, {})
            if value is not None and contributes(indicator, value):
                values[key][code] = value
    out = []
    for (indicator, year, series), by_code in sorted(values.items(), key=_order):
        out.append(_national(indicator, year, series, by_code, children))
    return out


def _order(item: tuple[tuple[str, int, str | None], Any]) -> tuple[str, int, str]:
    indicator, year, series = item[0]
    return (indicator, year, series or "")


def _national(
    indicator: str,
    year: int,
    series: str | None,
    by_code: dict[int, float],
    children: dict[tuple[int, int], float],
) -> NationalFigure:
    if not by_code:
        return NationalFigure(indicator, year, None, NO_DATA, 0, series)
    if indicator in COUNT_INDICATORS:
        total = float(sum(by_code.values()))
        return NationalFigure(indicator, year, total, SUM, len(by_code), series)
    weighted = {code: v for code, v in by_code.items() if children.get((code, year), 0) > 0}
    if weighted:
        total = sum(children[(code, year)] for code in weighted)
        value = sum(v * children[(code, year)] for code, v in weighted.items()) / total
        return NationalFigure(indicator, year, round(value, 2), WEIGHTED, len(weighted), series)
    value = sum(by_code.values()) / len(by_code)
    return NationalFigure(indicator, year, round(value, 2), UNWEIGHTED, len(by_code), series)


def stored_national(figure: NationalFigure) -> dict[str, Any]:
    """A national figure as the read model keeps it."""
    return {
        "indicator": figure.indicator,
        "year": figure.year,
        # A key column cannot be null: "" for indicators without series.
        "series": figure.series or "",
        "value": figure.value,
        "method": figure.method,
        "municipalities": figure.municipalities,
    }


def national_by_key(
    stored: Iterable[Mapping[Any, Any]],
) -> dict[tuple[str, int, str | None], dict[str, Any]]:
    """The stored national figures by (indicator, year, series), series None
    again for indicators without."""
    out = {}
    for row in stored:
        figure = dict(row) | {"series": row["series"] or None}
        out[(row["indicator"], row["year"], figure["series"])] = figure
    return out
