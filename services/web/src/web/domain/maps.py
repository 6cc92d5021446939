"""Maps of Denmark as SVG path data.

``Boundaries`` holds the municipalities' outlines, projected and simplified
once; ``choropleth`` colours them by one figure for the national overview;
``area_map`` draws the neighbourhood of a search and its results.

Projection: equirectangular around 56°N, in kilometres: x = R·λ·cos 56°,
y = −R·φ (north is up, as in SVG). Across Denmark (54.6°–57.8°N) east-west
distances are off by at most 5 %, which no one sees on a map this size; the
scale bar uses the true scale at the map's own latitude.

Shared borders are simplified once, as arcs between the points where the set of
municipalities a vertex belongs to changes (the way TopoJSON does it), so two
neighbours get exactly the same line and no slivers open between them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from web.domain.charts import num as _num
from web.domain.charts import r1 as _r1

Point = tuple[float, float]
Ring = tuple[Point, ...]
BBox = tuple[float, float, float, float]  # min_x, min_y, max_x, max_y (projected km)
ArcRef = tuple[int, bool]  # (index into Boundaries.arcs, walked backwards)

EARTH_RADIUS_KM = 6371.0088
REFERENCE_LATITUDE = 56.0
_K = math.cos(math.radians(REFERENCE_LATITUDE))
_KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180

# Douglas-Peucker tolerance for the whole-country map. Measured on the shipped
# data/kommuner_simplified.geojson (22,300 vertices, 17,400 with each shared
# border counted once): 0.5 km keeps 5,700 and the 99 path strings of a
# 600-unit-wide choropleth come to 42 KB, 15.5 KB gzip'd (the budget is 60 KB;
# 0.3 km would take 61 KB). Coastlines and fjords stay recognisable at that
# size, where one unit is about 0.5 km.
DEFAULT_TOLERANCE_KM = 0.5

# Bornholm and Christiansø lie 150 km east of the rest; the overview map draws
# them in a box moved west into the Kattegat, as official Danish maps do.
INSET_CODES = frozenset({400, 411})


def project(lat: float, lon: float) -> Point:
    return (lon * _KM_PER_DEGREE * _K, -lat * _KM_PER_DEGREE)


def latitude_of(y: float) -> float:
    return -y / _KM_PER_DEGREE


# --------------------------------------------------------------- simplifying


def simplify_line(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: the first and last points stay, and so does every point
    farther than ``tolerance`` from the simplified line."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    stack = [(0, n - 1)]
    while stack:  # iterative: long coastlines would overflow the recursion
        a, b = stack.pop()
        ax, ay = points[a]
        dx, dy = points[b][0] - ax, points[b][1] - ay
        length2 = dx * dx + dy * dy
        farthest, index = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i][0] - ax, points[i][1] - ay
            # Distance to the segment, not the infinite line: a spike that turns
            # back past an end point still counts as far.
            t = 0.0 if length2 == 0 else min(1.0, max(0.0, (px * dx + py * dy) / length2))
            ex, ey = px - t * dx, py - t * dy
            d2 = ex * ex + ey * ey
            if d2 > farthest:
                farthest, index = d2, i
        if farthest > limit:
            keep[index] = True
            stack.extend(((a, index), (index, b)))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(points: Sequence[Point], tolerance: float) -> list[Point]:
    """A closed ring (without the repeated first point) split at its first point
    and the point farthest from it, each half simplified."""
    if len(points) < 4:
        return list(points)
    x0, y0 = points[0]
    far = max(range(len(points)), key=lambda i: (points[i][0] - x0) ** 2 + (points[i][1] - y0) ** 2)
    first = simplify_line(points[: far + 1], tolerance)
    second = simplify_line([*points[far:], points[0]], tolerance)
    return first + second[1:-1]


# ---------------------------------------------------------------- boundaries


@dataclass(frozen=True)
class Arc:
    points: tuple[Point, ...]  # projected, full detail
    closed: bool  # a whole ring: an island, or a ring two neighbours share whole


@dataclass(frozen=True)
class Municipality:
    code: int  # 101 for '0101'
    name: str
    bbox: BBox  # of the full-detail outline
    # Simplified at Boundaries.tolerance; per polygon the outer ring first. Rings
    # that collapsed below 3 points are gone (and a polygon with its outer ring).
    polygons: tuple[tuple[Ring, ...], ...]
    # Every full-detail ring as arcs, for maps drawn closer up.
    arc_rings: tuple[tuple[tuple[ArcRef, ...], ...], ...]


@dataclass(frozen=True)
class Boundaries:
    municipalities: tuple[Municipality, ...]  # by code
    arcs: tuple[Arc, ...]
    tolerance: float

    @classmethod
    def from_geojson(
        cls, obj: Mapping[str, Any], tolerance: float = DEFAULT_TOLERANCE_KM
    ) -> Boundaries:
        """From a FeatureCollection of Polygon/MultiPolygon features in WGS84
        with properties ``kode`` ('0101') and ``navn``."""
        features = []
        for feature in obj["features"]:
            props, geometry = feature["properties"], feature["geometry"]
            coords = geometry["coordinates"]
            polygons = [coords] if geometry["type"] == "Polygon" else coords
            rings = [
                [r for r in (_clean_ring(raw) for raw in polygon) if r] for polygon in polygons
            ]
            kept = [p for p in rings if p]
            if kept:  # a feature without any ring has nothing to draw
                features.append((int(props["kode"]), str(props["navn"]), kept))

        owners: dict[tuple[float, float], set[int]] = defaultdict(set)
        for index, (_, _, polygons) in enumerate(features):
            for polygon in polygons:
                for ring in polygon:
                    for vertex in ring:
                        owners[vertex].add(index)

        arc_index: dict[tuple[tuple[float, float], ...], int] = {}
        raw_arcs: list[tuple[tuple[tuple[float, float], ...], bool]] = []

        def ref(points: tuple[tuple[float, float], ...], closed: bool) -> ArcRef:
            canonical, backwards = _canonical(points, closed)
            if canonical not in arc_index:
                arc_index[canonical] = len(raw_arcs)
                raw_arcs.append((canonical, closed))
            return arc_index[canonical], backwards

        built = []
        for code, name, polygons in features:
            arc_rings = tuple(
                tuple(
                    tuple(ref(p, c) for p, c in _split_at_junctions(ring, owners))
                    for ring in polygon
                )
                for polygon in polygons
            )
            built.append((code, name, arc_rings))

        arcs = tuple(
            Arc(tuple(project(lat, lon) for lon, lat in points), closed)
            for points, closed in raw_arcs
        )
        cache: dict[int, list[Point]] = {}
        municipalities = []
        for code, name, arc_rings in built:
            simplified = _polygons(arc_rings, arcs, tolerance, cache)
            every = [
                p
                for polygon in arc_rings
                for ring in polygon
                for a, _ in ring
                for p in arcs[a].points
            ]
            municipalities.append(
                Municipality(
                    code, name, _bbox(every), tuple(tuple(p) for p in simplified), arc_rings
                )
            )
        municipalities.sort(key=lambda m: m.code)
        return cls(tuple(municipalities), arcs, tolerance)

    def get(self, code: int) -> Municipality | None:
        for municipality in self.municipalities:
            if municipality.code == code:
                return municipality
        return None

    @property
    def bbox(self) -> BBox:
        return _union(m.bbox for m in self.municipalities)

    def rings_at(
        self, municipality: Municipality, tolerance: float, cache: dict[int, list[Point]]
    ) -> list[list[Ring]]:
        """The municipality's polygons simplified at another tolerance; ``cache``
        (arc index -> simplified points) shares the work between neighbours."""
        return _polygons(municipality.arc_rings, self.arcs, tolerance, cache)


def _polygons(
    arc_rings: Sequence[Sequence[Sequence[ArcRef]]],
    arcs: Sequence[Arc],
    tolerance: float,
    cache: dict[int, list[Point]],
) -> list[list[Ring]]:
    polygons = _simplified_polygons(arc_rings, arcs, tolerance, cache)
    if not polygons:
        # A lone islet (Christiansø) smaller than the tolerance would vanish;
        # finer, it stays a speck on the map.
        polygons = _simplified_polygons(arc_rings, arcs, tolerance / 10, {})
    return polygons


def _simplified_polygons(
    arc_rings: Sequence[Sequence[Sequence[ArcRef]]],
    arcs: Sequence[Arc],
    tolerance: float,
    cache: dict[int, list[Point]],
) -> list[list[Ring]]:
    polygons = []
    for polygon in arc_rings:
        rings: list[Ring] = []
        for ring in polygon:
            for index, _ in ring:
                if index not in cache:
                    cache[index] = _simplify_arc(arcs[index], tolerance)
            assembled = _assemble(ring, cache)
            if assembled is not None:
                rings.append(assembled)
            elif not rings:
                break  # the outer ring collapsed: its holes go with it
        if rings:
            polygons.append(rings)
    return polygons


def _clean_ring(raw: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    ring: list[tuple[float, float]] = []
    for position in raw:
        vertex = (float(position[0]), float(position[1]))
        if not ring or ring[-1] != vertex:
            ring.append(vertex)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return tuple(ring) if len(ring) >= 3 else ()


def _split_at_junctions(
    ring: tuple[tuple[float, float], ...], owners: Mapping[tuple[float, float], set[int]]
) -> list[tuple[tuple[tuple[float, float], ...], bool]]:
    """The ring as arcs: a junction is a vertex whose owners differ from its
    neighbour's, so between two junctions every vertex has the same owners and
    the same stretch of border appears, vertex for vertex, in each of them."""
    n = len(ring)
    sets = [owners[v] for v in ring]
    junctions = [i for i in range(n) if sets[i] != sets[i - 1] or sets[i] != sets[(i + 1) % n]]
    if not junctions:
        return [(ring, True)]
    arcs = []
    for k, start in enumerate(junctions):
        end = junctions[(k + 1) % len(junctions)]
        if end > start:
            arcs.append((ring[start : end + 1], False))
        else:
            arcs.append(((*ring[start:], *ring[: end + 1]), False))
    return arcs


def _canonical(
    points: tuple[tuple[float, float], ...], closed: bool
) -> tuple[tuple[tuple[float, float], ...], bool]:
    """One orientation (and, for a closed ring, one starting point) per arc, so
    both neighbours look the same arc up; True if ``points`` run backwards."""
    if not closed:
        backwards = points[::-1]
        return (backwards, True) if backwards < points else (points, False)
    start = points.index(min(points))
    forwards = points[start:] + points[:start]
    backwards = (forwards[0], *forwards[:0:-1])
    return (backwards, True) if backwards < forwards else (forwards, False)


def _simplify_arc(arc: Arc, tolerance: float) -> list[Point]:
    if arc.closed:
        return simplify_ring(arc.points, tolerance)
    return simplify_line(arc.points, tolerance)


def _assemble(ring: Sequence[ArcRef], simplified: Mapping[int, list[Point]]) -> Ring | None:
    points: list[Point] = []
    for index, backwards in ring:
        part = simplified[index]
        if backwards:
            part = part[::-1]
        # Consecutive arcs share their junction point.
        points.extend(part[1:] if points and part and points[-1] == part[0] else part)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return tuple(points) if len(set(points)) >= 3 else None


def _bbox(points: Iterable[Point]) -> BBox:
    xs, ys = zip(*points, strict=True)
    return (min(xs), min(ys), max(xs), max(ys))


def _union(boxes: Iterable[BBox]) -> BBox:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _intersects(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


# ----------------------------------------------------------------- path data


def _number(tenths: int) -> str:
    # Integers in tenths keep the relative steps exact: rounding never drifts.
    sign = "-" if tenths < 0 else ""
    whole, fraction = divmod(abs(tenths), 10)
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{fraction}"


def _path(rings: Iterable[Sequence[Point]], transform: Callable[[Point], Point]) -> str:
    """SVG path data, one closed subpath per ring: an absolute move, then
    relative steps ("M12 34l1.5-2 ..z"), about half the size of absolute ones."""
    parts = []
    for ring in rings:
        ints: list[tuple[int, int]] = []
        for point in ring:
            x, y = transform(point)
            step = (round(x * 10), round(y * 10))
            if not ints or ints[-1] != step:
                ints.append(step)
        if len(ints) > 1 and ints[0] == ints[-1]:
            ints.pop()
        if len(set(ints)) < 3:
            continue  # smaller than a tenth of a unit
        text = [f"M{_number(ints[0][0])} {_number(ints[0][1])}l"]
        first = True
        for (x0, y0), (x1, y1) in pairwise(ints):
            for value in (x1 - x0, y1 - y0):
                token = _number(value)
                # A minus sign separates numbers by itself.
                text.append(token if first or token.startswith("-") else " " + token)
                first = False
        text.append("z")
        parts.append("".join(text))
    return "".join(parts)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


# ----------------------------------------------------------------- choropleth

PALETTE_SIZE = 5  # .choropleth-0 ... .choropleth-4 in assets/scss/_charts.scss
NO_FIGURE_CLASS = "choropleth-none"
Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Area:
    code: int
    name: str
    d: str
    class_index: int | None  # None: no figure
    value: float | None
    css_class: str  # choropleth-0 ... choropleth-4, or choropleth-none


@dataclass(frozen=True)
class LegendEntry:
    class_index: int | None  # None: the no-figure entry (always last)
    lower: float | None  # the smallest value in the class
    upper: float | None  # the largest
    count: int  # municipalities in the class
    css_class: str


@dataclass(frozen=True)
class Choropleth:
    width: float
    height: float
    areas: tuple[Area, ...]
    legend: tuple[LegendEntry, ...]
    better: Better | None
    inset: Rect | None  # the frame around Bornholm where it is drawn moved

    @property
    def view_box(self) -> str:
        return f"0 0 {_num(self.width)} {_num(self.height)}"

    @property
    def classes(self) -> int:
        return sum(1 for e in self.legend if e.class_index is not None)


def quantile_classes(values: Iterable[float], classes: int) -> list[tuple[float, float]]:
    """Class ranges (smallest, largest value), low to high, each holding about
    the same number of values. Equal values always share a class, so there may
    be fewer classes; with at most ``classes`` distinct values each is a class."""
    ordered = sorted(values)
    if not ordered:
        return []
    distinct = sorted(set(ordered))
    if len(distinct) <= classes:
        return [(v, v) for v in distinct]
    n = len(ordered)
    # Upper bounds at the quantiles, each an actual value; a bound repeated by
    # ties, or equal to the maximum, would leave a class empty.
    bounds = sorted(
        {ordered[math.ceil(n * i / classes) - 1] for i in range(1, classes)} - {ordered[-1]}
    )
    ranges: list[list[float]] = [[] for _ in range(len(bounds) + 1)]
    for value in distinct:
        ranges[_class_of(value, bounds)].append(value)
    return [(r[0], r[-1]) for r in ranges]


def _class_of(value: float, bounds: Sequence[float]) -> int:
    return sum(1 for b in bounds if value > b)


def choropleth(
    boundaries: Boundaries,
    values: Mapping[int, float | None],
    *,
    better: Better | None,
    classes: int = 5,
    width: float = 600.0,
    padding: float = 8.0,
    bornholm_inset: bool = True,
) -> Choropleth:
    """Every municipality in its quantile class of ``values`` (municipality
    code -> figure). Class 0 is the best when ``better`` says which way is
    better, so the same colour always means best; otherwise 0 is the lowest."""
    if not 1 <= classes <= PALETTE_SIZE:
        raise ValueError(f"classes must be 1 to {PALETTE_SIZE}")
    codes = {m.code for m in boundaries.municipalities}
    present = [v for c, v in values.items() if v is not None and c in codes]
    ranges = quantile_classes(present, classes)
    k = len(ranges)

    def index_of(value: float) -> int:
        low_to_high = next(i for i, (_, upper) in enumerate(ranges) if value <= upper)
        return k - 1 - low_to_high if better == "higher" else low_to_high

    def css(index: int) -> str:
        # Fewer classes spread over the palette, so best and worst keep their colours.
        shade = 0 if k == 1 else round(index * (PALETTE_SIZE - 1) / (k - 1))
        return f"choropleth-{shade}"

    inset_codes = INSET_CODES & codes if bornholm_inset else frozenset()
    main = [m for m in boundaries.municipalities if m.code not in inset_codes] or list(
        boundaries.municipalities
    )
    min_x, min_y, max_x, max_y = _union(m.bbox for m in main)
    scale = (width - 2 * padding) / (max_x - min_x)
    height = (max_y - min_y) * scale + 2 * padding
    shift: Point = (0.0, 0.0)
    inset: Rect | None = None
    if inset_codes and len(main) < len(boundaries.municipalities):
        ix0, iy0, ix1, iy1 = _union(
            m.bbox for m in boundaries.municipalities if m.code in inset_codes
        )
        margin = padding / scale
        # The inset's top right corner at the main map's top right corner.
        shift = (max_x - margin - ix1, min_y + margin - iy0)
        inset = Rect(
            _r1((ix0 + shift[0] - min_x) * scale),
            _r1((iy0 + shift[1] - min_y) * scale),
            _r1((ix1 - ix0 + 2 * margin) * scale),
            _r1((iy1 - iy0 + 2 * margin) * scale),
        )

    def transform_for(moved: bool) -> Callable[[Point], Point]:
        dx, dy = shift if moved else (0.0, 0.0)
        return lambda p: (
            (p[0] + dx - min_x) * scale + padding,
            (p[1] + dy - min_y) * scale + padding,
        )

    areas = []
    counts: dict[int | None, int] = defaultdict(int)
    for m in boundaries.municipalities:
        value = values.get(m.code)
        index = None if value is None else index_of(value)
        counts[index] += 1
        d = _path(
            (r for polygon in m.polygons for r in polygon), transform_for(m.code in inset_codes)
        )
        if d:
            areas.append(
                Area(
                    m.code,
                    m.name,
                    d,
                    index,
                    value,
                    NO_FIGURE_CLASS if index is None else css(index),
                )
            )
    legend = [
        LegendEntry(index_of(lower), lower, upper, 0, css(index_of(lower)))
        for lower, upper in ranges
    ]
    legend.sort(key=lambda e: e.class_index or 0)
    legend = [
        LegendEntry(e.class_index, e.lower, e.upper, counts[e.class_index], e.css_class)
        for e in legend
    ]
    legend.append(LegendEntry(None, None, None, counts[None], NO_FIGURE_CLASS))
    return Choropleth(width, _r1(height), tuple(areas), tuple(legend), better, inset)


# ---------------------------------------------------------------- area map

POINT_RADIUS = 8.0  # the markers' radius in the macro (and the CSS)
_SAME_PLACE = POINT_RADIUS  # closer than this (SVG units), a marker hides the other's number
_SPREAD = 1.4 * POINT_RADIUS
_MIN_HALF_KM = 0.5  # a single result still shows its streets around it
_OUTLINE_TOLERANCE = 0.6  # SVG units: finer than a pixel wouldn't show
_CLIP_MARGIN = 4.0  # SVG units: the clipped edges stay outside the view
_SCALE_BAR_KM = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


@dataclass(frozen=True)
class MapPoint:
    key: str  # what link_for gets
    lat: float
    lon: float
    label: str  # the marker's title (name)
    number: int | None = None  # the visible number; 1, 2, ... in order if None


@dataclass(frozen=True)
class PlacedPoint:
    key: str
    label: str
    number: int
    x: float
    y: float
    spread: bool  # moved off a place another marker already has


@dataclass(frozen=True)
class Outline:
    code: int
    name: str
    d: str


@dataclass(frozen=True)
class ScaleBar:
    x: float
    y: float
    length: float  # SVG units
    km: float
    label: str  # "500 m", "2 km"


@dataclass(frozen=True)
class AreaMap:
    width: float
    height: float
    outlines: tuple[Outline, ...]
    points: tuple[PlacedPoint, ...]
    center: Point | None  # SVG position of the searched place
    scale_bar: ScaleBar
    # Projected km -> SVG: (x - origin_x) * scale, (y - origin_y) * scale.
    origin_x: float
    origin_y: float
    scale: float

    @property
    def view_box(self) -> str:
        return f"0 0 {_num(self.width)} {_num(self.height)}"

    def to_svg(self, lat: float, lon: float) -> Point:
        x, y = project(lat, lon)
        return ((x - self.origin_x) * self.scale, (y - self.origin_y) * self.scale)


def area_map(
    center: tuple[float, float] | None,
    points: Sequence[MapPoint],
    boundaries: Boundaries,
    *,
    width: float = 600.0,
    height: float = 400.0,
    padding: float = 28.0,
    radius_km: float = 2.0,
) -> AreaMap:
    """The searched place (lat, lon) and the results, fitted into the map with
    ``padding`` (SVG units) to spare, north up and true to shape. Without any
    result the map shows ``radius_km`` around the place; with neither, Denmark."""
    projected = [project(p.lat, p.lon) for p in points]
    centre_km = project(*center) if center else None
    spots = projected + ([centre_km] if centre_km else [])
    if not spots:
        box = boundaries.bbox
    elif not projected and centre_km:
        half_x = (
            radius_km * _K / math.cos(math.radians(center[0] if center else REFERENCE_LATITUDE))
        )
        box = (
            centre_km[0] - half_x,
            centre_km[1] - radius_km,
            centre_km[0] + half_x,
            centre_km[1] + radius_km,
        )
    else:
        box = _bbox(spots)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half_w = max((box[2] - box[0]) / 2, _MIN_HALF_KM)
    half_h = max((box[3] - box[1]) / 2, _MIN_HALF_KM)
    scale = min((width - 2 * padding) / (2 * half_w), (height - 2 * padding) / (2 * half_h))
    origin_x, origin_y = cx - width / 2 / scale, cy - height / 2 / scale
    view: BBox = (origin_x, origin_y, origin_x + width / scale, origin_y + height / scale)

    def to_svg(p: Point) -> Point:
        return ((p[0] - origin_x) * scale, (p[1] - origin_y) * scale)

    margin = _CLIP_MARGIN / scale
    clip_box = (view[0] - margin, view[1] - margin, view[2] + margin, view[3] + margin)
    cache: dict[int, list[Point]] = {}
    outlines = []
    for m in boundaries.municipalities:
        if not _intersects(m.bbox, view):
            continue
        rings = [
            clipped
            for polygon in boundaries.rings_at(m, _OUTLINE_TOLERANCE / scale, cache)
            for ring in polygon
            if (clipped := _clip(ring, clip_box))
        ]
        d = _path(rings, to_svg)
        if d:
            outlines.append(Outline(m.code, m.name, d))

    placed = _spread([to_svg(p) for p in projected], width, height)
    placed_points = tuple(
        PlacedPoint(
            p.key,
            p.label,
            p.number if p.number is not None else i,
            _r1(x),
            _r1(y),
            spread,
        )
        for i, (p, (x, y, spread)) in enumerate(zip(points, placed, strict=True), start=1)
    )
    centre_svg = to_svg(centre_km) if centre_km else None
    return AreaMap(
        width=width,
        height=height,
        outlines=tuple(outlines),
        points=placed_points,
        center=(_r1(centre_svg[0]), _r1(centre_svg[1])) if centre_svg else None,
        scale_bar=_scale_bar(scale, latitude_of(cy), width, height),
        origin_x=origin_x,
        origin_y=origin_y,
        scale=scale,
    )


def _spread(
    positions: Sequence[Point], width: float, height: float
) -> list[tuple[float, float, bool]]:
    """Markers on the same spot (two institutions at one address), or nearly,
    would hide each other: the first stays, the others go round it on a sunflower spiral
    (golden angle, radius growing with the square root), far enough apart to
    see and click each. All stay inside the view."""
    anchors: list[tuple[Point, int]] = []  # (position, how many share it)
    out = []
    golden = math.pi * (3 - math.sqrt(5))
    for x, y in positions:
        for i, ((ax, ay), count) in enumerate(anchors):
            if math.hypot(ax - x, ay - y) < _SAME_PLACE:
                anchors[i] = ((ax, ay), count + 1)
                angle, radius = count * golden, _SPREAD * math.sqrt(count)
                x, y = ax + radius * math.cos(angle), ay + radius * math.sin(angle)
                spread = True
                break
        else:
            anchors.append(((x, y), 1))
            spread = False
        x = min(max(x, POINT_RADIUS), width - POINT_RADIUS)
        y = min(max(y, POINT_RADIUS), height - POINT_RADIUS)
        out.append((x, y, spread))
    return out


def _scale_bar(scale: float, latitude: float, width: float, height: float) -> ScaleBar:
    # One projected km is cos(56°)/cos(latitude) km on the ground, east-west.
    units_per_ground_km = scale * _K / math.cos(math.radians(latitude))
    fitting = [km for km in _SCALE_BAR_KM if km * units_per_ground_km <= width / 4]
    km = fitting[-1] if fitting else _SCALE_BAR_KM[0]
    label = f"{round(km * 1000)} m" if km < 1 else f"{km:g} km"
    return ScaleBar(12.0, _r1(height - 12), _r1(km * units_per_ground_km), km, label)


def _clip(ring: Sequence[Point], box: BBox) -> list[Point]:
    """Sutherland-Hodgman against the box: a big municipality's outline is cut
    to the part near the view instead of sent whole."""
    x0, y0, x1, y1 = box
    if all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in ring):
        return list(ring)
    points = list(ring)
    for axis, bound, keep_above in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        if not points:
            break

        def inside(
            p: Point, axis: int = axis, bound: float = bound, keep_above: bool = keep_above
        ) -> bool:
            return p[axis] >= bound if keep_above else p[axis] <= bound

        def cut(a: Point, b: Point, axis: int = axis, bound: float = bound) -> Point:
            t = (bound - a[axis]) / (b[axis] - a[axis])
            other = a[1 - axis] + t * (b[1 - axis] - a[1 - axis])
            return (bound, other) if axis == 0 else (other, bound)

        result: list[Point] = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(cut(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cut(previous, current))
            previous = current
        points = result
    return points if len(points) >= 3 else []
