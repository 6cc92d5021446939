"""The profiles service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagkit.config import BaseSettingsSchema, TokenSettingsSchema, load_settings_or_exit

SERVICE = "profiles"
PORT = 8003


class ProfilesSettingsSchema(TokenSettingsSchema, BaseSettingsSchema):
    """AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE: how editors' access
    tokens are verified (TokenSettingsSchema), beside the platform's settings."""


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(ProfilesSettingsSchema(), environ)
