"""The profiles service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagkit.config import BaseSettingsSchema, load_settings_or_exit

SERVICE = "profiles"
PORT = 8003


class ProfilesSettingsSchema(BaseSettingsSchema):
    """Only the platform's settings so far."""


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(ProfilesSettingsSchema(), environ)
