"""What every use case of the search service gets: how to open a unit of work
on the read model, the searcher with its index and caches, the geocoder
over the loaded postcodes, and the clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import redis
from sqlalchemy import Engine

from dagtilbud_contracts.vocabulary import portal_day
from search.domain.geocoding import Geocoder
from search.service_layer.searching import Searcher
from search.service_layer.unit_of_work import SearchUnitOfWork


# The portal's days are Denmark's: a report made on a day is that Danish day's.
def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SearchContext:
    uow: Callable[[], SearchUnitOfWork]
    searcher: Searcher
    geocoder: Geocoder
    # The time searches are made at (timezone-aware); see today().
    clock: Callable[[], datetime] = utc_now
    settings: Mapping[str, Any] = field(default_factory=dict)
    # What the context holds open (None on fakes), given back by close().
    engine: Engine | None = None
    redis_client: redis.Redis | None = None

    def today(self) -> date:
        """The day a search made now is made on, in Danish time: which reports
        of open places are still fresh."""
        return portal_day(self.clock())

    def close(self) -> None:
        """Give back the database connections and the Redis connection (end of
        a process or a test)."""
        if self.engine is not None:
            self.engine.dispose()
        if self.redis_client is not None:
            self.redis_client.close()
