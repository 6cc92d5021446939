"""The Redis GEO index of institution locations and the query cache.

Redis only narrows the candidates; distances are computed from the read
model's coordinates on every path, so the Redis and database paths give the
same results in the same order. The index is rebuilt from the database
whenever its generation is behind the read model's (after events, or when
Redis comes back empty).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis

log = logging.getLogger(__name__)

GEO_KEY = "search:geo"
GENERATION_KEY = "search:geo:generation"
REBUILD_LOCK = "search:geo:rebuilding"
CACHE_PREFIX = "search:cache:"
CACHE_SECONDS = 300
# Redis quantises coordinates (52-bit geohash) and uses another earth radius:
# ask it for a little more than needed, then filter exactly.
RADIUS_MARGIN = 1.01
RADIUS_SLACK_M = 25.0
# What the index raises when Redis does not answer; the caller answers from
# the database meanwhile.
GeoIndexUnavailable = redis.RedisError


class GeoIndex:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def generation(self) -> int | None:
        raw = self.client.get(GENERATION_KEY)
        return int(raw) if raw is not None else None

    def rebuild(self, generation: int, points: Iterable[tuple[str, float, float]]) -> bool:
        """Replace the index with ``points`` (number, lat, lon); one process at a time."""
        if not self.client.set(REBUILD_LOCK, "1", nx=True, ex=30):
            return False
        try:
            temporary = f"{GEO_KEY}:next"
            pipe = self.client.pipeline(transaction=False)
            pipe.delete(temporary)
            batch: list[float | str] = []
            for number, lat, lon in points:
                batch.extend((lon, lat, number))
                if len(batch) >= 3000:
                    pipe.geoadd(temporary, batch)
                    batch = []
            if batch:
                pipe.geoadd(temporary, batch)
            pipe.execute()
            swap = self.client.pipeline(transaction=True)
            if self.client.exists(temporary):
                swap.rename(temporary, GEO_KEY)
            else:
                swap.delete(GEO_KEY)
            swap.set(GENERATION_KEY, generation)
            swap.execute()
            log.info("geo index rebuilt", extra={"generation": generation})
            return True
        finally:
            self.client.delete(REBUILD_LOCK)

    def candidates(self, lat: float, lon: float, radius_m: float) -> list[str]:
        found = self.client.geosearch(
            GEO_KEY,
            longitude=lon,
            latitude=lat,
            radius=radius_m * RADIUS_MARGIN + RADIUS_SLACK_M,
            unit="m",
        )
        return [n.decode() if isinstance(n, bytes) else str(n) for n in found]

    def cached(self, key: str) -> bytes | None:
        value = self.client.get(CACHE_PREFIX + key)
        return value if isinstance(value, bytes) else None

    def cache(self, key: str, body: bytes) -> None:
        self.client.set(CACHE_PREFIX + key, body, ex=CACHE_SECONDS)
