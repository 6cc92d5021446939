"""App factory of the ingest service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dagkit.health import database_check, kafka_check
from dagkit.logging import configure_logging
from dagkit.tokens import BEARER_SCHEME, TokenVerifier, install_token_verifier
from dagkit.web import create_service_app, install_context
from ingest.api import blueprints
from ingest.api.errors import register_error_handlers
from ingest.api.security import SECURITY_SCHEME
from ingest.bootstrap import build_context, build_verifier
from ingest.config import SERVICE, load_settings


def create_app(
    settings: Mapping[str, Any] | None = None, verifier: TokenVerifier | None = None
) -> Flask:
    """``verifier`` replaces the one verifying tokens against auth's JWK Set
    (tests: a ``TokenMint``'s)."""
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    verifier = verifier or build_verifier(settings)
    ctx = build_context(settings, verifier=verifier)
    assert ctx.engine is not None
    app, api = create_service_app(
        SERVICE,
        {
            "database": database_check(ctx.engine),
            "kafka": kafka_check(settings["kafka_bootstrap_servers"]),
        },
        title="Dagtilbudsportalen ingest API",
        description=(
            "Takes the register and statistics files from Danmarks Statistik and the daycare "
            "register, validates them whole and publishes what changed."
        ),
        import_name=__name__,
    )
    install_context(app, ctx)
    install_token_verifier(app, verifier)
    # Werkzeug answers 413 itself before a larger body is read.
    app.config["MAX_CONTENT_LENGTH"] = ctx.max_upload_bytes + 64 * 1024
    register_error_handlers(app, api)
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
