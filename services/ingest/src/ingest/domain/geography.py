"""Where a point lies among the municipalities' boundaries.

Plain geometry over the shipped simplified boundaries (WGS84 lon/lat rings),
no third-party library: a ray-casting point-in-polygon test and the distance
from a point to a municipality's edges. Denmark is small enough that a local
flat projection (degrees scaled by the cosine of the latitude) is accurate to
well under one per cent at the distances that matter here (a few km).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

# Rings as the GeoJSON holds them: [[lon, lat], ...], first point = last point.
Ring = Sequence[Sequence[float]]
# Edges are kept in horizontal bands of this height (degrees of latitude,
# about 550 m) per municipality, so a point is tested against the handful of
# its municipality's edges that cross its band instead of all ~22,000.
BAND = 0.005
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_EQUATOR = 111.320

# (lowest latitude, highest latitude, x1, y1, change of longitude per degree
# of latitude): what the ray test needs of one edge.
_Edge = tuple[float, float, float, float, float]


class Boundaries:
    """Municipality polygons, for "is this point in municipality X", "which
    municipality is it in" and "how far is it from municipality X"."""

    def __init__(self, rings: Mapping[int, Iterable[Ring]]) -> None:
        self._rings: dict[int, list[list[tuple[float, float]]]] = {}
        self._bands: dict[int, dict[int, list[_Edge]]] = {}
        for code, code_rings in rings.items():
            own = self._rings.setdefault(code, [])
            for ring in code_rings:
                points = [(float(p[0]), float(p[1])) for p in ring]
                own.append(points)
                for (x1, y1), (x2, y2) in itertools.pairwise(points):
                    if y1 == y2:
                        continue  # a horizontal edge never crosses a horizontal ray
                    edge = (min(y1, y2), max(y1, y2), x1, y1, (x2 - x1) / (y2 - y1))
                    for band in range(_band(edge[0]), _band(edge[1]) + 1):
                        self._bands.setdefault(band, {}).setdefault(code, []).append(edge)

    @property
    def codes(self) -> frozenset[int]:
        return frozenset(self._rings)

    def contains(self, code: int, lat: float, lon: float) -> bool:
        """Whether the municipality's polygons hold the point (even-odd rule,
        so holes and islands need no special case)."""
        inside = False
        for y_low, y_high, x1, y1, dx_dy in self._bands.get(_band(lat), {}).get(code, ()):
            # Half-open in latitude, so a vertex on the ray counts once.
            if y_low <= lat < y_high and x1 + (lat - y1) * dx_dy > lon:
                inside = not inside
        return inside

    def containing(self, lat: float, lon: float) -> set[int]:
        """The municipalities that hold the point: usually one; none at sea or
        abroad; two only where simplified borders overlap."""
        return {code for code in self._bands.get(_band(lat), {}) if self.contains(code, lat, lon)}

    def distance_km(self, code: int, lat: float, lon: float) -> float:
        """Kilometres from the point to the nearest edge of the municipality
        (0 inside it)."""
        if self.contains(code, lat, lon):
            return 0.0
        kx = KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(lat))
        ky = KM_PER_DEGREE_LAT
        best = math.inf
        for ring in self._rings.get(code, ()):
            for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                ax, ay = (x1 - lon) * kx, (y1 - lat) * ky
                bx, by = (x2 - lon) * kx, (y2 - lat) * ky
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy))
        return best


def _band(lat: float) -> int:
    return math.floor(lat / BAND)
