"""App factory of the profiles service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dagkit.web import create_database_app
from profiles.api import blueprints
from profiles.config import SERVICE, load_settings


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    """Views reach the settings and engine with ``current_context(DatabaseContext)``."""
    return create_database_app(
        SERVICE,
        settings if settings is not None else load_settings(),
        blueprints,
        title="Dagtilbudsportalen profiles API",
        description=(
            "What institutions and municipalities report about themselves, with full history."
        ),
        import_name=__name__,
    )
