"""Geometry of the portal's small SVG charts: numbers in, positions out.

Everything is in the user units of a fixed viewBox; the macros in
templates/macros/charts.html only place what is computed here. Coordinates are
rounded to one decimal so the markup stays small.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# (year, value, series): series names how a figure was counted; a change of
# series between two years means the figures are not comparable across it.
LinePointInput = tuple[int, float | None, str | None]

# Tick steps are 1, 2, 2.5 or 5 times a power of ten: values people read at a glance.
_TICK_STEPS = (1.0, 2.0, 2.5, 5.0)
# An axis maximum may be a little finer than a tick step: 3.3 rounds up to 4, not 5.
_CEILINGS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def r1(value: float) -> float:
    """Round to one decimal (adding 0.0 turns -0.0 into 0.0)."""
    return round(value, 1) + 0.0


def num(value: float) -> str:
    """A coordinate as short text: 12.0 -> '12', 12.5 -> '12.5'."""
    text = f"{r1(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ceiling(value: float) -> float:
    """The smallest 'round' number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a
    power of ten) at least ``value``; 1 for nothing positive."""
    if not value > 0 or math.isinf(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for m in _CEILINGS:
        candidate = round(m * power, 12)
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10 * power  # unreachable: _CEILINGS ends at 10


def nice_ticks(low: float, high: float, *, max_ticks: int = 6) -> tuple[float, ...]:
    """Evenly spaced round tick values covering [low, high]: the finest step of
    1, 2, 2.5 or 5 times a power of ten that needs at most ``max_ticks`` ticks,
    which gives 4 to 6 of them for the default."""
    if low > high:
        low, high = high, low
    if high == low:
        # A flat line still gets an axis around it.
        pad = abs(high) * 0.1 or 1.0
        low, high = (0.0, pad) if high == 0 else (low - pad, high + pad)
    span = high - low
    exponent = math.floor(math.log10(span / max_ticks))
    for k in range(exponent, exponent + 3):
        for m in _TICK_STEPS:
            step = m * 10.0**k
            first = math.floor(low / step + 1e-9)
            last = math.ceil(high / step - 1e-9)
            if last - first + 1 <= max_ticks:
                # Enough decimals for the step (2.5 needs one more) and no float noise.
                decimals = max(0, -k + (1 if m == 2.5 else 0))
                return tuple(round(i * step, decimals) + 0.0 for i in range(first, last + 1))
    raise AssertionError("a step of 100 times the span always fits")  # pragma: no cover


# ----------------------------------------------------------------- bar pair

BAR_WIDTH = 300.0
BAR_HEIGHT = 56.0
_BAR_ROW = 28.0
_BAR_THICKNESS = 18.0
_LABEL_RIGHT = 108.0  # labels end here (room for "Ringkøbing-Skjern" at 11px)
_AXIS_X = 114.0
_VALUE_ROOM = 46.0  # after the longest bar, for its value text
_BAR_SPAN = BAR_WIDTH - _AXIS_X - _VALUE_ROOM


@dataclass(frozen=True)
class Bar:
    key: str  # 'municipality' | 'national'
    value: float | None
    x: float
    y: float
    width: float  # 0 for zero and for a missing figure
    height: float
    text_y: float  # baseline of this row's label and value text
    value_x: float  # where the value text (or the no-figure mark) starts

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    bars: tuple[Bar, ...]
    axis_max: float
    axis_x: float  # the zero line; bars start here
    label_x: float  # the row labels end here (text-anchor="end")

    @property
    def view_box(self) -> str:
        return f"0 0 {num(self.width)} {num(self.height)}"

    @property
    def municipality(self) -> Bar:
        return self.bars[0]

    @property
    def national(self) -> Bar:
        return self.bars[1]


def bar_pair(municipal: float | None, national: float | None) -> BarChart:
    """The municipality's figure beside the national one, as two horizontal bars
    on one scale from 0 to a round maximum. A negative value (no indicator has
    one) is drawn as 0 rather than to the left of the axis."""
    present = [v for v in (municipal, national) if v is not None]
    axis_max = nice_ceiling(max(present, default=0.0))
    bars = []
    for row, (key, value) in enumerate((("municipality", municipal), ("national", national))):
        width = 0.0 if value is None else max(0.0, value) / axis_max * _BAR_SPAN
        top = row * _BAR_ROW
        bars.append(
            Bar(
                key=key,
                value=value,
                x=_AXIS_X,
                y=r1(top + (_BAR_ROW - _BAR_THICKNESS) / 2),
                width=r1(width),
                height=_BAR_THICKNESS,
                text_y=r1(top + _BAR_ROW / 2 + 4),  # 4: about half an 11px cap height
                value_x=r1(_AXIS_X + width + 4),
            )
        )
    return BarChart(
        width=BAR_WIDTH,
        height=BAR_HEIGHT,
        bars=tuple(bars),
        axis_max=axis_max,
        axis_x=_AXIS_X,
        label_x=_LABEL_RIGHT,
    )


# --------------------------------------------------------------- line chart


@dataclass(frozen=True)
class XTick:
    year: int
    x: float
    labelled: bool  # False where years are thinned out so labels don't collide


@dataclass(frozen=True)
class YTick:
    value: float
    y: float
    text_y: float  # baseline of its label, centred on the grid line


@dataclass(frozen=True)
class LinePoint:
    year: int
    value: float
    x: float
    y: float
    series: str | None


@dataclass(frozen=True)
class Segment:
    d: str  # "M x y L x y ..."; a lone point is "M x y" and is drawn as its dot
    points: tuple[LinePoint, ...]


@dataclass(frozen=True)
class Line:
    key: str
    segments: tuple[Segment, ...]

    @property
    def points(self) -> tuple[LinePoint, ...]:
        return tuple(p for s in self.segments for p in s.points)


@dataclass(frozen=True)
class Break:
    """A change of counting method: the lines are not joined across ``x``."""

    year: int  # the first year of the new series
    x: float  # halfway between that year and the one before
    label_x: float
    label_y: float
    anchor: str  # text-anchor of the label: 'start' (right of the mark) or 'end'


@dataclass(frozen=True)
class TableRow:
    year: int
    values: tuple[float | None, ...]  # in the order of LineChart.lines
    starts_series: bool  # the first year after a break


@dataclass(frozen=True)
class LineChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    y_label_x: float  # the y labels end here (text-anchor="end")
    x_label_y: float  # baseline of the year labels
    x_ticks: tuple[XTick, ...]
    y_ticks: tuple[YTick, ...]
    lines: tuple[Line, ...]
    breaks: tuple[Break, ...]
    rows: tuple[TableRow, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {num(self.width)} {num(self.height)}"

    @property
    def break_years(self) -> frozenset[int]:
        return frozenset(b.year for b in self.breaks)

    @property
    def empty(self) -> bool:
        return not any(line.segments for line in self.lines)


# Room for the y labels on the left, the break label on top, the years below.
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 48.0, 16.0, 22.0, 26.0
_INNER_PAD = 14.0  # the first and last year sit off the axes
_MAX_YEAR_LABELS = 12
# Zero-based unless the values would then move in less than a tenth of the height.
_SQUASHED = 0.1


def line_chart(
    points_by_line: Mapping[str, Sequence[LinePointInput]],
    *,
    width: float = 600.0,
    height: float = 240.0,
    include_zero: bool | None = None,
) -> LineChart:
    """One line per key (in the mapping's order) over the years any line has.

    A line is broken where a value is missing (None, or a year it lacks that
    another line has) and where its series changes; each series change becomes
    a ``Break`` between the two years. ``include_zero``: None starts the y axis
    at 0 unless that squashes the lines into a sliver.
    """
    data = {
        key: {year: (value, series) for year, value, series in pts}
        for key, pts in points_by_line.items()
    }
    years = sorted({year for pts in data.values() for year in pts})
    values = [v for pts in data.values() for v, _ in pts.values() if v is not None]

    left, right = _MARGIN_LEFT, width - _MARGIN_RIGHT
    top, bottom = _MARGIN_TOP, height - _MARGIN_BOTTOM

    y_ticks_values = nice_ticks(*_y_range(values, include_zero))
    y_low, y_high = y_ticks_values[0], y_ticks_values[-1]

    def x_of(year: int) -> float:
        if len(years) < 2:
            return r1((left + right) / 2)
        span = years[-1] - years[0]
        return r1(left + _INNER_PAD + (year - years[0]) / span * (right - left - 2 * _INNER_PAD))

    def y_of(value: float) -> float:
        return r1(bottom - (value - y_low) / (y_high - y_low) * (bottom - top))

    break_years: set[int] = set()
    lines = []
    for key, by_year in data.items():
        segments: list[Segment] = []
        current: list[LinePoint] = []
        last_series: str | None = None
        for year in years:
            value, series = by_year.get(year, (None, None))
            if series is not None and last_series is not None and series != last_series:
                break_years.add(year)
                _close(current, segments)
            if series is not None:
                last_series = series
            if value is None:
                _close(current, segments)
            else:
                current.append(LinePoint(year, value, x_of(year), y_of(value), series))
        _close(current, segments)
        lines.append(Line(key, tuple(segments)))

    breaks = []
    for year in sorted(break_years):
        before = years[years.index(year) - 1] if years.index(year) > 0 else year
        x = r1((x_of(before) + x_of(year)) / 2)
        # The label reads away from the nearer edge so it stays inside the chart.
        anchor = "start" if x < (left + right) / 2 else "end"
        breaks.append(Break(year, x, r1(x + 4 if anchor == "start" else x - 4), top - 8, anchor))

    every = math.ceil(len(years) / _MAX_YEAR_LABELS) if years else 1
    x_ticks = tuple(
        XTick(year, x_of(year), (len(years) - 1 - i) % every == 0) for i, year in enumerate(years)
    )
    rows = tuple(
        TableRow(
            year,
            tuple(data[line.key].get(year, (None, None))[0] for line in lines),
            year in break_years,
        )
        for year in years
    )
    return LineChart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        y_label_x=left - 6,
        x_label_y=bottom + 18,
        x_ticks=x_ticks,
        y_ticks=tuple(YTick(v, y_of(v), r1(y_of(v) + 4)) for v in y_ticks_values),
        lines=tuple(lines),
        breaks=tuple(breaks),
        rows=rows,
    )


def _y_range(values: Iterable[float], include_zero: bool | None) -> tuple[float, float]:
    values = list(values)
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if include_zero is None:
        include_zero = not (low > 0 and high - low < _SQUASHED * high and high > low)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    return low, high


def _close(current: list[LinePoint], segments: list[Segment]) -> None:
    if current:
        d = "M" + "L".join(f"{num(p.x)} {num(p.y)}" for p in current)
        segments.append(Segment(d, tuple(current)))
        current.clear()
