"""App factory of the web service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from dagkit.health import redis_check
from dagkit.logging import configure_logging
from dagkit.web import create_service_app, install_context
from web.api import blueprints
from web.config import SERVICE, load_settings


@dataclass(frozen=True)
class WebContext:
    """What the app is built from; views reach it with ``current_context(WebContext)``."""

    settings: Mapping[str, Any]


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    app, api = create_service_app(
        SERVICE,
        {
            "redis": redis_check(settings["redis_url"]),
        },
        title="Dagtilbudsportalen web",
        description="The pages parents, institutions and municipalities use.",
        import_name=__name__,
    )
    install_context(app, WebContext(settings=dict(settings)))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
