"""App factory of the auth service."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from auth.api import blueprints
from auth.api.tokens import SECURITY_SCHEME
from auth.bootstrap import build_context
from auth.config import SERVICE, load_settings
from auth.service_layer.context import AuthContext
from auth.service_layer.keys import RotationConflict, ensure_signing_key, published_keys
from auth.service_layer.tokens import is_revoked
from dagkit.health import database_check, kafka_check, redis_check
from dagkit.logging import configure_logging
from dagkit.problems import register_error_handlers
from dagkit.tokens import BEARER_SCHEME, TokenVerifier, install_token_verifier
from dagkit.web import create_service_app, install_context

log = logging.getLogger(__name__)

JWKS_PATH = "/.well-known/jwks.json"


def own_token_verifier(ctx: AuthContext) -> TokenVerifier:
    """The kit's verifier for auth's own protected endpoints: the keys come
    from auth's database in this process (no HTTP request to itself), so it
    may look again soon after an unknown kid; revocations from Redis."""
    rules = ctx.tokens
    return TokenVerifier(
        rules.issuer.rstrip("/") + JWKS_PATH,
        issuer=rules.issuer,
        audience=rules.audience,
        fetch_jwks=lambda: published_keys(ctx),
        is_revoked=lambda token_id: is_revoked(ctx, token_id),
        min_refetch_interval_s=1.0,
        jwks_max_age_s=60.0,
        clock=lambda: ctx.clock().timestamp(),
    )


def create_app(
    settings: Mapping[str, Any] | None = None, *, ctx: AuthContext | None = None
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
        title="Dagtilbudsportalen auth API",
        description="Accounts, passwords, roles and the tokens every service verifies.",
        import_name=__name__,
    )
    if settings.get("trust_proxy"):
        # The client's address from the proxy's X-Forwarded-For entry (one hop).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    install_context(app, ctx)
    install_token_verifier(app, own_token_verifier(ctx))
    register_error_handlers(app, api)
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    try:
        ensure_signing_key(ctx)
    except (SQLAlchemyError, RotationConflict) as exc:
        # Not migrated yet, or the database is away: the first login makes it.
        log.info("no signing key ensured at start", extra={"error": type(exc).__name__})
    return app
