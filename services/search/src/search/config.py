"""The search service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import fields

from dagkit.config import BaseSettingsSchema, RedisUrl, load_settings_or_exit

SERVICE = "search"
PORT = 8004
# The repository's data/ (postcodes for geocoding), beside services/.
DEFAULT_REFERENCE_DIR = str(Path(__file__).resolve().parents[4] / "data")


class SearchSettingsSchema(BaseSettingsSchema):
    redis_url = RedisUrl(data_key="REDIS_URL", load_default="redis://127.0.0.1:6379/0")
    reference_dir = fields.String(data_key="REFERENCE_DATA_DIR", load_default=DEFAULT_REFERENCE_DIR)


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(SearchSettingsSchema(), environ)
