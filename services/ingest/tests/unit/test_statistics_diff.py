"""What a statistics file changes against the current figures."""

from __future__ import annotations

from ingest.domain.changes import StatisticsDiff, left_without_figures, statistics_diff
from ingest.domain.model import Figure

SOURCE = "Dagtilbudsportalen statistikfil"
CURRENT = {
    (101, "normering_0_2", 2023): (3.1, SOURCE),
    (101, "normering_3_5", 2023): (5.8, SOURCE),
    (147, "normering_0_2", 2023): (3.0, "DST BOERN8"),
}


def figure(code: int, indicator: str, value: float | None, source: str = SOURCE) -> Figure:
    return Figure(code, indicator, 2023, value, source)


def test_a_file_updates_the_figures_it_holds_and_leaves_the_others() -> None:
    diff = statistics_diff(
        CURRENT,
        [
            figure(101, "normering_0_2", 3.1),  # as it is
            figure(101, "normering_3_5", 5.9),  # corrected
            figure(147, "normering_0_2", 3.0),  # same value from another source
            figure(751, "antal_boern", 13000),  # new
        ],
    )

    assert [f.key for f in diff.changed] == [
        (101, "normering_3_5", 2023),
        (147, "normering_0_2", 2023),
        (751, "antal_boern", 2023),
    ]
    assert (diff.removed, diff.unchanged) == ([], 1)
    assert diff.municipalities == {101, 147, 751}
    summary = diff.summary()
    assert (summary["changed_figures"], summary["unchanged_figures"]) == (3, 1)
    assert summary["municipalities"] == 3
    assert summary["by_municipality"] == [
        {"municipality_code": code, "changed": 1, "removed": 0, "years": [2023]}
        for code in (101, 147, 751)
    ]
    assert summary["changed_samples"][0] == {
        "municipality_code": 101,
        "indicator": "normering_3_5",
        "year": 2023,
        "value": 5.9,
    }


def test_a_missing_value_withdraws_a_held_figure_and_is_never_stored() -> None:
    diff = statistics_diff(
        CURRENT,
        [
            figure(147, "normering_0_2", None),  # held: withdrawn
            figure(147, "normering_3_5", None),  # not held: stays absent
        ],
    )

    assert diff.changed == []
    assert diff.removed == [(147, "normering_0_2", 2023)]
    assert diff.unchanged == 1
    assert diff.municipalities == {147}
    assert diff.summary()["removed_samples"] == [
        {"municipality_code": 147, "indicator": "normering_0_2", "year": 2023}
    ]
    assert diff.summary()["by_municipality"] == [
        {"municipality_code": 147, "changed": 0, "removed": 1, "years": [2023]}
    ]


def test_a_municipality_whose_every_figure_is_withdrawn_is_named() -> None:
    every = StatisticsDiff(removed=[(101, "normering_0_2", 2023), (101, "normering_3_5", 2023)])
    one = StatisticsDiff(removed=[(101, "normering_0_2", 2023)])
    replaced = StatisticsDiff(
        changed=[figure(101, "antal_boern", 30000)],
        removed=[(101, "normering_0_2", 2023), (101, "normering_3_5", 2023)],
    )
    only_figure = StatisticsDiff(removed=[(147, "normering_0_2", 2023)])

    assert left_without_figures(CURRENT, every) == {101}
    assert left_without_figures(CURRENT, one) == set()
    assert left_without_figures(CURRENT, replaced) == set()
    assert left_without_figures(CURRENT, only_figure) == {147}
