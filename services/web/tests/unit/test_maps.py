from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from web.domain.maps import (
    POINT_RADIUS,
    AreaMap,
    Boundaries,
    Choropleth,
    MapPoint,
    area_map,
    choropleth,
    quantile_classes,
    simplify_line,
)

from .conftest import parse, render

ROOT = Path(__file__).resolve().parents[4]
SHIPPED = ROOT / "data" / "kommuner_simplified.geojson"
PATH_BUDGET = 60_000  # bytes of path data for the whole country at 600 units wide

AARHUS = (56.1567, 10.2108)


# ---------------------------------------------------------------- helpers


def absolute_points(d: str) -> list[list[tuple[float, float]]]:
    """The rings of path data as absolute points (M, L absolute; l relative)."""
    rings: list[list[tuple[float, float]]] = []
    tokens = re.findall(r"[MLlz]|-?(?:\d+(?:\.\d*)?|\.\d+)", d)
    command, x, y, i = "", 0.0, 0.0, 0
    while i < len(tokens):
        token = tokens[i]
        if token in "MLlz":
            command = token
            i += 1
            continue
        dx, dy = float(token), float(tokens[i + 1])
        i += 2
        if command == "M":
            x, y = dx, dy
            rings.append([(x, y)])
        elif command == "L":
            x, y = dx, dy
            rings[-1].append((x, y))
        else:
            x, y = x + dx, y + dy
            rings[-1].append((x, y))
    return rings


def square(lon: float, lat: float, size: float) -> list[list[float]]:
    return [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]


def feature(code: str, name: str, geometry_type: str, coordinates: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"kode": code, "navn": name},
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


# A wiggly border along 10.1°E between two municipalities; wiggles of up to
# 0.6 km, some above the 0.5 km tolerance.
BORDER = [[10.1 + 0.01 * math.sin(i * 1.7), 56.0 + i * 0.005] for i in range(21)]


def two_neighbours() -> dict[str, Any]:
    west_ring = [[10.0, 56.0], *BORDER, [10.0, 56.1], [10.0, 56.0]]
    east_ring = [*BORDER, [10.2, 56.1], [10.2, 56.0], BORDER[0]]
    return {
        "type": "FeatureCollection",
        "features": [
            feature(
                "0101",
                "<script>alert(1)</script>",
                "MultiPolygon",
                [
                    [west_ring, square(10.03, 56.03, 0.03)],  # with a hole
                    [square(10.3, 56.0, 0.05)],  # an island of 3 by 5.5 km
                    [square(10.5, 56.0, 0.0005)],  # an islet of 30 m: collapses
                ],
            ),
            feature("0147", "Frederiksberg", "Polygon", [east_ring]),
        ],
    }


