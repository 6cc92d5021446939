"""The page cache in Redis: rendered pages by language and address.

Redis is an accelerator here, never a dependency: when it does not answer,
pages are rendered every time and the cache is tried again after a pause, so
a parent never waits on a cache that is away.
"""

from __future__ import annotations

import logging
import time

import redis

log = logging.getLogger(__name__)

PREFIX = "web:page:"
RETRY_AFTER_S = 2.0


class RedisPageCache:
    def __init__(self, url: str, ttl_s: int) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=30
        )
        self._ttl = ttl_s
        self._down_until = 0.0

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        log.warning("page cache unavailable", extra={"error": type(exc).__name__})
        self._down_until = time.monotonic() + RETRY_AFTER_S

    def get(self, key: str) -> bytes | None:
        if not self._usable():
            return None
        try:
            value = self._redis.get(PREFIX + key)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        return value if isinstance(value, bytes) else None

    def put(self, key: str, page: bytes) -> None:
        if not self._usable():
            return
        try:
            self._redis.set(PREFIX + key, page, ex=self._ttl)
        except redis.RedisError as exc:
            self._failed(exc)

    def close(self) -> None:
        self._redis.close()


class NoPageCache:
    """For tests and for PAGE_CACHE_SECONDS=0."""

    def get(self, key: str) -> bytes | None:
        return None

    def put(self, key: str, page: bytes) -> None:
        return None

    def close(self) -> None:
        return None
