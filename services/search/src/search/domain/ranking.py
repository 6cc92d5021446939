"""Municipalities ranked per indicator and year, and the series parents see:
one municipality's figures year by year with its rank and the national figure
beside each year, and the national figures year by year.

Each series says where the way normering is counted changed (2023): the
change from the year before is then a break, not a trend.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.vocabulary import INDICATORS, NORMERING_INDICATORS, series_of
from search.domain.documents import national_beside, shown_figure
from search.domain.figures import contributes

# Which way is better, per ranked indicator. antal_boern is size, not quality,
# and andel_ikke_dansk_baggrund_pct describes the children, not the care: neither
# is ranked.
LOWER_IS_BETTER = "lower"
HIGHER_IS_BETTER = "higher"
BETTER: Mapping[str, str] = {
    **{indicator: LOWER_IS_BETTER for indicator in NORMERING_INDICATORS},
    "andel_paedagogisk_uddannet_pct": HIGHER_IS_BETTER,
}

RANKING_RULE = (
    "rank is the municipality's place among the municipalities that have a value for the "
    "same indicator and year; 1 is the best. Normering (normering_0_2, normering_3_5, "
    "normering_dagpleje; children per adult): lower is better. "
    "andel_paedagogisk_uddannet_pct: higher is better. antal_boern (size is not quality) "
    "and andel_ikke_dansk_baggrund_pct (it describes the children, not the care) are not "
    "ranked: rank and ranked_among are null. A missing value, and a normering of 0 (the "
    "municipality has no such offer), is not ranked (rank null) and is not counted in "
    "ranked_among. Equal values share the better rank (1, 2, 2, 4)."
)

# (indicator, year, series) -> the national figure; series None for indicators without.
NationalFigures = Mapping[tuple[str, int, str | None], Mapping[str, Any]]


def ranks(indicator: str, values: Mapping[int, float | None]) -> tuple[dict[int, int], int] | None:
    """Competition ranks (1 = best) of the municipalities whose value counts,
    and how many there are; None when the indicator is not ranked."""
    better = BETTER.get(indicator)
    if better is None:
        return None
    counted = {
        code: value
        for code, value in values.items()
        if value is not None and contributes(indicator, value)
    }
    sign = 1 if better == LOWER_IS_BETTER else -1
    ordered = sorted(sign * value for value in counted.values())
    out = {}
    for code, value in counted.items():
        # 1 + how many are strictly better: ties share the better rank.
        out[code] = 1 + bisect_left(ordered, sign * value)
    return out, len(counted)


def municipality_name(code: int, municipal: Mapping[int, Mapping[str, Any]]) -> str:
    """The name the statistics gave, or the known name before any arrived."""
    row = municipal.get(code)
    return str(row["name"]) if row else MUNICIPALITIES[code]


def values_by_year(
    municipal: Mapping[int, Mapping[str, Any]],
) -> dict[tuple[str, int], dict[int, float | None]]:
    """(indicator, year) -> municipality code -> value, over every municipality."""
    out: dict[tuple[str, int], dict[int, float | None]] = defaultdict(dict)
    for code, row in municipal.items():
        for figure in row["figures"]:
            out[(figure["indicator"], figure["year"])][code] = figure["value"]
    return out


def municipality_series(
    code: int,
    municipal: Mapping[int, Mapping[str, Any]],
    national: NationalFigures,
) -> list[dict[str, Any]]:
    """Every indicator of municipality ``code``, year by year, each year with
    the national figure of the same series, the rank and whether the series
    broke."""
    own: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for figure in municipal[code]["figures"] if code in municipal else []:
        own[figure["indicator"]].append(figure)
    everyone = values_by_year(municipal)
    out = []
    for indicator in INDICATORS:
        years = []
        previous: str | None = None
        for n, figure in enumerate(sorted(own[indicator], key=lambda f: f["year"])):
            year, series = figure["year"], series_of(figure)
            ranking = ranks(indicator, everyone[(indicator, year)])
            nat = national.get((indicator, year, series))
            years.append(
                shown_figure(figure)
                | {
                    # The trend from the year before is not a like-for-like change.
                    "series_break": n > 0 and series != previous,
                    "national": None if nat is None else national_beside(nat),
                    "rank": None if ranking is None else ranking[0].get(code),
                    "ranked_among": None if ranking is None else ranking[1],
                }
            )
            previous = series
        out.append({"indicator": indicator, "better": BETTER.get(indicator), "years": years})
    return out


def national_series(national: NationalFigures) -> list[dict[str, Any]]:
    """Every indicator with national figures, year by year (the known
    indicators first, in their order), each year marked where its series broke."""
    by_indicator: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (indicator, year, series), row in sorted(
        national.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
    ):
        years = by_indicator[indicator]
        years.append(
            national_beside(row)
            | {
                "year": year,
                "series": series,
                "series_break": bool(years) and years[-1]["series"] != series,
            }
        )
    order: list[str] = [i for i in INDICATORS if i in by_indicator]
    order += sorted(set(by_indicator) - set(INDICATORS))
    return [{"indicator": i, "years": by_indicator[i]} for i in order]
