"""App factory of the auth service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from auth.api import blueprints
from auth.config import SERVICE, load_settings
from dagkit.db import engine_from_settings
from dagkit.health import database_check, kafka_check, redis_check
from dagkit.logging import configure_logging
from dagkit.web import create_service_app


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
        title="Dagtilbudsportalen auth API",
        description="Accounts, passwords, roles and the tokens every service verifies.",
        import_name=__name__,
    )
    app.extensions["auth.settings"] = dict(settings)
    app.extensions["auth.engine"] = engine
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
