"""The page cache on a real Redis: warm pages skip search, failures are never
cached, and a Redis that is away costs nothing but speed."""

from __future__ import annotations

import time

import redis
from flask import Flask

from web.adapters.page_cache import PREFIX, RedisPageCache
from web.app import create_app
from web.config import load_settings
from web.service_layer.context import WebContext
from web.testing.fakes import SHIPPED_BOUNDARIES, FakeSearchGateway


def _app(search: FakeSearchGateway, redis_url: str, ttl: int = 30) -> Flask:
    settings = load_settings({"LOG_LEVEL": "WARNING", "REDIS_URL": redis_url})
    cache = RedisPageCache(redis_url, ttl)
    return create_app(settings, ctx=WebContext(search, cache, SHIPPED_BOUNDARIES))


def test_a_warm_page_is_served_from_redis_without_asking_search(
    redis_url: str, redis_client: redis.Redis
) -> None:
    search = FakeSearchGateway()
    client = _app(search, redis_url).test_client()
    first = client.get("/?q=8000")
    calls = len(search.calls)
    second = client.get("/?q=8000")
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert len(search.calls) == calls
    # Keyed by the whole address: the English page and another query are their own.
    assert client.get("/en/?q=8000").headers["X-Page-Cache"] == "miss"
    assert client.get("/?q=8000&kind=boernehave").headers["X-Page-Cache"] == "miss"
    ttl = redis_client.ttl(PREFIX + "/?q=8000")
    assert 0 < ttl <= 30


def test_failed_pages_are_never_cached(redis_url: str, redis_client: redis.Redis) -> None:
    search = FakeSearchGateway()
    client = _app(search, redis_url).test_client()
    search.down = True
    assert client.get("/?q=8000").status_code == 503
    search.down = False
    response = client.get("/?q=8000")
    assert response.status_code == 200
    assert response.headers["X-Page-Cache"] == "miss"
    assert client.get("/?q=Atlantis").status_code == 422
    assert client.get("/?q=8000&kind=hospital").status_code == 400
    assert client.get("/institution/NOPE00").status_code == 404
    keys = {k.decode() if isinstance(k, bytes) else k for k in redis_client.keys(PREFIX + "*")}
    assert keys == {PREFIX + "/?q=8000"}


def test_pages_render_when_redis_is_away() -> None:
    search = FakeSearchGateway()
    # Nothing listens on port 1: every Redis call fails at once.
    client = _app(search, "redis://127.0.0.1:1/0").test_client()
    started = time.perf_counter()
    for _ in range(5):
        response = client.get("/?q=8000")
        assert response.status_code == 200
        assert response.headers["X-Page-Cache"] == "miss"
    # After the first failure the cache is not tried again for a while.
    assert time.perf_counter() - started < 5
    assert client.get("/readyz").status_code == 503
