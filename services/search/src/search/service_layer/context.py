"""What every use case of the search service gets: how to open a unit of work
on the read model, the searcher with its index and caches, and the geocoder
over the loaded postcodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis
from sqlalchemy import Engine

from search.domain.geocoding import Geocoder
from search.service_layer.searching import Searcher
from search.service_layer.unit_of_work import SearchUnitOfWork


@dataclass(frozen=True)
class SearchContext:
    uow: Callable[[], SearchUnitOfWork]
    searcher: Searcher
    geocoder: Geocoder
    settings: Mapping[str, Any] = field(default_factory=dict)
    # What the context holds open (None on fakes), given back by close().
    engine: Engine | None = None
    redis_client: redis.Redis | None = None

    def close(self) -> None:
        """Give back the database connections and the Redis connection (end of
        a process or a test)."""
        if self.engine is not None:
            self.engine.dispose()
        if self.redis_client is not None:
            self.redis_client.close()
