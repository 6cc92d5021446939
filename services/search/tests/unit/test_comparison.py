"""Which differences between institutions' figures mean something."""

from __future__ import annotations

from typing import Any

import pytest

from search.domain.comparison import (
    NORMERING_THRESHOLD,
    PERCENT_THRESHOLD,
    THRESHOLDS,
    compare_indicator,
    significance,
)


def test_the_thresholds() -> None:
    assert NORMERING_THRESHOLD == 0.6
    assert PERCENT_THRESHOLD == 5.0
    assert THRESHOLDS == {
        "normering_0_2": 0.6,
        "normering_3_5": 0.6,
        "normering_dagpleje": 0.6,
        "andel_paedagogisk_uddannet_pct": 5.0,
        "antal_boern": None,
        "andel_ikke_dansk_baggrund_pct": 5.0,
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3.1, 3.7], (0.6, True)),
        ([5.5, 6.1], (0.6, True)),  # 6.1 - 5.5 is 0.5999... in binary floating point
        ([3.1, 3.6], (0.5, False)),
        ([3.0, 3.0, 3.0], (0.0, False)),
        ([2.9, 3.4, 3.5, 3.0], (0.6, True)),  # largest minus smallest
    ],
)
def test_normering_needs_0_6_children_per_adult(
    values: list[float], expected: tuple[float, bool]
) -> None:
    difference, significant = significance("normering_3_5", values)
    assert difference == pytest.approx(expected[0])
    assert significant is expected[1]


def test_percentages_need_five_points() -> None:
    difference, significant = significance("andel_paedagogisk_uddannet_pct", [50.0, 54.9])
    assert difference == pytest.approx(4.9)
    assert significant is False
    assert significance("andel_paedagogisk_uddannet_pct", [50.0, 55.0]) == (5.0, True)


def test_the_number_of_children_is_never_judged() -> None:
    assert significance("antal_boern", [100.0, 30000.0]) == (29900.0, None)


@pytest.mark.parametrize(
    ("indicator", "values"),
    [
        ("normering_3_5", [3.0, None]),
        ("normering_dagpleje", [0.0, 3.1]),  # 0: the municipality has no dagpleje
        ("andel_paedagogisk_uddannet_pct", [None, 60.0]),
        ("antal_boern", [None, 10.0]),
    ],
)
def test_a_missing_value_or_no_offer_makes_the_difference_unknown(
    indicator: str, values: list[float | None]
) -> None:
    assert significance(indicator, values) == (None, None)


def _document(number: str, code: int, value: float | None, year: int | None) -> dict[str, Any]:
    municipal = None if value is None else {"value": value, "year": year, "source": "DST"}
    return {
        "institution_number": number,
        "municipality": {"code": code, "name": None},
        "figures": [{"indicator": "normering_0_2", "municipality": municipal, "national": None}],
    }


def test_one_indicator_across_the_documents() -> None:
    row = compare_indicator(
        "normering_0_2", [_document("A00001", 101, 2.8, 2023), _document("B00002", 147, 3.4, 2023)]
    )
    assert row == {
        "indicator": "normering_0_2",
        "threshold": 0.6,
        "values": [
            {"institution_number": "A00001", "municipality_code": 101, "value": 2.8, "year": 2023},
            {"institution_number": "B00002", "municipality_code": 147, "value": 3.4, "year": 2023},
        ],
        "difference": 0.6,
        "significant": True,
    }
    unknown = compare_indicator(
        "normering_0_2", [_document("A00001", 101, 2.8, 2023), _document("C00003", 217, None, None)]
    )
    assert unknown["values"][1] == {
        "institution_number": "C00003",
        "municipality_code": 217,
        "value": None,
        "year": None,
    }
    assert (unknown["difference"], unknown["significant"]) == (None, None)
