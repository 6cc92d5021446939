"""Municipal ranks and the series a municipality's page shows."""

from __future__ import annotations

from typing import Any

import pytest

from dagtilbud_contracts.vocabulary import INDICATORS
from search.domain.ranking import (
    BETTER,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    municipality_name,
    municipality_series,
    national_series,
    ranks,
)
from search.testing.events import figure


def test_lower_normering_ranks_first() -> None:
    assert ranks("normering_0_2", {101: 3.1, 147: 2.6, 751: 2.9}) == ({147: 1, 751: 2, 101: 3}, 3)


def test_a_higher_share_of_educated_staff_ranks_first() -> None:
    ranked = ranks("andel_paedagogisk_uddannet_pct", {101: 55.0, 147: 61.5, 751: 58.0})
    assert ranked == ({147: 1, 751: 2, 101: 3}, 3)


def test_equal_values_share_the_better_rank() -> None:
    ranked = ranks("normering_3_5", {1: 5.0, 2: 5.5, 3: 5.5, 4: 6.0})
    assert ranked is not None
    by_code, among = ranked
    assert [by_code[code] for code in (1, 2, 3, 4)] == [1, 2, 2, 4]
    assert among == 4


def test_missing_values_and_no_offer_are_not_ranked_nor_counted() -> None:
    ranked = ranks("normering_dagpleje", {1: 3.2, 2: None, 3: 0.0, 4: 3.0})
    assert ranked == ({4: 1, 1: 2}, 2)


def test_a_zero_share_is_a_value_and_ranks_last() -> None:
    # Only normering uses 0 for "no such offer".
    assert ranks("andel_paedagogisk_uddannet_pct", {1: 0.0, 2: 40.0}) == ({2: 1, 1: 2}, 2)


@pytest.mark.parametrize("indicator", ["antal_boern", "andel_ikke_dansk_baggrund_pct"])
def test_size_and_background_are_never_ranked(indicator: str) -> None:
    assert ranks(indicator, {1: 10.0, 2: 20.0}) is None
    assert indicator not in BETTER


def test_which_way_is_better() -> None:
    assert BETTER == {
        "normering_0_2": LOWER_IS_BETTER,
        "normering_3_5": LOWER_IS_BETTER,
        "normering_dagpleje": LOWER_IS_BETTER,
        "andel_paedagogisk_uddannet_pct": HIGHER_IS_BETTER,
    }


def _municipal() -> dict[int, dict[str, Any]]:
    return {
        101: {
            "name": "København",
            "figures": [
                figure("normering_0_2", 2023, 2.8),
                figure("normering_0_2", 2022, 3.1),
                figure("normering_0_2", 2021, 3.0),
                figure("antal_boern", 2023, 30000.0),
            ],
        },
        147: {
            "name": "Frederiksberg",
            "figures": [figure("normering_0_2", 2023, 2.6), figure("normering_0_2", 2022, 3.3)],
        },
    }


NATIONAL: dict[tuple[str, int, str | None], dict[str, Any]] = {
    ("normering_0_2", 2022, "opgoerelse_til_2022"): {
        "value": 3.2,
        "method": "weighted_by_children",
        "municipalities": 2,
    },
    ("normering_0_2", 2023, "opgoerelse_fra_2023"): {
        "value": 2.7,
        "method": "weighted_by_children",
        "municipalities": 2,
    },
}


def test_a_municipality_series_carries_ranks_national_figures_and_the_break() -> None:
    series = {s["indicator"]: s for s in municipality_series(101, _municipal(), NATIONAL)}
    assert list(series) == list(INDICATORS)
    normering = series["normering_0_2"]
    assert normering["better"] == "lower"
    years = normering["years"]
    assert [y["year"] for y in years] == [2021, 2022, 2023]
    assert [(y["rank"], y["ranked_among"]) for y in years] == [(1, 1), (1, 2), (2, 2)]
    # The count changed in 2023: that year is a break, not a trend.
    assert [y["series_break"] for y in years] == [False, False, True]
    assert years[2]["series"] == "opgoerelse_fra_2023"
    assert years[2]["national"] == {
        "value": 2.7,
        "method": "weighted_by_children",
        "municipalities": 2,
    }
    assert years[0]["national"] is None  # no national figure for 2021
    children = series["antal_boern"]
    assert children["better"] is None
    assert [(y["rank"], y["ranked_among"]) for y in children["years"]] == [(None, None)]
    assert series["andel_ikke_dansk_baggrund_pct"]["years"] == []


def test_a_municipality_without_statistics_has_empty_series_and_its_known_name() -> None:
    series = municipality_series(217, _municipal(), NATIONAL)
    assert all(s["years"] == [] for s in series)
    assert municipality_name(217, _municipal()) == "Helsingør"
    assert municipality_name(147, _municipal()) == "Frederiksberg"


def test_national_series_per_indicator_in_year_order_with_the_break_marked() -> None:
    national: dict[tuple[str, int, str | None], dict[str, Any]] = {
        ("antal_boern", 2023, None): {"value": 9.0, "method": "sum", "municipalities": 2},
        **{key: {**row, "series": key[2]} for key, row in NATIONAL.items()},
        ("normering_0_2", 2021, "opgoerelse_til_2022"): {
            "value": 3.0,
            "method": "weighted_by_children",
            "municipalities": 1,
        },
    }
    series = national_series(national)
    assert [s["indicator"] for s in series] == ["normering_0_2", "antal_boern"]
    years = series[0]["years"]
    assert [(y["year"], y["series_break"]) for y in years] == [
        (2021, False),
        (2022, False),
        (2023, True),
    ]
    assert years[1] == {
        "year": 2022,
        "value": 3.2,
        "method": "weighted_by_children",
        "municipalities": 2,
        "series": "opgoerelse_til_2022",
        "series_break": False,
    }
