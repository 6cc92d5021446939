"""The profiles service's HTTP API: blueprints registered on the app's Api."""

from __future__ import annotations

from flask_smorest import Blueprint

from profiles.api.municipalities import blp as municipalities_blueprint
from profiles.api.profiles import blp as profiles_blueprint

blueprints: list[Blueprint] = [profiles_blueprint, municipalities_blueprint]
