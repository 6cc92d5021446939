"""The ingest service's HTTP API: blueprints registered on the app's Api."""

from __future__ import annotations

from flask_smorest import Blueprint

from ingest.api.imports import blp as imports_blueprint

blueprints: list[Blueprint] = [imports_blueprint]
