"""The auth service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagkit.config import BaseSettingsSchema, RedisUrl, load_settings_or_exit

SERVICE = "auth"
PORT = 8002


class AuthSettingsSchema(BaseSettingsSchema):
    redis_url = RedisUrl(data_key="REDIS_URL", load_default="redis://127.0.0.1:6379/0")


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(AuthSettingsSchema(), environ)
