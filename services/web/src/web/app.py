"""App factory of the web service."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from flask import Flask, Response, render_template, request, url_for
from flask_compress import Compress
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dagkit.health import redis_check
from dagkit.logging import configure_logging
from dagkit.tokens import VerifierUnavailable
from dagkit.web import create_service_app, install_context
from web.api import blueprints, labels
from web.api.i18n import install_i18n
from web.api.pages import pages_blueprint
from web.api.security import install_security_headers
from web.api.session import behind_login, install_sessions, no_store
from web.bootstrap import build_context, secret_key
from web.config import SERVICE, load_settings
from web.service_layer.accounts_gateway import AuthUnavailable
from web.service_layer.gateway import SearchUnavailable
from web.service_layer.imports_gateway import ImportsUnavailable
from web.service_layer.profiles_gateway import ProfilesUnavailable

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# Paths answered as the platform's JSON, not as pages.
OPERATIONS = ("/healthz", "/readyz", "/metrics", "/openapi.json")


def create_app(settings: Mapping[str, Any] | None = None, ctx: Any = None) -> Flask:
    settings = settings if settings is not None else load_settings()
    configure_logging(SERVICE, settings["log_level"])
    ctx = ctx if ctx is not None else build_context(settings)
    app, api = create_service_app(
        SERVICE,
        {"redis": redis_check(settings["redis_url"])},
        title="Dagtilbudsportalen web",
        description="The pages parents, institutions and municipalities use.",
        import_name=__name__,
    )
    app.static_folder = str(STATIC)
    app.config.update(
        SEND_FILE_MAX_AGE_DEFAULT=31536000,  # static URLs carry their content hash
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "application/javascript",
            "text/javascript",
            "image/svg+xml",
        ],
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_LEVEL=6,
        COMPRESS_BR_LEVEL=5,
        COMPRESS_MIN_SIZE=500,
        # An upload's form fields beside its file fit in the 64 KiB over.
        MAX_CONTENT_LENGTH=settings["max_upload_bytes"] + 64 * 1024,
    )
    install_context(app, ctx)
    install_sessions(app, settings, secret_key(settings))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    install_i18n(app)
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    for language in ("da", "en"):
        app.register_blueprint(pages_blueprint(language))
    _install_error_pages(app)
    install_security_headers(app, behind_tls=settings["behind_tls"])
    Compress(app)
    return app


@lru_cache(maxsize=64)
def _content_hash(filename: str) -> str:
    path = STATIC / filename
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


def static_url(filename: str) -> str:
    """A static file's address with its content hash, so it can be cached for a year."""
    return url_for("static", filename=filename, v=_content_hash(filename))


def _install_error_pages(app: Flask) -> None:
    json_errors = app.error_handler_spec[None][None][HTTPException]

    def http_error(error: HTTPException) -> Any:
        if request.path.startswith(OPERATIONS):
            return json_errors(error)
        response = Response(
            render_template("pages/error.html", error=error, labels=labels),
            status=error.code or 500,
            mimetype="text/html",
        )
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return no_store(response) if behind_login(request.path) else response

    def search_unavailable(error: SearchUnavailable) -> Any:
        return Response(
            render_template("pages/unavailable.html", labels=labels),
            status=503,
            headers={"Retry-After": "30"},
            mimetype="text/html",
        )

    def service_away(error: Exception) -> Any:
        # A page behind login whose backing service (or the session store)
        # is away; forms catch this themselves and keep what was typed.
        log.warning("backing service away", extra={"error": type(error).__name__})
        response = Response(
            render_template("pages/service_away.html", labels=labels),
            status=503,
            headers={"Retry-After": "30"},
            mimetype="text/html",
        )
        return no_store(response) if behind_login(request.path) else response

    def csrf_refused(error: CSRFError) -> Any:
        # A form without its token, or one from a session that has ended.
        log.info("form refused: %s", error.description)
        return no_store(
            Response(
                render_template("pages/form_expired.html", labels=labels),
                status=400,
                mimetype="text/html",
            )
        )

    def server_error(error: Exception) -> Any:
        log.exception("page failed")
        return Response(
            render_template("pages/error.html", error=None, labels=labels),
            status=500,
            mimetype="text/html",
        )

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SearchUnavailable, search_unavailable)
    app.register_error_handler(CSRFError, csrf_refused)
    for away in (
        AuthUnavailable,
        ProfilesUnavailable,
        ImportsUnavailable,
        VerifierUnavailable,
        redis.ConnectionError,
        redis.TimeoutError,
    ):
        app.register_error_handler(away, service_away)
    app.register_error_handler(Exception, server_error)