def grid(n: int) -> Boundaries:
    """n municipalities, codes 1..n, in a row of squares."""
    return Boundaries.from_geojson(
        {
            "type": "FeatureCollection",
            "features": [
                feature(f"{i:04d}", f"M{i}", "Polygon", [square(9.0 + i * 0.1, 56.0, 0.1)])
                for i in range(1, n + 1)
            ],
        }
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def denmark() -> Boundaries:
    return Boundaries.from_geojson(json.loads(SHIPPED.read_text(encoding="utf-8")))


# ------------------------------------------------------------- boundaries


def test_simplify_keeps_the_ends_and_the_far_points() -> None:
    line = [(0.0, 0.0), (1.0, 0.1), (2.0, -0.1), (3.0, 5.0), (4.0, 0.0), (5.0, 0.0)]
    assert simplify_line(line, 0.5) == [(0.0, 0.0), (2.0, -0.1), (3.0, 5.0), (4.0, 0.0), (5.0, 0.0)]
    assert simplify_line(line, 10) == [(0.0, 0.0), (5.0, 0.0)]


def test_boundaries_from_a_small_geojson() -> None:
    b = Boundaries.from_geojson(two_neighbours())
    assert [m.code for m in b.municipalities] == [101, 147]
    west, east = b.municipalities
    assert west.name == "<script>alert(1)</script>"
    # The mainland with its hole, and the island; the 30 m islet collapsed.
    assert [len(p) for p in west.polygons] == [2, 1]
    assert all(len(ring) >= 3 for p in west.polygons for ring in p)
    min_x, min_y, max_x, max_y = west.bbox
    assert min_x < max_x
    assert min_y < max_y
    assert east.bbox[0] < west.bbox[2]  # the wiggles overlap in x
    assert b.get(147) is east
    assert b.get(999) is None


def test_a_shared_border_is_simplified_the_same_for_both_neighbours() -> None:
    b = Boundaries.from_geojson(two_neighbours())
    west, east = b.municipalities
    band = (
        min(x for x, _ in west.polygons[0][0]) + 1,
        east.bbox[2] - 1,
    )  # away from both outer edges

    def on_border(m: Any) -> set[tuple[float, float]]:
        return {p for ring in m.polygons[0][:1] for p in ring if band[0] < p[0] < band[1]}

    west_border, east_border = on_border(west), on_border(east)
    assert len(west_border) >= 4  # some wiggles are kept...
    assert len(west_border) < len(BORDER)  # ...and some simplified away
    assert west_border == east_border


def test_the_shipped_boundaries_fit_the_budget(denmark: Boundaries) -> None:
    codes = {m.code for m in denmark.municipalities}
    assert len(codes) in (98, 99)
    assert {101, 147, 400, 751, 851} <= codes
    copenhagen = denmark.get(101)
    assert copenhagen is not None
    assert copenhagen.name == "København"
    c = choropleth(denmark, {}, better=None)
    assert {a.code for a in c.areas} == codes
    assert all(a.d for a in c.areas)
    assert sum(len(a.d) for a in c.areas) <= PATH_BUDGET


# ------------------------------------------------------------- choropleth


def by_code(c: Choropleth) -> dict[int, Any]:
    return {a.code: a for a in c.areas}


def test_quantile_classes_hold_equal_shares() -> None:
    assert quantile_classes(range(1, 11), 5) == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert quantile_classes([], 5) == []


def test_ties_share_a_class_and_leave_fewer_classes() -> None:
    values = [1.0] * 6 + [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    ranges = quantile_classes(values, 5)
    assert len(ranges) < 5
    assert ranges[0] == (1.0, 1.0)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
    assert ranges[-1][1] == 7.0
    assert quantile_classes([2.0, 2.0, 3.0, 3.0], 5) == [(2.0, 2.0), (3.0, 3.0)]


def test_class_zero_is_the_best_whichever_way_is_better() -> None:
    b = grid(10)
    values = {i: float(i) for i in range(1, 11)}
    lower = by_code(choropleth(b, values, better="lower"))
    higher = by_code(choropleth(b, values, better="higher"))
    assert lower[1].class_index == 0
    assert lower[10].class_index == 4
    assert higher[10].class_index == 0
    assert higher[1].class_index == 4
    assert higher[10].css_class == "choropleth-0"
    neutral = by_code(choropleth(b, values, better=None))
    assert [neutral[i].class_index for i in range(1, 11)] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_the_legend_runs_best_first_and_ends_with_no_figure() -> None:
    b = grid(12)
    values: dict[int, float | None] = {i: float(i) for i in range(1, 11)}
    values[11] = None  # 12 is not in the mapping at all
    values[99] = 5.0  # nor on the map: left out
    c = choropleth(b, values, better="higher")
    assert [e.class_index for e in c.legend] == [0, 1, 2, 3, 4, None]
    assert (c.legend[0].lower, c.legend[0].upper) == (9, 10)
    assert (c.legend[4].lower, c.legend[4].upper) == (1, 2)
    assert [e.count for e in c.legend] == [2, 2, 2, 2, 2, 2]
    assert c.legend[-1].css_class == "choropleth-none"
    assert by_code(c)[11].class_index is None
    assert by_code(c)[12].css_class == "choropleth-none"
    assert 99 not in by_code(c)
    assert c.classes == 5


def test_fewer_classes_spread_over_the_palette() -> None:
    c = choropleth(grid(4), {1: 2.0, 2: 2.0, 3: 3.0, 4: 3.0}, better="lower")
    assert [e.css_class for e in c.legend] == ["choropleth-0", "choropleth-4", "choropleth-none"]
    nothing = choropleth(grid(2), {}, better="lower")
    assert [e.class_index for e in nothing.legend] == [None]


def test_the_country_fits_the_view_and_bornholm_sits_in_its_inset(denmark: Boundaries) -> None:
    c = choropleth(denmark, {}, better=None, width=600)
    assert c.inset is not None
    inset = c.inset
    assert inset.x >= 0
    assert inset.x + inset.width <= c.width + 0.1
    assert inset.y >= 0
    assert inset.y + inset.height <= c.height + 0.1

    def inside_inset(x: float, y: float) -> bool:
        return inset.x < x < inset.x + inset.width and inset.y < y < inset.y + inset.height

    for area in c.areas:
        points = [p for ring in absolute_points(area.d) for p in ring]
        assert all(-0.1 <= x <= c.width + 0.1 and -0.1 <= y <= c.height + 0.1 for x, y in points)
        if area.code in (400, 411):
            assert all(inside_inset(x, y) for x, y in points)
        else:
            assert not any(inside_inset(x, y) for x, y in points), area.name


# --------------------------------------------------------------- area map


def placed_distance(m: AreaMap, i: int, j: int) -> float:
    a, b = m.points[i], m.points[j]
    return math.hypot(a.x - b.x, a.y - b.y)


def test_every_point_is_inside_the_view_and_north_is_up(denmark: Boundaries) -> None:
    points = [
        MapPoint("a", 56.20, 10.20, "North"),
        MapPoint("b", 56.10, 10.20, "South"),
        MapPoint("c", 56.15, 10.30, "East"),
        MapPoint("d", 56.15, 10.10, "West"),
    ]
    m = area_map(AARHUS, points, denmark, width=600, height=400)
    assert m.view_box == "0 0 600 400"
    for p in m.points:
        assert POINT_RADIUS <= p.x <= m.width - POINT_RADIUS
        assert POINT_RADIUS <= p.y <= m.height - POINT_RADIUS
    north, south, east, west = m.points
    assert north.y < south.y
    assert west.x < east.x
    assert [p.number for p in m.points] == [1, 2, 3, 4]
    codes = {o.code for o in m.outlines}
    assert 751 in codes
    assert 101 not in codes
    assert all(o.d for o in m.outlines)


def test_the_shape_is_true_north_south_and_east_west(denmark: Boundaries) -> None:
    # 10 km north and 10 km east of the centre are equally far on the map.
    lat, lon = AARHUS
    dlat = math.degrees(10 / 6371.0088)
    dlon = math.degrees(10 / (6371.0088 * math.cos(math.radians(lat))))
    m = area_map(
        AARHUS, [MapPoint("n", lat + dlat, lon, "n"), MapPoint("e", lat, lon + dlon, "e")], denmark
    )
    cx, cy = m.to_svg(*AARHUS)
    north, east = (m.to_svg(lat + dlat, lon), m.to_svg(lat, lon + dlon))
    assert math.hypot(north[0] - cx, north[1] - cy) == pytest.approx(
        math.hypot(east[0] - cx, east[1] - cy), rel=0.02
    )


def test_the_scale_bar_is_as_long_as_its_distance(denmark: Boundaries) -> None:
    lat, lon = 55.06, 10.61  # Svendborg, far from the projection's 56°N
    m = area_map((lat, lon), [], denmark, radius_km=5)
    bar = m.scale_bar
    assert bar.km in (0.5, 1, 2, 5, 10, 20)
    assert bar.label in ("500 m", "1 km", "2 km", "5 km", "10 km", "20 km")
    dlon = math.degrees(bar.km / (6371.0088 * math.cos(math.radians(lat))))
    assert haversine_km(lat, lon, lat, lon + dlon) == pytest.approx(bar.km, rel=1e-3)
    x1, _ = m.to_svg(lat, lon)
    x2, _ = m.to_svg(lat, lon + dlon)
    assert bar.length == pytest.approx(x2 - x1, rel=0.01)
    assert bar.x > 0
    assert bar.x + bar.length <= m.width / 4 + bar.x


def test_without_results_the_map_shows_the_radius_around_the_place(denmark: Boundaries) -> None:
    m = area_map(AARHUS, [], denmark, radius_km=3)
    assert m.points == ()
    assert m.center == (300.0, 200.0)
    lat, lon = AARHUS
    for dlat in (-3, 3):
        _, y = m.to_svg(lat + math.degrees(dlat / 6371.0088), lon)
        assert 0 < y < m.height
        assert abs(y - m.height / 2) > m.height / 2 - 40  # the radius fills the height, padded
    assert m.outlines


def test_markers_on_one_spot_are_spread_so_each_stays_visible(denmark: Boundaries) -> None:
    same = [MapPoint(str(i), 56.15, 10.20, f"Nr {i}") for i in range(3)]
    other = MapPoint("x", 56.17, 10.25, "Other")
    m = area_map(AARHUS, [*same, other], denmark)
    assert [p.spread for p in m.points] == [False, True, True, False]
    for i in range(3):
        for j in range(i + 1, 3):
            assert placed_distance(m, i, j) >= POINT_RADIUS
    assert m.to_svg(56.15, 10.20) == pytest.approx((m.points[0].x, m.points[0].y), abs=0.1)


def test_a_spread_marker_at_the_edge_stays_inside(denmark: Boundaries) -> None:
    points = [MapPoint(str(i), 56.15, 10.20, "n") for i in range(6)]
    m = area_map(None, points, denmark, padding=0)
    assert all(
        POINT_RADIUS <= p.x <= m.width - POINT_RADIUS
        and POINT_RADIUS <= p.y <= m.height - POINT_RADIUS
        for p in m.points
    )


def test_neither_place_nor_results_shows_denmark(denmark: Boundaries) -> None:
    m = area_map(None, [], denmark)
    assert m.center is None
    assert len(m.outlines) == len(denmark.municipalities)


def test_given_numbers_are_kept(denmark: Boundaries) -> None:
    m = area_map(AARHUS, [MapPoint("a", 56.15, 10.2, "A", number=7)], denmark)
    assert m.points[0].number == 7


# ----------------------------------------------------------------- macros


def test_area_map_macro_links_every_marker(denmark: Boundaries) -> None:
    points = [
        MapPoint("123", 56.15, 10.20, "<script>alert(1)</script>"),
        MapPoint("456", 56.16, 10.22, "Solsikken"),
    ]
    html = render(
        '{% from "macros/maps.html" import area_map %}'
        "{{ area_map(m, 'area-map', 'Kort', 'Resultaterne', link_for, center_label='Her') }}",
        m=area_map(AARHUS, points, denmark),
        link_for=lambda key: f"/dagtilbud/{key}?a=1&b=2",
    )
    assert "style=" not in html
    assert "<style" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    svg = parse(html).find("svg")
    assert svg is not None
    assert svg.get("aria-labelledby") == "area-map-title area-map-desc"
    links = svg.findall("a")
    assert [a.get("href") for a in links] == ["/dagtilbud/123?a=1&b=2", "/dagtilbud/456?a=1&b=2"]
    for link, number in zip(links, ("1", "2"), strict=True):
        assert link[0].tag == "title"  # names the link
        text = link.find("text")
        assert text is not None
        assert text.text == number
    assert svg.find("g[@class='map-scale']/text") is not None


def test_choropleth_macro_links_every_municipality_and_shows_the_legend() -> None:
    b = Boundaries.from_geojson(two_neighbours())
    html = render(
        '{% from "macros/maps.html" import choropleth %}'
        "{{ choropleth(m, 'choropleth', 'Normering', 'Kort', link_for, labels, fmt, 'Tallene') }}",
        m=choropleth(b, {101: 2.9, 147: None}, better="lower"),
        link_for=lambda code: f"/kommuner/{code}",
        labels={"none": "Intet tal", "best": "bedst", "worst": "dårligst"},
        fmt=lambda v: f"{v:.1f}".replace(".", ","),
    )
    assert "style=" not in html
    assert "<style" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    root = parse(html)
    svg = root.find("figure/svg")
    assert svg is not None
    assert svg.get("role") == "group"
    areas = svg.findall("a")
    assert [a.get("href") for a in areas] == ["/kommuner/101", "/kommuner/147"]
    assert all(a.get("class") == "municipality-area" for a in areas)
    assert [a.findtext("title") for a in areas] == [
        "<script>alert(1)</script>: 2,9",
        "Frederiksberg: Intet tal",
    ]
    hatch = svg.find("defs/pattern")
    assert hatch is not None
    assert areas[1][1].get("fill") == f"url(#{hatch.get('id')})"
    legend = ["".join(li.itertext()) for li in root.iter("li")]
    assert legend == ["2,9", "Intet tal"]
    assert len(root.findall(".//table/tbody/tr")) == 2
