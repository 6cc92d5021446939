"""The web service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from dagkit.config import RedisSettingsSchema, load_settings_or_exit

SERVICE = "web"
PORT = 8000
# The repository's data/ (municipal boundaries for the maps), beside services/.
DEFAULT_REFERENCE_DIR = str(Path(__file__).resolve().parents[4] / "data")


class WebSettingsSchema(RedisSettingsSchema):
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
    reference_dir = fields.String(data_key="REFERENCE_DATA_DIR", load_default=DEFAULT_REFERENCE_DIR)
    # Behind a TLS-terminating proxy: HSTS and https-only cookies.
    behind_tls = fields.Boolean(data_key="WEB_BEHIND_TLS", load_default=False)


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(WebSettingsSchema(), environ)
