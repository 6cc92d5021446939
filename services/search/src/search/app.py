"""App factory of the search service."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis
from flask import Flask

from dagkit.db import engine_from_settings
from dagkit.health import database_check, kafka_check, redis_check
from dagkit.logging import configure_logging
from dagkit.web import create_service_app
from search.adapters.cursor_secret import instance_secret
from search.api import blueprints
from search.config import SERVICE, load_settings
from search.domain.geocoding import PostcodeGeocoder
from search.service_layer.searching import Searcher

log = logging.getLogger(__name__)


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    engine = engine_from_settings(SERVICE, settings)
    app, api = create_service_app(
        SERVICE,
        {
            "database": database_check(engine),
            "kafka": kafka_check(settings["kafka_bootstrap_servers"]),
            "redis": redis_check(settings["redis_url"]),
        },
        title="Dagtilbudsportalen search API",
        description=(
            "The read model parents query: distance, filters, facts, municipal and national "
            "figures, comparison."
        ),
        import_name=__name__,
    )
    app.extensions["search.settings"] = dict(settings)
    app.extensions["search.engine"] = engine
    app.extensions["search.geocoder"] = PostcodeGeocoder.load(Path(settings["reference_dir"]))
    # Short timeouts: when Redis is gone the database answers instead, quickly.
    redis_client = redis.Redis.from_url(
        settings["redis_url"], socket_connect_timeout=0.2, socket_timeout=0.5
    )
    app.extensions["search.redis"] = redis_client
    if settings.get("cursor_secret"):
        cursor_secret = settings["cursor_secret"].encode()
    else:
        cursor_secret = instance_secret(Path(settings["data_dir"]))
        log.info(
            "SEARCH_CURSOR_SECRET is not set: cursors are signed with the secret in DATA_DIR, "
            "which other instances do not share"
        )
    app.extensions["search.searcher"] = Searcher(engine, redis_client, cursor_secret)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)

    return app
