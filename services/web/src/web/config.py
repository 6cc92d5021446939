"""The web service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from dagkit.config import RedisSettingsSchema, TokenSettingsSchema, load_settings_or_exit

SERVICE = "web"
PORT = 8000
# The repository's data/ (municipal boundaries for the maps), beside services/.
DEFAULT_REFERENCE_DIR = str(Path(__file__).resolve().parents[4] / "data")


class WebSettingsSchema(TokenSettingsSchema, RedisSettingsSchema):
    """AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE: how the access tokens of
    the signed-in are verified (TokenSettingsSchema), beside the services the
    pages call and the sessions' settings."""

    search_url = fields.URL(
        data_key="SEARCH_URL", load_default="http://127.0.0.1:8004", require_tld=False
    )
    # A page that waits longer than this for search says so instead of hanging.
    search_timeout_s = fields.Float(
        data_key="SEARCH_TIMEOUT_SECONDS",
        load_default=2.0,
        validate=validate.Range(min=0.1, max=30),
    )
    # Pages are cached whole; search's data changes with imports and profile
    # edits, so a page is at most this old.
    page_cache_ttl_s = fields.Integer(
        data_key="PAGE_CACHE_SECONDS", load_default=30, validate=validate.Range(min=0, max=3600)
    )
    auth_url = fields.URL(
        data_key="AUTH_URL", load_default="http://127.0.0.1:8002", require_tld=False
    )
    profiles_url = fields.URL(
        data_key="PROFILES_URL", load_default="http://127.0.0.1:8003", require_tld=False
    )
    ingest_url = fields.URL(
        data_key="INGEST_URL", load_default="http://127.0.0.1:8001", require_tld=False
    )
    # How long a page behind login waits for auth, profiles or ingest.
    backend_timeout_s = fields.Float(
        data_key="BACKEND_TIMEOUT_SECONDS",
        load_default=5.0,
        validate=validate.Range(min=0.1, max=60),
    )
    # A whole register file travels to ingest and is checked there.
    upload_timeout_s = fields.Float(
        data_key="UPLOAD_TIMEOUT_SECONDS",
        load_default=120.0,
        validate=validate.Range(min=1, max=900),
    )
    # The largest file an upload page takes (ingest's own limit,
    # INGEST_MAX_UPLOAD_BYTES, by default); a larger request is refused (413)
    # before it is read.
    max_upload_bytes = fields.Integer(
        data_key="WEB_MAX_UPLOAD_BYTES",
        load_default=50 * 1024 * 1024,
        validate=validate.Range(min=1024, max=1024 * 1024 * 1024),
    )
    # Signs the forms' CSRF tokens; every worker and replica must share it.
    # Unset: a key made once and kept in DATA_DIR (a single machine's runs).
    secret_key = fields.String(
        data_key="WEB_SECRET_KEY", load_default=None, validate=validate.Length(min=32)
    )
    # The session cookie is __Host- prefixed and Secure. Plain-HTTP local runs
    # (make run, a browser at http://127.0.0.1:8000) set this to false and get
    # an unprefixed cookie instead; never in production.
    session_cookie_secure = fields.Boolean(data_key="WEB_SESSION_COOKIE_SECURE", load_default=True)
    # A session unused this long is gone; the browser's cookie dies with the browser.
    session_idle_minutes = fields.Integer(
        data_key="WEB_SESSION_IDLE_MINUTES",
        load_default=60,
        validate=validate.Range(min=5, max=24 * 60),
    )
    # How often a session asks auth whether its account may still log in, so
    # a disabled account's session ends within this many seconds.
    account_check_s = fields.Integer(
        data_key="WEB_ACCOUNT_CHECK_SECONDS",
        load_default=60,
        validate=validate.Range(min=0, max=900),
    )
    reference_dir = fields.String(data_key="REFERENCE_DATA_DIR", load_default=DEFAULT_REFERENCE_DIR)
    # Behind a TLS-terminating proxy: HSTS and https-only cookies.
    behind_tls = fields.Boolean(data_key="WEB_BEHIND_TLS", load_default=False)


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(WebSettingsSchema(), environ)
