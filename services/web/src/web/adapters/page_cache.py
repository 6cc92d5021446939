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
# The cache keys a page is kept under (its languages and queries), so
# forgetting it is one read of a set, never a scan of the whole keyspace.
INDEX_PREFIX = "web:page-keys:"
# A page held back: while this key lives, its address is rendered fresh
# every time and not kept (see ``forget``).
HOLD_PREFIX = "web:page-hold:"
RETRY_AFTER_S = 2.0
# How long an edited institution's pages are rendered fresh: longer than
# search takes to apply the edit, so no parent's visit in between caches the
# page as it was.
HOLD_S = 15


def page_of(key: str) -> str:
    """The page a cache key is for, in any language and with any query:
    ``/en/institution/G20580?x=1`` is ``/institution/G20580``."""
    path = key.split("?", 1)[0]
    return path[3:] if path.startswith("/en/") else path


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
            value, held = self._redis.mget(PREFIX + key, HOLD_PREFIX + page_of(key))
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if held is not None:
            return None
        return value if isinstance(value, bytes) else None

    def put(self, key: str, page: bytes) -> None:
        if not self._usable():
            return
        try:
            page_name = page_of(key)
            if self._redis.exists(HOLD_PREFIX + page_name):
                return
            index = INDEX_PREFIX + page_name
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(PREFIX + key, page, ex=self._ttl)
                pipe.sadd(index, key)
                pipe.expire(index, self._ttl)
                pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def forget(self, page: str) -> None:
        """An edit changed ``page`` (``/institution/G20580``): drop it in
        every language and with every query, and render it fresh for the
        next ``HOLD_S`` seconds."""
        try:
            self._redis.set(HOLD_PREFIX + page, b"1", ex=HOLD_S)
            index = INDEX_PREFIX + page
            members = self._redis.smembers(index)
            keys = [PREFIX + (m.decode() if isinstance(m, bytes) else str(m)) for m in members]
            self._redis.delete(index, *keys)
        except redis.RedisError as exc:
            # The page is at most PAGE_CACHE_SECONDS old; the edit itself is saved.
            self._failed(exc)

    def close(self) -> None:
        self._redis.close()


class NoPageCache:
    """For tests and for PAGE_CACHE_SECONDS=0."""

    def get(self, key: str) -> bytes | None:
        return None

    def put(self, key: str, page: bytes) -> None:
        return None

    def forget(self, page: str) -> None:
        return None

    def close(self) -> None:
        return None
