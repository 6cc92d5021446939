"""The composition root: builds the search service's context from its
settings (the database, Redis, the cursor secret, the geocoder and the
searcher over them) and hands views the context of their app."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from sqlalchemy import Engine

from dagkit.db import engine_from_settings, make_session_factory
from dagkit.web import current_context
from search.adapters.cursor_secret import instance_secret
from search.adapters.geo_index import GeoIndex
from search.adapters.reference_files import load_geocoder
from search.config import SERVICE
from search.service_layer.context import SearchContext, utc_now
from search.service_layer.searching import Searcher
from search.service_layer.unit_of_work import SqlSearchUnitOfWork

log = logging.getLogger(__name__)


def build_context(
    settings: Mapping[str, Any],
    engine: Engine | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> SearchContext:
    """``clock``: the time searches are made at (tests move it)."""
    engine = engine or engine_from_settings(SERVICE, settings)
    session_factory = make_session_factory(engine)

    def uow() -> SqlSearchUnitOfWork:
        return SqlSearchUnitOfWork(session_factory)

    # Short timeouts: when Redis is gone the database answers instead, quickly.
    redis_client = redis.Redis.from_url(
        settings["redis_url"], socket_connect_timeout=0.2, socket_timeout=0.5
    )
    return SearchContext(
        uow=uow,
        searcher=Searcher(uow, GeoIndex(redis_client), cursor_secret(settings)),
        geocoder=load_geocoder(Path(settings["reference_dir"])),
        clock=clock,
        settings=dict(settings),
        engine=engine,
        redis_client=redis_client,
    )


def cursor_secret(settings: Mapping[str, Any]) -> bytes:
    if settings.get("cursor_secret"):
        return str(settings["cursor_secret"]).encode()
    log.info(
        "SEARCH_CURSOR_SECRET is not set: cursors are signed with the secret in DATA_DIR, "
        "which other instances do not share"
    )
    return instance_secret(Path(settings["data_dir"]))


def context(app: Flask | None = None) -> SearchContext:
    """The context of the current app (or ``app``)."""
    return current_context(SearchContext, app)
