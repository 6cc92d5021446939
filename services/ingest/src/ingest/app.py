"""App factory of the ingest service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dagkit.db import engine_from_settings
from dagkit.health import database_check, kafka_check
from dagkit.logging import configure_logging
from dagkit.web import create_service_app
from ingest.api import blueprints
from ingest.api.errors import register_error_handlers
from ingest.api.security import BEARER, SECURITY_SCHEME
from ingest.bootstrap import build_context
from ingest.config import SERVICE, load_settings


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    engine = engine_from_settings(SERVICE, settings)
    app, api = create_service_app(
        SERVICE,
        {
            "database": database_check(engine),
            "kafka": kafka_check(settings["kafka_bootstrap_servers"]),
        },
        title="Dagtilbudsportalen ingest API",
        description=(
            "Takes the register and statistics files from Danmarks Statistik and the daycare "
            "register, validates them whole and publishes what changed."
        ),
        import_name=__name__,
    )
    app.extensions["ingest.settings"] = dict(settings)
    app.extensions["ingest.engine"] = engine
    app.extensions["ingest.context"] = build_context(settings, engine)
    # Werkzeug answers 413 itself before a larger body is read.
    app.config["MAX_CONTENT_LENGTH"] = settings["max_upload_bytes"] + 64 * 1024
    register_error_handlers(app, api)
    api.spec.components.security_scheme(BEARER, SECURITY_SCHEME)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
