"""App factory of the search service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dagkit.health import database_check, kafka_check, redis_check
from dagkit.logging import configure_logging
from dagkit.web import create_service_app, install_context
from search.api import blueprints
from search.bootstrap import build_context
from search.config import SERVICE, load_settings
from search.service_layer.context import SearchContext


def create_app(
    settings: Mapping[str, Any] | None = None, *, ctx: SearchContext | None = None
) -> Flask:
    """``ctx``: a context built by the caller (tests that move the clock);
    built from ``settings`` otherwise."""
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    ctx = ctx or build_context(settings)
    assert ctx.engine is not None
    app, api = create_service_app(
        SERVICE,
        {
            "database": database_check(ctx.engine),
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
    install_context(app, ctx)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
