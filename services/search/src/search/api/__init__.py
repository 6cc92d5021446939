"""The search service's HTTP API: blueprints registered on the app's Api."""

from __future__ import annotations

from flask_smorest import Blueprint

from search.api.compare import blp as compare_blueprint
from search.api.export import blp as export_blueprint
from search.api.geocode import blp as geocode_blueprint
from search.api.institutions import blp as institutions_blueprint
from search.api.statistics import blp as statistics_blueprint

blueprints: list[Blueprint] = [
    geocode_blueprint,
    institutions_blueprint,
    statistics_blueprint,
    compare_blueprint,
    export_blueprint,
]
