from __future__ import annotations

import pytest

from search.domain.figures import national_figures
from search.domain.opening_hours import weekday_span


def fig(indicator: str, year: int, value: float | None) -> dict[str, object]:
    return {"indicator": indicator, "year": year, "value": value, "source": "test"}


def test_weighted_by_children_when_every_municipality_has_a_count() -> None:
    result = {
        (f.indicator, f.year): f
        for f in national_figures(
            {
                101: [fig("normering_0_2", 2023, 3.0), fig("antal_boern", 2023, 300)],
                147: [fig("normering_0_2", 2023, 2.0), fig("antal_boern", 2023, 100)],
            }
        )
    }
    national = result[("normering_0_2", 2023)]
    assert national.method == "weighted_by_children"
    assert national.value == pytest.approx((3.0 * 300 + 2.0 * 100) / 400)
    assert result[("antal_boern", 2023)].value == 400


def test_a_municipality_without_a_count_is_left_out_of_a_weighted_figure() -> None:
    by_key = {
        (f.indicator, f.year): f
        for f in national_figures(
            {
                101: [fig("normering_3_5", 2023, 6.0), fig("antal_boern", 2023, 300)],
                147: [fig("normering_3_5", 2023, 5.0)],
            }
        )
    }
    national = by_key[("normering_3_5", 2023)]
    assert national.method == "weighted_by_children"
    assert national.value == 6.0
    assert national.municipalities == 1


def test_unweighted_in_a_year_without_counts_and_zero_means_no_offer() -> None:
    result = {
        (f.indicator, f.year): f
        for f in national_figures(
            {
                101: [fig("normering_dagpleje", 2020, 3.0)],
                147: [fig("normering_dagpleje", 2020, 2.0)],
                825: [fig("normering_dagpleje", 2020, 0.0)],  # Læsø: no dagpleje
                400: [fig("normering_dagpleje", 2020, None)],  # suppressed
            }
        )
    }
    national = result[("normering_dagpleje", 2020)]
    assert national.method == "unweighted_mean_of_municipalities"
    assert national.value == 2.5
    assert national.municipalities == 2


def test_no_data_is_said_not_zeroed() -> None:
    (national,) = national_figures({101: [fig("andel_ikke_dansk_baggrund_pct", 2023, None)]})
    assert national.value is None
    assert national.method == "no_data"


def test_weekday_span_needs_every_weekday() -> None:
    week = [{"weekday": d, "opens": "06:30", "closes": "17:00"} for d in range(5)]
    week[4] = {"weekday": 4, "opens": "07:00", "closes": "16:00"}
    assert weekday_span(week) == ("07:00", "16:00")
    assert weekday_span(week[:4]) == (None, None)
    split = [*week, {"weekday": 0, "opens": "05:45", "closes": "09:00"}]
    assert weekday_span(split) == ("07:00", "16:00")


def test_figures_of_two_series_are_never_averaged_together() -> None:
    old = {"series": "opgoerelse_til_2022"}
    new = {"series": "opgoerelse_fra_2023"}
    result = national_figures(
        {
            101: [fig("normering_0_2", 2022, 3.0) | old],
            147: [fig("normering_0_2", 2022, 2.0) | new],
            151: [fig("normering_0_2", 2022, 4.0) | old],
        }
    )
    by_series = {f.series: f for f in result}
    assert set(by_series) == {"opgoerelse_til_2022", "opgoerelse_fra_2023"}
    assert by_series["opgoerelse_til_2022"].value == pytest.approx(3.5)
    assert by_series["opgoerelse_til_2022"].municipalities == 2
    assert by_series["opgoerelse_fra_2023"].value == pytest.approx(2.0)


def test_a_normering_from_an_event_without_series_takes_its_years_series() -> None:
    result = national_figures(
        {101: [fig("normering_3_5", 2022, 6.0), fig("normering_3_5", 2023, 5.0)]}
    )
    assert [(f.year, f.series) for f in result] == [
        (2022, "opgoerelse_til_2022"),
        (2023, "opgoerelse_fra_2023"),
    ]
    assert [f.series for f in national_figures({101: [fig("antal_boern", 2023, 10)]})] == [None]
