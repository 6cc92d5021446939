"""The composition root: builds the web service's context from its settings
(search's HTTP API, the Redis page cache, the shipped boundaries) and hands
views the context of their app."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask

from dagkit.web import current_context
from web.adapters.boundaries import load_boundaries_geojson
from web.adapters.page_cache import NoPageCache, RedisPageCache
from web.adapters.search_client import HttpSearchGateway
from web.domain.maps import Boundaries
from web.service_layer.context import LazyBoundaries, WebContext


def build_context(settings: Mapping[str, Any]) -> WebContext:
    search = HttpSearchGateway(settings["search_url"], settings["search_timeout_s"])
    ttl = settings["page_cache_ttl_s"]
    cache = RedisPageCache(settings["redis_url"], ttl) if ttl > 0 else NoPageCache()
    reference_dir = settings["reference_dir"]
    boundaries = LazyBoundaries(
        lambda: Boundaries.from_geojson(load_boundaries_geojson(reference_dir))
    )
    # Simplifying Denmark takes a few hundred milliseconds: do it while the
    # worker starts, not while the first parent waits (they share the lock).
    threading.Thread(target=boundaries, name="load-boundaries", daemon=True).start()
    return WebContext(
        search=search,
        page_cache=cache,
        boundaries=boundaries,
        settings=dict(settings),
        closers=(search.close, cache.close),
    )


def context(app: Flask | None = None) -> WebContext:
    """The context of the current app (or ``app``)."""
    return current_context(WebContext, app)
