"""Distances on the earth, the same way on every path."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def bounding_box(lat: float, lon: float, radius_m: float) -> BoundingBox:
    """A box that holds every point within radius_m (generous at the edges)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    return BoundingBox(lat - dlat, lat + dlat, lon - dlon, lon + dlon)
