"""In-memory stand-ins for the read model, the unit of work and the GEO index,
so use cases, the searcher and the event handlers run in unit tests without
PostgreSQL or Redis. They answer as the SQL and Redis adapters do; the
integration tests keep covering those."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from dagkit.testing.fakes import FakeUnitOfWork
from search.adapters.geo_index import GeoIndexUnavailable
from search.domain.figures import NationalFigure, national_by_key, stored_national
from search.domain.geo import BoundingBox, haversine_m
from search.domain.geocoding import Geocoder, PostcodeGeocoder
from search.service_layer.context import SearchContext, utc_now
from search.service_layer.searching import Searcher
from search.service_layer.unit_of_work import ReadModel, SearchUnitOfWork

CURSOR_SECRET = b"a cursor secret for tests, 32 bytes or more"
# Columns of a profile row that a search filters on; None where none is reported.
_PROFILE_FILTERS = (
    "opens_latest",
    "closes_earliest",
    "meal_offered",
    "meal_kind",
    "diets",
    "tags",
    "languages",
    "organic_share_pct",
    "open_places",
)


class FakeReadModel:
    """The read model's tables as dicts of rows (the rows the handlers write)."""

    def __init__(self) -> None:
        self.institutions: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.statistics: dict[int, dict[str, Any]] = {}
        self.national_figures: dict[tuple[str, int, str], dict[str, Any]] = {}
        self.generation_value = 0
        self.generation_bumps = 0

    # ------------------------------------------------------------- reads
    def generation(self) -> int:
        return self.generation_value

    def search_rows(
        self, *, numbers: Sequence[str] | None = None, box: BoundingBox | None = None
    ) -> list[dict[str, Any]]:
        wanted = None if numbers is None else set(numbers)
        out = []
        for number, row in self.institutions.items():
            if row["status"] != "active" or (wanted is not None and number not in wanted):
                continue
            if box is not None and not _in_box(row, box):
                continue
            profile = self.profiles.get(number, {})
            found = {k: v for k, v in row.items() if k != "updated_at"}
            out.append(found | {column: profile.get(column) for column in _PROFILE_FILTERS})
        return out

    def located_points(self) -> list[tuple[str, float, float]]:
        return [
            (number, row["lat"], row["lon"])
            for number, row in self.institutions.items()
            if row["status"] == "active" and row["lat"] is not None
        ]

    def institution_rows(self, numbers: Sequence[str] | None = None) -> list[dict[str, Any]]:
        wanted = None if numbers is None else set(numbers)
        return [
            dict(row) | {"profile": self.profiles.get(number, {}).get("profile")}
            for number, row in sorted(self.institutions.items())
            if wanted is None or number in wanted
        ]

    def active_names(self) -> list[tuple[str, str]]:
        return [
            (number, row["name"])
            for number, row in self.institutions.items()
            if row["status"] == "active"
        ]

    def active_institutions(self, numbers: Sequence[str]) -> list[dict[str, Any]]:
        return [
            dict(self.institutions[number])
            for number in set(numbers)
            if number in self.institutions and self.institutions[number]["status"] == "active"
        ]

    def municipal_figures(self, code: int | None = None) -> dict[int, dict[str, Any]]:
        return {c: dict(row) for c, row in self.statistics.items() if code is None or c == code}

    def figures_by_municipality(self) -> dict[int, list[dict[str, Any]]]:
        return {code: row["figures"] for code, row in self.statistics.items()}

    def national(self) -> dict[tuple[str, int, str | None], dict[str, Any]]:
        return national_by_key(self.national_figures.values())

    # ------------------------------------------------------------ writes
    def upsert_institutions(self, rows: Sequence[dict[str, Any]]) -> None:
        self.institutions.update({row["number"]: dict(row) for row in rows})

    def upsert_profiles(self, rows: Sequence[dict[str, Any]]) -> None:
        self.profiles.update({row["number"]: dict(row) for row in rows})

    def upsert_statistics(self, rows: Sequence[dict[str, Any]]) -> None:
        self.statistics.update({row["municipality_code"]: dict(row) for row in rows})

    def replace_national(self, figures: Iterable[NationalFigure]) -> None:
        stored = [stored_national(f) for f in figures]
        self.national_figures = {(r["indicator"], r["year"], r["series"]): r for r in stored}

    def bump_generation(self) -> None:
        self.generation_value += 1
        self.generation_bumps += 1

    def clear(self) -> None:
        self.institutions, self.profiles, self.statistics = {}, {}, {}
        self.national_figures = {}

    def forget_consumer_group(self, group: str) -> None:
        """The fake keeps no inbox: nothing to forget."""


def _in_box(row: dict[str, Any], box: BoundingBox) -> bool:
    lat, lon = row["lat"], row["lon"]
    if lat is None or lon is None:
        return False
    return bool(box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon)


class FakeSearchUnitOfWork(FakeUnitOfWork, SearchUnitOfWork):
    REPOSITORIES = ("read_model",)

    def __init__(self, read_model: ReadModel | None = None) -> None:
        super().__init__()
        self.read_model = read_model if read_model is not None else FakeReadModel()


class FakeGeoIndex:
    """The GEO index and answer cache in memory; ``available = False`` makes
    it fail as Redis does when it does not answer."""

    def __init__(self) -> None:
        self.points: dict[str, tuple[float, float]] = {}
        self.indexed_generation: int | None = None
        self.answers: dict[str, bytes] = {}
        self.rebuilds = 0
        self.available = True

    def _answer(self) -> None:
        if not self.available:
            raise GeoIndexUnavailable("the fake GEO index is down")

    def generation(self) -> int | None:
        self._answer()
        return self.indexed_generation

    def rebuild(self, generation: int, points: Iterable[tuple[str, float, float]]) -> bool:
        self._answer()
        self.points = {number: (lat, lon) for number, lat, lon in points}
        self.indexed_generation = generation
        self.rebuilds += 1
        return True

    def candidates(self, lat: float, lon: float, radius_m: float) -> list[str]:
        self._answer()
        return [
            number
            for number, (p_lat, p_lon) in self.points.items()
            if haversine_m(lat, lon, p_lat, p_lon) <= radius_m
        ]

    def cached(self, key: str) -> bytes | None:
        self._answer()
        return self.answers.get(key)

    def cache(self, key: str, body: bytes) -> None:
        self._answer()
        self.answers[key] = body


def fake_context(
    read_model: FakeReadModel | None = None,
    geocoder: Geocoder | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> SearchContext:
    """A context on the fakes: one unit of work over ``read_model`` (empty by
    default) for the use cases and the searcher, ``geocoder`` (one that
    knows no postcode by default) and ``clock``."""
    uow = FakeSearchUnitOfWork(read_model)
    return SearchContext(
        uow=uow,
        searcher=Searcher(uow, FakeGeoIndex(), CURSOR_SECRET),
        geocoder=geocoder if geocoder is not None else PostcodeGeocoder(()),
        clock=clock,
    )
