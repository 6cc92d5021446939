from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable

import pytest

from web.domain.charts import LineChart, bar_pair, line_chart, nice_ceiling, nice_ticks

from .conftest import parse, render


def fmt(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def numbers(d: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d*\.?\d+", d)]


# ------------------------------------------------------------------- ticks


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (0, 1),
        (0, 3.3),
        (0, 5.01),
        (0, 10.01),
        (0, 57.4),
        (2.8, 3.4),
        (0, 17529),
        (-2, 7),
        (0, 0.07),
    ],
)
def test_nice_ticks_are_round_evenly_spaced_and_cover_the_range(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)
    assert 4 <= len(ticks) <= 6
    assert ticks[0] <= low
    assert ticks[-1] >= high
    step = ticks[1] - ticks[0]
    assert all(math.isclose(b - a, step, rel_tol=1e-9) for a, b in itertools.pairwise(ticks))
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))


def test_nice_ticks_have_no_float_noise() -> None:
    assert nice_ticks(0, 0.7) == (0.0, 0.2, 0.4, 0.6, 0.8)
    assert nice_ticks(0, 3.3) == (0.0, 1.0, 2.0, 3.0, 4.0)


def test_a_flat_range_still_gets_an_axis() -> None:
    assert len(nice_ticks(0, 0)) >= 2
    ticks = nice_ticks(3, 3)
    assert ticks[0] < 3 < ticks[-1]


def test_nice_ceiling() -> None:
    assert nice_ceiling(3.3) == 4
    assert nice_ceiling(4) == 4
    assert nice_ceiling(57.4) == 60
    assert nice_ceiling(0.07) == pytest.approx(0.08)
    assert nice_ceiling(0) == 1


# -------------------------------------------------------------- bar pair


def test_bar_widths_are_proportional_to_the_values_on_one_scale() -> None:
    chart = bar_pair(3.0, 1.5)
    municipality, national = chart.bars
    assert chart.axis_max == 3
    assert municipality.width == pytest.approx(2 * national.width, abs=0.1)
    assert municipality.x == national.x == chart.axis_x
    assert chart.axis_x + municipality.width < chart.width  # room for its value text
    assert municipality.y + municipality.height <= national.y


def test_a_missing_figure_is_marked_and_zero_is_an_empty_bar() -> None:
    chart = bar_pair(None, 0.0)
    assert chart.municipality.missing
    assert chart.municipality.width == 0
    assert not chart.national.missing
    assert chart.national.width == 0
    assert chart.axis_max == 1
    both_missing = bar_pair(None, None)
    assert all(b.missing for b in both_missing.bars)


def test_bar_pair_macro() -> None:
    html = render(
        '{% from "macros/charts.html" import bar_pair %}'
        "{{ bar_pair(chart, 'fig-1', title, name, 'Hele landet', fmt, 'Normering') }}",
        chart=bar_pair(3.3, None),
        title="Normering <b>",
        name="<script>alert(1)</script>",
        fmt=fmt,
    )
    root = parse(html)
    svg = root.find(".//svg")
    assert svg is not None
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "fig-1-title fig-1-desc"
    title = svg.find("title")
    assert title is not None
    assert title.get("id") == "fig-1-title"
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "style=" not in html
    assert "<style" not in html
    assert "3,3" in "".join(svg.itertext())
    assert len(svg.findall(".//rect")) == 1  # the missing bar isn't drawn
    table = root.find(".//table")
    assert table is not None
    assert table.find("caption") is not None
    assert [td.text for td in table.iter("td")] == ["3,3", "–"]


# ------------------------------------------------------------- line chart

NORMERING = {
    "municipality": [
        (2021, 3.1, "opgoerelse_til_2022"),
        (2022, 3.0, "opgoerelse_til_2022"),
        (2023, 2.8, "opgoerelse_fra_2023"),
        (2024, 2.7, "opgoerelse_fra_2023"),
    ],
    "national": [
        (2021, 3.2, "opgoerelse_til_2022"),
        (2022, 3.1, "opgoerelse_til_2022"),
        (2023, 2.9, "opgoerelse_fra_2023"),
        (2024, 2.9, "opgoerelse_fra_2023"),
    ],
}


def x_of(chart: LineChart, year: int) -> float:
    return next(t.x for t in chart.x_ticks if t.year == year)


def test_a_line_is_not_joined_across_a_change_of_series() -> None:
    chart = line_chart(NORMERING)
    for line in chart.lines:
        assert [[p.year for p in s.points] for s in line.segments] == [[2021, 2022], [2023, 2024]]
        assert all(s.d.count("M") == 1 for s in line.segments)
    assert [b.year for b in chart.breaks] == [2023]
    brk = chart.breaks[0]
    assert brk.x == pytest.approx((x_of(chart, 2022) + x_of(chart, 2023)) / 2, abs=0.1)
    assert x_of(chart, 2022) < brk.x < x_of(chart, 2023)
    assert chart.plot_left <= brk.label_x <= chart.plot_right
    assert [r.year for r in chart.rows if r.starts_series] == [2023]


