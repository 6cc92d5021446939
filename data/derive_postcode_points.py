"""Builds postnumre_punkter.csv: one point per postcode that lies on land, inside
the postcode, near where its people live. The search service geocodes a
postcode to this point.

    python data/derive_postcode_points.py

Why: DAWA's visueltcenter (postnumre.csv) is a point inside the postal
district, but the districts include the sea off their coasts, so for coastal
districts the "centre" is often at sea, sometimes hundreds of kilometres out
(6950 Ringkøbing at lon 4.07); a radius search from there finds nothing.

Method, per postcode (first rule that applies):

1. ``daycare_medoid``: the postcode has daycare units in
   dagtilbud_enheder_dk.csv (daycare sits where families live). The point is
   their medoid: the unit whose summed great-circle distance to the
   postcode's other units is smallest (ties: lowest unit id), among the units
   that lie inside the municipality polygons. Unlike a mean, a medoid is an
   address that exists, and one unit registered far away does not pull it.
2. ``visual_centre``: no units, and DAWA's visual centre lies on land, i.e.
   inside a municipality polygon of kommuner_simplified.geojson: kept as it
   is (the simplified boundaries between municipalities are off by up to a
   few hundred metres, so which municipality does not matter here).
3. ``nearest_land``: otherwise, of a 41 x 41 grid over the postcode's
   bounding box (DAWA's bbox), the point on land nearest to the visual centre,
   preferring the land of the postcode's own municipalities; where the box
   holds no land (small islands that the simplified boundaries leave out, such
   as Lyø), the nearest point of the own municipalities' coast, moved inland
   along the line from the visual centre until it is on land (at least 100 m).

Points are rounded to 5 decimals (about 1 m), like the register's.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "postnumre_punkter.csv"
COLUMNS = ["postnr", "navn", "lat", "lon", "metode", "dagtilbud"]
EARTH_RADIUS_M = 6_371_008.8
INLAND_STEPS_M = (100, 200, 400, 800, 1600, 3200)
GRID = 41

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...]
Polygon = Sequence[Ring]  # outer ring, then holes


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_polygon(lon: float, lat: float, polygon: Polygon) -> bool:
    return in_ring(lon, lat, polygon[0]) and not any(in_ring(lon, lat, h) for h in polygon[1:])


def load_municipalities() -> dict[int, list[Polygon]]:
    with (HERE / "kommuner_simplified.geojson").open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return {
        int(f["properties"]["kode"]): list(f["geometry"]["coordinates"])
        for f in features
        if f["geometry"]["type"] == "MultiPolygon"
    }


def on_land(lon: float, lat: float, polygons: Sequence[Polygon]) -> bool:
    return any(in_polygon(lon, lat, p) for p in polygons)


def nearest_land(lon: float, lat: float, polygons: Sequence[Polygon]) -> tuple[float, float]:
    """The nearest boundary point, then inland along the line from (lon, lat)."""
    # A local plane (x = lon scaled by cos(lat)) is exact enough at these distances.
    kx = math.cos(math.radians(lat))
    best: tuple[float, float, float] | None = None
    for polygon in polygons:
        for ring in polygon:
            for a, b in itertools.pairwise(ring):
                ax, ay, bx, by = a[0] * kx, a[1], b[0] * kx, b[1]
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else ((lon * kx - ax) * dx + (lat - ay) * dy) / length2
                t = min(1.0, max(0.0, t))
                x, y = ax + t * dx, ay + t * dy
                d2 = (x - lon * kx) ** 2 + (y - lat) ** 2
                if best is None or d2 < best[0]:
                    best = (d2, x / kx, y)
    if best is None:
        raise ValueError("no polygons")
    _d2, blon, blat = best
    dx, dy = (blon - lon) * kx, blat - lat
    norm = math.hypot(dx, dy)
    directions = (
        [(dx / norm, dy / norm)]
        if norm > 0
        else [(math.cos(a), math.sin(a)) for a in (i * math.pi / 4 for i in range(8))]
    )
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180
    for step in INLAND_STEPS_M:
        for ux, uy in directions:
            qlon = blon + ux * step / metres_per_degree / kx
            qlat = blat + uy * step / metres_per_degree
            if on_land(qlon, qlat, polygons):
                return qlon, qlat
    raise ValueError(f"no land near {lat}, {lon}")


def nearest_land_in_box(
    lon: float,
    lat: float,
    box: tuple[float, float, float, float],
    own: Sequence[Polygon],
    land: Sequence[Polygon],
) -> tuple[float, float] | None:
    """The grid point of ``box`` (min lon, min lat, max lon, max lat) nearest to
    (lon, lat) on the own municipalities' land, else on any land; None: no land."""
    min_lon, min_lat, max_lon, max_lat = box
    grid = [
        # Rounded as the output is, so what is tested here is what is written.
        (
            round(min_lon + (max_lon - min_lon) * i / (GRID - 1), 5),
            round(min_lat + (max_lat - min_lat) * j / (GRID - 1), 5),
        )
        for i in range(GRID)
        for j in range(GRID)
    ]
    grid.sort(key=lambda p: haversine_m(lat, lon, p[1], p[0]))
    for polygons in (own, land):
        for glon, glat in grid:
            if on_land(glon, glat, polygons):
                return glon, glat
    return None


def medoid(units: Sequence[dict[str, str]]) -> dict[str, str]:
    def cost(unit: dict[str, str]) -> tuple[float, str]:
        lat, lon = float(unit["lat"]), float(unit["lon"])
        total = sum(haversine_m(lat, lon, float(u["lat"]), float(u["lon"])) for u in units)
        return total, unit["id"]

    return min(units, key=cost)


def main() -> None:
    municipalities = load_municipalities()
    land = [p for polygons in municipalities.values() for p in polygons]
    units_by_postcode: dict[str, list[dict[str, str]]] = {}
    with (HERE / "dagtilbud_enheder_dk.csv").open(encoding="utf-8") as fh:
        for unit in csv.DictReader(fh):
            units_by_postcode.setdefault(unit["postnr"].zfill(4), []).append(unit)
    rows = []
    with (HERE / "postnumre.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            postcode = row["postnr"].zfill(4)
            lon, lat = float(row["visueltcenter_lon"]), float(row["visueltcenter_lat"])
            own = [p for c in row["kommunekoder"].split() for p in municipalities[int(c)]]
            units = units_by_postcode.get(postcode, [])
            inside = [u for u in units if on_land(float(u["lon"]), float(u["lat"]), land)]
            if inside:
                chosen = medoid(inside)
                lon, lat, method = float(chosen["lon"]), float(chosen["lat"]), "daycare_medoid"
            elif units:  # every unit just off the simplified coast: their medoid, moved inland
                chosen = medoid(units)
                lon, lat = nearest_land(float(chosen["lon"]), float(chosen["lat"]), land)
                method = "nearest_land"
            elif on_land(lon, lat, land):
                method = "visual_centre"
            else:
                box = (
                    float(row["bbox_minlon"]),
                    float(row["bbox_minlat"]),
                    float(row["bbox_maxlon"]),
                    float(row["bbox_maxlat"]),
                )
                in_box = nearest_land_in_box(lon, lat, box, own, land)
                lon, lat = in_box or nearest_land(lon, lat, own)
                method = "nearest_land"
            lat, lon = round(lat, 5), round(lon, 5)
            if not on_land(lon, lat, land):
                raise ValueError(f"{postcode}: {lat}, {lon} is not on land")
            units_count = str(len(units))
            rows.append([postcode, row["navn"], f"{lat:.5f}", f"{lon:.5f}", method, units_count])
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
