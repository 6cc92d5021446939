"""App factory of the auth service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from auth.api import blueprints
from auth.config import SERVICE, load_settings
from dagkit.health import redis_check
from dagkit.web import create_database_app


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    """Views reach the settings and engine with ``current_context(DatabaseContext)``."""
    settings = settings if settings is not None else load_settings()
    return create_database_app(
        SERVICE,
        settings,
        blueprints,
        checks={"redis": redis_check(settings["redis_url"])},
        title="Dagtilbudsportalen auth API",
        description="Accounts, passwords, roles and the tokens every service verifies.",
        import_name=__name__,
    )
