"""Radius search with filters, facets, sorting and cursor pages.

Candidates come from the Redis GEO index, or from a bounding box in the
database when Redis cannot answer; either way the distance is the haversine
distance from the read model's coordinates, so both paths give the same
results in the same order. Answers are cached in Redis under the read model's
generation, which every applied event moves on (see the API layer).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import redis
from sqlalchemy import Engine, and_, select
from sqlalchemy.orm import Session, sessionmaker

from dagtilbud_contracts.vocabulary import DIETS, MEAL_KINDS
from search.adapters.geo_index import GeoIndex
from search.adapters.orm import institutions, profiles, read_model_state
from search.adapters.repository import municipal_figures
from search.domain.geo import bounding_box, haversine_m
from search.domain.text import collation_key, matches
from search.service_layer.cursors import CursorSigner
from search.service_layer.documents import latest_figures

log = logging.getLogger(__name__)

SORTS = ("distance", "name", "normering")
AGE_GROUPS = ("0-2", "3-5")
KIND_NORMERING = {
    "vuggestue": "normering_0_2",
    "boernehave": "normering_3_5",
    "aldersintegreret": "normering_3_5",
    "dagpleje": "normering_dagpleje",
}
REDIS_RETRY_SECONDS = 2.0
GENERATION_TTL_SECONDS = 0.25
LOCAL_ANSWERS = 2048


@dataclass(frozen=True)
class SearchQuery:
    lat: float
    lon: float
    radius_km: float = 5.0
    age_group: str | None = None
    kinds: tuple[str, ...] = ()
    ownerships: tuple[str, ...] = ()
    municipality: int | None = None
    meal: str | None = None  # offered | none | a meal kind | a diet
    open_before: str | None = None
    open_after: str | None = None
    tags: tuple[str, ...] = ()
    name: str | None = None
    sort: str = "distance"
    limit: int = 20
    cursor: str | None = field(default=None, compare=False)

    def fingerprint(self) -> str:
        """Everything that decides the result list, not the page."""
        data = asdict(self)
        data.pop("cursor")
        data.pop("limit")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class SearchResult:
    body: dict[str, Any]
    geo_source: str  # redis | database
    generation: int


class Searcher:
    def __init__(self, engine: Engine, redis_client: redis.Redis, cursor_secret: bytes) -> None:
        self.session_factory: sessionmaker[Session] = sessionmaker(bind=engine)
        self.cursors = CursorSigner(cursor_secret)
        # Cached answers carry cursors: instances with another secret (sharing
        # Redis by mistake) must neither serve nor see each other's.
        self._cache_scope = hashlib.sha256(b"answers:" + cursor_secret).hexdigest()[:12]
        self.index = GeoIndex(redis_client)
        self._redis_down_until = 0.0
        self._municipal: tuple[int, dict[int, dict[str, Any]]] | None = None
        self._generation: tuple[int, float] = (0, -1e9)
        self._answers: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------- plumbing
    def _redis_usable(self) -> bool:
        return time.monotonic() >= self._redis_down_until

    def _redis_failed(self, exc: Exception) -> None:
        log.warning("redis unavailable, answering from the database", extra={"error": repr(exc)})
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def generation(self, session: Session) -> int:
        value = session.execute(
            select(read_model_state.c.generation).where(read_model_state.c.id == 1)
        ).scalar_one_or_none()
        return int(value or 0)

    def _municipal_latest(self, session: Session, generation: int) -> dict[int, dict[str, Any]]:
        with self._lock:
            if self._municipal is None or self._municipal[0] != generation:
                latest = {
                    code: {"name": row["name"], "latest": latest_figures(row["figures"])}
                    for code, row in municipal_figures(session).items()
                }
                self._municipal = (generation, latest)
            return self._municipal[1]

    # ---------------------------------------------------------------- search
    def current_generation(self) -> int:
        """The read model's generation, re-read at most every quarter second:
        an answer is never older than that after an event was applied."""
        now = time.monotonic()
        if now - self._generation[1] > GENERATION_TTL_SECONDS:
            with self.session_factory() as session:
                self._generation = (self.generation(session), now)
        return self._generation[0]

    def cached_answer(self, key: str) -> bytes | None:
        """This process's copy first, then Redis (shared by every process)."""
        if not self._redis_usable():
            return None
        versioned = f"{self.current_generation()}:{self._cache_scope}:{key}"
        local = self._answers.get(versioned)
        if local is not None:
            return local
        try:
            shared = self.index.cached(versioned)
        except redis.RedisError as exc:
            self._redis_failed(exc)
            return None
        if shared is not None:
            self._keep(versioned, shared)
        return shared

    def remember_answer(self, key: str, generation: int, body: bytes) -> None:
        if not self._redis_usable():
            return
        versioned = f"{generation}:{self._cache_scope}:{key}"
        self._keep(versioned, body)
        try:
            self.index.cache(versioned, body)
        except redis.RedisError as exc:
            self._redis_failed(exc)

    def _keep(self, versioned: str, body: bytes) -> None:
        # Keys carry the generation, so an old answer is never read again;
        # dropping the oldest entries bounds the memory.
        with self._lock:
            self._answers[versioned] = body
            while len(self._answers) > LOCAL_ANSWERS:
                self._answers.pop(next(iter(self._answers)))

    def search(self, query: SearchQuery, *, use_redis: bool = True) -> SearchResult:
        with self.session_factory() as session:
            generation = self.generation(session)
            rows, source = self._within_radius(session, query, generation, use_redis)
            municipal = self._municipal_latest(session, generation)
        return SearchResult(self._answer(query, rows, municipal), source, generation)

    def _within_radius(
        self, session: Session, query: SearchQuery, generation: int, use_redis: bool
    ) -> tuple[list[dict[str, Any]], str]:
        radius_m = query.radius_km * 1000
        if use_redis and self._redis_usable():
            try:
                numbers = self._redis_candidates(session, query, radius_m, generation)
            except redis.RedisError as exc:
                self._redis_failed(exc)
            else:
                return self._exact(self._rows(session, numbers=numbers), query, radius_m), "redis"
        box = bounding_box(query.lat, query.lon, radius_m)
        rows = self._rows(session, box=(box.min_lat, box.max_lat, box.min_lon, box.max_lon))
        return self._exact(rows, query, radius_m), "database"

    def _redis_candidates(
        self, session: Session, query: SearchQuery, radius_m: float, generation: int
    ) -> list[str]:
        if self.index.generation() != generation:
            points = session.execute(
                select(institutions.c.number, institutions.c.lat, institutions.c.lon).where(
                    institutions.c.status == "active", institutions.c.lat.is_not(None)
                )
            ).all()
            self.index.rebuild(generation, ((n, lat, lon) for n, lat, lon in points))
        return self.index.candidates(query.lat, query.lon, radius_m)

    def _rows(
        self,
        session: Session,
        *,
        numbers: list[str] | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> list[dict[str, Any]]:
        i, p = institutions, profiles
        stmt = (
            select(
                i.c.number,
                i.c.name,
                i.c.name_folded,
                i.c.kind,
                i.c.ownership,
                i.c.municipality_code,
                i.c.postcode,
                i.c.lat,
                i.c.lon,
                i.c.status,
                i.c.accepts_0_2,
                i.c.accepts_3_5,
                i.c.register,
                p.c.opens_latest,
                p.c.closes_earliest,
                p.c.meal_offered,
                p.c.meal_kind,
                p.c.diets,
                p.c.tags,
            )
            .outerjoin(p, p.c.number == i.c.number)
            .where(i.c.status == "active")
        )
        if numbers is not None:
            if not numbers:
                return []
            stmt = stmt.where(i.c.number.in_(numbers))
        if box is not None:
            min_lat, max_lat, min_lon, max_lon = box
            stmt = stmt.where(
                and_(i.c.lat.between(min_lat, max_lat), i.c.lon.between(min_lon, max_lon))
            )
        return [dict(r) for r in session.execute(stmt).mappings()]

    @staticmethod
    def _exact(
        rows: Iterable[dict[str, Any]], query: SearchQuery, radius_m: float
    ) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            if row["lat"] is None or row["lon"] is None:
                continue
            distance = haversine_m(query.lat, query.lon, row["lat"], row["lon"])
            if distance <= radius_m:
                row["distance_m"] = distance
                out.append(row)
        return out

    # ------------------------------------------------------ filter, facet, page
    def _answer(
        self,
        query: SearchQuery,
        rows: list[dict[str, Any]],
        municipal: Mapping[int, dict[str, Any]],
    ) -> dict[str, Any]:
        matching = [row for row in rows if _passes(row, query)]
        for row in matching:
            row["normering"] = _normering(row, query, municipal)
        matching.sort(key=lambda row: _sort_key(row, query.sort))
        after = (
            None
            if query.cursor is None
            else self.cursors.decode(query.fingerprint(), query.sort, query.cursor)
        )
        page = _after(matching, query.sort, after)
        hits = page[: query.limit]
        next_cursor = (
            self.cursors.encode(query.fingerprint(), _sort_key(hits[-1], query.sort))
            if len(page) > query.limit and hits
            else None
        )
        return {
            "total": len(matching),
            "sort": query.sort,
            "hits": [_hit(row, municipal) for row in hits],
            "facets": _facets(matching),
            "next_cursor": next_cursor,
        }


def _passes(row: Mapping[str, Any], q: SearchQuery) -> bool:
    if q.age_group == "0-2" and not row["accepts_0_2"]:
        return False
    if q.age_group == "3-5" and not row["accepts_3_5"]:
        return False
    if q.kinds and row["kind"] not in q.kinds:
        return False
    if q.ownerships and row["ownership"] not in q.ownerships:
        return False
    if q.municipality is not None and row["municipality_code"] != q.municipality:
        return False
    if q.meal is not None and not _meal_matches(row, q.meal):
        return False
    if q.open_before is not None and not (
        row["opens_latest"] is not None and row["opens_latest"] <= q.open_before
    ):
        return False
    if q.open_after is not None and not (
        row["closes_earliest"] is not None and row["closes_earliest"] >= q.open_after
    ):
        return False
    if q.tags and not set(q.tags) <= set(row["tags"] or []):
        return False
    return q.name is None or matches(q.name, row["name"])


def _meal_matches(row: Mapping[str, Any], meal: str) -> bool:
    if meal == "offered":
        return bool(row["meal_offered"])
    if meal == "none":
        return row["meal_offered"] is False
    if meal in MEAL_KINDS:
        return bool(row["meal_kind"] == meal)
    if meal in DIETS:
        return meal in (row["diets"] or [])
    return False


def _normering(
    row: Mapping[str, Any], q: SearchQuery, municipal: Mapping[int, dict[str, Any]]
) -> dict[str, Any] | None:
    indicator = {"0-2": "normering_0_2", "3-5": "normering_3_5"}.get(
        q.age_group or "", KIND_NORMERING[row["kind"]]
    )
    figure = municipal.get(row["municipality_code"], {}).get("latest", {}).get(indicator)
    if figure is None:
        return None
    return {"indicator": indicator, "value": figure["value"], "year": figure["year"]}


def _sort_key(row: Mapping[str, Any], sort: str) -> list[Any]:
    if sort == "name":
        return [collation_key(row["name"]), row["number"]]
    if sort == "normering":
        normering = row.get("normering")
        value = normering["value"] if normering and normering["value"] else math.inf
        return [value, row["distance_m"], row["number"]]
    return [row["distance_m"], row["number"]]


def _after(rows: list[dict[str, Any]], sort: str, key: list[Any] | None) -> list[dict[str, Any]]:
    # Keyset paging: the next page starts after the last key shown, so rows
    # that arrive or leave meanwhile neither shift nor repeat the others.
    if key is None:
        return rows
    return [row for row in rows if _sort_key(row, sort) > key]


def _hit(row: Mapping[str, Any], municipal: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    register = row["register"]
    return {
        "institution_number": row["number"],
        "name": row["name"],
        "kind": row["kind"],
        "ownership": row["ownership"],
        "municipality": {
            "code": row["municipality_code"],
            "name": municipal.get(row["municipality_code"], {}).get("name"),
        },
        "address": register["address"],
        "location": register["location"],
        "distance_m": round(row["distance_m"]),
        "accepts_0_2": row["accepts_0_2"],
        "accepts_3_5": row["accepts_3_5"],
        "normering": row.get("normering"),
        "meal_offered": row["meal_offered"],
        "opens_latest": row["opens_latest"],
        "closes_earliest": row["closes_earliest"],
        "tags": row["tags"] or [],
    }


def _facets(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    meal: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for row in rows:
        if row["meal_offered"]:
            meal["offered"] += 1
            if row["meal_kind"]:
                meal[row["meal_kind"]] += 1
            meal.update(row["diets"] or [])
        elif row["meal_offered"] is False:
            meal["none"] += 1
        tags.update(row["tags"] or [])
    return {
        "kind": dict(Counter(row["kind"] for row in rows)),
        "ownership": dict(Counter(row["ownership"] for row in rows)),
        "municipality": {
            str(k): v for k, v in Counter(row["municipality_code"] for row in rows).items()
        },
        "age_group": {
            "0-2": sum(1 for row in rows if row["accepts_0_2"]),
            "3-5": sum(1 for row in rows if row["accepts_3_5"]),
        },
        "meal": dict(meal),
        "tag": dict(tags.most_common(30)),
    }
