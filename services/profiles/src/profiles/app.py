"""App factory of the profiles service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dagkit.health import database_check, kafka_check
from dagkit.logging import configure_logging
from dagkit.problems import register_error_handlers
from dagkit.tokens import (
    BEARER_SCHEME,
    TokenVerifier,
    install_token_verifier,
    verifier_from_settings,
)
from dagkit.web import create_service_app, install_context
from profiles.api import blueprints
from profiles.api.messages import bilingual_errors
from profiles.api.security import SECURITY_SCHEME
from profiles.bootstrap import build_context
from profiles.config import SERVICE, load_settings
from profiles.service_layer.context import ProfilesContext


def create_app(
    settings: Mapping[str, Any] | None = None,
    *,
    verifier: TokenVerifier | None = None,
    ctx: ProfilesContext | None = None,
) -> Flask:
    """``verifier`` replaces the one verifying tokens against auth's JWK Set
    (tests: a ``TokenMint``'s); ``ctx`` a context built by the caller (tests
    that move the clock)."""
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    ctx = ctx or build_context(settings)
    assert ctx.engine is not None
    app, api = create_service_app(
        SERVICE,
        {
            "database": database_check(ctx.engine),
            "kafka": kafka_check(settings["kafka_bootstrap_servers"]),
        },
        title="Dagtilbudsportalen profiles API",
        description=(
            "What institutions and municipalities report about themselves, with full history."
        ),
        import_name=__name__,
    )
    install_context(app, ctx)
    # Against auth's JWK Set (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE), fetched
    # when the first token is verified.
    install_token_verifier(app, verifier or verifier_from_settings(settings))
    register_error_handlers(app, api, field_errors=bilingual_errors)
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
