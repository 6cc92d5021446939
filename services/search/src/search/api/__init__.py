"""The search service's HTTP API: blueprints registered on the app's Api."""

from __future__ import annotations

from flask_smorest import Blueprint

from search.api.geocode import blp as geocode_blueprint
from search.api.institutions import blp as institutions_blueprint

blueprints: list[Blueprint] = [geocode_blueprint, institutions_blueprint]
