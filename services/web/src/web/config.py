"""The web service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagkit.config import RedisSettingsSchema, load_settings_or_exit

SERVICE = "web"
PORT = 8000


class WebSettingsSchema(RedisSettingsSchema):
    """Only the platform's settings and Redis (which only /readyz uses so far)."""


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(WebSettingsSchema(), environ)
