"""Radius search with filters, facets, sorting and cursor pages.

Candidates come from the Redis GEO index, or from a bounding box in the
database when Redis cannot answer; either way the distance is the haversine
distance from the read model's coordinates, so both paths give the same
results in the same order. Answers are cached in Redis under the read model's
generation, which every applied event moves on (see the API layer). What a
search keeps and how its answer is laid out is in ``search.domain.search``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from search.adapters.geo_index import GeoIndexUnavailable
from search.domain.cursors import CursorSigner
from search.domain.geo import bounding_box
from search.domain.search import SearchQuery, municipal_latest, search_page, within_radius
from search.service_layer.unit_of_work import ReadModel, SearchUnitOfWork

log = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 2.0
GENERATION_TTL_SECONDS = 0.25
LOCAL_ANSWERS = 2048


class SearchIndex(Protocol):
    """The GEO index that narrows a search's candidates, and the shared answer
    cache; raises GeoIndexUnavailable when it cannot answer."""

    def generation(self) -> int | None: ...

    def rebuild(self, generation: int, points: Iterable[tuple[str, float, float]]) -> bool: ...

    def candidates(self, lat: float, lon: float, radius_m: float) -> list[str]: ...

    def cached(self, key: str) -> bytes | None: ...

    def cache(self, key: str, body: bytes) -> None: ...


@dataclass
class SearchResult:
    body: dict[str, Any]
    geo_source: str  # redis | database
    generation: int


class Searcher:
    def __init__(
        self,
        uow: Callable[[], SearchUnitOfWork],
        index: SearchIndex,
        cursor_secret: bytes,
    ) -> None:
        self.uow = uow
        self.cursors = CursorSigner(cursor_secret)
        # Cached answers carry cursors: instances with another secret (sharing
        # Redis by mistake) must neither serve nor see each other's.
        self._cache_scope = hashlib.sha256(b"answers:" + cursor_secret).hexdigest()[:12]
        self.index = index
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

    def _municipal_latest(
        self, read_model: ReadModel, generation: int
    ) -> dict[int, dict[str, Any]]:
        with self._lock:
            if self._municipal is None or self._municipal[0] != generation:
                self._municipal = (generation, municipal_latest(read_model.municipal_figures()))
            return self._municipal[1]

    # ---------------------------------------------------------------- search
    def current_generation(self) -> int:
        """The read model's generation, re-read at most every quarter second:
        an answer is never older than that after an event was applied."""
        now = time.monotonic()
        if now - self._generation[1] > GENERATION_TTL_SECONDS:
            with self.uow() as uow:
                self._generation = (uow.read_model.generation(), now)
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
        except GeoIndexUnavailable as exc:
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
        except GeoIndexUnavailable as exc:
            self._redis_failed(exc)

    def _keep(self, versioned: str, body: bytes) -> None:
        # Keys carry the generation, so an old answer is never read again;
        # dropping the oldest entries bounds the memory.
        with self._lock:
            self._answers[versioned] = body
            while len(self._answers) > LOCAL_ANSWERS:
                self._answers.pop(next(iter(self._answers)))

    def search(self, query: SearchQuery, *, use_redis: bool = True) -> SearchResult:
        """The answer to ``query``; InvalidCursor for a cursor this service
        did not sign for this search."""
        with self.uow() as uow:
            read_model = uow.read_model
            generation = read_model.generation()
            rows, source = self._within_radius(read_model, query, generation, use_redis)
            municipal = self._municipal_latest(read_model, generation)
        return SearchResult(search_page(query, rows, municipal, self.cursors), source, generation)

    def _within_radius(
        self, read_model: ReadModel, query: SearchQuery, generation: int, use_redis: bool
    ) -> tuple[list[dict[str, Any]], str]:
        radius_m = query.radius_km * 1000
        if use_redis and self._redis_usable():
            try:
                numbers = self._redis_candidates(read_model, query, radius_m, generation)
            except GeoIndexUnavailable as exc:
                self._redis_failed(exc)
            else:
                rows = read_model.search_rows(numbers=numbers)
                return within_radius(rows, query, radius_m), "redis"
        box = bounding_box(query.lat, query.lon, radius_m)
        return within_radius(read_model.search_rows(box=box), query, radius_m), "database"

    def _redis_candidates(
        self, read_model: ReadModel, query: SearchQuery, radius_m: float, generation: int
    ) -> list[str]:
        if self.index.generation() != generation:
            self.index.rebuild(generation, read_model.located_points())
        return self.index.candidates(query.lat, query.lon, radius_m)
