"""The search service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from dagkit.config import BaseSettingsSchema, RedisUrl, load_settings_or_exit

SERVICE = "search"
PORT = 8004
# The repository's data/ (postcodes for geocoding), beside services/.
DEFAULT_REFERENCE_DIR = str(Path(__file__).resolve().parents[4] / "data")


class SearchSettingsSchema(BaseSettingsSchema):
    redis_url = RedisUrl(data_key="REDIS_URL", load_default="redis://127.0.0.1:6379/0")
    reference_dir = fields.String(data_key="REFERENCE_DATA_DIR", load_default=DEFAULT_REFERENCE_DIR)
    # Signs page cursors. Unset: a secret made once and kept in DATA_DIR, which
    # the worker processes of one instance share but separate instances do not.
    cursor_secret = fields.String(
        data_key="SEARCH_CURSOR_SECRET", load_default=None, validate=validate.Length(min=32)
    )


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(SearchSettingsSchema(), environ)
