"""Reads the postcodes geocoding needs from the shipped files (see
data/SOURCES.md): ``postnumre.csv`` for the names and municipalities, and
``postnumre_punkter.csv`` for each postcode's point on land."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from search.domain.geocoding import GeoPoint, Place, PostcodeGeocoder

POSTCODE_FILE = "postnumre.csv"
POINTS_FILE = "postnumre_punkter.csv"


def load_geocoder(data_dir: Path) -> PostcodeGeocoder:
    """A geocoder over the postcodes in ``data_dir``; ValueError when the
    files hold none, or a postcode lacks its point."""
    return PostcodeGeocoder(_load_places(str(data_dir.resolve())))


# Every app (each gunicorn worker, each test) reads the same files; once per
# directory is enough.
@functools.lru_cache(maxsize=4)
def _load_places(data_dir: str) -> tuple[Place, ...]:
    directory = Path(data_dir)
    with (directory / POINTS_FILE).open(encoding="utf-8-sig", newline="") as f:
        points = {
            row["postnr"].zfill(4): GeoPoint(lat=float(row["lat"]), lon=float(row["lon"]))
            for row in csv.DictReader(f)
        }
    with (directory / POSTCODE_FILE).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [r["postnr"] for r in rows if r["postnr"].zfill(4) not in points]
    if missing:
        # A visual centre may lie at sea: no postcode is placed without its point.
        raise ValueError(f"{directory / POINTS_FILE} has no point for {', '.join(missing[:5])}")
    places = tuple(
        Place(
            postcode=row["postnr"].zfill(4),
            name=row["navn"],
            point=points[row["postnr"].zfill(4)],
            municipality_codes=tuple(int(c) for c in row["kommunekoder"].split()),
        )
        for row in rows
    )
    if not places:
        raise ValueError(f"{directory / POSTCODE_FILE} holds no postcodes")
    return places
