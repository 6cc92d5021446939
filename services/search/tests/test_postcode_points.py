"""Every postcode is placed on land, near its people: a search from it at the
default radius finds the postcode's own institutions (data/SOURCES.md,
postnumre_punkter.csv, says how the points are made)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from flask import Flask

from search.adapters.reference_files import load_geocoder
from search.api.institutions import SearchArgsSchema
from search.bootstrap import context
from search.domain.geo import haversine_m
from search.domain.geocoding import PostcodeGeocoder
from search.domain.search import SearchQuery
from search.testing.events import DATA

Ring = Sequence[Sequence[float]]


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Even-odd rule: a ray to the east crosses the ring's edges an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (x2 - x1) * (lat - y1) / (y2 - y1):
            inside = not inside
    return inside


class Land:
    """Denmark's land: the municipality polygons of kommuner_simplified.geojson."""

    def __init__(self) -> None:
        with (DATA / "kommuner_simplified.geojson").open(encoding="utf-8") as fh:
            features = json.load(fh)["features"]
        self.polygons = []
        for feature in features:
            for polygon in feature["geometry"]["coordinates"]:
                xs = [p[0] for p in polygon[0]]
                ys = [p[1] for p in polygon[0]]
                self.polygons.append(((min(xs), min(ys), max(xs), max(ys)), polygon))

    def __contains__(self, point: tuple[float, float]) -> bool:
        lat, lon = point
        return any(
            box[0] <= lon <= box[2]
            and box[1] <= lat <= box[3]
            and _in_ring(lon, lat, polygon[0])
            and not any(_in_ring(lon, lat, hole) for hole in polygon[1:])
            for box, polygon in self.polygons
        )


@pytest.fixture(scope="module")
def geocoder() -> PostcodeGeocoder:
    return load_geocoder(DATA)


@pytest.fixture(scope="module")
def postcodes() -> list[dict[str, str]]:
    with (DATA / "postnumre.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def units_by_postcode() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (DATA / "dagtilbud_enheder_dk.csv").open(encoding="utf-8") as fh:
        for unit in csv.DictReader(fh):
            out[unit["postnr"].zfill(4)].append(unit)
    return out


def test_every_postcode_is_placed_on_land(
    geocoder: PostcodeGeocoder, postcodes: list[dict[str, str]]
) -> None:
    land = Land()
    assert len(postcodes) == len(geocoder) == 1089
    at_sea = []
    for row in postcodes:
        place = geocoder.geocode(row["postnr"]).place
        if (place.point.lat, place.point.lon) not in land:
            at_sea.append(f"{place.postcode} {place.name} {place.point}")
    assert not at_sea, f"{len(at_sea)} postcodes placed outside the land: {at_sea[:10]}"


def test_every_postcode_is_placed_in_its_own_district(
    geocoder: PostcodeGeocoder, postcodes: list[dict[str, str]]
) -> None:
    """Within DAWA's bounding box of the postal district; where that box holds
    no land at all (two harbour codes in København K), on the nearest shore."""
    far = []
    for row in postcodes:
        point = geocoder.geocode(row["postnr"]).place.point
        lat = min(max(point.lat, float(row["bbox_minlat"])), float(row["bbox_maxlat"]))
        lon = min(max(point.lon, float(row["bbox_minlon"])), float(row["bbox_maxlon"]))
        outside_m = haversine_m(point.lat, point.lon, lat, lon)
        if outside_m > 1000:
            far.append((row["postnr"], round(outside_m)))
    assert not far


@pytest.fixture
def app(national_url: str, redis_client: Any, make_search_app: Callable[..., Flask]) -> Flask:
    return make_search_app(national_url)


def test_a_search_from_every_postcode_finds_its_own_institutions(
    app: Flask, units_by_postcode: dict[str, list[dict[str, str]]]
) -> None:
    geocoder = context(app).geocoder
    searcher = context(app).searcher
    radius_km = SearchArgsSchema().fields["radius_km"].load_default
    today = context(app).today()
    none_found = []
    found = total = 0
    for postcode, units in sorted(units_by_postcode.items()):
        point = geocoder.geocode(postcode).place.point
        query = SearchQuery(
            lat=point.lat, lon=point.lon, radius_km=radius_km, limit=10_000, today=today
        )
        hits = searcher.search(query).body["hits"]
        own = {h["institution_number"] for h in hits if h["address"]["postcode"] == postcode}
        if not own:
            none_found.append(postcode)
        found += len(own)
        total += len(units)
    assert not none_found, f"no own institution within {radius_km} km: {none_found}"
    # Most institutions lie within the default radius of their postcode's point
    # (not all: rural postcodes span more than 10 km).
    assert found / total >= 0.9


@pytest.mark.parametrize(("postcode", "institutions"), [("9800", 22), ("6950", 11)])
def test_the_postcodes_from_the_report_find_their_institutions(
    app: Flask,
    units_by_postcode: dict[str, list[dict[str, str]]],
    postcode: str,
    institutions: int,
) -> None:
    assert len(units_by_postcode[postcode]) == institutions
    body = app.test_client().get("/v1/search", query_string={"q": postcode}).get_json()
    assert body["total"] > 0
    assert 8.0 < body["point"]["lon"] < 13.0  # on the Jutland or Zealand side, not at sea
    own = [h for h in body["hits"] if h["address"]["postcode"] == postcode]
    assert own
    assert body["hits"][0]["address"]["postcode"] == postcode