def test_a_missing_value_splits_the_line_and_a_lone_point_is_a_dot() -> None:
    chart = line_chart(
        {
            "municipality": [
                (2017, 3.0, None),
                (2018, None, None),
                (2019, 3.2, None),
                (2020, 3.3, None),
            ]
        }
    )
    (line,) = chart.lines
    first, second = line.segments
    assert [p.year for p in first.points] == [2017]
    assert "L" not in first.d  # drawn by its dot
    assert [p.year for p in second.points] == [2019, 2020]
    assert chart.breaks == ()


def test_a_year_a_line_lacks_also_splits_it() -> None:
    chart = line_chart(
        {
            "municipality": [(2017, 3.0, None), (2019, 3.2, None)],
            "national": [(2017, 3.0, None), (2018, 3.1, None), (2019, 3.2, None)],
        }
    )
    municipality, national = chart.lines
    assert len(municipality.segments) == 2
    assert len(national.segments) == 1
    assert chart.rows[1].values == (None, 3.1)


def test_segment_paths_follow_the_points_and_higher_values_sit_higher() -> None:
    chart = line_chart({"m": [(2017, 1.0, None), (2018, 2.0, None)]})
    (segment,) = chart.lines[0].segments
    x1, y1, x2, y2 = numbers(segment.d)
    assert (x1, y1, x2, y2) == tuple(v for p in segment.points for v in (p.x, p.y))
    assert x1 < x2
    assert y2 < y1
    assert chart.plot_left < x1
    assert x2 < chart.plot_right


def test_y_axis_starts_at_zero_with_nice_ticks_unless_that_squashes_the_lines() -> None:
    chart = line_chart(NORMERING)
    values = [t.value for t in chart.y_ticks]
    assert values[0] == 0
    assert values[-1] >= 3.2
    assert 4 <= len(values) <= 6
    assert chart.y_ticks[0].y == chart.plot_bottom
    assert chart.y_ticks[-1].y == chart.plot_top
    squashed = line_chart({"m": [(2017, 95.0, None), (2018, 96.0, None), (2019, 95.5, None)]})
    assert squashed.y_ticks[0].value > 0
    assert line_chart({"m": [(2017, 95.0, None)]}, include_zero=True).y_ticks[0].value == 0


def test_a_line_without_any_value_and_a_chart_without_years() -> None:
    chart = line_chart({"municipality": [(2017, None, None), (2018, None, None)], "national": []})
    assert chart.empty
    assert [line.segments for line in chart.lines] == [(), ()]
    assert [t.year for t in chart.x_ticks] == [2017, 2018]
    nothing = line_chart({})
    assert nothing.x_ticks == ()
    assert nothing.lines == ()
    assert len(nothing.y_ticks) >= 2


def test_many_years_thin_out_their_labels_but_keep_the_last() -> None:
    chart = line_chart({"m": [(y, 1.0, None) for y in range(1990, 2024)]})
    labelled = [t.year for t in chart.x_ticks if t.labelled]
    assert len(labelled) <= 12
    assert labelled[-1] == 2023


def test_line_chart_macro_draws_the_break_and_marks_its_row() -> None:
    html = render(
        '{% from "macros/charts.html" import line_chart %}'
        "{{ line_chart(chart, 'hist', 'Normering', desc, labels, fmt, note, 'Tallene') }}",
        chart=line_chart(NORMERING),
        desc="Aarhus & landet",
        labels={"municipality": "<script>x</script>", "national": "Hele landet"},
        fmt=fmt,
        note="Ny opgørelse fra 2023",
    )
    root = parse(html)
    svg = root.find("figure/svg")
    assert svg is not None
    assert svg.get("id") == "hist"
    assert svg.get("viewBox") == "0 0 600 240"
    assert "style=" not in html
    assert "<style" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    paths = svg.findall(".//g[@class='chart-line chart-line--municipality']/path")
    assert len(paths) == 2
    assert len(svg.findall(".//g[@class='chart-break']/line")) == 1
    marked = [tr for tr in root.iter("tr") if tr.get("class") == "chart-table-break"]
    assert len(marked) == 1
    assert "2023" in "".join(marked[0].itertext())
    header = [th.text for th in root.iter("th") if th.get("scope") == "col"]
    assert header == ["<script>x</script>", "Hele landet"]  # escaped in the markup


def test_line_chart_macro_can_fold_the_table() -> None:
    html = render(
        '{% from "macros/charts.html" import line_chart %}'
        "{{ line_chart(chart, 'h', 't', 'd', labels, fmt, 'n', 'c', details_summary='Se') }}",
        chart=line_chart({"municipality": [(2020, 1.0, None)]}),
        labels={"municipality": "A"},
        fmt=fmt,
    )
    details = parse(html).find(".//details")
    assert details is not None
    assert details.find("table") is not None


def test_macros_work_without_a_formatter() -> None:
    fmt_none: Callable[[float], str] | None = None
    html = render(
        '{% from "macros/charts.html" import bar_pair %}'
        "{{ bar_pair(chart, 'b', 't', 'A', 'B', fmt, 'c') }}",
        chart=bar_pair(2.5, 2.0),
        fmt=fmt_none,
    )
    assert "2.5" in html
